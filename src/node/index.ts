/**
 * `cowshare/node`: the Node adapter — everything in `cowshare`, plus the worker pool. File images
 * (`writeImage`, memory-mapped `openFile`) join it with the file-images issue.
 */

export { TaskError } from '../errors.js';
export * from '../index.js';
export {
  Pool,
  type PoolOptions,
  type PoolSettings,
  type RunOptions,
  type TaskFunction,
  type TaskInput,
  type TaskResult,
  type TaskShared,
} from './pool.js';
export type { MapOptions, Progress } from './task-stream.js';
