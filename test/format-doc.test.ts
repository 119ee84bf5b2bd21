// The worked example of docs/FORMAT.md §9 is the writer's actual output: this keeps the spec true.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { open, pack, toJS, verify } from '../src/index.js';

const example = { a: 1, b: 'hi', c: [1.5, 'hi'] };

function documentedBytes(): Uint8Array {
  const spec = readFileSync(new URL('../docs/FORMAT.md', import.meta.url), 'utf8');
  const section = spec.slice(spec.indexOf('## 9. Worked example'));
  const dump = section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3));
  const bytes: number[] = [];
  for (const line of dump.trim().split('\n')) {
    const [offset, ...hex] = line.trim().split(/\s+/);
    assert.equal(Number.parseInt(offset!, 16), bytes.length, `dump offset ${offset}`);
    bytes.push(...hex.map((h) => Number.parseInt(h, 16)));
  }
  return Uint8Array.from(bytes);
}

test('FORMAT.md §9 shows the exact bytes pack() writes for the example', () => {
  const image = pack(example);
  assert.equal(image.segments.length, 1);
  assert.deepEqual(new Uint8Array(image.segments[0]!), documentedBytes());
});

test('the documented bytes open and verify as the example value', () => {
  const bytes = documentedBytes();
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  const image = { segments: [shared] };
  verify(image);
  assert.deepEqual(toJS(open(image)), structuredClone(example));
});
