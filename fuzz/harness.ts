// What the fuzz targets share: how fuzz bytes become an image (framed, with its headers repaired so
// that mutations reach past them), and the oracle every image is judged by (docs/fuzzing.md).
import { MAX_DEPTH } from '../src/cli/json-stream.js';
import { crc32 } from '../src/format/crc32.js';
import { Header, LayerHeader, MAGIC, SEGMENT_MAGIC, SegmentHeader } from '../src/format/layout.js';
import { CowshareError, commit, fork, type Image, open, pack, toJS, verify } from '../src/index.js';
import { assertSameAsClone } from '../test/support/equal.js';
import { walk } from '../test/support/walk.js';

/** A broken promise: Jazzer.js reports any exception that leaves the fuzz function as a finding. */
export class Finding extends Error {
  override name = 'Finding';
}

/** How an operation on outside input ended: as it may (ok, or refused), or as a Finding. */
export type Outcome = 'ok' | 'refused';

/**
 * Runs `fn`. A CowshareError, and a RangeError (an engine limit: a string or array too long), are
 * refusals; every other exception is a Finding, with the original as its cause.
 */
export function outcome(what: string, fn: () => void): Outcome {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return refusal(what, error);
  }
}

/** `outcome` of an async operation. */
export async function outcomeAsync(what: string, fn: () => Promise<void>): Promise<Outcome> {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    return refusal(what, error);
  }
}

function refusal(what: string, error: unknown): Outcome {
  if (error instanceof Finding) throw error;
  if (error instanceof CowshareError || error instanceof RangeError) return 'refused';
  throw new Finding(`${what} threw ${describe(error)}`, { cause: error });
}

/**
 * What `cowshare pack` must make of `text`, which `parse` (JSON.parse of it) reads: refused when
 * that fails, or (`root`) when it is no array or object, or when an item — an element or member of
 * the root, or each value of a list — nests deeper than MAX_DEPTH or holds a number that is not
 * finite; else the value itself. A number literal out of range that JSON.parse's value no longer
 * shows — a key given twice keeps its last value — is refused too, or not (`mayRefuse`): the packer
 * sees every value as it comes.
 */
export function expectedOf(
  text: string,
  parse: () => unknown,
  { root = false } = {},
): { refused: boolean; mayRefuse: boolean; why: string; value?: unknown } {
  let value: unknown;
  try {
    value = parse();
  } catch (error) {
    return { refused: true, mayRefuse: true, why: `JSON.parse: ${describe(error)}` };
  }
  if (root && (typeof value !== 'object' || value === null))
    return { refused: true, mayRefuse: true, why: 'no array or object at the top' };
  for (const item of Object.values(value as object)) {
    const why = unpackable(item);
    if (why !== undefined) return { refused: true, mayRefuse: true, why };
  }
  const mayRefuse = HUGE_LITERAL.test(text);
  return { refused: false, mayRefuse, why: 'JSON.parse reads it', value };
}

/** A number literal that may be out of range (inside a string too: then it is no reason to refuse). */
const HUGE_LITERAL = /\d[eE]\+?\d{3}|\d{309}/;

/** Throws a Finding when the reader's outcome `got` is not what `expected` allows. */
export function expect(reader: string, got: Outcome, expected: ReturnType<typeof expectedOf>): void {
  if (got === 'refused' ? expected.refused || expected.mayRefuse : !expected.refused) return;
  throw new Finding(`the ${reader} reader ${got === 'ok' ? 'accepted' : 'refused'} it, but ${expected.why}`);
}

/** Why `cowshare pack` refuses one parsed item, or undefined. Iterative: items may nest 64k deep. */
function unpackable(item: unknown): string | undefined {
  const stack: [unknown, number][] = [[item, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return `${v}: a number out of range`;
    if (typeof v === 'object' && v !== null) {
      if (depth + 1 > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
      for (const x of Object.values(v)) stack.push([x, depth + 1]);
    }
  }
  return undefined;
}

/** Whether a plain value holds an array longer than 65,536 elements (looking at 10,000 values at most). */
function hasLongArray(value: unknown): boolean {
  const stack = [value];
  const seen = new Set<unknown>();
  for (let left = 10_000; stack.length > 0 && left > 0; left--) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v) && v.length > 65_536) return true;
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else if (!ArrayBuffer.isView(v))
      for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
  }
  return false;
}

