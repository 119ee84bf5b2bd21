/**
 * Progress on stderr for long work. On a terminal, one line rewritten in place (at most ten times a
 * second); otherwise — a log file, CI — a plain line every few seconds, so logs stay readable.
 */
export class ProgressLine {
  /** When the last line was written, for throttling. */
  #lastWrite = Number.NEGATIVE_INFINITY;
  /** Whether a rewritable line is on screen and must be ended before other output. */
  #open = false;
  readonly #interactive: boolean;
  readonly #interval: number;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    interactive = stream.isTTY === true,
  ) {
    this.#interactive = interactive;
    this.#interval = interactive ? 100 : 3000;
  }

  /** Shows `text` as the current state; dropped if a line was written too recently, unless `force`. */
  update(text: string, force = false): void {
    const now = performance.now();
    if (!force && now - this.#lastWrite < this.#interval) return;
    this.#lastWrite = now;
    if (this.#interactive) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.#open = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Writes `text` as a finished line: the end of a step. */
  done(text: string): void {
    if (this.#interactive) this.stream.write(`\r\x1b[2K${text}\n`);
    else this.stream.write(`${text}\n`);
    this.#open = false;
    this.#lastWrite = Number.NEGATIVE_INFINITY;
  }

  /** Ends a line left open, before other output. */
  clear(): void {
    if (this.#open) this.stream.write('\r\x1b[2K');
    this.#open = false;
  }
}

/** `n` with thousands separators: 1,000,000. */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A byte size in B, kB, MB or GB (decimal units), three significant digits. */
export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)} MB`;
  return n >= 1e3 ? `${(n / 1e3).toPrecision(3)} kB` : `${n} B`;
}

/** A duration in ms or s. */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toPrecision(3)} s` : `${ms.toPrecision(3)} ms`;
}
