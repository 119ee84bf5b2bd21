/**
 * `cowshare/node`: the Node adapter. File images (`writeImage`, memory-mapped `openFile`) and the worker
 * pool are built on this entry point (see the file-images and worker issues); until then it offers the
 * portable core, so that `import … from 'cowshare/node'` already works for everything that exists.
 */
export * from '../index.js';
