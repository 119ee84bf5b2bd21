// Loaded with `--import` after tsx. On Node 20, tsx's module hooks reach only the main thread:
// worker threads inherit `--import tsx` but tsx registers itself on the main thread only, so a worker
// cannot load a .ts module. Registering here in every worker thread lets tests and examples start
// workers (and pools) from TypeScript sources. Node 22 shares the hooks and does not need this.
import { isMainThread } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

if (!isMainThread) register();
