/** The demo's task in a cowshare pool: the dictionary arrives once per worker, as an opened image. */
import type { SharedData } from '../share/shared-data.js';
import { answerTask, type DemoTask, type Entry, type LookupAnswer } from './demo-data.js';

export default function demoTask(
  task: DemoTask,
  { dictionary }: SharedData<{ dictionary: Map<string, Entry> }>,
): LookupAnswer {
  return answerTask(task, dictionary);
}
