// Fuzz target `file`: bytes framed as an image (harness.ts), written to a file, opened with
// `openFile` on every backing this machine has (mapped, read) and with `verify: true`, judged by the
// oracle: refused with a CowshareError, or read; and when verify accepts it, read without an error.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeStatus, openFile } from '../../src/node/index.js';
import { walk } from '../../test/support/walk.js';
import { describe, Finding, framed, outcome } from '../harness.js';

const path = join(tmpdir(), `cowshare-fuzz-${process.pid}.cow`);
process.on('exit', () => rmSync(path, { force: true }));
const BACKINGS = nativeStatus().available ? (['mmap', 'read'] as const) : (['read'] as const);

export function fuzz(data: Buffer): void {
  const image = framed(data);
  writeFileSync(path, Buffer.concat(image.segments.map((s) => new Uint8Array(s))));
  const verified = outcome('openFile with verify', () => walk(openFile(path, { verify: true })));
  for (const backing of BACKINGS) {
    const read = outcome(`openFile (${backing})`, () => walk(openFile(path, { backing })));
    if (verified === 'ok' && read !== 'ok') {
      let error: unknown;
      try {
        walk(openFile(path, { backing }));
      } catch (e) {
        error = e;
      }
      throw new Finding(`verify accepted the file, openFile (${backing}) threw ${describe(error)}`);
    }
  }
}
