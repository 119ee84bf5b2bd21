import { readFileSync } from 'node:fs';

/** A process's memory in bytes. */
export interface ProcessMemory {
  /** Resident set size: every resident page the process maps, shared or not. */
  rss: number;
  /**
   * Proportional set size: each resident page divided by the number of processes that map it — the
   * measure that adds up across processes sharing one mapping. Undefined where the OS does not say
   * (outside Linux).
   */
  pss: number | undefined;
}

/**
 * Reads RSS and PSS from `/proc/<pid>/smaps_rollup` (Linux 4.14+); elsewhere RSS from Node and no PSS.
 * Threads share their process's pages, so for threads RSS and PSS differ only by pages shared with
 * other processes; across processes only PSS adds up.
 */
export function processMemory(pid: number | 'self' = 'self'): ProcessMemory {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
  } catch {
    if (pid !== 'self' && pid !== process.pid)
      throw new Error(`cowshare: cannot read the memory of process ${pid}`);
    return { rss: process.memoryUsage.rss(), pss: undefined };
  }
  return { rss: field(text, 'Rss'), pss: field(text, 'Pss') };
}

/** A `Name:   1234 kB` line of smaps_rollup, in bytes. */
function field(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`cowshare: smaps_rollup has no ${name} line`);
  return Number(match[1]) * 1024;
}
