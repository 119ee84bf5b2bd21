// Compile-time checks of the public types: `npm run typecheck` fails if Shared<T> stops being the deep
// read-only view type. The runtime test only makes node:test count the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Image, open, pack, type Shared, toJS } from '../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

interface User {
  id: number;
  name: string;
  tags: string[];
  joined: Date;
  scores: Float64Array;
  friends: Map<string, User>;
  roles: Set<'admin' | 'user'>;
  pair: [number, string];
  nested: { deep: { value: bigint } };
}

type SharedUser = Shared<User>;

expectType<Equal<SharedUser['id'], number>>();
expectType<Equal<SharedUser['tags'], readonly string[]>>();
expectType<Equal<SharedUser['joined'], Date>>();
expectType<Equal<SharedUser['scores'], Float64Array>>();
expectType<Equal<SharedUser['friends'], ReadonlyMap<string, Shared<User>>>>();
expectType<Equal<SharedUser['roles'], ReadonlySet<'admin' | 'user'>>>();
expectType<Equal<SharedUser['pair'], readonly [number, string]>>();
expectType<Equal<SharedUser['nested']['deep']['value'], bigint>>();
expectType<Equal<Shared<string>, string>>();
expectType<Equal<Shared<null>, null>>();

test('open<T> gives Shared<T>, toJS gives T back', () => {
  const image: Image = pack(new Map([['a', { n: 1, list: [1, 2] }]]));
  const shared = open<Map<string, { n: number; list: number[] }>>(image);
  expectType<
    Equal<typeof shared, ReadonlyMap<string, { readonly n: number; readonly list: readonly number[] }>>
  >();
  assert.throws(() => {
    // @ts-expect-error a view is read-only, in its type and at run time
    shared.get('a')!.n = 2;
  }, TypeError);
  assert.throws(() => {
    // @ts-expect-error arrays in views are readonly
    shared.get('a')!.list.push(3);
  }, TypeError);
  const copy = toJS(shared);
  expectType<Equal<typeof copy, Map<string, { n: number; list: number[] }>>>();
  assert.equal(shared.get('a')?.n, 1);
  assert.deepEqual(copy, new Map([['a', { n: 1, list: [1, 2] }]]));
});
