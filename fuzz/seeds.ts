// Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/seed-*: sound inputs that
// reach every node kind, layer kind and reader, from which the fuzzer mutates. Run it again when the
// format gains a kind (`npm run fuzz:seeds`); inputs kept from fuzzing (their own names) stay.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fork, type Image, patches } from '../src/index.js';
import { BASES, frame, images, layers } from './images.js';

const corpus = new URL('./corpus/', import.meta.url).pathname;

function write(target: string, seeds: readonly (string | Uint8Array)[]): void {
  const dir = join(corpus, target);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.startsWith('seed-')) rmSync(join(dir, name));
  seeds.forEach((seed, i) => {
    writeFileSync(join(dir, `seed-${String(i).padStart(3, '0')}`), seed);
  });
  process.stdout.write(`${target}: ${seeds.length} seeds\n`);
}

/** Small inputs fuzz fast: seeds of at most 16 kB (a wide object's base is more, and stays out). */
const small = (image: Image) => image.segments.length <= 4 && bytesOf(image) <= 16_384;
const bytesOf = (image: Image) => image.segments.reduce((n, s) => n + s.byteLength, 0);
const standalone = images().filter(small);
const layered = layers();
write(
  'image',
  [...standalone, ...layered.filter(small)].map((image) => frame(image.segments)),
);
write(
  'layer',
  layered.flatMap((image) => {
    const base = BASES.findIndex((b) => b.segments[0] === image.segments[0]);
    if (base < 0) return [];
    const own = image.segments.slice(BASES[base]!.segments.length);
    return own.length <= 4 ? [Buffer.concat([Uint8Array.of(base), frame(own)])] : [];
  }),
);
write(
  'file',
  standalone.slice(0, 40).map((image) => frame(image.segments)),
);

const json = [
  '[1, -0, 1.5e300, "s", "\\u00e9\\ud83d\\ude00", "\\ud800", true, false, null, [], {}]',
  '{"a": {"b": [1, {"c": null}]}, "__proto__": {"polluted": 1}, "2": "two", "1": "one", "a": 2}',
  '[{"id": 1, "tags": ["x", "y"]}, {"id": 2, "tags": []}, {"id": 3, "nested": [[[[1]]]]}]',
  '\ufeff[\n  "bom",\n  {"k": "v"}\n]\n',
  '[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]',
  '{"esc": "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "num": -12345678901234567890, "e": 1E-7}',
  '[1e400, 2]',
  '[]',
  '{}',
];
write(
  'json',
  json.map((text, i) => `${String.fromCharCode(i * 7)}${text}`),
);
write('ndjson', [
  '{"a": 1}\n{"a": [1, 2, {"b": null}]}\n\n  \n"text"\n-0\n',
  '1\r\n2\r\n[3]\r\n',
  '{"__proto__": {"x": 1}, "constructor": 2}\n{"k": "\\u0000"}',
  '[[[[[[[[[[1]]]]]]]]]]\n{"big": 1e400}\n',
]);
write('csv', [
  '\x00id,name,score\n1,ada,3.5\n2,"bob, jr",\n3,"quote ""x""",1e3\n',
  '\x01id,flag,value\n1,true,null\n2,false,-0\n3,,1e400\n',
  '\x01\ufeffa,__proto__,b\r\n"multi\nline",2,3\r\n',
  '\x00a,a\n1,2\n',
]);
const patch = (list: unknown[], base = 0) => `${String.fromCharCode(base)}${JSON.stringify(list)}`;
write('patches', [
  patch([{ op: 'add', path: '/b', value: 1 }]),
  patch([
    { op: 'replace', path: '/a', value: [1] },
    { op: 'remove', path: '/list/0' },
    { op: 'add', path: '/list/-', value: { x: 1 } },
  ]),
  patch([
    { op: 'move', from: '/list/2', path: '/moved' },
    { op: 'copy', from: '/nested', path: '/copy' },
    { op: 'test', path: '/a', value: 1 },
  ]),
  patch([
    { op: 'add', path: '/a~1b', value: 3 },
    { op: 'remove', path: '/' },
  ]),
  patch([{ op: 'splice', path: '/list', start: 1, deleteCount: 1, items: [9, 8] }]),
  patch([{ op: 'add', path: '/map/k', value: 2, keys: [{ map: 'k' }] }], 1),
  patch([{ op: 'replace', path: '/when', value: 5, inPlace: true }], 1),
  patch([{ op: 'replace', path: '', value: { fresh: true } }], 1),
  patch([{ op: 'add', path: '/__proto__/polluted', value: 1 }]),
  ...recorded().map((list) => patch(list)),
]);

/** Patches as a recording draft gives them, extensions and all (splice, hole, length, link…). */
function recorded(): unknown[][] {
  const draft = fork(
    { a: 1, list: [1, 2, { b: 'c' }], nested: { deep: { x: null } } },
    { patches: true },
  ) as {
    a: unknown;
    list: unknown[];
    nested: Record<string, unknown>;
    [key: string]: unknown;
  };
  draft.list.splice(1, 1, 'x', 'y');
  draft.list.length = 8;
  draft.list.reverse();
  draft.alias = draft.nested;
  delete draft.a;
  draft.nested.deep = [draft.list];
  const { patches: forward, inverse } = patches(draft);
  return [forward, inverse];
}
