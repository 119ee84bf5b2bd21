// Image files (cowshare/node): the conformance corpus through every backing (mapped, read, in memory)
// and in a worker; one physical copy for threads and processes, measured; hostile files; atomic writes
// that survive SIGKILL at any moment; the addon's own argument checks.
//
// `npm test` runs this file twice: as is (CI requires the addon then) and with COWSHARE_NATIVE=0,
// where `auto` must read, `mmap` must refuse, and every other test must pass the same.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import {
  type Backing,
  CowshareError,
  type FileImage,
  loadImage,
  nativeStatus,
  open,
  openFile,
  Pool,
  pack,
  toJS,
  writeImage,
} from '../src/node/index.js';
import { processMemory } from '../src/node/memory.js';
import { nativeAddon } from '../src/node/native.js';
import { corpus } from './support/corpus.js';
import { assertSameAsClone, assertViewReads, cloneOf } from './support/equal.js';
import type lookup from './workers/lookup.js';

const NATIVE_DISABLED = process.env.COWSHARE_NATIVE === '0';
const MB = 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'cowshare-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
const newPath = (name = 'image'): string => join(dir, `${name}-${++fileNumber}.cow`);

/** The backings this run can give, each with what `loadImage` must report. */
const BACKINGS: readonly { option: 'auto' | Backing; gives: Backing }[] = NATIVE_DISABLED
  ? [
      { option: 'auto', gives: 'read' },
      { option: 'read', gives: 'read' },
    ]
  : [
      { option: 'auto', gives: 'mmap' },
      { option: 'mmap', gives: 'mmap' },
      { option: 'read', gives: 'read' },
    ];

