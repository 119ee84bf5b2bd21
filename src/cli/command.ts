/**
 * What every subcommand is: a name, a usage text, its `parseArgs` options and a `run` that returns the
 * exit code (0 done, 1 failed). Usage errors throw `UsageError`, which main.ts turns into exit code 2.
 */
import type { ParseArgsConfig } from 'node:util';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Values, io: Io, positionals: string[]): Promise<number>;
}

/** A command line that cannot be run: the message, then the usage, go to stderr; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An integer option within [min, max], or its default when absent. */
export function integerOption(
  value: string | boolean | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n =
    typeof value === 'string' && /^\d[\d_]*$/.test(value) ? Number(value.replaceAll('_', '')) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/**
 * The positional arguments of a command: all of `required`, then up to `optional.length` more, or a
 * UsageError naming what is missing or unexpected.
 */
export function positionalArgs(
  positionals: readonly string[],
  required: readonly string[],
  optional: readonly string[] = [],
): (string | undefined)[] {
  if (positionals.length < required.length) throw new UsageError(`missing <${required[positionals.length]}>`);
  const most = required.length + optional.length;
  if (positionals.length > most) throw new UsageError(`unexpected argument '${positionals[most]}'`);
  return [...positionals];
}
