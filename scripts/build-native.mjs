// The `install` script: builds the mmap addon in native/ with node-gyp (the one npm ships, which npm
// names in npm_config_node_gyp). The addon is optional — without it openFile reads files into memory —
// so a failed build warns and lets the install succeed; `nativeStatus()` and the tests say what is in
// use. CI's tests require the addon (test/files.test.ts), so a build that silently broke cannot land.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const prefix = dirname(dirname(process.execPath));
// Run by hand (not by npm), use the node-gyp of the npm installed beside this node.
const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const nodeGyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
const command = nodeGyp ? process.execPath : 'node-gyp';
const args = [...(nodeGyp ? [nodeGyp] : []), 'rebuild'];
// npm passes its `nodedir` setting on; run by hand, use the headers installed beside this node (as
// Debian's nodejs package has them) rather than let node-gyp download them.
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const cwd = fileURLToPath(new URL('../native/', import.meta.url));
const { status, error } = spawnSync(command, args, { cwd, stdio: 'inherit' });
if (status !== 0) {
  const why = error ? error.message : `node-gyp exited with ${status}`;
  console.warn(
    `cowshare: the mmap addon was not built (${why}); openFile will read image files into memory instead of mapping them`,
  );
}