function expectError(code: string, pattern: RegExp, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CowshareError, `expected a CowshareError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('the native addon', () => {
  test(NATIVE_DISABLED ? 'COWSHARE_NATIVE=0 turns it off' : 'is built and loaded (CI requires it)', () => {
    const status = nativeStatus();
    if (NATIVE_DISABLED) {
      assert.deepEqual(status, { available: false, reason: 'disabled by COWSHARE_NATIVE=0' });
      assert.equal(nativeAddon(), undefined);
    } else {
      assert.ok(
        status.available,
        `the mmap addon is not available: ${status.available ? '' : status.reason}`,
      );
    }
  });

  test("backing: 'mmap' is refused with NATIVE when the addon is off", {
    skip: !NATIVE_DISABLED,
  }, async () => {
    const path = newPath();
    await writeImage(path, { a: 1 });
    expectError('NATIVE', /cannot map the file.*COWSHARE_NATIVE=0/, () =>
      loadImage(path, { backing: 'mmap' }),
    );
  });

  test('map() checks its arguments itself: bad ranges throw, nothing is mapped', {
    skip: NATIVE_DISABLED,
  }, () => {
    const addon = nativeAddon()!;
    const path = newPath('ranges');
    writeFileSync(path, new Uint8Array(4096));
    const fd = openSync(path, 'r');
    try {
      const refused: [unknown, unknown][] = [
        [fd, [0, 4097]], // past the end
        [fd, [4096, 8]], // starts at the end
        [fd, [4, 8]], // unaligned
        [fd, [0, 0]], // empty
        [fd, [0]], // odd count
        [fd, []], // nothing
        [fd, [-8, 8]],
        [fd, [0, 1.5]],
        [fd, [0, Number.NaN]],
        [fd, [0, 2 ** 64]],
        [fd, ['0', 8]],
        [fd, 'ranges'],
        ['fd', [0, 8]],
        [-1, [0, 8]],
        [999_999, [0, 8]],
      ];
      for (const [descriptor, ranges] of refused) {
        assert.throws(
          () => (addon.map as (...args: unknown[]) => unknown)(descriptor, ranges),
          Error,
          `map(${String(descriptor)}, ${JSON.stringify(ranges)})`,
        );
      }
      const [whole, tail] = addon.map(fd, [0, 4096, 4088, 8]);
      assert.equal(whole!.byteLength, 4096);
      assert.equal(tail!.byteLength, 8);
      assert.ok(whole instanceof SharedArrayBuffer);
    } finally {
      closeSync(fd);
    }
  });
});

describe('conformance: every corpus value reads back the same through every backing', () => {
  const cases = corpus.filter((c) => !c.large);
  for (const { option, gives } of BACKINGS) {
    test(`backing ${option} (${gives}), one segment and many`, async () => {
      for (const segmentSize of [2 ** 30, 4096]) {
        for (const c of cases) {
          const value = c.make();
          const path = newPath();
          await writeImage(path, value, { segmentSize });
          const image = loadImage(path, { backing: option });
          assert.equal(image.backing, gives, c.name);
          assert.equal(image.byteLength, statSync(path).size);
          try {
            assertViewReads(open(image), value);
            assertSameAsClone(toJS(openFile(path, { backing: option })), cloneOf(value));
          } catch (error) {
            throw new Error(`${c.name} (segmentSize ${segmentSize}): ${(error as Error).message}`);
          }
        }
      }
    });
  }

  test('writeImage of an Image writes its bytes exactly; of a value, the bytes pack gives', async () => {
    const value = { list: [1, 'two', { three: 3n }], map: new Map([['k', new Date(0)]]) };
    const image = pack(value, { segmentSize: 4096 });
    const fromImage = newPath();
    const fromValue = newPath();
    await writeImage(fromImage, image);
    await writeImage(fromValue, value, { segmentSize: 4096 });
    const expected = Buffer.concat(image.segments.map((s) => new Uint8Array(s)));
    assert.ok(readFileSync(fromImage).equals(expected));
    assert.ok(readFileSync(fromValue).equals(expected));
  });
});

const imageThread = new URL('./workers/file-image-thread.ts', import.meta.url);

/** Starts a worker that opens the image it is given and answers with `toJS` of it. */
async function readInWorker(image: FileImage): Promise<unknown> {
  const worker = new Worker(imageThread, { workerData: { image, mode: 'copy' } });
  try {
    const answer = await new Promise<{ backing: Backing; value: unknown }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(answer.backing, image.backing);
    return answer.value;
  } finally {
    await worker.terminate();
  }
}

/** A file image of one packed Uint8Array of `size` bytes with a known byte in every page, and that sum. */
async function pagesFile(size: number): Promise<{ path: string; sum: number }> {
  const bytes = new Uint8Array(size);
  let sum = 0;
  for (let i = 0; i < size; i += 4096) {
    bytes[i] = (i / 4096) % 251;
    sum += bytes[i]!;
  }
  const path = newPath('pages');
  await writeImage(path, bytes);
  return { path, sum };
}

describe('sharing', () => {
  for (const { option, gives } of BACKINGS) {
    test(`a loaded image (${gives}) crosses to a worker thread as an Image`, async () => {
      const path = newPath();
      const value = { names: ['a', 'b'], table: new Map([[1, { deep: [1, 2, 3] }]]) };
      await writeImage(path, value, { segmentSize: 4096 });
      assertSameAsClone(await readInWorker(loadImage(path, { backing: option })), cloneOf(value));
    });
  }

  for (const { option, gives } of BACKINGS) {
    test(`a Pool given a loaded image (${gives}) as shared data: every worker reads the file's data`, async () => {
      const path = newPath();
      const dict = new Map(Array.from({ length: 1000 }, (_, i) => [`key${i}`, { id: i, name: `name ${i}` }]));
      await writeImage(path, dict);
      const pool = new Pool<typeof lookup>({
        worker: new URL('./workers/lookup.ts', import.meta.url),
        shared: { dict: loadImage(path, { backing: option }) },
        threads: 2,
      });
      try {
        const keys = ['key0', 'key999', 'key500', 'nope'];
        const results = [];
        for await (const result of pool.map(keys)) results.push(result);
        assert.deepEqual(results, [dict.get('key0'), dict.get('key999'), dict.get('key500'), undefined]);
      } finally {
        await pool.destroy();
      }
    });
  }

  test('threads share the mapping: 4 workers reading a 128 MB mapped image add nothing to the process', {
    skip: NATIVE_DISABLED,
  }, async () => {
    const size = 128 * MB;
    const { path, sum } = await pagesFile(size);
    const image = loadImage(path, { backing: 'mmap' });
    const message = (w: Worker) => new Promise((resolve) => w.once('message', resolve));
    const workers = Array.from(
      { length: 4 },
      () => new Worker(imageThread, { workerData: { image, mode: 'touch' } }),
    );
    try {
      await Promise.all(workers.map(message)); // each has opened its view
      // The process's one copy: the main thread reads every page of its own view first.
      const bytes = open<Uint8Array>(image);
      let mainSum = 0;
      for (let i = 0; i < bytes.length; i += 4096) mainSum += bytes[i]!;
      assert.equal(mainSum, sum);
      const before = processMemory().rss;
      const sums = await Promise.all(
        workers.map((w) => {
          w.postMessage('touch');
          return message(w);
        }),
      );
      assert.deepEqual(sums, [sum, sum, sum, sum]);
      const grown = processMemory().rss - before;
      assert.ok(
        grown < 0.25 * size,
        `4 workers reading the mapped image grew RSS by ${(grown / MB).toFixed(0)} MB`,
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  test('processes share the mapping: 3 processes reading a 96 MB file add up to one copy by PSS, reads to three', {
    skip: NATIVE_DISABLED,
  }, async () => {
    const size = 96 * MB;
    const { path, sum } = await pagesFile(size);
    /** Total PSS growth of 3 processes that each open the file with `backing` and read every page. */
    const totalGrowth = async (backing: Backing): Promise<number> => {
      const children = Array.from({ length: 3 }, () => startReader(path, backing));
      try {
        const reports = await Promise.all(children.map((c) => c.report));
        let total = 0;
        for (const [i, report] of reports.entries()) {
          assert.equal(report.sum, sum);
          total += processMemory(children[i]!.child.pid!).pss! - report.pssBefore;
        }
        return total;
      } finally {
        for (const c of children) c.child.kill();
      }
    };
    const mapped = await totalGrowth('mmap');
    const read = await totalGrowth('read');
    assert.ok(mapped < 1.25 * size, `3 mapping processes grew PSS by ${(mapped / MB).toFixed(0)} MB in all`);
    assert.ok(read > 2.5 * size, `3 reading processes grew PSS by only ${(read / MB).toFixed(0)} MB in all`);
  });
});

/** A child process that opens `path`, reads one byte per page, reports, and waits to be killed. */
function startReader(
  path: string,
  backing: Backing,
): { child: ChildProcess; report: Promise<{ sum: number; pssBefore: number }> } {
  const script = new URL('./workers/read-file-pages.ts', import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script.pathname, path, backing], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const report = new Promise<{ sum: number; pssBefore: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out));
    });
    child.once('exit', (code) => reject(new Error(`reader exited with ${code} before it reported`)));
  });
  return { child, report };
}

