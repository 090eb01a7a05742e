/**
 * Shape-specialised codecs ("templates"). The generic encoder, decoder and clone walk a value
 * asking at every element what it is; a model's states, though, keep one shape (the same record
 * keys, arrays of one kind of element), so for each shape met we compile, with `new Function`:
 *
 * - an encoder that writes exactly the canonical bytes of the generic encoder (encode.ts), and
 *   fingerprints them, while checking that the value still has the shape (record key sets,
 *   element kinds, fixed lengths); on the first mismatch it gives up (-1) and the caller falls
 *   back to the generic encoder, which also raises PlainDataError on values that are not plain
 *   data. When every byte's position is fixed by the shape (records and fixed-length arrays of
 *   booleans and integers 0…127: see `staticSize`), it assembles and hashes 32-bit words
 *   directly, with no per-byte store nor second pass for the fingerprint;
 * - a decoder that trusts the bytes to have the shape (they were written by that template: its
 *   id is kept beside them, outside the fingerprinted bytes), so it skips record headers and
 *   builds records (and fixed-layout arrays) as literals with their keys in canonical order;
 * - a clone for the effect's draft, copying arrays of primitives with one `slice` and records
 *   as literals, with no per-element type test (the parent has the shape by construction).
 *
 * Templates are per exploration (`Codec`), numbered in order of discovery; the compiled
 * functions are shared by shape. When a successor leaves its parent's template, the new one is
 * the union of both shapes (shape.ts), and the parent's template forwards to it, so a model
 * whose field is sometimes null and sometimes a record settles on one `opt` template.
 */
import { clone as cloneAny } from './clone.js';
import { D, decode, decodeAt, Encoder, readNumber, readString, readVarint } from './encode.js';
import { finish, fingerprint, SEED_A, SEED_B, wordMixSource } from './fingerprint.js';
import { ANY, isFlat, keyBytes, shapeOf, staticSize, unify, varintBytes, type Shape } from './shape.js';

export interface Template {
  readonly id: number;
  readonly shape: Shape;
  /**
   * Encode `v` into `e.buf` from byte `start` (a multiple of 4), zero-padded to a multiple of 4
   * bytes, and fingerprint it (into `fp`); returns the end, or -1 when `v` does not have this
   * shape (it may still be plain data), or -2 when `e.buf` is too short. The generic template
   * never returns a negative number: it grows the buffer itself, and throws PlainDataError on
   * values that are not plain data.
   */
  readonly encode: (v: unknown, e: Encoder, start: number) => number;
  /** Decode bytes this template wrote. */
  readonly decode: (b: Uint8Array, start: number, end: number) => unknown;
  /** Decode bytes this template wrote into a deeply frozen value. */
  readonly decodeFrozen: (b: Uint8Array, start: number, end: number) => unknown;
  /** Deep copy of a value of this shape. */
  readonly clone: (v: unknown) => unknown;
  /** The template to try first for successors of a state of this one (itself, or a wider one). */
  next: Template;
}

type Compiled = Pick<Template, 'encode' | 'decode' | 'decodeFrozen' | 'clone'>;

/** At most this many templates per exploration (ids fit the queue's 16 bits); beyond it, new shapes get the generic codec. */
const MAX_TEMPLATES = 1024;

export class Codec {
  readonly encoder = new Encoder();
  readonly templates: Template[] = [];
  /** The generic template (id 0). */
  readonly any: Template;
  /** Length and template of the last encoding (in `encoder.buf`); its fingerprint is in `fp`. */
  length = 0;
  tid = 0;
  private readonly byShape = new Map<Shape, Template>();

  constructor() {
    this.any = this.template(ANY);
  }

  /** The template of a shape (made on first use). */
  template(shape: Shape): Template {
    let t = this.byShape.get(shape);
    if (t) return t;
    if (this.templates.length >= MAX_TEMPLATES) return this.any;
    const c = compiled(shape);
    t = { id: this.templates.length, shape, encode: c.encode, decode: c.decode, decodeFrozen: c.decodeFrozen, clone: c.clone, next: undefined! };
    t.next = t;
    this.templates.push(t);
    this.byShape.set(shape, t);
    return t;
  }

