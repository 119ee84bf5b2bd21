import { CowshareError, type ErrorCode } from '../errors.js';

// What `pack` refuses, and how a refusal names its place: the path is built on the way up, only
// when something fails.

/**
 * A refusal on its way up: each container it passes adds its part of the path, so the path costs
 * nothing unless something fails.
 */
export class PackFailure {
  private readonly parts: string[] = [];
  constructor(
    private readonly code: ErrorCode,
    private readonly reason: string,
  ) {}

  static rethrow(error: unknown, part: string): never {
    if (error instanceof PackFailure) error.parts.push(part);
    else if (error instanceof CowshareError && error.code === 'LIMIT') {
      const failure = new PackFailure('LIMIT', error.message);
      failure.parts.push(part);
      throw failure;
    }
    throw error;
  }

  toError(root: string): CowshareError {
    return new CowshareError(this.code, `${root}${this.parts.reverse().join('')}: ${this.reason}`);
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** The path part for property `key`: `.name`, or `["odd key"]` when it is not an identifier. */
export const propertyPart = (key: string): string =>
  IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
export function keyPart(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (typeof key === 'object' && key !== null) return `<${Object.prototype.toString.call(key).slice(8, -1)}>`;
  return String(key);
}

/** Tags of objects `structuredClone` refuses; other exotic objects are packed as plain objects. */
export const REFUSED_TAGS: Readonly<Record<string, string>> = {
  WeakMap: 'WeakMaps cannot be packed',
  WeakSet: 'WeakSets cannot be packed',
  WeakRef: 'WeakRefs cannot be packed',
  FinalizationRegistry: 'FinalizationRegistries cannot be packed',
  Promise: 'Promises cannot be packed',
  Symbol: 'Symbol objects cannot be packed',
  Generator: 'generators cannot be packed',
  AsyncGenerator: 'async generators cannot be packed',
  // structuredClone copies them, but a Blob's bytes are read asynchronously and pack is synchronous.
  Blob: 'Blobs cannot be packed: pack new Uint8Array(await blob.arrayBuffer()) instead',
  File: 'Files cannot be packed: pack new Uint8Array(await file.arrayBuffer()) instead',
};

/**
 * Brand checks for objects from other realms, where `instanceof` fails: each throws unless its argument
 * really is that built-in (a toStringTag alone can lie). An object whose tag says Error is packed as an
 * error: its fields are read the way any error's are.
 */
const BRAND_CHECKS: Readonly<Record<string, (o: object) => unknown>> = {
  Map: (o) => Map.prototype.has.call(o, undefined),
  Set: (o) => Set.prototype.has.call(o, undefined),
  Date: (o) => Date.prototype.getTime.call(o),
  ArrayBuffer: (o) => Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!.call(o),
  SharedArrayBuffer: (o) =>
    Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get!.call(o),
  RegExp: (o) => Object.getOwnPropertyDescriptor(RegExp.prototype, 'source')!.get!.call(o),
  Error: () => true,
  Boolean: (o) => Boolean.prototype.valueOf.call(o),
  Number: (o) => Number.prototype.valueOf.call(o),
  String: (o) => String.prototype.valueOf.call(o),
  BigInt: (o) => BigInt.prototype.valueOf.call(o),
};

/** The built-in kind of an object whose `instanceof` checks failed, by brand check; undefined if none. */
export function brandOf(o: object, tag: string): string | undefined {
  const check = BRAND_CHECKS[tag];
  if (check === undefined) return undefined;
  try {
    check(o);
    return tag;
  } catch {
    return undefined;
  }
}
