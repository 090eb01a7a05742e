/**
 * Bitstate hashing (SPIN's supertrace, Holzmann): the seen-set is a bit array of m = 2^bits
 * bits and a state is k bits of it (k = 3 by default), at indexes derived from its 64-bit
 * fingerprint by double hashing (index_i = h1 + i·h2, h2 odd). A state whose k bits are all set
 * is taken as seen — possibly wrongly (a Bloom-filter false positive), and then it and whatever
 * is reachable only through it is never explored. Nothing else is kept of a state but its
 * parent links (parent index and action instance, 8 bytes, as in StateStore), so traces are
 * still rebuilt by re-running the model (TLC's approach): memory per state is 8 bytes plus
 * m/n bits of the array.
 *
 * `omission()` says how much may have been missed: insertion i (i states already stored) is
 * falsely taken as seen with probability (1 - e^{-k·i/m})^k, the expected number of states so
 * missed is their sum over the insertions, and the probability that any was missed is
 * 1 - e^{-expected} (Poisson). The figure counts the states wrongly taken as seen, not those
 * reachable only through them; SPIN's hash factor m/n is given beside it.
 *
 * A `seed` other than 0 gives another family of hash functions (SPIN's swarm runs vary them,
 * explore/shard.ts): each fingerprint half is mixed with it before the indexes are taken, so two
 * seeds take different states for seen ones. Seed 0 is the unseeded store, bit for bit.
 */
import { HyperLogLog } from './sketch.js';
import { LinkedStore, type SeenSet, type StoreDump } from './store.js';

/** k, the bits per state, when not given (SPIN's default for -DBITSTATE is 3 since 6.0). */
export const DEFAULT_HASHES = 3;
export const MIN_BITS = 10;
export const MAX_BITS = 36;

export interface OmissionEstimate {
  /** The bit array holds 2^bits bits. */
  bits: number;
  /** Bits set per state (k). */
  hashes: number;
  /** SPIN's hash factor: bits in the array per stored state (m / n). */
  hashFactor: number;
  /** Expected number of reachable states taken as seen by a false positive (not counting those reachable only through them). */
  expectedMissed: number;
  /** Probability that at least one state was so missed: 1 - e^{-expectedMissed}. */
  probabilityAnyMissed: number;
}

/** Probability that a new state is taken as seen when `i` states are stored: (1 - e^{-k·i/m})^k. */
export function falsePositive(i: number, k: number, m: number): number {
  return (-Math.expm1((-k * i) / m)) ** k;
}

/** The omission estimate after `n` insertions into a bit array of 2^bits bits with k bits per state. */
export function omission(n: number, bits: number, k = DEFAULT_HASHES): OmissionEstimate {
  const m = 2 ** bits;
  let expected = 0;
  // Summed from the largest terms down (they are increasing in i), for accuracy; n steps of
  // ~10 ns, once at the end of a run.
  for (let i = n - 1; i >= 1; i--) expected += falsePositive(i, k, m);
  return {
    bits,
    hashes: k,
    hashFactor: n > 0 ? m / n : m,
    expectedMissed: expected,
    probabilityAnyMissed: -Math.expm1(-expected),
  };
}

/** The bit array could not be allocated (too large for this machine). */
export class BitStateAllocationError extends RangeError {
  override name = 'BitStateAllocationError';
}

export class BitStateStore extends LinkedStore implements SeenSet {
  /** The bit array, 32 bits a word: bit b is (words[b >>> 5] >>> (b & 31)) & 1 (for bits > 32, see `index`). */
  private readonly words: Int32Array;
  /** Mask of the low 32-bit part of an index, and of its high part (bits > 32 only). */
  private readonly lowMask: number;
  private readonly highMask: number;
  /** Word indexes of the k bits of the last fingerprint looked at (set by `locate`). */
  private readonly at: Int32Array;
  /** Bit masks within those words. */
  private readonly bit: Int32Array;
  /** Whether a seed is mixed into the fingerprint halves, and what is mixed into each. */
  private readonly seeded: boolean;
  private readonly seedLo: number;
  private readonly seedHi: number;
  /**
   * With `sketch`: a HyperLogLog of the fingerprints of the states stored, updated on insertion
   * (the bit array cannot be walked for them afterwards, as the exact store can); else null.
   */
  readonly sketch: HyperLogLog | null;

