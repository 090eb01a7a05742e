/**
 * A HyperLogLog sketch of a set of 64-bit state fingerprints (Flajolet et al., 2007): m = 2^p
 * registers (p = 12 by default: 4,096 registers, 3 KiB packed), each holding the largest "rank"
 * seen among the fingerprints routed to it. Two sketches merge by taking the register-wise
 * maximum, which gives exactly the sketch of the union of their sets — so the shards of a swarm
 * run (explore/shard.ts), each sketching the states it stored, let `accelcheck merge` estimate
 * how many distinct states all of them together covered, without exchanging the states.
 *
 * The fingerprint halves are outputs of full-avalanche finalisers (state/fingerprint.ts), so
 * their bits are used as they are: the top p bits of `hi` choose the register, and the rank is
 * the position of the first 1 bit in the remaining 64 - p bits (1 … 64 - p + 1).
 *
 * The estimate is Ertl's improved raw estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017), which needs neither the linear-counting switch nor the
 * empirical bias tables of HLL++ and is unbiased over the whole range.
 *
 * Error bound: the relative standard error of the estimate is about 1.04 / √m — 1.6 % for
 * m = 4,096 (so ±3.3 % at two standard errors, ±4.9 % at three), independent of the number of
 * states; for a few thousand states or fewer it is smaller (the sketch then behaves like linear
 * counting, nearly exact). The error is of the union estimate, not of the sum: a state counted
 * by several shards is counted once.
 */

export const DEFAULT_PRECISION = 12;
const MIN_PRECISION = 4;
const MAX_PRECISION = 16;

/** The serialised sketch, as it travels in a `--json` result. */
export interface SketchJson {
  kind: 'hyperloglog';
  /** p: the sketch has 2^p registers. */
  precision: number;
  /** The registers, 6 bits each, packed four to three bytes, base64. */
  registers: string;
}

/** Relative standard error of a sketch of 2^precision registers: 1.04 / √m. */
export function relativeError(precision = DEFAULT_PRECISION): number {
  return 1.04 / Math.sqrt(2 ** precision);
}

export class HyperLogLog {
  readonly registers: Uint8Array;
  private readonly shift: number;

  constructor(readonly precision = DEFAULT_PRECISION) {
    if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new RangeError(`sketch: precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, got ${precision}`);
    }
    this.registers = new Uint8Array(2 ** precision);
    this.shift = 32 - precision;
  }

  /** Add the fingerprint (lo, hi). */
  add(lo: number, hi: number): void {
    const p = this.precision;
    const j = hi >>> this.shift;
    const w = hi << p;
    // The rank within the 32 - p low bits of hi, then within lo; all zero: 64 - p + 1.
    const rank = w !== 0 ? Math.clz32(w) + 1 : this.shift + (lo !== 0 ? Math.clz32(lo) + 1 : 33);
    if (rank > this.registers[j]) this.registers[j] = rank;
  }

  /** Make this the sketch of the union: register-wise maximum. */
  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) throw new RangeError(`sketch: cannot merge precision ${other.precision} into ${this.precision}`);
    const r = this.registers;
    const o = other.registers;
    for (let j = 0; j < r.length; j++) if (o[j] > r[j]) r[j] = o[j];
  }

  /** The estimated number of distinct fingerprints added (Ertl's improved raw estimator). */
  estimate(): number {
    const m = this.registers.length;
    const q = 64 - this.precision;
    // c[k]: registers holding k (0 … q + 1).
    const c = new Float64Array(q + 2);
    for (const v of this.registers) c[v]++;
    if (c[0] === m) return 0;
    let z = m * tau(1 - c[q + 1] / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + c[k]);
    z += m * sigma(c[0] / m);
    return (m * m) / (2 * Math.LN2 * z);
  }

  toJSON(): SketchJson {
    return { kind: 'hyperloglog', precision: this.precision, registers: Buffer.from(pack(this.registers)).toString('base64') };
  }

  /** The sketch a `SketchJson` describes; throws a TypeError naming what is wrong. */
  static fromJSON(value: unknown): HyperLogLog {
    const v = value as Partial<SketchJson> | null;
    if (typeof v !== 'object' || v === null || v.kind !== 'hyperloglog') throw new TypeError('not a hyperloglog sketch');
    if (typeof v.precision !== 'number' || !Number.isInteger(v.precision) || v.precision < MIN_PRECISION || v.precision > MAX_PRECISION) {
      throw new TypeError(`sketch precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, got ${JSON.stringify(v.precision)}`);
    }
    if (typeof v.registers !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.registers)) throw new TypeError('sketch registers must be a base64 string');
    const sketch = new HyperLogLog(v.precision);
    const bytes = Buffer.from(v.registers, 'base64');
    if (bytes.length !== (sketch.registers.length * 3) / 4) throw new TypeError(`sketch registers hold ${bytes.length} bytes, expected ${(sketch.registers.length * 3) / 4}`);
    unpack(bytes, sketch.registers);
    const max = 64 - v.precision + 1;
    if (sketch.registers.some((r) => r > max)) throw new TypeError(`sketch register above ${max}`);
    return sketch;
  }
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k-1) (Ertl, eq. 31), for the registers still zero. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const before = z;
    z += x * y;
    y += y;
    if (z === before) return z;
  }
}

/** τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))² · 2^-k) / 3 (Ertl, eq. 33), for the registers at their maximum. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const before = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === before) return z / 3;
  }
}

/** Four 6-bit registers to three bytes (the register count is a multiple of 4). */
function pack(r: Uint8Array): Uint8Array {
  const out = new Uint8Array((r.length * 3) / 4);
  for (let i = 0, o = 0; i < r.length; i += 4, o += 3) {
    const w = (r[i] << 18) | (r[i + 1] << 12) | (r[i + 2] << 6) | r[i + 3];
    out[o] = w >>> 16;
    out[o + 1] = (w >>> 8) & 0xff;
    out[o + 2] = w & 0xff;
  }
  return out;
}

function unpack(bytes: Uint8Array, r: Uint8Array): void {
  for (let i = 0, o = 0; i < r.length; i += 4, o += 3) {
    const w = (bytes[o] << 16) | (bytes[o + 1] << 8) | bytes[o + 2];
    r[i] = w >>> 18;
    r[i + 1] = (w >>> 12) & 63;
    r[i + 2] = (w >>> 6) & 63;
    r[i + 3] = w & 63;
  }
}