/** Throws a Finding (`what` differs) unless `actual` is `expected` as structuredClone would copy it. */
export function sameAs(what: string, actual: unknown, expected: unknown): void {
  try {
    assertSameAsClone(actual, expected);
  } catch (error) {
    throw new Finding(`${what} differs: ${describe(error)}`);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `the non-Error ${String(error)}`;
}

/** Bits of the frame byte (`framed`): no repair; how many segments follow the first. */
const RAW = 0x80;
const EXTRA_SEGMENTS = 0x03;
/** A bit of the frame byte the targets read: show objects as records (`open`'s `objects`). */
export const RECORDS = 0x40;

/**
 * The image that fuzz bytes `data` stand for. Byte 0 is the frame: bits 0–1 say how many segments
 * follow the first (0–3), each with a u32 length after byte 0, then the segments' bytes (the first
 * takes what the others leave), each padded to a multiple of 8 as the format wants. Unless bit 7 is
 * set, the headers are repaired as a writer would write them — magic, lengths, indices, segment
 * counts, a layer's base segment count and base checksum, and the checksums — so that most inputs
 * reach the nodes. A segment that starts with the image magic starts a layer (FORMAT.md §7); any
 * other segment after the first gets a segment header. `base`: segments that come first, as they are
 * (the layer target's base image).
 */
export function framed(data: Uint8Array, base?: Image): Image {
  const control = data[0] ?? 0;
  const extra = control & EXTRA_SEGMENTS;
  let at = 1 + 4 * extra;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const lengths: number[] = [];
  for (let i = 0; i < extra; i++)
    lengths.push(1 + 4 * i + 4 <= data.length ? view.getUint32(1 + 4 * i, true) : 0);
  const rest = Math.max(0, data.length - at);
  const others = lengths.map((n) => Math.min(n, rest));
  const firstLength = Math.max(0, rest - others.reduce((a, b) => a + b, 0));
  const own: Uint8Array[] = [];
  for (const n of [firstLength, ...others]) {
    const length = Math.min(n, data.length - at);
    own.push(data.subarray(at, at + Math.max(0, length)));
    at += Math.max(0, length);
  }
  const before = base?.segments.length ?? 0;
  const segments = own.map((bytes, i) => {
    const isLayer = i === 0 || startsWith(bytes, MAGIC);
    const minimum = isLayer ? (i === 0 && before === 0 ? Header.Size : LayerHeader.Size) : 16;
    const size = Math.max(bytes.length, (control & RAW) === 0 ? minimum : 0);
    const segment = new SharedArrayBuffer(size + (-size & 7));
    new Uint8Array(segment).set(bytes);
    return segment;
  });
  const image = { segments: [...(base?.segments ?? []), ...segments] };
  if ((control & RAW) === 0) repair(image, before);
  return image;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** Writes the headers of the segments from `first` on as a writer would (see `framed`). */
function repair(image: Image, first: number): void {
  const segments = image.segments.map((s) => new Uint8Array(s));
  const starts: number[] = [];
  for (let i = first; i < segments.length; i++) {
    if (i === first || startsWith(segments[i]!, MAGIC)) starts.push(i);
  }
  let belowChecksum = 0;
  if (first > 0) {
    // The base's top header: the last segment of it that starts a layer (or segment 0).
    let top = first - 1;
    while (top > 0 && !startsWith(segments[top]!, MAGIC)) top--;
    belowChecksum = new DataView(segments[top]!.buffer).getUint32(Header.Checksum, true);
  }
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? segments.length;
    const bytes = segments[start]!;
    const layer = start > 0;
    const size = layer ? LayerHeader.Size : Header.Size;
    const word = (field: number, value: number) =>
      new DataView(bytes.buffer).setUint32(field, value >>> 0, true);
    bytes.set(MAGIC, Header.Magic);
    new DataView(bytes.buffer).setUint16(Header.Major, 1, true);
    word(Header.FirstSegmentBytes, bytes.length);
    word(Header.SegmentCount, end - start);
    word(Header.BaseSegmentCount, start);
    if (layer) word(LayerHeader.BaseChecksum, belowChecksum);
    else word(Header.Reserved, 0);
    for (let i = start + 1; i < end; i++) {
      const words = new Uint32Array(segments[i]!.buffer);
      words[SegmentHeader.Magic] = SEGMENT_MAGIC;
      words[SegmentHeader.Index] = i;
      words[SegmentHeader.Length] = segments[i]!.length;
      words[SegmentHeader.Reserved] = 0;
    }
    word(Header.Checksum, 0);
    belowChecksum = crc32(bytes.subarray(0, size));
    word(Header.Checksum, belowChecksum);
  });
}

