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

  /** Encode `value` into `buf`; returns the length. Bytes after it, up to the next multiple of 4, are zero. */
  encode(value: unknown): number {
    this.pos = 0;
    this.value(value);
    const end = this.pos;
    const padded = (end + 3) & ~3;
    if (padded > this.buf.length) this.grow(padded);
    for (let i = end; i < padded; i++) this.buf[i] = 0;
    return end;
  }

  private grow(min: number): void {
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

/** Decode bytes written by Encoder back into a fresh plain value (records get sorted keys). */
export function decode(bytes: Uint8Array, start = 0, end = bytes.length, freeze = false): unknown {
  const d = new Decoder(bytes, start, freeze);
  const v = d.value();
  if (d.pos !== end) throw new Error(`decode: ${end - d.pos} trailing bytes`);
  return v;
}

class Decoder {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly freeze: boolean,
  ) {}

  private varint(): number {
    const b = this.bytes;
    let n = 0;
    let shift = 0;
    for (;;) {
      const x = b[this.pos++];
      n += (x & 0x7f) * 2 ** shift;
      if (x < 0x80) return n;
      shift += 7;
    }
  }

  private str(): string {
    const n = this.varint();
    if (n === 1) {
      const c = this.bytes[this.pos];
      if (c < 0x80) {
        this.pos++;
        return ONE_CHAR[c];
      }
    }
    const codes = new Array<number>(n);
    for (let i = 0; i < n; i++) codes[i] = this.varint();
    return String.fromCharCode.apply(null, codes);
  }

  value(): unknown {
    const tag = this.bytes[this.pos++];
    if (tag < 0x80) return tag;
    switch (tag) {
      case TAG_FALSE:
        return false;
      case TAG_TRUE:
        return true;
      case TAG_NULL:
        return null;
      case TAG_INT: {
        const z = this.varint();
        return (z >>> 1) ^ -(z & 1);
      }
      case TAG_FLOAT: {
        for (let i = 0; i < 8; i++) floatView.setUint8(i, this.bytes[this.pos++]);
        return floatView.getFloat64(0, true);
      }
      case TAG_STRING:
        return this.str();
      case TAG_ARRAY: {
        const n = this.varint();
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.value());
        return this.freeze ? Object.freeze(out) : out;
      }
      case TAG_RECORD: {
        const n = this.varint();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.str();
          out[k] = this.value();
        }
        return this.freeze ? Object.freeze(out) : out;
      }
      default:
        throw new Error(`decode: bad tag 0x${tag.toString(16)} at byte ${this.pos - 1}`);
    }
  }
}

const ONE_CHAR = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
