// Sound images for the fuzz targets: the bases the `layer` target fuzzes layers over, and the seeds
// (seeds.ts) — small images of every node kind, layers with every kind of replacement, and images of
// several segments. Everything here is deterministic: the same bytes on every run.
import type { Image } from '../src/index.js';
import { commit, fork, open, pack } from '../src/index.js';
import { corpus, HOLE, holey, smallCases } from '../test/support/corpus.js';

type Any = any;

/** Bases for the `layer` target: their layers change Maps, Sets, arrays, records and wide objects. */
export const BASES: readonly Image[] = [
  pack({
    map: new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, { i, tags: ['a'] }])),
    set: new Set(Array.from({ length: 20 }, (_, i) => i * 1.5)),
    list: Array.from({ length: 60 }, (_, i) => (i % 3 ? i : `s${i}`)),
    keyed: new Map(Array.from({ length: 9 }, (_, id) => [{ id }, id])),
    record: { a: { n: 1 }, b: [1, 2], when: new Date(0), bytes: new Uint8Array([1, 2, 3]) },
  }),
  pack({ dict: Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`d${i}`, i])), n: 1 }),
  pack([new Map([[1, 'one']]), new Set(['x']), holey(1, HOLE, 3), { a: 1 }]),
];

/** Layers over each base: every kind of change a commit writes. */
export function layers(): Image[] {
  const out: Image[] = [];
  const over = (base: Image, change: (draft: Any) => void) => {
    const draft = fork(open(base)) as Any;
    change(draft);
    out.push(commit(draft));
  };
  const [first, wide, small] = BASES as [Image, Image, Image];
  over(first, (d) => {
    d.map.set('new', 1).delete('k3');
    d.map.get('k5').i = 55;
    d.set.add(-1).delete(3);
    d.list.push('pushed');
    d.list.splice(10, 2, 'x');
    d.record.a.n = 2;
    d.record.bytes[1] = 9;
    d.keyed.keys().next().value.id = 100;
  });
  over(first, (d) => {
    d.list.length = 2 ** 32 - 1;
    d.map.clear();
  });
  over(wide, (d) => {
    d.dict.d1 = 'changed';
    d.dict.added = [1];
    delete d.dict.d2;
  });
  over(small, (d) => {
    d[0].set(2, 'two');
    d[1].add('y');
    d[2][1] = 2;
    d[3].b = 2;
    d.push('more');
  });
  // A layer on a layer.
  const twice = fork(open(out[0]!)) as Any;
  twice.map.set('again', 2);
  twice.list.pop();
  out.push(commit(twice));
  return out;
}

/** Standalone images of every node kind, small enough to fuzz; and some of several segments. */
export function images(): Image[] {
  const out = smallCases.map((c) => pack(c.make()));
  for (const c of corpus) {
    if (c.large) continue;
    const image = pack(c.make());
    if (image.segments[0]!.byteLength <= 4096) out.push(image);
  }
  const several = {
    list: Array.from({ length: 300 }, (_, i) => ({ i, s: `s${i % 50}`, f: i / 7 })),
    map: new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, [i, -i]])),
  };
  out.push(pack(several, { segmentSize: 4096 }));
  return out;
}

/**
 * The frame (harness.ts `framed`) that gives back `segments` exactly: at most four, the first taking
 * what the others leave.
 */
export function frame(segments: readonly SharedArrayBuffer[]): Uint8Array {
  if (segments.length > 4) throw new Error(`a frame holds 4 segments, not ${segments.length}`);
  const head = new Uint8Array(1 + 4 * (segments.length - 1));
  head[0] = segments.length - 1;
  const view = new DataView(head.buffer);
  segments.slice(1).forEach((s, i) => {
    view.setUint32(1 + 4 * i, s.byteLength, true);
  });
  return Buffer.concat([head, ...segments.map((s) => new Uint8Array(s))]);
}
