// Images reach workers with their memory shared, never copied — by raw worker_threads (workerData,
// postMessage), piscina, tinypool and workerpool — and open there in O(1). Sharing is proved, not
// assumed: after the hand-off each side writes into the image's own bytes and the other must see it
// (workers/handoff-protocol.ts). What cannot be shared — an image whose bytes were copied, one that
// crossed a process boundary as JSON, a value that is no image at all — is refused with a CowshareError
// that says what happened.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import { Header, MAGIC } from '../src/format/layout.js';
import { CowshareError, type Image, open, openShared, pack, toJS } from '../src/index.js';
import {
  answerWorker,
  type Handoff,
  handoffValue,
  type Probe,
  STAGE,
  Stage,
} from './workers/handoff-protocol.js';
import type { Outcome, Reply, Request } from './workers/handoff-thread.js';

const threadModule = new URL('./workers/handoff-thread.ts', import.meta.url);
const taskModule = new URL('./workers/handoff-task.ts', import.meta.url);
const workerpoolScript = fileURLToPath(new URL('./workers/handoff-workerpool.ts', import.meta.url));

/** An image to hand off, with main's own view of its cells. */
interface Handed {
  label: string;
  image: Image;
  cells: Int32Array;
}

function handed(label: string): Handed {
  const image = pack(handoffValue(label));
  const { cells } = open<Handoff>(image);
  assert.ok(cells instanceof Int32Array && cells.buffer === image.segments[0], 'cells is a zero-copy view');
  return { label, image, cells };
}

/**
 * Plays main's half of the protocol for every image while `task` — the worker's half, already handed
 * the images — runs; then checks what the worker reported: each image opened under its own label,
 * zero-copy, and the worker read the token main wrote after the hand-off (main has checked the answer).
 */
async function handOff(images: readonly Handed[], task: Promise<Probe[]>): Promise<void> {
  const [tokens, probes] = await Promise.all([
    Promise.all(images.map(({ cells }) => answerWorker(cells))),
    task,
  ]);
  assert.deepEqual(
    probes.map((p) => p.label),
    images.map((i) => i.label),
  );
  probes.forEach((p, i) => {
    assert.ok(p.zeroCopy, `${p.label}: the worker's cells are a view into its SharedArrayBuffer`);
    assert.equal(p.token, tokens[i], `${p.label}: the worker saw main's write`);
  });
}

