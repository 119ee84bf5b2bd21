import { CowshareError } from '../errors.js';

/** Plain words for the errno codes people meet with image files; other codes keep Node's message. */
const PLAIN: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
};

/** A failed file-system call as a `FILE` error naming the file; the system error is its cause. */
export function fileError(path: string, error: unknown, doing = 'cannot open'): CowshareError {
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    (typeof code === 'string' ? PLAIN[code] : undefined) ??
    (error instanceof Error ? error.message : String(error));
  return new CowshareError('FILE', `${path}: ${doing}: ${why}`, { cause: error });
}

/**
 * `error` with the file named: a CowshareError about the image gets the path in front (same code), a
 * system error becomes a `FILE` error; anything else (a bug, an allocation failure) passes unchanged.
 */
export function inFile(path: string, error: unknown, doing = 'cannot read'): unknown {
  if (error instanceof CowshareError) {
    if (error.message.startsWith(`${path}: `)) return error;
    return new CowshareError(error.code, `${path}: ${error.message}`, { cause: error });
  }
  if (typeof (error as { code?: unknown } | null)?.code === 'string') return fileError(path, error, doing);
  return error;
}