/**
 * The oracle for an image from outside. `verify` and every read end as they may: a value, a
 * CowshareError or a RangeError — never another exception or a hang. An image that `verify` accepts
 * is a promise: it reads without a single error, every read agrees with the others, and it survives
 * the round trips (`pack` of the view, `fork` + writes + `commit`) unchanged. `objects`: how views
 * show objects (the targets take it from the input, so both ways are fuzzed).
 */
export function check(image: Image, objects: 'facade' | 'record' = 'facade'): void {
  if (outcome('verify', () => verify(image)) === 'ok') promises(image, objects);
  else {
    outcome(`reading (${objects})`, () => {
      const view = open(image, { objects });
      walk(view, { budget: BUDGET });
      toJS(view);
    });
  }
}

/** Values a walk visits: a fuzz input is small, and each node is walked once. */
const BUDGET = 1000;

/** What an image verify accepted promises (see `check`); a broken promise is a Finding. */
function promises(image: Image, objects: 'facade' | 'record'): void {
  const promise = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      throw new Finding(`verify accepted the image, but ${what}: ${describe(error)}`, { cause: error });
    }
  };
  const view = open(image, { objects });
  promise(`a consistent read (${objects}) failed`, () => walk(view, { consistent: true, budget: BUDGET }));
  const copy = toJS(view);
  const same = (what: string, other: unknown) =>
    sameAs(`verify accepted the image, but ${what}`, other, copy);
  // (Not for a long array: JSON.stringify's own work then, each hole a "null" — and Node 20's V8
  // aborts the process past ~2^27 of them, on a plain array as on a view.)
  if (!hasLongArray(copy))
    promise('JSON.stringify of the view is not that of its copy', () => {
      const json = (v: unknown) => {
        try {
          return JSON.stringify(v, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
        } catch (error) {
          return `throws ${describe(error).split('\n')[0]}`;
        }
      };
      if (json(view) !== json(copy)) throw new Error(`${json(view)} against ${json(copy)}`);
    });
  promise('pack of the view failed', () => same('pack of the view', toJS(open(pack(view)))));
  promise('commit of a fork failed', () =>
    same('commit of an unwritten fork', toJS(open(commit(fork(view))))),
  );
  promise('a write through a fork failed', () => {
    const draft = fork(view) as unknown;
    if (!written(draft)) return;
    const layer = commit(draft);
    verify(layer);
    if (!written(open(layer), true)) throw new Error('the committed write is not there');
    same('the base after a fork was written', toJS(view));
  });
}

const MARK = '__fuzzed';

/**
 * Writes a mark into the draft of a container (`check` false; false when it is no container), or
 * tells whether a committed view of it holds the mark.
 */
function written(value: unknown, check = false): boolean {
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  switch (tag) {
    case 'Map':
      if (check) return (value as Map<unknown, unknown>).get(MARK) === 1;
      (value as Map<unknown, unknown>).set(MARK, 1);
      return true;
    case 'Set':
      if (check) return (value as Set<unknown>).has(MARK);
      (value as Set<unknown>).add(MARK);
      return true;
    case 'Array': {
      const array = value as unknown[];
      if (check) return array.at(-1) === MARK;
      if (array.length === 2 ** 32 - 1) return false; // a push throws, as natively
      array.push(MARK);
      return true;
    }
    case 'Object':
      if (check) return (value as Record<string, unknown>)[MARK] === 1;
      (value as Record<string, unknown>)[MARK] = 1;
      return true;
    default:
      return false;
  }
}
