/**
 * cowshare: build big read-only data once; every worker thread and process reads it in place.
 * The portable core: it imports no `node:` module, so it runs in browsers, Bun and Deno too.
 */

export { applyPatches, diff, patches } from './cow/apply-patches.js';
export { commit } from './cow/commit.js';
export { type CowOptions, cow } from './cow/cow-proxy.js';
export { type Draft, type ForkOptions, fork, snapshot } from './cow/fork.js';
export type { Patch } from './cow/patch-log.js';
export { toJS } from './cow/to-js.js';
export { CowshareError, type ErrorCode } from './errors.js';
export { type BuilderOptions, type BuilderRoot, ImageBuilder } from './format/builder.js';
export type { Image } from './format/image.js';
export { type PackOptions, pack } from './format/pack.js';
export { verify } from './format/verify.js';
export {
  isImage,
  openShared,
  packShared,
  type SharedData,
  type SharedImages,
  type SharedInput,
} from './share/shared-data.js';
export { type Cursor, cursor } from './view/cursor.js';
export { type OpenOptions, open } from './view/open.js';
export type { Shared, Unshared } from './view/shared.js';
