// A pool task module for the tests: looks keys up in the shared dictionary.
import type { SharedData } from '../../src/index.js';

export interface Entry {
  id: number;
  name: string;
}
export type Data = { dict: Map<string, Entry> };

export default function lookup(key: string, { dict }: SharedData<Data>): Entry | undefined {
  const entry = dict.get(key);
  return entry === undefined ? undefined : { id: entry.id, name: entry.name };
}
