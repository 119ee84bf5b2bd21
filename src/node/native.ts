import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What the addon in native/ (native/src/map_file.cc) exports. */
interface Addon {
  /** Maps the file behind `fd` read-only; one SharedArrayBuffer per [offset, length] pair of `ranges`. */
  map(fd: number, ranges: number[]): SharedArrayBuffer[];
}

/** Whether file images can be memory-mapped in this process, and if not, why. */
export type NativeStatus =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/**
 * Where node-gyp puts the addon, from this module: two levels up from src/node/ (tsx) and dist/node/
 * (built), three from the benchmarks' compiled .bench-build/src/node/.
 */
const ADDON_PATHS = [
  '../../native/build/Release/cowshare_native.node',
  '../../../native/build/Release/cowshare_native.node',
];

let loaded: { addon: Addon | undefined; status: NativeStatus } | undefined;

/**
 * Loads the mmap addon once per thread. It is optional: a missing build (no compiler at install), a
 * build for another Node major, or `COWSHARE_NATIVE=0` all leave it unavailable, and file images are
 * then read into memory. Never throws.
 */
function load(): { addon: Addon | undefined; status: NativeStatus } {
  if (loaded) return loaded;
  if (process.env.COWSHARE_NATIVE === '0') {
    loaded = { addon: undefined, status: { available: false, reason: 'disabled by COWSHARE_NATIVE=0' } };
    return loaded;
  }
  const require = createRequire(import.meta.url);
  let reason = '';
  for (const path of ADDON_PATHS) {
    if (!existsSync(new URL(path, import.meta.url))) continue;
    try {
      loaded = { addon: require(path) as Addon, status: { available: true } };
      return loaded;
    } catch (error) {
      // Built for another Node, or a broken build: say so (a missing file is only "not built").
      reason = `the addon did not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    }
  }
  reason ||= 'the addon is not built (npm run build:native; it needs a C++ compiler and Node headers)';
  loaded = { addon: undefined, status: { available: false, reason } };
  return loaded;
}

/** The mmap addon, or undefined when file images must be read into memory. */
export const nativeAddon = (): Addon | undefined => load().addon;

/** Whether `openFile` maps files (`available`) or reads them into memory, and why. */
export const nativeStatus = (): NativeStatus => load().status;