  /**
   * Encode and fingerprint a value of unknown shape (generically, from byte `start`) and find
   * its template. Returns the length. Throws PlainDataError.
   */
  encodeNew(v: unknown, start = 0): number {
    const e = this.encoder;
    const len = e.encode(v, start);
    fingerprint(e.words, len, start);
    this.length = len;
    this.tid = this.template(shapeOf(v)).id;
    return len;
  }

  /**
   * Encode and fingerprint `v` (from byte `start`, a multiple of 4), a successor of a state of
   * template `t`: with `t`'s forward template when `v` has its shape, else generically, moving
   * the forward template to the union of both shapes. Returns the length. Throws PlainDataError.
   */
  encodeLike(v: unknown, t: Template, start = 0): number {
    const u = t.next;
    const e = this.encoder;
    let end = u.encode(v, e, start);
    while (end === -2) {
      e.grow(e.buf.length * 2);
      end = u.encode(v, e, start);
    }
    if (end >= 0) {
      this.length = end - start;
      this.tid = u.id;
      return end - start;
    }
    return this.encodeSlow(v, t, u, start);
  }

  private encodeSlow(v: unknown, t: Template, u: Template, start: number): number {
    const e = this.encoder;
    const len = e.encode(v, start);
    fingerprint(e.words, len, start);
    // The union is wider than `u` (unify never narrows), so forwarding cannot cycle.
    const w = this.template(unify(u.shape, shapeOf(v)));
    t.next = w;
    u.next = w;
    this.length = len;
    this.tid = w.id;
    return len;
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation

const cache = new Map<Shape, Compiled>();

function compiled(shape: Shape): Compiled {
  let c = cache.get(shape);
  if (!c) {
    let frozen: Template['decodeFrozen'] | undefined;
    c =
      shape.k === 'any'
        ? generic()
        : {
            encode: compileEncoder(shape),
            decode: compileDecoder(shape, false),
            // Compiled on first use: the explorers decode parents unfrozen (see bfs.ts).
            decodeFrozen: (b, start, end) => (frozen ??= compileDecoder(shape, true))(b, start, end),
            clone: compileClone(shape),
          };
    cache.set(shape, c);
  }
  return c;
}

function generic(): Compiled {
  return {
    encode: (v, e, start) => {
      const len = e.encode(v, start);
      fingerprint(e.words, len, start);
      return start + len;
    },
    decode: (b, start, end) => decode(b, start, end, false),
    decodeFrozen: (b, start, end) => decode(b, start, end, true),
    clone: cloneAny,
  };
}

const TAG_FALSE = 0x80;
const TAG_TRUE = 0x81;
const TAG_NULL = 0x82;
const TAG_ARRAY = 0x86;
const TAG_RECORD = 0x87;

/** Most bytes a value of shape `s` encodes to (Infinity when unbounded). */
function maxSize(s: Shape): number {
  switch (s.k) {
    case 'bool':
    case 'null':
      return 1;
    case 'num':
      return 9;
    case 'opt':
      return Math.max(1, maxSize(s.of));
    case 'tup':
      return 1 + varintBytes(s.n).length + (s.n === 0 ? 0 : s.n * maxSize(s.of));
    case 'rec': {
      let m = 1 + varintBytes(s.keys.length).length;
      for (let i = 0; i < s.keys.length; i++) m += keyBytes(s.keys[i]).length + maxSize(s.fields[i]);
      return m;
    }
    default:
      return Infinity;
  }
}

/** The bytes of a record's header (tag, key count) and keys: `[before field 0, …, before field n-1]`, or `[header]` without keys. */
function recordHeaders(keys: readonly string[]): number[][] {
  const header = [TAG_RECORD, ...varintBytes(keys.length)];
  if (!keys.length) return [header];
  const out = keys.map((k) => keyBytes(k));
  out[0] = [...header, ...out[0]];
  return out;
}

// Helpers the compiled code calls.

/** Write a number that is not a small non-negative integer; -1 when not finite. */
function encNum(b: Uint8Array, p: number, x: number): number {
  if ((x | 0) === x) {
    b[p++] = 0x83;
    let z = ((x << 1) ^ (x >> 31)) >>> 0;
    while (z >= 0x80) {
      b[p++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    b[p++] = z;
    return p;
  }
  if (!Number.isFinite(x)) return -1;
  b[p++] = 0x84;
  f64[0] = x;
  for (let i = 0; i < 8; i++) b[p++] = f64b[i];
  return p;
}
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('accelcheck needs a little-endian platform');

function encVarint(b: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  return p;
}

/** Tag and payload of a string; the caller made room for 6 + 3 × length bytes. */
function encStr(b: Uint8Array, p: number, s: string): number {
  const n = s.length;
  b[p++] = 0x85;
  p = encVarint(b, p, n);
  // Most strings in states are ASCII names: one byte per code unit, checked once at the end.
  let all = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    all |= c;
    b[p + i] = c;
  }
  if (all < 0x80) return p + n;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    while (c >= 0x80) {
      b[p++] = (c & 0x7f) | 0x80;
      c >>>= 7;
    }
    b[p++] = c;
  }
  return p;
}

/** Slow check that `o`'s own enumerable keys, sorted, are `keys`. */
function sameKeys(o: object, keys: readonly string[]): boolean {
  const own = Object.keys(o);
  if (own.length !== keys.length) return false;
  own.sort();
  for (let i = 0; i < own.length; i++) if (own[i] !== keys[i]) return false;
  return true;
}

const getProto = Object.getPrototypeOf;
const OP = Object.prototype;
const isArray = Array.isArray;

function lit(k: string): string {
  return JSON.stringify(k);
}

/** Code generation state shared by the encoders: fresh names and constants passed to the factory. */
class Gen {
  readonly out: string[] = [];
  readonly consts: unknown[] = [];
  private nv = 0;
  fresh(p: string): string {
    return `${p}${this.nv++}`;
  }
  constant(x: unknown): string {
    this.consts.push(x);
    return `c${this.consts.length - 1}`;
  }
  /** Checks that `x` is a plain record with exactly `keys` and reads its fields into fresh variables (returned). */
  record(x: string, keys: readonly string[]): string[] {
    const out = this.out;
    const K = this.constant(keys);
    out.push(`if (typeof ${x} !== 'object' || ${x} === null || isArray(${x})) return -1;`);
    // The own enumerable keys must be `keys`: in order (the usual case: records built by the
    // decoder or the clone) by one for-in walk, in any other order by sorting.
    out.push(`{ let j = 0; for (const k in ${x}) { if (k !== ${K}[j]) { j = -1; break; } j++; }`);
    out.push(`if (j !== ${keys.length} && !sameKeys(${x}, ${K})) return -1; }`);
    const vars = keys.map((k) => {
      const f = this.fresh('f');
      out.push(`const ${f} = ${x}[${lit(k)}]; if (${f} === undefined) return -1;`);
      return f;
    });
    // Not a class instance (Map, Date, …). Checked after the field reads: V8 then knows the
    // object's hidden class and answers without a call.
    out.push(`{ const pr = getProto(${x}); if (pr !== OP && pr !== null) return -1; }`);
    return vars;
  }
  build(params: Record<string, unknown>, body: string[]): unknown {
    const names = [...Object.keys(params), ...this.consts.map((_, i) => `c${i}`)];
    const factory = new Function(...names, body.join('\n'));
    return factory(...Object.values(params), ...this.consts);
  }
}

/** The byte-at-a-time encoder (any shape), and in front of it the word-at-a-time one when the layout is static. */
function compileEncoder(shape: Shape): Template['encode'] {
  const bytewise = compileBytewiseEncoder(shape);
  return staticSize(shape) > 0 ? compileStaticEncoder(shape, bytewise) : bytewise;
}

function compileBytewiseEncoder(shape: Shape): Template['encode'] {
  const g = new Gen();
  const out = g.out;
  const room = (n: string) => out.push(`if (p + ${n} > cap) return -2;`);

  function emit(s: Shape, x: string, covered: boolean): void {
    const m = maxSize(s);
    if (!covered && m !== Infinity) {
      room(String(m));
      covered = true;
    }
    switch (s.k) {
      case 'bool': {
        // Branch-free: booleans in states are unpredictable, a branch on each costs a misprediction.
        const t = g.fresh('t');
        out.push(`{ const ${t} = (${x} === true) | 0; if ((${t} | (${x} === false)) === 0) return -1; b[p++] = ${TAG_FALSE} | ${t}; }`);
        return;
      }
      case 'null':
        out.push(`if (${x} !== null) return -1; b[p++] = ${TAG_NULL};`);
        return;
      case 'num':
        out.push(`if (typeof ${x} !== 'number') return -1;`);
        out.push(`if ((${x} & 0x7f) === ${x}) b[p++] = ${x}; else { p = encNum(b, p, ${x}); if (p < 0) return -1; }`);
        return;
      case 'str':
        out.push(`if (typeof ${x} !== 'string') return -1;`);
        room(`6 + 3 * ${x}.length`);
        out.push(`p = encStr(b, p, ${x});`);
        return;
      case 'prim':
        out.push(`if (typeof ${x} === 'object' && ${x} !== null) return -1;`);
        out.push(`p = e.encodeAt(${x}, p); b = e.buf; cap = b.length - 8;`);
        return;
      case 'any':
        out.push(`p = e.encodeAt(${x}, p); b = e.buf; cap = b.length - 8;`);
        return;
      case 'none':
        out.push('return -1;');
        return;
      case 'opt':
        out.push(`if (${x} === null) {`);
        if (!covered) room('1');
        out.push(`b[p++] = ${TAG_NULL}; } else {`);
        emit(s.of, x, covered);
        out.push('}');
        return;
      case 'arr':
      case 'tup': {
        const n = g.fresh('n');
        out.push(`if (!isArray(${x})) return -1;`, `const ${n} = ${x}.length;`);
        if (s.k === 'tup') out.push(`if (${n} !== ${s.n}) return -1;`);
        if (s.of.k === 'none') {
          out.push(`if (${n} !== 0) return -1;`);
          if (!covered) room('2');
          out.push(`b[p++] = ${TAG_ARRAY}; b[p++] = 0;`);
          return;
        }
        const em = maxSize(s.of);
        if (!covered) room(em === Infinity ? '6' : `6 + ${em} * ${n}`);
        out.push(`b[p++] = ${TAG_ARRAY};`, `if (${n} < 0x80) b[p++] = ${n}; else p = encVarint(b, p, ${n});`);
        const i = g.fresh('i');
        const y = g.fresh('y');
        if (s.of.k === 'bool') {
          // Branch-free, the check accumulated over the array.
          const ok = g.fresh('ok');
          const t = g.fresh('t');
          out.push(`let ${ok} = 1;`, `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`, `const ${y} = ${x}[${i}];`);
          out.push(`const ${t} = (${y} === true) | 0; ${ok} &= ${t} | (${y} === false); b[p++] = ${TAG_FALSE} | ${t};`);
          out.push('}', `if (${ok} === 0) return -1;`);
          return;
        }
        out.push(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`, `const ${y} = ${x}[${i}];`);
        emit(s.of, y, em !== Infinity);
        out.push('}');
        return;
      }
      case 'rec': {
        const vars = g.record(x, s.keys);
        const headers = recordHeaders(s.keys);
        const write = (bytes: number[]) => {
          if (!covered) room(String(bytes.length));
          if (bytes.length > 48) {
            out.push(`b.set(${g.constant(Uint8Array.from(bytes))}, p); p += ${bytes.length};`);
          } else {
            out.push(bytes.map((c, j) => `b[p + ${j}] = ${c};`).join(' ') + ` p += ${bytes.length};`);
          }
        };
        if (!s.keys.length) write(headers[0]);
        for (let j = 0; j < s.keys.length; j++) {
          write(headers[j]);
          emit(s.fields[j], vars[j], covered);
        }
        return;
      }
    }
  }

  emit(shape, 'v', false);
  const body = [
    'return function encode(v, e, start) {',
    'let b = e.buf, cap = b.length - 8, p = start;',
    ...out,
    // Zero the bytes up to the next multiple of 4: the fingerprint reads 32-bit words.
    'b[p] = 0; b[p + 1] = 0; b[p + 2] = 0;',
    'fingerprint(e.words, p - start, start);',
    'return p;',
    '};',
  ];
  return g.build({ encNum, encVarint, encStr, sameKeys, getProto, OP, isArray, fingerprint }, body) as Template['encode'];
}

/**
 * The encoder for a shape whose layout is static (`staticSize`): each byte is a constant (a
 * tag, a length, a key) or one boolean or small integer of the value, at a position known now,
 * so the bytes are assembled into 32-bit words in registers, each stored once and mixed into
 * the fingerprint at once. A number outside 0…127 (the value still has the shape, not the
 * layout) hands the value to the byte-at-a-time encoder `bytewise`.
 */
function compileStaticEncoder(shape: Shape, bytewise: Template['encode']): Template['encode'] {
  const size = staticSize(shape);
  const g = new Gen();
  const out = g.out;
  /** The bytes of the current word: numbers are constants, strings expressions. */
  let word: (number | string)[] = [];
  let words = 0;
  const flush = () => {
    if (!word.length) return;
    let constant = 0;
    const exprs: string[] = [];
    word.forEach((x, j) => {
      if (typeof x === 'number') constant |= x << (8 * j);
      else exprs.push(j ? `(${x} << ${8 * j})` : `${x}`);
    });
    const w = g.fresh('w');
    out.push(`const ${w} = ${[...exprs, String(constant | 0)].join(' | ')};`);
    out.push(`W[q + ${words}] = ${w};`, wordMixSource(w));
    words++;
    word = [];
  };
  const byte = (x: number | string) => {
    word.push(x);
    if (word.length === 4) flush();
  };

  function emit(s: Shape, x: string): void {
    switch (s.k) {
      case 'bool': {
        const t = g.fresh('t');
        out.push(`const ${t} = (${x} === true) | 0; ok &= ${t} | (${x} === false);`);
        byte(`(${TAG_FALSE} | ${t})`);
        return;
      }
      case 'num':
        out.push(`if (typeof ${x} !== 'number') return -1; ok &= +((${x} & 0x7f) === ${x});`);
        byte(`(${x} & 0x7f)`);
        return;
      case 'null':
        out.push(`if (${x} !== null) return -1;`);
        byte(TAG_NULL);
        return;
      case 'opt': {
        const c = g.fresh('c');
        out.push(`let ${c} = ${TAG_NULL};`, `if (${x} !== null) {`);
        if (s.of.k === 'bool') {
          out.push(`const t = (${x} === true) | 0; ok &= t | (${x} === false); ${c} = ${TAG_FALSE} | t;`);
        } else {
          out.push(`if (typeof ${x} !== 'number') return -1; ok &= +((${x} & 0x7f) === ${x}); ${c} = ${x} & 0x7f;`);
        }
        out.push('}');
        byte(c);
        return;
      }
      case 'tup': {
        out.push(`if (!isArray(${x}) || ${x}.length !== ${s.n}) return -1;`);
        byte(TAG_ARRAY);
        byte(s.n);
        for (let i = 0; i < s.n; i++) {
          const y = g.fresh('y');
          out.push(`const ${y} = ${x}[${i}];`);
          emit(s.of, y);
        }
        return;
      }
      case 'rec': {
        const vars = g.record(x, s.keys);
        const headers = recordHeaders(s.keys);
        if (!s.keys.length) headers[0].forEach(byte);
        for (let j = 0; j < s.keys.length; j++) {
          headers[j].forEach(byte);
          emit(s.fields[j], vars[j]);
        }
        return;
      }
      default:
        throw new Error(`shape ${s.key} has no static layout`);
    }
  }

  emit(shape, 'v');
  flush();
  const body = [
    'return function encode(v, e, start) {',
    `if (start + ${size + 8} > e.buf.length) return -2;`,
    'const W = e.words, q = start >> 2;',
    `let ok = 1, a = ${SEED_A}, b = ${SEED_B};`,
    ...out,
    'if (ok === 0) return bytewise(v, e, start);',
    `finish(a, b, ${size});`,
    `return start + ${size};`,
    '};',
  ];
  return g.build({ bytewise, finish, sameKeys, getProto, OP, isArray }, body) as Template['encode'];
}

const BOOL = [false, true];

function compileDecoder(shape: Shape, freeze: boolean): Template['decode'] {
  const out: string[] = [];
  let nv = 0;
  const fresh = (p: string) => `${p}${nv++}`;
  const fr = (x: string) => (freeze ? `Object.freeze(${x})` : x);

  /** Emit code reading a value of shape `s` at `p`; returns the variable holding it. */
  function emit(s: Shape): string {
    const t = fresh('t');
    switch (s.k) {
      case 'bool':
        // A table read, not a comparison: no branch on unpredictable bits.
        out.push(`const ${t} = BOOL[b[p++] & 1];`);
        return t;
      case 'null':
        out.push(`p++; const ${t} = null;`);
        return t;
      case 'num':
        out.push(`let ${t} = b[p++]; if (${t} >= 0x80) { ${t} = readNumber(b, p, ${t}); p = D.p; }`);
        return t;
      case 'str':
        out.push(`const ${t} = readString(b, p + 1); p = D.p;`);
        return t;
      case 'prim':
      case 'any':
      case 'none':
        out.push(`const ${t} = decodeAt(b, p, ${freeze}); p = D.p;`);
        return t;
      case 'opt': {
        out.push(`let ${t}; if (b[p] === ${TAG_NULL}) { p++; ${t} = null; } else {`);
        const inner = emit(s.of);
        out.push(`${t} = ${inner}; }`);
        return t;
      }
      case 'arr':
      case 'tup': {
        if (s.of.k === 'none') {
          out.push(`p += 2; const ${t} = ${fr('[]')};`);
          return t;
        }
        const n = fresh('n');
        const i = fresh('i');
        out.push(`let ${n} = b[p + 1]; p += 2; if (${n} >= 0x80) { ${n} = readVarint(b, p - 1); p = D.p; }`);
        out.push(`const ${t} = [];`, `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
        if (s.of.k === 'bool') {
          out.push(`${t}.push(BOOL[b[p++] & 1]);`);
        } else if (s.of.k === 'num') {
          const x = fresh('x');
          out.push(`let ${x} = b[p++]; if (${x} >= 0x80) { ${x} = readNumber(b, p, ${x}); p = D.p; }`, `${t}.push(${x});`);
        } else {
          const x = emit(s.of);
          out.push(`${t}.push(${x});`);
        }
        out.push('}');
        if (freeze) out.push(`Object.freeze(${t});`);
        return t;
      }
      case 'rec': {
        const headers = recordHeaders(s.keys);
        const vars: string[] = [];
        for (let j = 0; j < s.keys.length; j++) {
          out.push(`p += ${headers[j].length};`);
          vars.push(emit(s.fields[j]));
        }
        if (!s.keys.length) out.push(`p += ${headers[0].length};`);
        const fields = s.keys.map((k, j) => `${lit(k)}: ${vars[j]}`).join(', ');
        out.push(`const ${t} = ${fr(`{ ${fields} }`)};`);
        return t;
      }
    }
  }

  /**
   * With a static layout, when the bytes have its size (every number took one byte: any
   * other number takes more), the value is one literal expression of bytes at fixed offsets.
   */
  let at = 0;
  function literal(s: Shape): string {
    switch (s.k) {
      case 'bool':
        return `BOOL[b[p + ${at++}] & 1]`;
      case 'num':
        return `b[p + ${at++}]`;
      case 'null':
        at++;
        return 'null';
      case 'opt':
        return s.of.k === 'bool' ? `OPTBOOL[b[p + ${at++}] & 3]` : `OPTNUM(b[p + ${at++}])`;
      case 'tup': {
        at += 2;
        const items: string[] = [];
        for (let i = 0; i < s.n; i++) items.push(literal(s.of));
        return fr(`[${items.join(', ')}]`);
      }
      case 'rec': {
        const headers = recordHeaders(s.keys);
        if (!s.keys.length) at += headers[0].length;
        const fields = s.keys.map((k, j) => {
          at += headers[j].length;
          return `${lit(k)}: ${literal(s.fields[j])}`;
        });
        return fr(`{ ${fields.join(', ')} }`);
      }
      default:
        throw new Error(`shape ${s.key} has no static layout`);
    }
  }

  const size = staticSize(shape);
  const v = emit(shape);
  const body = [
    'return function decode(b, start, end) {',
    'let p = start;',
    ...(size > 0 ? [`if (end - start === ${size}) return ${literal(shape)};`] : []),
    ...out,
    'if (p !== end) throw new Error(`decode: ${end - p} trailing bytes`);',
    `return ${v};`,
    '};',
  ].join('\n');
  const factory = new Function('D', 'decodeAt', 'readNumber', 'readString', 'readVarint', 'BOOL', 'OPTBOOL', 'OPTNUM', body);
  return factory(D, decodeAt, readNumber, readString, readVarint, BOOL, OPTBOOL, OPTNUM) as Template['decode'];
}

/** An opt(bool) byte (0x80 false, 0x81 true, 0x82 null), indexed by its low two bits. */
const OPTBOOL = [false, true, null, null];
const OPTNUM = (c: number) => (c === TAG_NULL ? null : c);

function compileClone(shape: Shape): Template['clone'] {
  const fns: string[] = [];
  let nf = 0;

  /** An expression copying the value of shape `s` held in the simple expression `x`. */
  function expr(s: Shape, x: string): string {
    if (isFlat(s)) return x;
    switch (s.k) {
      case 'any':
        return `cloneAny(${x})`;
      case 'opt':
        return `${fn(s)}(${x})`;
      case 'arr':
      case 'tup':
        return isFlat(s.of) ? `${x}.slice()` : `${fn(s)}(${x})`;
      case 'rec':
        return `${fn(s)}(${x})`;
      default:
        return x;
    }
  }

  /** A helper function copying values of shape `s`; returns its name. */
  function fn(s: Shape): string {
    const name = `k${nf++}`;
    let body: string;
    if (s.k === 'opt') {
      body = `return o === null ? null : ${expr(s.of, 'o')};`;
    } else if (s.k === 'arr' || s.k === 'tup') {
      body = `const a = o.slice(); for (let i = 0; i < a.length; i++) { const x = a[i]; a[i] = ${expr(s.of, 'x')}; } return a;`;
    } else if (s.k === 'rec') {
      const lets: string[] = [];
      const fields = s.keys.map((k, j) => {
        const f = s.fields[j];
        if (isFlat(f)) return `${lit(k)}: o[${lit(k)}]`;
        lets.push(`const x${j} = o[${lit(k)}];`);
        return `${lit(k)}: ${expr(f, `x${j}`)}`;
      });
      body = `${lets.join(' ')} return { ${fields.join(', ')} };`;
    } else {
      throw new Error(`no clone helper for shape ${s.key}`);
    }
    fns.push(`function ${name}(o) { ${body} }`);
    return name;
  }

  const top = expr(shape, 'v');
  const source = [...fns, `return function clone(v) { return ${top}; };`].join('\n');
  return new Function('cloneAny', source)(cloneAny) as Template['clone'];
}
