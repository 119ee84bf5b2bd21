/**
 * `cowshare/node`: the Node adapter — everything in `cowshare`, plus image files (`writeImage`,
 * memory-mapped `openFile`) and the worker pool.
 */

export { TaskError } from '../errors.js';
export * from '../index.js';
export {
  type Backing,
  type FileImage,
  type LoadOptions,
  loadImage,
  type OpenFileOptions,
  openFile,
} from './image-file.js';
export { type BuiltImageFile, ImageFileBuilder } from './image-file-builder.js';
export { type NativeStatus, nativeStatus } from './native.js';
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
export { writeImage } from './write-image.js';
