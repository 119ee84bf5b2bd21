/**
 * The demo's task in a plain piscina pool, the usual way: the dictionary reaches each worker as
 * `workerData`, structured-cloned once per worker (the copy cowshare avoids).
 */
import { workerData } from 'node:worker_threads';
import { answerTask, type DemoTask, type Dictionary, type LookupAnswer } from './demo-data.js';

const { dictionary } = workerData as { dictionary: Dictionary };

export default function demoCloneTask(task: DemoTask): LookupAnswer {
  return answerTask(task, dictionary);
}
