/**
 * Shapes of plain-data values: what the specialised codecs (codec.ts) are compiled for.
 *
 *   bool, num, str, null   one kind of primitive
 *   prim                   any primitive (boolean, number, string or null)
 *   none                   nothing: the element shape of an empty array
 *   arr(T)                 an array whose elements all have shape T
 *   tup(T, n)              an array of exactly n elements (n ≤ MAX_TUPLE), all of shape T
 *   rec{k: T, …}           a record with exactly the keys k (sorted), each of shape T
 *   opt(T)                 null or T
 *   any                    any plain value (the generic codec)
 *
 * Shapes are interned: equal shapes are the same object, and `key` is a canonical description.
 * `unify(a, b)` is the least shape (in this small lattice) that both a's and b's values have.
 */

export type Shape =
  | { readonly k: 'bool' | 'num' | 'str' | 'null' | 'prim' | 'none' | 'any'; readonly key: string }
  | { readonly k: 'arr' | 'opt'; readonly key: string; readonly of: Shape }
  | { readonly k: 'tup'; readonly key: string; readonly of: Shape; readonly n: number }
  | { readonly k: 'rec'; readonly key: string; readonly keys: readonly string[]; readonly fields: readonly Shape[] };

const interned = new Map<string, Shape>();

function intern<T extends Shape>(s: T): Shape {
  const old = interned.get(s.key);
  if (old) return old;
  interned.set(s.key, s);
  return s;
}

export const BOOL = intern({ k: 'bool', key: 'b' });
export const NUM = intern({ k: 'num', key: 'n' });
export const STR = intern({ k: 'str', key: 's' });
export const NULL = intern({ k: 'null', key: 'z' });
export const PRIM = intern({ k: 'prim', key: 'p' });
export const NONE = intern({ k: 'none', key: '0' });
export const ANY = intern({ k: 'any', key: '*' });

export function arr(of: Shape): Shape {
  return intern({ k: 'arr', key: `a(${of.key})`, of });
}

/** Arrays up to this length get a fixed-length shape (their code is unrolled); longer ones `arr`. */
export const MAX_TUPLE = 64;

export function tup(of: Shape, n: number): Shape {
  if (n > MAX_TUPLE) return arr(of);
  return intern({ k: 'tup', key: `t${n}(${of.key})`, of, n });
}

/** null or `of`; collapses where `of` already admits null. */
export function opt(of: Shape): Shape {
  if (of.k === 'null' || of.k === 'opt' || of.k === 'prim' || of.k === 'any') return of;
  if (of.k === 'none') return NULL;
  return intern({ k: 'opt', key: `o(${of.key})`, of });
}

/** A record shape; `keys` must be sorted the way the canonical encoding sorts them. */
export function rec(keys: readonly string[], fields: readonly Shape[]): Shape {
  if (!keys.every(templatable)) return ANY;
  let key = 'r{';
  for (let i = 0; i < keys.length; i++) key += `${JSON.stringify(keys[i])}:${fields[i].key},`;
  return intern({ k: 'rec', key: key + '}', keys: [...keys], fields: [...fields] });
}

/**
 * Keys that a compiled codec may name in code: not those an object inherits from
 * Object.prototype (`__proto__`, `constructor`, …), whose reads and literals behave differently.
 */
function templatable(k: string): boolean {
  return !(k in Object.prototype);
}

/** Limits that keep compiled code small; beyond them a part of a value gets the generic codec. */
const MAX_DEPTH = 24;
const MAX_KEYS = 256;

const isPrimitive = (s: Shape) => s.k === 'bool' || s.k === 'num' || s.k === 'str' || s.k === 'null' || s.k === 'prim';

