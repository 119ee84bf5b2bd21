// Starting the child processes of files/*: the scripts of this folder, compiled (.js, `npm run bench`)
// or from source (.ts under tsx, whose module hooks worker threads need registered too).

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { siblingModule } from '../../src/node/sibling.js';
import type { Context } from '../harness.js';

const compiled = import.meta.url.endsWith('.js');
const TSX = compiled
  ? []
  : ['--import', 'tsx', '--import', new URL('../../scripts/tsx-in-workers.mjs', import.meta.url).href];

/** The node arguments that run script `name` of this folder, after `flags`. */
const argv = (name: string, flags: readonly string[], args: readonly string[]): string[] => [
  ...TSX,
  ...flags,
  fileURLToPath(siblingModule(import.meta.url, name)),
  ...args,
];

/** The end of a child's stderr, kept for the reason of a failure. */
function tail(child: ChildProcess): () => string[] {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  return () => stderr.trim().split('\n').slice(-3);
}

/**
 * Runs script `name` to its end and resolves with its last line of stdout, parsed as JSON; rejects
 * (with the last lines of its stderr) when it fails, is killed, or takes longer than `timeoutMs`.
 */
export function runScript<T>(
  name: string,
  flags: readonly string[],
  args: readonly string[],
  ctx: Context,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv(name, flags, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const lastLines = tail(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as T);
      for (const l of lastLines()) ctx.log(`  ${name}: ${l}`);
      const how = timedOut
        ? `timed out after ${timeoutMs / 1e3} s`
        : signal
          ? `killed by ${signal}`
          : `exit code ${code}`;
      reject(new Error(`${name} child ${how}: ${lastLines().at(-1) ?? 'no output'}`));
    });
  });
}

/** A long-lived child that talks by IPC (`process.send`): files/pss's processes. */
export interface Talking<In, Out> {
  readonly child: ChildProcess;
  send(message: In): void;
  /** The next message from the child; rejects if the child ends first. */
  next(): Promise<Out>;
  /** Resolves when the child has ended (however). */
  readonly ended: Promise<void>;
}

export function startScript<In, Out>(
  name: string,
  flags: readonly string[],
  args: readonly string[],
  ctx: Context,
): Talking<In, Out> {
  const child = spawn(process.execPath, argv(name, flags, args), {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  const lastLines = tail(child);
  const inbox: Out[] = [];
  const waiting: { resolve(m: Out): void; reject(e: Error): void }[] = [];
  let failure: Error | undefined;
  child.on('message', (message: Out) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else inbox.push(message);
  });
  const ended = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      if (code !== 0) for (const l of lastLines()) ctx.log(`  ${name}: ${l}`);
      failure = new Error(
        `${name} child ended (${signal ?? `exit code ${code}`}): ${lastLines().at(-1) ?? ''}`,
      );
      for (const waiter of waiting.splice(0)) waiter.reject(failure);
      resolve();
    });
  });
  return {
    child,
    send: (message) => {
      if (child.connected) child.send(message as object);
    },
    next: () => {
      const message = inbox.shift();
      if (message !== undefined) return Promise.resolve(message);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    ended,
  };
}
