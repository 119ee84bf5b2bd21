// Strings from image bytes, for the reader (and the builder's own reads): ASCII and UTF-16 string
// nodes (FORMAT.md §5), decoded without TextDecoder, which is slower for short strings and replaces
// lone surrogates.

const CHUNK = 0x2000;

/**
 * ASCII bytes to a string. Short strings (most keys and names) are built eight characters per
 * `fromCharCode` call, several times faster than one call per character or `apply` on a subarray
 * (measured: 46 ns against 150–210 ns for 10 characters). The bytes are not checked to be below 0x80
 * here, on the hot path: `verify` checks that invariant.
 */
export function decodeAscii(b: Uint8Array, start: number, length: number): string {
  if (length > 64) {
    let s = '';
    for (let at = start; at < start + length; at += CHUNK) {
      s += String.fromCharCode.apply(
        null,
        b.subarray(at, Math.min(at + CHUNK, start + length)) as unknown as number[],
      );
    }
    return s;
  }
  let s = '';
  let i = start;
  const end = start + length;
  for (; i + 8 <= end; i += 8) {
    s += String.fromCharCode(
      b[i]!,
      b[i + 1]!,
      b[i + 2]!,
      b[i + 3]!,
      b[i + 4]!,
      b[i + 5]!,
      b[i + 6]!,
      b[i + 7]!,
    );
  }
  for (; i + 2 <= end; i += 2) s += String.fromCharCode(b[i]!, b[i + 1]!);
  if (i < end) s += String.fromCharCode(b[i]!);
  return s;
}

/** UTF-16 decoding that keeps lone surrogates (TextDecoder would replace them). */
export function decodeUtf16(view: DataView, start: number, length: number): string {
  let s = '';
  const units = new Array<number>(Math.min(length, CHUNK));
  for (let done = 0; done < length; done += CHUNK) {
    const n = Math.min(CHUNK, length - done);
    units.length = n;
    for (let i = 0; i < n; i++) units[i] = view.getUint16(start + 2 * (done + i), true);
    s += String.fromCharCode.apply(null, units);
  }
  return s;
}
