/**
 * 64-bit fingerprints of encoded states, as two 32-bit halves computed in one pass over the
 * encoding read as 32-bit words. The halves use different mixing functions (a MurmurHash3 lane
 * and an xxHash32-style lane) so that a collision in one is independent of the other.
 *
 * The length is mixed in at the end, so a fingerprint can be computed while the words are
 * produced: the compiled codecs (codec.ts) do so, with the code of `wordMixSource`, and must
 * give exactly what `fingerprint` gives on their bytes.
 */

/** The two halves of the last fingerprint computed (avoids allocating a pair per state). */
export const fp = { lo: 0, hi: 0 };

const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593 | 0;
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
export const SEED_A = 0x2545f491;
export const SEED_B = 0x61c88647;

/** Fingerprint `byteLength` bytes of `words`' buffer from byte `start` (a multiple of 4; the bytes are zero-padded to a multiple of 4); sets `fp`. */
export function fingerprint(words: Int32Array, byteLength: number, start = 0): void {
  const first = start >> 2;
  const end = first + ((byteLength + 3) >> 2);
  // Literal seeds (the values of SEED_A, SEED_B): V8 reads an exported binding through a cell
  // of unknown type, and a loop seeded from one runs on tagged numbers with overflow checks,
  // 2.5 times slower.
  let a = 0x2545f491;
  let b = 0x61c88647;
  for (let i = first; i < end; i++) {
    const w = words[i];
    let k = Math.imul(w, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    a ^= k;
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;

    b = (b + Math.imul(w, P2)) | 0;
    b = (b << 13) | (b >>> 19);
    b = Math.imul(b, P1);
  }
  finish(a, b, byteLength);
}

/** JavaScript source mixing the 32-bit word in variable `w` into the halves held in variables `a` and `b` (as `fingerprint` does). */
export function wordMixSource(w: string): string {
  return (
    `{ let k = Math.imul(${w}, ${C1}); k = (k << 15) | (k >>> 17); k = Math.imul(k, ${C2}); ` +
    `a ^= k; a = (a << 13) | (a >>> 19); a = (Math.imul(a, 5) + ${0xe6546b64}) | 0; ` +
    `b = (b + Math.imul(${w}, ${P2})) | 0; b = (b << 13) | (b >>> 19); b = Math.imul(b, ${P1}); }`
  );
}

/** Finish a fingerprint from its mixed halves and the byte length; sets `fp`. */
export function finish(a: number, b: number, byteLength: number): void {
  a ^= byteLength;
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, P3);
  a ^= a >>> 16;
  b = (b + byteLength) | 0;
  b ^= b >>> 15;
  b = Math.imul(b, P2);
  b ^= b >>> 13;
  b = Math.imul(b, P3);
  b ^= b >>> 16;
  // (0, 0) marks an empty slot in the seen-set.
  if (a === 0 && b === 0) b = 1;
  fp.lo = a;
  fp.hi = b;
}

/**
 * Probability that at least one pair of `n` distinct states shares a fingerprint, so that a
 * state was wrongly taken as seen (birthday bound n²/2⁶⁵), as TLC reports it.
 */
export function collisionProbability(n: number): number {
  return Math.min(1, (n * n) / 2 ** 65);
}
