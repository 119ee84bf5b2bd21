/** `cowshare verify file`: checks a whole image file (docs/FORMAT.md §6 and §10); exit 0 sound, 1 not. */
import { performance } from 'node:perf_hooks';
import { CowshareError } from '../errors.js';
import { verify as verifyImage } from '../format/verify.js';
import { inFile } from '../node/file-errors.js';
import { loadImage } from '../node/image-file.js';
import { type Command, positionalArgs } from './command.js';
import { bytes, duration } from './progress.js';

export const verify: Command = {
  name: 'verify',
  summary: 'check a whole image file: exit 0 when sound, 1 with the first problem',
  usage: `Usage: cowshare verify <file> [--json]

Checks every part of an image file: its header and segments, then every node reachable from the
root (bounds, kinds, references, hash indexes). Prints the first problem and exits with 1 when the
file is not sound; exits with 0 when it is.

Options:
  --json        print {"file", "ok", …} on stdout: "bytes", "segments" and "ms" when sound,
                "code" and "error" when not
  -h, --help    print this help`,
  options: { json: { type: 'boolean' } },
  async run(values, { stdout }, positionals) {
    const [path = ''] = positionalArgs(positionals, ['file']);
    const start = performance.now();
    try {
      const image = loadImage(path);
      try {
        verifyImage(image);
      } catch (error) {
        throw inFile(path, error);
      }
      const ms = performance.now() - start;
      const segments = image.segments.length;
      stdout.write(
        values.json
          ? `${JSON.stringify({ file: path, ok: true, bytes: image.byteLength, segments, ms })}\n`
          : `${path}: sound (${bytes(image.byteLength)} in ${segments} segment${segments === 1 ? '' : 's'}, checked in ${duration(ms)})\n`,
      );
      return 0;
    } catch (error) {
      if (!values.json || !(error instanceof CowshareError)) throw error;
      stdout.write(`${JSON.stringify({ file: path, ok: false, code: error.code, error: error.message })}\n`);
      return 1;
    }
  },
};
