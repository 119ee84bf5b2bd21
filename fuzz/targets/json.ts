// Fuzz target `json`: the bytes after byte 0 as the JSON text that `cowshare pack` streams (the
// splitter of json-stream.ts, fed in chunks of 1 + byte 0 % 64 characters, into an ImageBuilder),
// against JSON.parse of the whole text: what JSON.parse refuses is refused; a top-level array or
// object is packed exactly as JSON.parse reads it, unless an element nests deeper than MAX_DEPTH or a
// number reads as Infinity, which are refused.

import { JsonSplitter } from '../../src/cli/json-stream.js';
import { ImageBuilder, open, toJS } from '../../src/index.js';
import { expect, expectedOf, outcome, sameAs } from '../harness.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  let text: string;
  try {
    text = decoder.decode(data.subarray(1));
  } catch {
    return; // the CLI refuses invalid UTF-8 before the splitter sees it (pack-input.ts)
  }
  const chunk = 1 + (data[0]! % 64);
  let built: unknown;
  const got = outcome('the JSON reader', () => {
    const splitter = new JsonSplitter('input');
    let builder: ImageBuilder | undefined;
    for (let at = 0; at < text.length; at += chunk) {
      for (const item of splitter.push(text.slice(at, at + chunk))) {
        builder ??= new ImageBuilder(splitter.root!, { finiteNumbers: true, segmentSize: 4096 });
        if (splitter.root === 'object') builder.set(item.key!, item.value);
        else builder.push(item.value);
      }
    }
    splitter.end();
    builder ??= new ImageBuilder(splitter.root!, { finiteNumbers: true });
    built = toJS(open(builder.finish()));
  });
  // The splitter takes a byte order mark at the start, as files have one; JSON.parse does not.
  const expected = expectedOf(text, () => JSON.parse(text.replace(/^\uFEFF/, '')), { root: true });
  expect('JSON', got, expected);
  if (got === 'ok') sameAs('packed JSON (from JSON.parse)', built, expected.value);
}
