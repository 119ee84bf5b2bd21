// commit(draft) and layered images (FORMAT.md §7): a layer holds only what changed and reads as the
// draft did; layers stack; image files and workers take them like any image; damaged or mismatched
// layers are refused with a CowshareError. The model test (fork.property.test.ts) commits every
// random draft as well.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { CowshareError, commit, fork, type Image, open, pack, snapshot, toJS, verify } from '../src/index.js';
import { openFile, writeImage } from '../src/node/index.js';

type Any = any;

const bytesOf = (image: Image): number => image.segments.reduce((sum, s) => sum + s.byteLength, 0);

function dictionary(n: number): Map<string, { i: number; tags: string[]; when: Date }> {
  return new Map(Array.from({ length: n }, (_, i) => [`k${i}`, { i, tags: ['a', 'b'], when: new Date(i) }]));
}

describe('commit: a layer of what changed', () => {
  test('8 writes into entries of a 100,000-entry Map add a few hundred bytes, and the base is shared', () => {
    const base = pack(dictionary(100_000));
    const draft = fork(open<Map<string, Any>>(base)) as Any;
    for (let k = 0; k < 8; k++) draft.get(`k${k * 1000}`).i = -k;
    const layer = commit(draft);
    verify(layer);
    assert.equal(layer.segments.length, base.segments.length + 1);
    for (const [i, segment] of base.segments.entries()) {
      assert.equal(layer.segments[i], segment, 'the base segments are shared, not copied');
    }
    const added = bytesOf(layer) - bytesOf(base);
    assert.ok(added < 2048, `${added} new bytes for 8 changed entries`);
    const view = open<Map<string, Any>>(layer);
    assert.equal(view.size, 100_000);
    for (let k = 0; k < 8; k++) assert.equal(view.get(`k${k * 1000}`).i, -k);
    assert.equal(view.get('k1').i, 1);
    assert.deepEqual(toJS(view.get('k5')), { i: 5, tags: ['a', 'b'], when: new Date(5) });
  });

  test('layers stack: a draft of a layer commits on top, and every level reads as its draft did', () => {
    let image = pack({ list: [1, 2, 3], meta: { version: 0 } });
    const expected: unknown[] = [];
    for (let version = 1; version <= 4; version++) {
      const draft = fork(open(image)) as Any;
      draft.meta.version = version;
      draft.list.push(version * 10);
      if (version === 3) draft.extra = new Map([['at', version]]);
      expected.push(toJS(draft));
      const next = commit(draft);
      assert.equal(next.segments.length, image.segments.length + 1);
      image = next;
      verify(image);
      assert.deepEqual(toJS(open(image)), expected[expected.length - 1]);
    }
    assert.deepEqual(toJS(open(image)), {
      list: [1, 2, 3, 10, 20, 30, 40],
      meta: { version: 4 },
      extra: new Map([['at', 3]]),
    });
  });

  test('aliases and cycles through a changed node all see the change', () => {
    const value: Any = { a: { n: 1 }, list: [] };
    value.b = value.a;
    value.list.push(value.a, value);
    const draft = fork(open(pack(value))) as Any;
    draft.a.n = 2;
    const view = open(commit(draft)) as Any;
    assert.equal(view.a.n, 2);
    assert.equal(view.b.n, 2);
    assert.equal(view.list[0].n, 2);
    assert.equal(view.list[1].list[1].a.n, 2);
    const copy = toJS(view) as Any;
    assert.equal(copy.a, copy.b);
    assert.equal(copy.list[1], copy);
  });

  test('Maps and Sets keyed by objects find their keys after the key objects change, layer on layer', () => {
    // A key node changed in a layer is found with a view of its replacement; so is a key of a Map or Set
    // written in the layer; so is a Map that is its own key (its replacement is keyed by itself).
    const key: Any = { id: 1 };
    const self = new Map<unknown, unknown>();
    self.set(self, 'self');
    let image = pack({ key, byKey: new Map([[key, 'found']]), members: new Set([key]), self });
    for (let version = 1; version <= 3; version++) {
      const draft = fork(open(image)) as Any;
      draft.key.id = version * 10;
      draft.self.set('version', version);
      if (version === 2)
        draft.later = { byKey: new Map([[draft.key, 'later']]), members: new Set([draft.key]) };
      image = commit(draft);
      verify(image);
      const view = open(image) as Any;
      assert.equal(view.key.id, version * 10);
      assert.equal(view.byKey.get(view.key), 'found', `version ${version}`);
      assert.equal(view.members.has(view.key), true);
      assert.equal(view.self.get(view.self), 'self');
      if (version >= 2) {
        assert.equal(view.later.byKey.get(view.key), 'later');
        assert.equal(view.later.members.has(view.key), true);
      }
      const again = fork(view) as Any;
      assert.equal(again.byKey.get(again.key), 'found', 'and through a draft of the layer');
      const copy = toJS(view) as Any;
      assert.equal(copy.byKey.get(copy.key), 'found');
    }
  });

  test('typed arrays: a written byte replaces its buffer, and both views of it see the write', () => {
    const buffer = new ArrayBuffer(16);
    const draft = fork(
      open(pack({ bytes: new Uint8Array(buffer), words: new Uint32Array(buffer, 8) })),
    ) as Any;
    draft.bytes[8] = 1;
    const view = open(commit(draft)) as Any;
    assert.equal(view.bytes[8], 1);
    assert.equal(view.words[0], 1);
    assert.equal(view.bytes.buffer, view.words.buffer);
  });

  test('a snapshot commits as the draft was then; a plain draft commits as a standalone image', () => {
    const draft = fork(open(pack({ n: 1 }))) as Any;
    draft.n = 2;
    const saved = snapshot(draft);
    draft.n = 3;
    assert.equal((open(commit(saved)) as Any).n, 2);
    assert.equal((open(commit(draft)) as Any).n, 3);
    const plain = fork({ x: [1] }) as Any;
    plain.x.push(2);
    const image = commit(plain);
    assert.deepEqual(toJS(open(image)), { x: [1, 2] });
    verify(image);
  });

  test('a value that cannot be packed fails at commit, naming its path', () => {
    const draft = fork(open(pack({ users: [{ name: 'ada' }] }))) as Any;
    draft.users[0].callback = () => 1;
    assert.throws(
      () => commit(draft),
      (error: unknown) =>
        error instanceof CowshareError &&
        error.code === 'UNPACKABLE' &&
        /callback: functions cannot be packed/.test(error.message),
    );
  });

  test('commit takes drafts and snapshots only', () => {
    for (const bad of [{}, open(pack(1 as unknown as object)), 5, null]) {
      assert.throws(() => commit(bad), TypeError);
    }
  });

  test('a layer crosses to a worker and is written to a file like any image', async () => {
    const draft = fork(open(pack(dictionary(1000)))) as Any;
    draft.get('k7').i = 777;
    const layer = commit(draft);
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       parentPort.postMessage(workerData.segments.map((s) => s instanceof SharedArrayBuffer));`,
      { eval: true, workerData: layer },
    );
    const shared = await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    assert.deepEqual(
      shared,
      layer.segments.map(() => true),
    );

    const dir = mkdtempSync(join(tmpdir(), 'cowshare-commit-'));
    try {
      const path = join(dir, 'layer.cow');
      await writeImage(path, layer);
      const view = openFile<Map<string, Any>>(path, { verify: true });
      assert.equal(view.get('k7').i, 777);
      assert.equal(view.get('k8').i, 8);
      // A file cut inside the layer, or with a layer header damaged, is refused.
      const whole = readFileSync(path);
      writeFileSync(join(dir, 'cut.cow'), whole.subarray(0, whole.length - 8));
      assert.throws(
        () => openFile(join(dir, 'cut.cow')),
        (e: unknown) => e instanceof CowshareError && e.code === 'CORRUPT',
      );
      const damaged = Buffer.from(whole);
      damaged[bytesOf(pack(dictionary(1000))) + 20]! ^= 1;
      writeFileSync(join(dir, 'damaged.cow'), damaged);
      assert.throws(
        () => openFile(join(dir, 'damaged.cow')),
        (e: unknown) => e instanceof CowshareError && e.code === 'CORRUPT',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('layered images from outside are checked', () => {
  function layerOn(value: unknown): { base: Image; layer: Image } {
    const base = pack(value);
    const draft = fork(open(base)) as Any;
    draft.a.n = 2;
    return { base, layer: commit(draft) };
  }

  const corrupt = (error: unknown) => error instanceof CowshareError && error.code === 'CORRUPT';

  test('a layer on another base than its own is refused', () => {
    const { layer } = layerOn({ a: { n: 1 } });
    const other = pack({ a: { n: 1 }, b: 2 });
    assert.throws(() => open({ segments: [...other.segments, layer.segments[1]!] }), corrupt);
  });

  test("a layer's own segments without its base are refused", () => {
    const { layer } = layerOn({ a: { n: 1 } });
    assert.throws(() => open({ segments: [layer.segments[1]!] }), corrupt);
  });

  test('a damaged layer header is refused at open', () => {
    const { base, layer } = layerOn({ a: { n: 1 } });
    const own = new Uint8Array(layer.segments[1]!.byteLength);
    own.set(new Uint8Array(layer.segments[1]!));
    own[66]! ^= 1; // inside the redirect table's address, which the checksum covers
    const damaged = new SharedArrayBuffer(own.length);
    new Uint8Array(damaged).set(own);
    assert.throws(() => open({ segments: [...base.segments, damaged] }), corrupt);
  });

  test('verify refuses a redirect table out of order, across layers, or between kinds', () => {
    const value = { a: { n: 1 }, b: { n: 1 }, list: [1] };
    const base = pack(value);
    const draft = fork(open(base)) as Any;
    draft.a.n = 2;
    draft.b.n = 2;
    draft.list.push(2);
    const layer = commit(draft);
    verify(layer);
    const own = new Uint32Array(layer.segments[1]!);
    const words = own.slice();
    // The header names the table; its body is pairs (from offset, from segment, to offset, to segment).
    const tableOffset = words[68 / 4]!;
    const body = tableOffset / 4 + 1;
    const count = words[tableOffset / 4]! >>> 8;
    assert.equal(count, 3);
    const variants: [string, (w: Uint32Array) => void][] = [
      [
        'out of order',
        (w) => {
          for (let k = 0; k < 4; k++) [w[body + k], w[body + 4 + k]] = [w[body + 4 + k]!, w[body + k]!];
        },
      ],
      [
        'a replacement outside its layer',
        (w) => {
          w[body + 3] = 0;
        },
      ],
      [
        'a replacement of another kind',
        (w) => {
          // The array's replacement made to point at an object's: a node of the layer, of another kind.
          const baseWords = new Uint32Array(base.segments[0]!);
          const kindOf = (p: number) => baseWords[w[body + 4 * p]! / 4]! & 0xff;
          const array = [0, 1, 2].find((p) => kindOf(p) === 0x08)!;
          const object = [0, 1, 2].find((p) => kindOf(p) === 0x0a)!;
          w[body + 4 * array + 2] = w[body + 4 * object + 2]!;
        },
      ],
      [
        'two replacements in one node',
        (w) => {
          const baseWords = new Uint32Array(base.segments[0]!);
          const [one, two] = [0, 1, 2].filter((p) => (baseWords[w[body + 4 * p]! / 4]! & 0xff) === 0x0a);
          w[body + 4 * two! + 2] = w[body + 4 * one! + 2]!;
        },
      ],
    ];
    for (const [what, damage] of variants) {
      const w = words.slice();
      damage(w);
      const segment = new SharedArrayBuffer(w.byteLength);
      new Uint32Array(segment).set(w);
      // The words changed are outside the header, whose checksum still holds: only verify can tell.
      const image = { segments: [...base.segments, segment] };
      assert.throws(() => verify(image), corrupt, what);
    }
  });
});