  constructor(
    readonly bits: number,
    readonly hashes = DEFAULT_HASHES,
    options: { seed?: number; sketch?: boolean } = {},
  ) {
    super(1 << 12);
    if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) throw new RangeError(`bitstate: bits must be an integer from ${MIN_BITS} to ${MAX_BITS}, got ${bits}`);
    if (!Number.isInteger(hashes) || hashes < 1 || hashes > 16) throw new RangeError(`bitstate: hashes must be an integer from 1 to 16, got ${hashes}`);
    try {
      this.words = new Int32Array(2 ** (bits - 5));
    } catch (e) {
      throw new BitStateAllocationError(`bitstate: cannot allocate 2^${bits} bits (${2 ** (bits - 23)} MB): ${(e as Error).message}`);
    }
    this.lowMask = bits >= 32 ? -1 : (2 ** bits - 1) | 0;
    this.highMask = bits > 32 ? (1 << (bits - 32)) - 1 : 0;
    this.at = new Int32Array(hashes);
    this.bit = new Int32Array(hashes);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`bitstate: seed must be an integer from 0 to 4294967295, got ${seed}`);
    this.seeded = seed !== 0;
    this.seedLo = seed | 0;
    this.seedHi = mix(seed ^ 0x5bd1e995);
    this.sketch = options.sketch ? new HyperLogLog() : null;
  }

  /**
   * The k positions of fingerprint (lo, hi), into `at` and `bit`. Index i is
   * (h1 + i·h2) mod 2^bits with h2 odd (so the k positions differ), taken from the two
   * fingerprint halves; above 32 bits, the high part is double-hashed the same way from mixes
   * of them and the array is read as 2^(bits-32) blocks of 2^32 bits. A seeded store mixes the
   * seed into both halves first.
   */
  private locate(lo: number, hi: number): void {
    if (this.seeded) {
      lo = mix(lo ^ this.seedLo);
      hi = mix(hi ^ this.seedHi);
    }
    const k = this.hashes;
    const lowMask = this.lowMask;
    const highMask = this.highMask;
    const h2 = hi | 1;
    let g1 = 0;
    let g2 = 0;
    if (highMask !== 0) {
      g1 = mix(lo ^ hi);
      g2 = mix(hi + 0x9e3779b9) | 1;
    }
    for (let i = 0; i < k; i++) {
      const low = ((lo + Math.imul(i, h2)) & lowMask) >>> 0;
      const high = (g1 + Math.imul(i, g2)) & highMask;
      this.at[i] = (high << 27) | (low >>> 5);
      this.bit[i] = 1 << (low & 31);
    }
  }

  has(lo: number, hi: number): boolean {
    this.locate(lo, hi);
    const words = this.words;
    for (let i = 0; i < this.hashes; i++) if ((words[this.at[i]] & this.bit[i]) === 0) return false;
    return true;
  }

  /** Set the state's k bits unless all are set already: the new state's index, or -1 when taken as seen. */
  add(lo: number, hi: number, parent: number, via: number): number {
    this.locate(lo, hi);
    const words = this.words;
    const at = this.at;
    const bit = this.bit;
    let fresh = false;
    for (let i = 0; i < this.hashes; i++) {
      const w = words[at[i]];
      if ((w & bit[i]) === 0) {
        words[at[i]] = w | bit[i];
        fresh = true;
      }
    }
    if (!fresh) return -1;
    if (this.sketch !== null) this.sketch.add(lo, hi);
    return this.link(parent, via);
  }

  /**
   * Read the words of the first `n` fingerprints' bits (low halves in `lo`, high halves in
   * `hi`), so that their cache lines load in parallel (see StateStore.prefetch).
   */
  prefetch(lo: Int32Array, n: number, hi?: Int32Array): number {
    const words = this.words;
    let acc = 0;
    if (hi === undefined || this.highMask !== 0) return acc;
    const lowMask = this.lowMask;
    const k = this.hashes;
    const seeded = this.seeded;
    for (let j = 0; j < n; j++) {
      const l = seeded ? mix(lo[j] ^ this.seedLo) : lo[j];
      const h2 = (seeded ? mix(hi[j] ^ this.seedHi) : hi[j]) | 1;
      for (let i = 0; i < k; i++) acc ^= words[(((l + Math.imul(i, h2)) & lowMask) >>> 0) >>> 5];
    }
    return acc;
  }

  protected get table(): Int32Array {
    return this.words;
  }

  load(d: StoreDump): void {
    if (d.table.length !== this.words.length) throw new RangeError(`store dump: a bit array of 2^${this.bits} bits`);
    this.loadLinks(d);
    this.words.set(d.table);
  }

  /** How many states may have been missed so far (see the header). */
  omission(): OmissionEstimate {
    return omission(this.size, this.bits, this.hashes);
  }
}

/** MurmurHash3's 32-bit finaliser. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