/** The least shape of both a's and b's values. */
export function unify(a: Shape, b: Shape): Shape {
  if (a === b) return a;
  if (a.k === 'none') return b;
  if (b.k === 'none') return a;
  if (a.k === 'any' || b.k === 'any') return ANY;
  if (a.k === 'null') return opt(b);
  if (b.k === 'null') return opt(a);
  if (a.k === 'opt') return opt(unify(a.of, b));
  if (b.k === 'opt') return opt(unify(a, b.of));
  if (isPrimitive(a) && isPrimitive(b)) return PRIM;
  if ((a.k === 'arr' || a.k === 'tup') && (b.k === 'arr' || b.k === 'tup')) {
    const of = unify(a.of, b.of);
    return a.k === 'tup' && b.k === 'tup' && a.n === b.n ? tup(of, a.n) : arr(of);
  }
  if (a.k === 'rec' && b.k === 'rec') {
    const n = a.keys.length;
    if (n !== b.keys.length) return ANY;
    for (let i = 0; i < n; i++) if (a.keys[i] !== b.keys[i]) return ANY;
    return rec(a.keys, a.fields.map((f, i) => unify(f, b.fields[i])));
  }
  return ANY;
}

/**
 * The interned shape equal to `s`, a copy of one made in another thread (structured clone keeps
 * the fields, not the identity that codecs are keyed by).
 */
export function reviveShape(s: Shape): Shape {
  const known = interned.get(s.key);
  if (known) return known;
  switch (s.k) {
    case 'arr':
      return arr(reviveShape(s.of));
    case 'opt':
      return opt(reviveShape(s.of));
    case 'tup':
      return tup(reviveShape(s.of), s.n);
    case 'rec':
      return rec(s.keys, s.fields.map(reviveShape));
    default:
      throw new Error(`internal: primitive shape '${s.key}' is not interned`);
  }
}

/** The shape of a plain value (one the generic encoder accepted). */
export function shapeOf(v: unknown, depth = 0): Shape {
  switch (typeof v) {
    case 'boolean':
      return BOOL;
    case 'number':
      return NUM;
    case 'string':
      return STR;
    case 'object': {
      if (v === null) return NULL;
      if (depth >= MAX_DEPTH) return ANY;
      if (Array.isArray(v)) {
        let of: Shape = NONE;
        for (let i = 0; i < v.length && of !== ANY; i++) of = unify(of, shapeOf(v[i], depth + 1));
        return tup(of, v.length);
      }
      const keys = Object.keys(v).sort();
      if (keys.length > MAX_KEYS) return ANY;
      const o = v as Record<string, unknown>;
      return rec(keys, keys.map((k) => shapeOf(o[k], depth + 1)));
    }
    default:
      return ANY;
  }
}

/** Whether values of shape `s` hold no object below the top (so an array of them is copied by `slice`). */
export function isFlat(s: Shape): boolean {
  return isPrimitive(s) || s.k === 'none' || (s.k === 'opt' && isPrimitive(s.of));
}

/**
 * Bytes of a value of shape `s` when all its numbers are integers 0…127 (one byte each), if
 * that size is the same for every such value: then every byte's position is known when the
 * codec is compiled (codec.ts writes and hashes such values a 32-bit word at a time). Else -1.
 */
export function staticSize(s: Shape): number {
  switch (s.k) {
    case 'bool':
    case 'num':
    case 'null':
      return 1;
    case 'opt':
      return s.of.k === 'bool' || s.of.k === 'num' ? 1 : -1;
    case 'tup': {
      if (s.n >= 0x80) return -1;
      if (s.n === 0) return 2;
      const e = staticSize(s.of);
      return e < 0 ? -1 : 2 + s.n * e;
    }
    case 'rec': {
      let size = 1 + varintLength(s.keys.length);
      for (let i = 0; i < s.keys.length; i++) {
        const f = staticSize(s.fields[i]);
        if (f < 0) return -1;
        size += keyBytes(s.keys[i]).length + f;
      }
      return size;
    }
    default:
      return -1;
  }
}

function varintLength(n: number): number {
  return varintBytes(n).length;
}

/** A non-negative integer as the encoding writes it (7 bits a byte, low first). */
export function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** The bytes of a record key as the encoding writes it: its length, then its UTF-16 code units. */
export function keyBytes(k: string): number[] {
  const out = varintBytes(k.length);
  for (let i = 0; i < k.length; i++) out.push(...varintBytes(k.charCodeAt(i)));
  return out;
}
