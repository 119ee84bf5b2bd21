/** `cowshare get file [path]`: prints the value at a path of an image file as JSON. */
import { CowshareError } from '../errors.js';
import { openFile } from '../node/image-file.js';
import { MapView, SetView } from '../view/keyed-view.js';
import { toJS } from '../view/to-js.js';
import { type Command, positionalArgs, UsageError } from './command.js';
import { toJson } from './json-output.js';

export const get: Command = {
  name: 'get',
  summary: 'print the value at a path of an image file as JSON',
  usage: `Usage: cowshare get <file> [path] [--compact]

Prints the value at <path> as JSON; without a path, the whole root. A path is dotted keys and
indices (users.42.name, or users[42].name) or a JSON pointer (/users/42/name, where ~1 is / and
~0 is ~, for keys with dots). A Map is followed by its keys (a numeric step also tries the number),
an array or typed array by its indices. Exits with 1 when the path does not exist.

JSON has no syntax for some packed values: a Map prints as an object (as [key, value] pairs when a
key is not a string), a Set or typed array as an array, a bigint as a string, a RegExp as its
source, an Error as {name, message}, undefined as null.

Options:
  --compact     one line instead of indented
  -h, --help    print this help`,
  options: { compact: { type: 'boolean' } },
  async run(values, { stdout }, positionals) {
    const [path = '', expression = ''] = positionalArgs(positionals, ['file'], ['path']);
    const steps = parsePath(expression);
    let value: unknown = openFile(path);
    for (const [i, step] of steps.entries()) {
      const next = follow(value, step);
      if (next === MISSING) {
        const at = i === 0 ? 'the root' : `'${shown(steps.slice(0, i))}'`;
        throw new CowshareError(
          'FILE',
          `${path}: '${expression}' does not exist: ${at} ${noStep(value, step)}`,
        );
      }
      value = next;
    }
    stdout.write(`${toJson(toJS(value), values.compact ? 0 : 2)}\n`);
    return 0;
  },
};

const MISSING = Symbol('missing');
const INDEX = /^(0|[1-9]\d*)$/;

/** The steps of a dotted path or a JSON pointer (RFC 6901). */
export function parsePath(expression: string): string[] {
  if (expression === '') return [];
  if (expression.startsWith('/')) {
    return expression
      .slice(1)
      .split('/')
      .map((step) => step.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  const steps = expression.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (steps.some((step) => step === '')) {
    throw new UsageError(
      `path '${expression}' has an empty step (for keys with dots, use a JSON pointer: /a.b/c)`,
    );
  }
  return steps;
}

/** One step down from `value`, or MISSING. Only own data is followed: never a prototype's property. */
function follow(value: unknown, step: string): unknown {
  if (value instanceof MapView) {
    if (value.has(step)) return value.get(step);
    const n = Number(step);
    return step.trim() !== '' && String(n) === step && value.has(n) ? value.get(n) : MISSING;
  }
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const items = value as ArrayLike<unknown>;
    return INDEX.test(step) && Number(step) < items.length ? items[Number(step)] : MISSING;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof SetView)) {
    return Object.hasOwn(value, step) ? (value as Record<string, unknown>)[step] : MISSING;
  }
  return MISSING;
}

function noStep(value: unknown, step: string): string {
  if (value instanceof MapView) return `(a Map of ${value.size}) has no key '${step}'`;
  if (value instanceof SetView) return 'is a Set, whose values have no keys to follow';
  if (Array.isArray(value)) return `(an array of ${value.length}) has no index ${step}`;
  if (ArrayBuffer.isView(value)) return `has no index ${step}`;
  if (typeof value === 'object' && value !== null) return `has no key '${step}'`;
  return `is ${value === null ? 'null' : typeof value}, which has no '${step}'`;
}

const shown = (steps: readonly string[]): string => steps.join('.');