describe('hostile files are refused with a CowshareError naming the file', () => {
  /** A sound two-segment image's bytes, and its segment boundaries. */
  const sound = pack({ words: Array.from({ length: 2000 }, (_, i) => `word ${i}`) }, { segmentSize: 4096 });
  const soundBytes = Buffer.concat(sound.segments.map((s) => new Uint8Array(s)));
  const firstLength = sound.segments[0]!.byteLength;
  const withBytes = (bytes: Uint8Array): string => {
    const path = newPath('hostile');
    writeFileSync(path, bytes);
    return path;
  };
  const patched = (at: number, value: number, fixChecksum = false): Uint8Array => {
    const bytes = Uint8Array.from(soundBytes);
    const view = new DataView(bytes.buffer);
    view.setUint32(at, value, true);
    if (fixChecksum) view.setUint32(60, crc32Header(bytes), true);
    return bytes;
  };

  for (const { option } of BACKINGS) {
    describe(`backing ${option}`, () => {
      test('a missing file, a directory', () => {
        expectError('FILE', /nope\.cow: cannot open: no such file$/, () =>
          openFile(join(dir, 'nope.cow'), { backing: option }),
        );
        expectError('FILE', /: is a directory$/, () => openFile(dir, { backing: option }));
      });

      test('a FIFO or a device is refused at once, without waiting for a writer', async () => {
        const fifo = newPath('fifo');
        execFileSync('mkfifo', [fifo]);
        // Should the open wait for a writer after all, this one comes after 5 s and the test fails.
        const writer = spawn('sh', ['-c', `sleep 5; : > '${fifo}'`], { stdio: 'ignore' });
        const started = performance.now();
        try {
          expectError('FILE', /fifo-\d+\.cow: not a regular file$/, () =>
            openFile(fifo, { backing: option }),
          );
          expectError('FILE', /\/dev\/zero: not a regular file$/, () =>
            openFile('/dev/zero', { backing: option }),
          );
        } finally {
          writer.kill();
          rmSync(fifo);
        }
        assert.ok(performance.now() - started < 4000, 'opening the FIFO waited for a writer');
      });

      test('not an image: empty, JSON, other bytes', () => {
        expectError('NOT_IMAGE', /not a cowshare image \(the file is empty\)/, () =>
          openFile(withBytes(new Uint8Array(0)), { backing: option }),
        );
        expectError('NOT_IMAGE', /looks like JSON; `cowshare pack`/, () =>
          openFile(withBytes(Buffer.from(' [1, 2, 3]')), { backing: option }),
        );
        expectError('NOT_IMAGE', /does not start with COWSHARE/, () =>
          openFile(withBytes(Buffer.from('COWSHAR')), { backing: option }),
        );
      });

      test('a newer format version, a header checksum mismatch, a changed reserved field', () => {
        expectError('VERSION', /format version 2\.0 needs a newer cowshare/, () =>
          openFile(withBytes(patched(8, 2, true)), { backing: option }),
        );
        expectError('CORRUPT', /hostile-\d+\.cow: image header: checksum mismatch/, () =>
          openFile(withBytes(patched(52, 12345)), { backing: option }),
        );
      });

      test('truncated anywhere, or with bytes after the image', () => {
        const cuts = [8, 63, 64, firstLength - 8, firstLength, firstLength + 8, soundBytes.length - 8];
        for (const cut of cuts) {
          expectError('CORRUPT', /truncated/, () =>
            openFile(withBytes(soundBytes.subarray(0, cut)), { backing: option }),
          );
        }
        const longer = Buffer.concat([soundBytes, new Uint8Array(8)]);
        expectError('CORRUPT', /8 bytes follow the image's last segment/, () =>
          openFile(withBytes(longer), { backing: option }),
        );
      });

      test('crafted segment counts and lengths', () => {
        expectError('CORRUPT', /truncated: the image records 4294967295 segments/, () =>
          openFile(withBytes(patched(20, 0xffffffff, true)), { backing: option }),
        );
        expectError('CORRUPT', /image header: segment 0 is 8 bytes long/, () =>
          openFile(withBytes(patched(16, 8, true)), { backing: option }),
        );
        // Segment 1's own length (word 2 of its header), made huge, then made short.
        expectError('CORRUPT', /truncated/, () =>
          openFile(withBytes(patched(firstLength + 8, 0xfffffff8)), { backing: option }),
        );
        expectError('CORRUPT', /segment 1: no segment header/, () =>
          openFile(withBytes(patched(firstLength + 8, 8)), { backing: option }),
        );
        expectError('CORRUPT', /segment 1: no segment header at byte/, () =>
          openFile(withBytes(patched(firstLength, 0)), { backing: option }),
        );
      });

      test('damage past the header: verify: true refuses at open; without it, the read that reaches it', () => {
        // Zero slots of the array (segment 1 is its node): a slot of 0 refers to no node (FORMAT.md §2).
        const bytes = Uint8Array.from(soundBytes);
        bytes.fill(0, firstLength + 64, firstLength + 512);
        const path = withBytes(bytes);
        expectError('CORRUPT', /hostile-\d+\.cow: /, () => openFile(path, { backing: option, verify: true }));
        const view = openFile<{ words: string[] }>(path, { backing: option });
        assert.throws(() => toJS(view), CowshareError);
      });

      test('any truncation or single-byte change either fails cleanly or, when verify passes, reads', () => {
        fc.assert(
          fc.property(
            fc.nat(soundBytes.length - 1),
            fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
            (at, byte) => {
              const bytes = byte === undefined ? soundBytes.subarray(0, at) : Uint8Array.from(soundBytes);
              if (byte !== undefined) bytes[at] = byte;
              const path = withBytes(bytes);
              try {
                toJS(openFile(path, { backing: option, verify: true }));
              } catch (error) {
                if (!(error instanceof CowshareError)) throw error;
                assert.ok(error.message.startsWith(`${path}: `), error.message);
              } finally {
                rmSync(path);
              }
            },
          ),
          { numRuns: 150 },
        );
      });
    });
  }

  test('a bad backing option is a TypeError', () => {
    assert.throws(() => loadImage(newPath(), { backing: 'fast' as Backing }), TypeError);
  });
});

