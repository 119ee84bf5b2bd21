// One of the processes of files/pss (the parent starts 4 of them, with an IPC channel):
//
//   node --expose-gc pss-process.js '<PssConfig as JSON>'
//
// It starts its worker threads first and says `idle` once they have imported everything (the parent
// takes the baseline PSS then). On `load` it loads the data and has each thread read all of it, one
// thread after the other; on `settle` everyone collects garbage; on `exit` it ends.
//
// Who opens the file (mmap, read): this main thread, once, with `loadImage`, and it posts the FileImage
// (an ordinary Image: its SharedArrayBuffers cross without a copy) to its threads, which `open` it.
// That is how an Image is meant to reach threads, and it is the only right way for the 'read' fallback:
// a thread that opened the file itself with 'read' would hold a copy of its own. (For mmap either way
// ends in the same page-cache pages; one mapping per process is simply the usual way.)
//
// JSON: each thread reads and parses the file itself — the usual way, since parsed objects cannot be
// shared between threads (a workerData clone would be one more copy per thread, plus the main's).

import { Worker } from 'node:worker_threads';
import { type FileImage, loadImage } from '../../src/node/index.js';
import { siblingModule } from '../../src/node/sibling.js';
import type { FromProcess, PssConfig, ThreadLoaded, ToProcess } from './common.js';

const gc = globalThis.gc;
if (!gc) throw new Error('the files/pss process needs node --expose-gc');

const config = JSON.parse(process.argv[2] ?? '') as PssConfig;
const send = (message: FromProcess): void => {
  process.send!(message);
};

type ThreadReply = { type: 'idle' } | ({ type: 'loaded' } & ThreadLoaded) | { type: 'settled' };

/** A worker thread and its replies, which come one per request, in order. */
class Thread {
  readonly worker: Worker;
  readonly #waiting: { resolve(m: ThreadReply): void; reject(e: Error): void }[] = [];

  constructor() {
    this.worker = new Worker(siblingModule(import.meta.url, 'pss-thread'), {
      workerData: { mode: config.mode, json: config.files.json },
      resourceLimits: { maxOldGenerationSizeMb: config.threadHeapMb },
    });
    this.worker.on('message', (m: ThreadReply) => this.#waiting.shift()?.resolve(m));
    const fail = (error: Error): void => {
      for (const w of this.#waiting.splice(0)) w.reject(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`a thread exited with code ${code}`)));
  }

  next<T extends ThreadReply['type']>(type: T): Promise<Extract<ThreadReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({
        resolve: (m) =>
          m.type === type
            ? resolve(m as Extract<ThreadReply, { type: T }>)
            : reject(new Error(`expected ${type}, got ${m.type}`)),
        reject,
      });
    });
  }
}

const threads = Array.from({ length: config.threads }, () => new Thread());
/** Kept for the process's lifetime: the mapping (or the read copy) the threads share. */
let image: FileImage | undefined;

async function serve(message: ToProcess): Promise<void> {
  switch (message.type) {
    case 'load': {
      if (config.mode !== 'json') image = loadImage(config.files.image, { backing: config.mode });
      const loaded: ThreadLoaded[] = [];
      // One thread after the other: bounds the peak memory of the JSON copies (the text and the
      // objects of one thread at a time), and the threads do not fight over 2 cores.
      for (const thread of threads) {
        const reply = thread.next('loaded');
        thread.worker.postMessage({ type: 'load', image });
        const { type: _, ...figures } = await reply;
        loaded.push(figures);
      }
      send({ type: 'loaded', backing: image?.backing ?? null, threads: loaded });
      return;
    }
    case 'settle': {
      await Promise.all(
        threads.map((thread) => {
          const reply = thread.next('settled');
          thread.worker.postMessage({ type: 'settle' });
          return reply;
        }),
      );
      gc!();
      gc!();
      send({ type: 'settled' });
      return;
    }
    case 'exit':
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
      process.exit(0);
  }
}

try {
  await Promise.all(threads.map((thread) => thread.next('idle')));
  gc();
  gc();
  process.on('message', (message: ToProcess) => {
    serve(message).catch((error: unknown) => {
      send({ type: 'failed', reason: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    });
  });
  send({ type: 'idle' });
} catch (error) {
  send({ type: 'failed', reason: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