/** The next reply of a raw worker; a worker that fails or exits first rejects. */
function nextReply(worker: Worker): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the worker exited (${code}) before replying`));
    const onError = (error: Error) => reject(error);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (reply: Reply) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(reply);
    });
  });
}

async function probesOf(reply: Promise<Reply>): Promise<Probe[]> {
  const answer = await reply;
  if (answer.kind !== 'probe') assert.fail(`the worker replied ${JSON.stringify(answer)}`);
  return answer.probes;
}

function startThread(workerData?: Request): Worker {
  return new Worker(threadModule, workerData === undefined ? {} : { workerData });
}

describe('raw worker_threads', () => {
  test('an image in workerData is shared', async () => {
    const a = handed('workerData');
    const worker = startThread({ kind: 'probe', images: [a.image] });
    try {
      await handOff([a], probesOf(nextReply(worker)));
    } finally {
      await worker.terminate();
    }
  });

  test('an image in a postMessage is shared', async () => {
    const a = handed('postMessage');
    const worker = startThread();
    try {
      const reply = nextReply(worker);
      worker.postMessage({ kind: 'probe', images: [a.image] } satisfies Request);
      await handOff([a], probesOf(reply));
    } finally {
      await worker.terminate();
    }
  });

  test('several images in one message are each shared', async () => {
    const images = ['first', 'second', 'third'].map(handed);
    const worker = startThread();
    try {
      const reply = nextReply(worker);
      worker.postMessage({ kind: 'probe', images: images.map((i) => i.image) } satisfies Request);
      await handOff(images, probesOf(reply));
    } finally {
      await worker.terminate();
    }
  });
});

describe('worker pools', () => {
  test('piscina: an image as the task argument is shared', async () => {
    const pool = new Piscina<unknown, Probe[]>({ filename: taskModule.href, maxThreads: 2 });
    try {
      const a = handed('piscina one');
      const [b, c] = ['piscina two', 'piscina three'].map(handed) as [Handed, Handed];
      // Two tasks at once: a single image, and an array of two.
      await Promise.all([handOff([a], pool.run(a.image)), handOff([b, c], pool.run([b.image, c.image]))]);
    } finally {
      await pool.destroy();
    }
  });

  test('tinypool: an image as the task argument is shared', async () => {
    const pool = new Tinypool({ filename: taskModule.href, maxThreads: 2 });
    try {
      const a = handed('tinypool one');
      const [b, c] = ['tinypool two', 'tinypool three'].map(handed) as [Handed, Handed];
      await Promise.all([
        handOff([a], pool.run(a.image) as Promise<Probe[]>),
        handOff([b, c], pool.run([b.image, c.image]) as Promise<Probe[]>),
      ]);
    } finally {
      await pool.destroy();
    }
  });

  test("workerpool, workerType 'thread': images as exec params are shared", async () => {
    const pool = workerpool.pool(workerpoolScript, { workerType: 'thread', maxWorkers: 1 });
    try {
      const images = ['workerpool one', 'workerpool two'].map(handed);
      await handOff(
        images,
        pool.exec(
          'probe',
          images.map((i) => i.image),
        ) as Promise<Probe[]>,
      );
    } finally {
      await pool.terminate(true);
    }
  });

  test("workerpool, workerType 'process': the image arrives as JSON and open refuses it", async () => {
    const pool = workerpool.pool(workerpoolScript, {
      workerType: 'process',
      maxWorkers: 1,
      forkOpts: { execArgv: ['--import', 'tsx'] },
    });
    try {
      const { image, cells } = handed('workerpool process');
      // The child process gets JSON: each SharedArrayBuffer turns into an empty object.
      assert.deepEqual(await pool.exec('received', [image]), {
        segments: ['[object Object]'],
        json: '{"segments":[{}]}',
      });
      const error = await pool.exec('probe', [image]).then(
        () => assert.fail('open in a child process accepted an image that crossed as JSON'),
        (e: unknown) => e as Error & { code?: unknown },
      );
      // workerpool rebuilds the error from its own properties: name, message, code, stack.
      assert.equal(error.name, 'CowshareError');
      assert.equal(error.code, 'NOT_IMAGE');
      assert.match(error.message, /segments\[0\]: expected a SharedArrayBuffer/);
      assert.match(error.message, /not shared/);
      assert.match(error.message, /cannot cross a process boundary/);
      assert.equal(Atomics.load(cells, STAGE), Stage.IDLE, 'nothing reached our memory');
    } finally {
      await pool.terminate(true);
    }
  });
});

/** A deterministic xorshift32 stream of bytes, for garbage that is the same on every run. */
function garbage(length: number, seed: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(length);
  const bytes = new Uint8Array(buffer);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return buffer;
}

/** A value `open` must refuse, what its error's code may be, and what its message must say. */
interface Refusal {
  name: string;
  value: unknown;
  codes: readonly string[];
  message: RegExp;
}

function refusals(): Refusal[] {
  const real = pack(handoffValue('real'));
  const realBytes = new Uint8Array(real.segments[0]!);
  const magicThenGarbage = garbage(4096, 7);
  new Uint8Array(magicThenGarbage).set(MAGIC);
  // The same with version 1.0, so that the header's checksum is what fails.
  const versionThenGarbage = garbage(4096, 7);
  new Uint8Array(versionThenGarbage).set(MAGIC);
  new DataView(versionThenGarbage).setUint16(Header.Major, 1, true);
  new DataView(versionThenGarbage).setUint16(Header.Minor, 0, true);
  // A real header (checksum and all) over a body of garbage of the same length.
  const headerThenGarbage = garbage(realBytes.length, 11);
  new Uint8Array(headerThenGarbage).set(realBytes.subarray(0, Header.Size));
  const notImage = ['NOT_IMAGE'];
  const damaged = ['NOT_IMAGE', 'CORRUPT'];
  return [
    { name: 'null', value: null, codes: notImage, message: /expected a cowshare Image, got null/ },
    { name: '42', value: 42, codes: notImage, message: /expected a cowshare Image, got number/ },
    { name: '{}', value: {}, codes: notImage, message: /expected a cowshare Image.*no segments array/ },
    { name: '{ segments: [] }', value: { segments: [] }, codes: notImage, message: /no segments/ },
    {
      name: '{ segments: [{}] } (an image after JSON)',
      value: { segments: [{}] },
      codes: notImage,
      message: /segments\[0\]: expected a SharedArrayBuffer, got Object.*cannot cross a process boundary/,
    },
    { name: 'a Uint8Array', value: new Uint8Array(64), codes: notImage, message: /got Uint8Array/ },
    {
      name: 'an image whose segments were copied into ArrayBuffers',
      value: { segments: real.segments.map((s) => new Uint8Array(s).slice().buffer) },
      codes: notImage,
      message: /segments\[0\]: the image's memory is not shared.*ArrayBuffer/,
    },
    {
      name: 'a SharedArrayBuffer of garbage',
      value: { segments: [garbage(4096, 3)] },
      codes: notImage,
      message: /magic/,
    },
    {
      name: 'an empty SharedArrayBuffer',
      value: { segments: [new SharedArrayBuffer(0)] },
      codes: notImage,
      message: /magic/,
    },
    // The version is read before the checksum (FORMAT.md §3), so a garbage major is a VERSION error.
    {
      name: 'the magic, then garbage',
      value: { segments: [magicThenGarbage] },
      codes: ['VERSION'],
      message: /needs a newer cowshare/,
    },
    {
      name: 'the magic and version 1.0, then garbage',
      value: { segments: [versionThenGarbage] },
      codes: ['CORRUPT'],
      message: /checksum/,
    },
    {
      name: 'a real header, then garbage',
      value: { segments: [headerThenGarbage] },
      codes: damaged,
      message: /./,
    },
    {
      name: 'a real image with an extra segment',
      value: { segments: [...real.segments, new SharedArrayBuffer(64)] },
      codes: damaged,
      message: /segments/,
    },
  ];
}

function assertRefused(refusal: Refusal, outcome: Outcome): void {
  const { name, codes, message } = refusal;
  assert.ok(!outcome.ok, `${name}: open and toJS accepted it`);
  assert.ok(outcome.cowshare, `${name}: expected a CowshareError, got ${outcome.name}: ${outcome.message}`);
  assert.ok(codes.includes(outcome.code ?? ''), `${name}: code ${outcome.code} is not one of ${codes}`);
  assert.match(outcome.message ?? '', message, name);
}

function outcomeHere(value: unknown): Outcome {
  try {
    toJS(open(value as Image));
    return { ok: true };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const cowshare = error instanceof CowshareError;
    return {
      ok: false,
      cowshare,
      name: error.name,
      message: error.message,
      ...(cowshare ? { code: error.code } : {}),
    };
  }
}

describe('what is not a shared image is refused with a CowshareError', () => {
  test('on the main thread', () => {
    for (const refusal of refusals()) assertRefused(refusal, outcomeHere(refusal.value));
  });

  test('in a worker, after a postMessage', async () => {
    const cases = refusals();
    const worker = startThread();
    try {
      const reply = nextReply(worker);
      worker.postMessage({ kind: 'refuse', values: cases.map((c) => c.value) } satisfies Request);
      const answer = await reply;
      if (answer.kind !== 'refuse') assert.fail(`the worker replied ${JSON.stringify(answer)}`);
      for (const [i, refusal] of cases.entries()) assertRefused(refusal, answer.outcomes[i]!);
    } finally {
      await worker.terminate();
    }
  });

  test('openShared names the entry whose memory was copied', () => {
    const { image } = handed('shared');
    const copied = { segments: image.segments.map((s) => new Uint8Array(s).slice().buffer) };
    assert.throws(
      () => openShared({ dict: copied as unknown as Image }),
      (error: unknown) =>
        error instanceof CowshareError &&
        error.code === 'NOT_IMAGE' &&
        /^shared\.dict\.segments\[0\]: the image's memory is not shared/.test(error.message),
    );
  });
});

test('open in a worker takes the same time for a 1 KB and a 200 MB image', async () => {
  const small = pack({ bytes: new Uint8Array(1024) });
  const big = pack({ bytes: new Uint8Array(200 * 2 ** 20) });
  assert.ok(big.segments[0]!.byteLength >= 200 * 2 ** 20);
  const worker = startThread({ kind: 'time', images: [small, big], repeats: 25 });
  try {
    const answer = await nextReply(worker);
    if (answer.kind !== 'time') assert.fail(`the worker replied ${JSON.stringify(answer)}`);
    const [smallMs, bigMs] = answer.medianMs as [number, number];
    // A behavioural O(1) check with a generous bound: copying or scanning 200 MB takes tens of ms.
    assert.ok(smallMs < 1, `open of a 1 KB image took ${smallMs} ms (median)`);
    assert.ok(bigMs < 1, `open of a 200 MB image took ${bigMs} ms (median)`);
  } finally {
    await worker.terminate();
  }
});