describe('writeImage', () => {
  test('replaces a mapped file while a reader keeps reading the old one', async () => {
    const path = newPath();
    const old = Array.from({ length: 5000 }, (_, i) => `old ${i}`);
    await writeImage(path, old);
    const oldView = openFile<string[]>(path);
    await writeImage(path, ['new']);
    assert.deepEqual(toJS(oldView), old);
    assert.deepEqual(toJS(openFile(path)), ['new']);
    assert.deepEqual(litter(), []);
  });

  test('a file truncated in place under a reader: SIGBUS when mapped, its old data when read', async () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `word ${i}`);
    const characters = words.reduce((sum, w) => sum + w.length, 0);
    const script = new URL('./workers/read-after-truncate.ts', import.meta.url);
    for (const { option, gives } of BACKINGS) {
      const path = newPath('truncated');
      await writeImage(path, words);
      const child = spawn(process.execPath, ['--import', 'tsx', script.pathname, path, option], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let said = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        said += chunk;
      });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      truncateSync(path, 4096); // what writeImage never does: the pages past 4 KiB are gone
      child.stdin!.write('go\n');
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      if (gives === 'mmap') {
        assert.equal(signal, 'SIGBUS', `backing ${option}: exit ${code}, said ${said}`);
      } else {
        assert.equal(code, 0, `backing ${option}: ${said}`);
        assert.match(said, new RegExp(`read ${characters}\n`));
      }
    }
  });

  test('a value that cannot be packed, or a bad image, leaves nothing behind', async () => {
    const path = newPath();
    await assert.rejects(
      writeImage(path, { f: () => 1 }),
      (e: unknown) => e instanceof CowshareError && e.code === 'UNPACKABLE',
    );
    await assert.rejects(
      writeImage(path, { segments: [new SharedArrayBuffer(64)] }),
      (e: unknown) => e instanceof CowshareError && e.code === 'NOT_IMAGE',
    );
    assert.throws(() => statSync(path), /ENOENT/);
    assert.deepEqual(litter(), []);
  });

  test('a directory that does not exist is a FILE error', async () => {
    const path = join(dir, 'no-such-dir', 'x.cow');
    await assert.rejects(
      writeImage(path, 1),
      (e: unknown) =>
        e instanceof CowshareError &&
        e.code === 'FILE' &&
        /x\.cow: cannot write: no such file/.test(e.message),
    );
  });

  test('SIGKILL at any moment leaves the old file or the new one under the name, never a part', async () => {
    const path = newPath('atomic');
    // Two images of a few MB, told apart by their first element.
    const versions = ['A', 'B'].map((tag) => [
      tag,
      ...Array.from({ length: 200_000 }, (_, i) => `${tag}${i}`),
    ]);
    await writeImage(path, versions[0]);
    const script = new URL('./workers/rewrite-forever.ts', import.meta.url);
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script.pathname, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // Wait until it has written at least once, then kill it at a moment that varies with the round.
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, (round * 37) % 150));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const view = openFile<string[]>(path, { verify: true });
      const tag = view[0];
      assert.ok(tag === 'A' || tag === 'B', `round ${round}: first element ${String(tag)}`);
      assert.equal(view.length, versions[0]!.length);
      assert.equal(view[view.length - 1], `${tag}199999`);
    }
    // A killed writer may leave its temporary file; it is never the image's name.
    for (const name of litter()) rmSync(join(dir, name));
  });
});

/** Temporary files of writeImage left in the test directory. */
function litter(): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}

/** The CRC-32 of the 64-byte header with its checksum field as zero (FORMAT.md §3). */
function crc32Header(bytes: Uint8Array): number {
  const header = bytes.slice(0, 64);
  header.fill(0, 60, 64);
  let crc = 0xffffffff;
  for (const byte of header) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
