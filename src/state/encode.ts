/**
 * Canonical binary encoding of plain-data states.
 *
 * Two states that are equal as JSON values (whatever the key order of their records) encode
 * to the same bytes, and different states to different bytes. The encoding is written into a
 * reusable scratch buffer, so encoding a successor allocates nothing in the common case.
 *
 * Byte layout (one tag byte, then payload):
 *   0x00-0x7F  the integer 0…127 itself
 *   0x80 false   0x81 true   0x82 null
 *   0x83 int32 (zigzag varint)      0x84 other number (float64, little endian)
 *   0x85 string  (varint length, UTF-16 code units as varints)
 *   0x86 array   (varint length, elements)
 *   0x87 record  (varint key count, then key (as a string payload) and value, keys sorted)
 */

export class PlainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlainDataError';
  }
}

const TAG_FALSE = 0x80;
const TAG_TRUE = 0x81;
const TAG_NULL = 0x82;
const TAG_INT = 0x83;
const TAG_FLOAT = 0x84;
const TAG_STRING = 0x85;
const TAG_ARRAY = 0x86;
const TAG_RECORD = 0x87;

const floatView = new DataView(new ArrayBuffer(8));

export class Encoder {
  /** The scratch buffer; its length is a multiple of 8 so the hash can read it as 32-bit words. */
  buf: Uint8Array;
  words: Int32Array;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.words = new Int32Array(this.buf.buffer);
  }

  /**
   * Encode `value` into `buf` from byte `start` (a multiple of 4); returns the length. Bytes
   * after it, up to the next multiple of 4, are zero.
   */
  encode(value: unknown, start = 0): number {
    this.pos = start;
    this.value(value);
    const end = this.pos;
    const padded = (end + 3) & ~3;
    if (padded > this.buf.length) this.grow(padded);
    for (let i = end; i < padded; i++) this.buf[i] = 0;
    return end - start;
  }

  /**
   * Encode `value` at byte `pos` (the specialised codecs call this for the parts they leave to
   * the generic encoder); returns the position after it. May replace `buf` by a larger one.
   */
  encodeAt(value: unknown, pos: number): number {
    this.pos = pos;
    this.value(value);
    return this.pos;
  }

  /** Make `buf` at least `min` bytes long (keeping its contents). */
  grow(min: number): void {
    let size = this.buf.length * 2;
    while (size < min + 16) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf);
    this.buf = next;
    this.words = new Int32Array(next.buffer);
  }

  private byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(this.pos + 1);
    this.buf[this.pos++] = b;
  }

  private varint(n: number): void {
    // n is a non-negative integer < 2^32
    while (n >= 0x80) {
      this.byte((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    this.byte(n);
  }

  private str(s: string): void {
    const n = s.length;
    if (this.pos + n * 3 + 5 > this.buf.length) this.grow(this.pos + n * 3 + 5);
    this.varint(n);
    const buf = this.buf;
    let pos = this.pos;
    // Most strings are ASCII: one byte per code unit, checked once at the end.
    let all = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      all |= c;
      buf[pos + i] = c;
    }
    if (all < 0x80) {
      this.pos = pos + n;
      return;
    }
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      while (c >= 0x80) {
        buf[pos++] = (c & 0x7f) | 0x80;
        c >>>= 7;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'boolean':
        this.byte(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'number':
        if ((v & 0x7f) === v) {
          this.byte(v);
        } else if ((v | 0) === v) {
          this.byte(TAG_INT);
          this.varint(((v << 1) ^ (v >> 31)) >>> 0);
        } else if (Number.isFinite(v)) {
          this.byte(TAG_FLOAT);
          floatView.setFloat64(0, v === 0 ? 0 : v, true);
          for (let i = 0; i < 8; i++) this.byte(floatView.getUint8(i));
        } else {
          throw new PlainDataError(`${v} is not plain data (states must be JSON values)`);
        }
        return;
      case 'string':
        this.byte(TAG_STRING);
        this.str(v);
        return;
      case 'object':
        if (v === null) {
          this.byte(TAG_NULL);
        } else if (Array.isArray(v)) {
          this.array(v);
        } else {
          this.record(v as Record<string, unknown>);
        }
        return;
      default:
        throw new PlainDataError(`a ${typeof v} is not plain data (states must be JSON values)`);
    }
  }

  private array(v: unknown[]): void {
    const n = v.length;
    if (this.pos + n + 6 > this.buf.length) this.grow(this.pos + n + 6);
    this.buf[this.pos++] = TAG_ARRAY;
    this.varint(n);
    // Fast path: small non-negative integers and booleans, one byte each.
    const buf = this.buf;
    let pos = this.pos;
    let i = 0;
    for (; i < n; i++) {
      const x = v[i];
      if (typeof x === 'number') {
        if ((x & 0x7f) !== x) break;
        buf[pos++] = x;
      } else if (x === true) {
        buf[pos++] = TAG_TRUE;
      } else if (x === false) {
        buf[pos++] = TAG_FALSE;
      } else {
        break;
      }
    }
    this.pos = pos;
    for (; i < n; i++) this.value(v[i]);
  }

  private record(o: Record<string, unknown>): void {
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) {
      throw new PlainDataError(`a ${proto?.constructor?.name ?? 'class'} instance is not plain data (use arrays and records)`);
    }
    let keys = Object.keys(o);
    const n = keys.length;
    for (let i = 1; i < n; i++) {
      if (keys[i - 1] > keys[i]) {
        keys = keys.slice().sort();
        break;
      }
    }
    this.byte(TAG_RECORD);
    this.varint(n);
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const v = o[k];
      if (v === undefined) throw new PlainDataError(`field '${k}' is undefined (states must be JSON values; use null)`);
      this.str(k);
      this.value(v);
    }
  }
}

