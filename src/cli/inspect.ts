/** `cowshare inspect file`: what an image file holds — header, sizes, nodes by kind, interning, the root. */
import { performance } from 'node:perf_hooks';
import { Header } from '../format/layout.js';
import { type ImageStats, verifyWithStats } from '../format/verify.js';
import { inFile } from '../node/file-errors.js';
import { loadImage } from '../node/image-file.js';
import { MapView, SetView } from '../view/keyed-view.js';
import { open } from '../view/open.js';
import { type Command, positionalArgs } from './command.js';
import { bytes, count, duration } from './progress.js';

/** Keys of the root shown before "…". */
const SHOWN_KEYS = 8;

export interface Inspection {
  file: string;
  bytes: number;
  backing: string;
  format: string;
  flags: number;
  segments: number[];
  root: { type: string; size?: number; keys?: string[] };
  nodes: Record<string, number>;
  shapes: number;
  strings: ImageStats['strings'];
  /** The walk that counted the nodes also verified the whole image. */
  verifiedMs: number;
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'show what an image file holds: header, sizes, nodes by kind, interning, the root',
  usage: `Usage: cowshare inspect <file> [--json]

Prints an image file's format version and flags, its size and segments, the root's type and size
(and its first keys), the number of nodes of each kind reachable from the root, object shapes, and
what interning saved: strings stored once for all their occurrences. Counting walks
the whole image and verifies it on the way (see cowshare verify), so a damaged file exits with 1.

Options:
  --json        print the same as JSON on stdout
  -h, --help    print this help`,
  options: { json: { type: 'boolean' } },
  async run(values, { stdout }, positionals) {
    const [path = ''] = positionalArgs(positionals, ['file']);
    const result = inspectFile(path);
    stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : format(result));
    return 0;
  },
};

export function inspectFile(path: string): Inspection {
  const image = loadImage(path);
  const start = performance.now();
  let stats: ImageStats;
  try {
    stats = verifyWithStats(image);
  } catch (error) {
    throw inFile(path, error);
  }
  const verifiedMs = performance.now() - start;
  const header = new DataView(image.segments[0]!);
  const nodes = Object.fromEntries(Object.entries(stats.nodes).sort((a, b) => b[1] - a[1]));
  return {
    file: path,
    bytes: image.byteLength,
    backing: image.backing,
    format: `${header.getUint16(Header.Major, true)}.${header.getUint16(Header.Minor, true)}`,
    flags: header.getUint32(Header.Flags, true),
    segments: image.segments.map((s) => s.byteLength),
    root: describeRoot(open(image)),
    nodes,
    shapes: stats.shapes,
    strings: stats.strings,
    verifiedMs,
  };
}

function describeRoot(root: unknown): Inspection['root'] {
  if (root instanceof MapView) {
    const keys: string[] = [];
    for (const key of root.keys()) {
      if (keys.length === SHOWN_KEYS) break;
      keys.push(typeof key === 'string' ? key : String(key));
    }
    return { type: 'Map', size: root.size, keys };
  }
  if (root instanceof SetView) return { type: 'Set', size: root.size };
  if (Array.isArray(root)) return { type: 'Array', size: root.length };
  if (ArrayBuffer.isView(root)) return { type: root.constructor.name, size: root.byteLength };
  if (typeof root === 'object' && root !== null) {
    const type = Object.prototype.toString.call(root).slice(8, -1);
    if (type !== 'Object') return { type };
    const keys = Object.keys(root);
    return { type, size: keys.length, keys: keys.slice(0, SHOWN_KEYS) };
  }
  return { type: root === null ? 'null' : typeof root };
}

function format(r: Inspection): string {
  const { strings } = r;
  const saved = strings.bytesWithoutInterning - strings.bytes;
  const root = [
    r.root.type,
    r.root.size === undefined ? '' : `, ${count(r.root.size)} ${sizeNoun(r.root.type)}`,
    r.root.keys?.length ? `: ${r.root.keys.join(', ')}${r.root.size! > r.root.keys.length ? ', …' : ''}` : '',
  ].join('');
  const total = Object.values(r.nodes).reduce((a, b) => a + b, 0);
  const lines = [
    ['file', `${r.file} (${bytes(r.bytes)}, ${r.backing === 'mmap' ? 'mapped' : 'read into memory'})`],
    ['format', `${r.format}, flags 0x${r.flags.toString(16)}`],
    ['segments', `${r.segments.length}: ${r.segments.map(bytes).join(', ')}`],
    ['root', root],
    [
      'nodes',
      `${count(total)}: ${Object.entries(r.nodes)
        .map(([kind, n]) => `${kind} ${count(n)}`)
        .join(', ')}`,
    ],
    ['shapes', `${count(r.shapes)} (each key list stored once)`],
    [
      'strings',
      `${count(strings.nodes)} stored for ${count(strings.references)} references: ${bytes(strings.bytes)}, ` +
        `${bytes(strings.bytesWithoutInterning)} without interning (saves ${bytes(saved)})`,
    ],
    ['verified', `sound, in ${duration(r.verifiedMs)}`],
  ];
  return lines.map(([name, text]) => `${name!.padEnd(10)}${text}\n`).join('');
}

function sizeNoun(type: string): string {
  if (type === 'Map') return 'entries';
  if (type === 'Object') return 'keys';
  if (type === 'Set' || type === 'Array') return 'items';
  return 'bytes';
}