/**
 * Decoding. Positions are threaded through `D.p` (one shared cursor instead of an object per
 * call), so the compiled decoders of codec.ts can call these helpers for the parts they leave
 * to the generic decoder.
 */
export const D = { p: 0 };

/** Decode bytes written by Encoder back into a fresh plain value (records get sorted keys). */
export function decode(bytes: Uint8Array, start = 0, end = bytes.length, freeze = false): unknown {
  const v = decodeAt(bytes, start, freeze);
  if (D.p !== end) throw new Error(`decode: ${end - D.p} trailing bytes`);
  return v;
}

/** Read a varint whose first byte is at `p`; the position after it is left in `D.p`. */
export function readVarint(b: Uint8Array, p: number): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    const x = b[p++];
    n += (x & 0x7f) * scale;
    if (x < 0x80) {
      D.p = p;
      return n;
    }
    scale *= 128;
  }
}

/** The number whose tag byte (≥ 0x80: int or float) was just read; its payload starts at `p`. */
export function readNumber(b: Uint8Array, p: number, tag: number): number {
  if (tag === TAG_INT) {
    const z = readVarint(b, p);
    return (z >>> 1) ^ -(z & 1);
  }
  for (let i = 0; i < 8; i++) floatView.setUint8(i, b[p + i]);
  D.p = p + 8;
  return floatView.getFloat64(0, true);
}

/**
 * Short ASCII strings (record keys, enumeration values) are looked up in a small cache rather
 * than built anew each time, so decoding a record's keys allocates nothing and equal strings
 * decoded from different states are the same string.
 */
const CACHE_BITS = 12;
const CACHE_MAX_LENGTH = 32;
const stringCache: string[] = new Array<string>(1 << CACHE_BITS).fill('');

/** Read a string payload (varint length, code units) starting at `p`; the position after it is left in `D.p`. */
export function readString(b: Uint8Array, p: number): string {
  let n = b[p++];
  if (n >= 0x80) {
    n = readVarint(b, p - 1);
    p = D.p;
  }
  if (n <= CACHE_MAX_LENGTH) {
    let h = n;
    let i = 0;
    for (; i < n; i++) {
      const c = b[p + i];
      if (c >= 0x80) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i === n) {
      const slot = (h ^ (h >>> 16)) & ((1 << CACHE_BITS) - 1);
      const cached = stringCache[slot];
      D.p = p + n;
      if (cached.length === n) {
        let j = 0;
        while (j < n && cached.charCodeAt(j) === b[p + j]) j++;
        if (j === n) return cached;
      }
      const s = n === 1 ? ONE_CHAR[b[p]] : String.fromCharCode.apply(null, b.subarray(p, p + n) as unknown as number[]);
      stringCache[slot] = s;
      return s;
    }
  }
  const codes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let c = b[p++];
    if (c >= 0x80) {
      c = readVarint(b, p - 1);
      p = D.p;
    }
    codes[i] = c;
  }
  D.p = p;
  let s = '';
  for (let i = 0; i < n; i += 4096) s += String.fromCharCode.apply(null, codes.slice(i, i + 4096));
  return s;
}

/** Decode the value starting at byte `p`; the position after it is left in `D.p`. */
export function decodeAt(b: Uint8Array, p: number, freeze: boolean): unknown {
  const tag = b[p++];
  if (tag < 0x80) {
    D.p = p;
    return tag;
  }
  switch (tag) {
    case TAG_FALSE:
      D.p = p;
      return false;
    case TAG_TRUE:
      D.p = p;
      return true;
    case TAG_NULL:
      D.p = p;
      return null;
    case TAG_INT:
    case TAG_FLOAT:
      return readNumber(b, p, tag);
    case TAG_STRING:
      return readString(b, p);
    case TAG_ARRAY: {
      let n = b[p++];
      if (n >= 0x80) {
        n = readVarint(b, p - 1);
        p = D.p;
      }
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        // Small integers and booleans inline; anything else by a call.
        const x = b[p];
        if (x < 0x80) {
          out.push(x);
          p++;
        } else if (x === TAG_FALSE || x === TAG_TRUE) {
          out.push(x === TAG_TRUE);
          p++;
        } else {
          out.push(decodeAt(b, p, freeze));
          p = D.p;
        }
      }
      D.p = p;
      return freeze ? Object.freeze(out) : out;
    }
    case TAG_RECORD: {
      let n = b[p++];
      if (n >= 0x80) {
        n = readVarint(b, p - 1);
        p = D.p;
      }
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = readString(b, p);
        p = D.p;
        const x = b[p];
        let v: unknown;
        if (x < 0x80) {
          v = x;
          p++;
        } else if (x === TAG_FALSE || x === TAG_TRUE) {
          v = x === TAG_TRUE;
          p++;
        } else {
          v = decodeAt(b, p, freeze);
          p = D.p;
        }
        // A plain assignment to `__proto__` would set the prototype instead of a field.
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
        else out[k] = v;
      }
      D.p = p;
      return freeze ? Object.freeze(out) : out;
    }
    default:
      throw new Error(`decode: bad tag 0x${tag.toString(16)} at byte ${p - 1}`);
  }
}

const ONE_CHAR = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

const left = new Encoder();
const right = new Encoder();

/** Are two values the same state, by the canonical encoding the checker itself uses? A value that is not plain data equals nothing. */
export function sameState(a: unknown, b: unknown): boolean {
  let n: number;
  try {
    n = left.encode(a);
    if (right.encode(b) !== n) return false;
  } catch (e) {
    if (e instanceof PlainDataError) return false;
    throw e;
  }
  const x = left.buf;
  const y = right.buf;
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}
