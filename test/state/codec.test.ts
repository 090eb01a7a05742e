/**
 * The state codecs: the canonical encoding (generic and shape-specialised), decoding, drafts,
 * fingerprints, and the explorers built on them.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Encoder, PlainDataError, decode } from '../../src/state/encode.js';
import { Codec, type Template } from '../../src/state/codec.js';
import { clone } from '../../src/state/clone.js';
import { fingerprint, fp } from '../../src/state/fingerprint.js';
import { shapeOf, unify, staticSize } from '../../src/state/shape.js';
import { action, check, defineModel, invariant, range } from '../../src/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** JSON with sorted record keys: equal for values the encoding must treat as equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) setField(out, k, x[k]);
    return out;
  });
}

/** `o[k] = v`, also for k = '__proto__' (which an assignment would take as the prototype). */
function setField(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

function bytesOf(v: unknown, e = new Encoder()): string {
  const len = e.encode(v);
  return Buffer.from(e.buf.subarray(0, len)).toString('hex');
}

function fingerprintOf(v: unknown): string {
  const e = new Encoder();
  const len = e.encode(v);
  fingerprint(e.words, len);
  return `${fp.hi}:${fp.lo}`;
}

/** `v` rebuilt with every record's keys in the order `order` gives (a permutation seed). */
function shuffleKeys(v: unknown, seed: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x, i) => shuffleKeys(x, seed + i + 1));
  const keys = Object.keys(v);
  let s = seed >>> 0 || 1;
  for (let i = keys.length - 1; i > 0; i--) {
    s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) setField(out, k, shuffleKeys((v as Record<string, unknown>)[k], seed * 31 + k.length));
  return out;
}

/** Encode `v` with a template's compiled encoder: the bytes, or null when it declines (-1). */
function templateBytes(t: Template, v: unknown, e = new Encoder(16)): { hex: string; fp: string } | null {
  let end = t.encode(v, e, 0);
  while (end === -2) {
    e.grow(e.buf.length * 2);
    end = t.encode(v, e, 0);
  }
  if (end === -1) return null;
  return { hex: Buffer.from(e.buf.subarray(0, end)).toString('hex'), fp: `${fp.hi}:${fp.lo}` };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: plain values of the kinds protocol models hold.

const key = fc.oneof(fc.constantFrom('a', 'b', 'vi', 'f', 'p', 'state', 'x1', '10', '9', '', 'ü', '__proto__', 'constructor'), fc.string({ maxLength: 4 }));
const number = fc.oneof(
  fc.integer({ min: 0, max: 127 }),
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.constantFrom(-0, 0.5, -1.25, 2 ** 31, -(2 ** 31), 2 ** 53, 1e-300, Number.MAX_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const leaf = fc.oneof(fc.boolean(), number, fc.constantFrom('idle', 'busy', 'Connected', ''), fc.string({ maxLength: 6 }), fc.constant(null));

const { value: plain } = fc.letrec<{ value: unknown; record: Record<string, unknown>; array: unknown[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('record'), tie('array')),
  record: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  array: fc.oneof(
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.boolean(), { minLength: 0, maxLength: 20 }),
    fc.array(fc.integer({ min: -2, max: 200 }), { maxLength: 20 }),
    // Arrays of records of one shape, some null: queues of messages, slots of VIs.
    fc.array(fc.option(fc.record({ id: fc.constantFrom('HELLO', 'MAP'), n: fc.integer({ min: 0, max: 300 }), ok: fc.boolean() }), { nil: null }), { maxLength: 6 }),
  ),
}));

/** A value of the philosophers' shape, possibly with numbers or lengths that leave its static layout. */
const philosopherState = fc.record({
  f: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  p: fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: -5, max: 1000 })), { minLength: 3, maxLength: 3 }),
});

const values = fc.oneof(plain, fc.jsonValue({ maxDepth: 4 }), philosopherState);

/** Apply a small change somewhere inside `v` (which must be a record or array); returns the changed copy. */
function mutate(v: unknown, path: number[], replacement: unknown): unknown {
  const c = clone(v);
  let at: unknown = c;
  for (let i = 0; ; i++) {
    if (at === null || typeof at !== 'object') return replacement;
    const keys = Array.isArray(at) ? at.map((_, j) => j) : Object.keys(at);
    if (keys.length === 0) return c === at ? replacement : c;
    const k = keys[path[i % path.length] % keys.length];
    const child = (at as Record<string | number, unknown>)[k];
    if (i >= path.length - 1 || child === null || typeof child !== 'object') {
      (at as Record<string | number, unknown>)[k] = replacement;
      return c;
    }
    at = child;
  }
}

// ---------------------------------------------------------------------------------------------

describe('generic canonical encoding', () => {
  it('does not depend on the key order of records', () => {
    fc.assert(
      fc.property(values, fc.nat(), (v, seed) => {
        expect(bytesOf(shuffleKeys(v, seed))).toBe(bytesOf(v));
      }),
      { numRuns: 400 },
    );
  });

  it('decodes back to the same value (record key order aside)', () => {
    fc.assert(
      fc.property(values, (v) => {
        const e = new Encoder();
        const len = e.encode(v);
        expect(canonical(decode(e.buf, 0, len))).toBe(canonical(v));
      }),
      { numRuns: 400 },
    );
  });

  it('gives equal bytes exactly to equal values', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        expect(bytesOf(a) === bytesOf(b)).toBe(canonical(a) === canonical(b));
      }),
      { numRuns: 400 },
    );
  });

  it('tells apart values that differ in one nested field', () => {
    fc.assert(
      fc.property(values, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), leaf, (v, path, x) => {
        const w = mutate(v, path, x);
        expect(bytesOf(w) === bytesOf(v)).toBe(canonical(w) === canonical(v));
        expect(fingerprintOf(w) === fingerprintOf(v)).toBe(canonical(w) === canonical(v));
      }),
      { numRuns: 400 },
    );
  });

  it('encodes -0 as 0 and keeps integers, floats and strings apart', () => {
    expect(bytesOf({ x: -0 })).toBe(bytesOf({ x: 0 }));
    expect(bytesOf([1])).not.toBe(bytesOf(['1']));
    expect(bytesOf([1])).not.toBe(bytesOf([1.5]));
    expect(bytesOf([true])).not.toBe(bytesOf([1]));
    expect(bytesOf({ a: [] })).not.toBe(bytesOf({ a: {} }));
    expect(bytesOf({ a: null })).not.toBe(bytesOf({}));
    expect(bytesOf([[1], [2]])).not.toBe(bytesOf([[1, 2]]));
  });

  it('decodes a record key named __proto__ as a field', () => {
    const v = JSON.parse('{"__proto__": {"x": 1}, "y": [2]}');
    const e = new Encoder();
    const len = e.encode(v);
    const d = decode(e.buf, 0, len) as Record<string, unknown>;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(canonical(d)).toBe(canonical(v));
  });
});

describe('shape-specialised codecs (templates)', () => {
  it('write exactly the generic bytes and fingerprint, and decode back', () => {
    fc.assert(
      fc.property(values, (v) => {
        const codec = new Codec();
        const t = codec.template(shapeOf(v));
        const got = templateBytes(t, v);
        expect(got).not.toBeNull();
        expect(got!.hex).toBe(bytesOf(v));
        expect(got!.fp).toBe(fingerprintOf(v));
        const e = new Encoder();
        const len = e.encode(v);
        expect(canonical(t.decode(e.buf, 0, len))).toBe(canonical(v));
        expect(canonical(t.decodeFrozen(e.buf, 0, len))).toBe(canonical(v));
      }),
      { numRuns: 500 },
    );
  });

  it('never write wrong bytes for a value of another shape: they decline it or encode it exactly', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const t = new Codec().template(shapeOf(a));
        const got = templateBytes(t, b);
        if (got !== null) {
          expect(got.hex).toBe(bytesOf(b));
          expect(got.fp).toBe(fingerprintOf(b));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decline values that differ from their shape in one place', () => {
    fc.assert(
      fc.property(values, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), values, (v, path, x) => {
        const t = new Codec().template(shapeOf(v));
        const w = mutate(v, path, x);
        const got = templateBytes(t, w);
        if (got !== null) expect(got.hex).toBe(bytesOf(w));
      }),
      { numRuns: 500 },
    );
  });

  it('follow shape changes: conforming, then not, then conforming again (encodeLike)', () => {
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 8 }), (seq) => {
        const codec = new Codec();
        codec.encodeNew(seq[0]);
        let t = codec.templates[codec.tid];
        for (const v of [...seq, seq[0], ...seq]) {
          const len = codec.encodeLike(v, t);
          const hex = Buffer.from(codec.encoder.buf.subarray(0, len)).toString('hex');
          expect(hex).toBe(bytesOf(v));
          expect(`${fp.hi}:${fp.lo}`).toBe(fingerprintOf(v));
          const u = codec.templates[codec.tid];
          expect(canonical(u.decode(codec.encoder.buf, 0, len))).toBe(canonical(v));
          t = u;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handle a typical protocol state whose fields come and go', () => {
    const codec = new Codec();
    const states: unknown[] = [
      { vi: null, q: [], st: 'idle', n: 0 },
      { vi: { id: 3, up: true }, q: [], st: 'busy', n: 1 },
      { vi: { id: 3, up: false }, q: [{ id: 'HELLO', pages: 2 }], st: 'busy', n: -1 },
      { vi: null, q: [{ id: 'HELLO', pages: 2 }, { id: 'MAP', pages: 300 }], st: 'idle', n: 2.5 },
      { vi: null, q: [{ id: 'HELLO' }], st: 'idle', n: 2 },
      { vi: { id: 3, up: true, extra: [1] }, q: [], st: 'idle', n: 0 },
      { vi: null, q: [], st: 'idle', n: 0 },
    ];
    codec.encodeNew(states[0]);
    let t = codec.templates[codec.tid];
    for (let round = 0; round < 3; round++) {
      for (const s of states) {
        const len = codec.encodeLike(s, t);
        expect(Buffer.from(codec.encoder.buf.subarray(0, len)).toString('hex')).toBe(bytesOf(s));
        const u = codec.templates[codec.tid];
        expect(canonical(u.decode(codec.encoder.buf, 0, len))).toBe(canonical(s));
        t = u;
      }
    }
    // The shapes settle: a few templates, not one per state.
    expect(codec.templates.length).toBeLessThanOrEqual(6);
  });

  it('use the word-at-a-time layout for records of fixed-length arrays of booleans and small integers, and leave it for other numbers', () => {
    const codec = new Codec();
    const a = { f: [true, false, true], p: [0, 1, 2] };
    const t = codec.template(shapeOf(a));
    expect(staticSize(t.shape)).toBeGreaterThan(0);
    for (const v of [a, { p: [0, 1, 2], f: [false, false, true] }, { f: [true, false, true], p: [0, 128, -1] }, { f: [true, false, true], p: [0, 1, 2.5] }]) {
      const got = templateBytes(t, v);
      expect(got!.hex).toBe(bytesOf(v));
      expect(got!.fp).toBe(fingerprintOf(v));
      const e = new Encoder();
      const len = e.encode(v);
      expect(canonical(t.decode(e.buf, 0, len))).toBe(canonical(v));
    }
    // Other shapes are declined.
    for (const v of [{ f: [true, false], p: [0, 1, 2] }, { f: [true, false, 1], p: [0, 1, 2] }, { f: [true, false, true], p: [0, 1, '2'] }, { f: [true, false, true], p: [0, 1, 2], x: 1 }, { f: [true, false, true] }, [a]]) {
      expect(templateBytes(t, v)).toBeNull();
    }
  });

  it('unify shapes into one that admits both', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const t = new Codec().template(unify(shapeOf(a), shapeOf(b)));
        for (const v of [a, b]) {
          const got = templateBytes(t, v);
          expect(got).not.toBeNull();
          expect(got!.hex).toBe(bytesOf(v));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('drafts', () => {
  /** Change every leaf and grow every array of `v` in place. */
  function scribble(v: unknown): void {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== null && typeof v[i] === 'object') scribble(v[i]);
        else v[i] = 'scribbled';
      }
      v.push('more');
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] !== null && typeof o[k] === 'object') scribble(o[k]);
      else o[k] = 'scribbled';
    }
    o.added = 1;
  }

  it('a template clone equals its source, and changing it never changes the source', () => {
    fc.assert(
      fc.property(values, (v) => {
        if (v === null || typeof v !== 'object') return;
        const codec = new Codec();
        codec.encodeNew(v);
        const t = codec.templates[codec.tid];
        // The parent as the explorers hold it: decoded from its bytes.
        const parent = t.decode(codec.encoder.buf, 0, codec.length);
        const before = canonical(parent);
        const draft = t.clone(parent);
        expect(canonical(draft)).toBe(before);
        scribble(draft);
        expect(canonical(parent)).toBe(before);
        // And the generic clone, on the model's own values.
        const draft2 = clone(v);
        const before2 = canonical(v);
        scribble(draft2);
        expect(canonical(v)).toBe(before2);
      }),
      { numRuns: 300 },
    );
  });
});

describe('values that are not plain data raise PlainDataError', () => {
  class Point {
    x = 1;
  }
  const bad: [string, unknown][] = [
    ['an undefined field', { a: 1, b: undefined }],
    ['NaN', { a: NaN }],
    ['Infinity', [Infinity]],
    ['-Infinity', { a: [1, -Infinity] }],
    ['a Map', { m: new Map() }],
    ['a Date', { d: new Date(0) }],
    ['a class instance', { p: new Point() }],
    ['a function', { f: () => 1 }],
    ['a bigint', { n: 1n }],
    ['a symbol', [Symbol('s')]],
    ['a hole', { a: [1, , 3] }],
    ['undefined in an array', [undefined]],
    ['a nested Map', { a: [{ b: new Map() }] }],
  ];
  for (const [what, v] of bad) {
    it(`${what}: generic encoder, and templates of neighbouring shapes`, () => {
      expect(() => new Encoder().encode(v)).toThrow(PlainDataError);
      // The shapes a successor of a plain state could be expected to have.
      const neighbours: unknown[] = [{ a: 1, b: 2 }, { a: 1 }, { a: [1, 2, 3] }, { m: {} }, { d: {} }, { p: { x: 1 } }, { f: 1 }, { n: 1 }, [1], [null], { a: [{ b: {} }] }];
      for (const n of neighbours) {
        const codec = new Codec();
        codec.encodeNew(n);
        const t = codec.templates[codec.tid];
        expect(() => codec.encodeLike(v, t)).toThrow(PlainDataError);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The explorers on top.

/** Philosophers' closed form (calibration.md): trace(M^N). */
function philosopherStates(n: number): number {
  const M = [
    [1n, 1n, 1n],
    [1n, 1n, 1n],
    [1n, 0n, 0n],
  ];
  const mul = (a: bigint[][], b: bigint[][]) => a.map((row) => b[0].map((_, j) => row.reduce((acc, x, k) => acc + x * b[k][j], 0n)));
  let p = [
    [1n, 0n, 0n],
    [0n, 1n, 0n],
    [0n, 0n, 1n],
  ];
  for (let i = 0; i < n; i++) p = mul(p, M);
  return Number(p[0][0] + p[1][1] + p[2][2]);
}

describe('calibration model after the codec changes', () => {
  for (const strategy of ['bfs', 'dfs'] as const) {
    for (const [n, states] of [
      [4, 34],
      [10, 6726],
    ] as const) {
      it(`${strategy}, N=${n}: exactly ${states} states`, () => {
        expect(philosopherStates(n)).toBe(states);
        const r = check(philosophers(n), { strategy, deadlock: false });
        expect(r).toMatchObject({ ok: true, complete: true, states });
      });
    }
  }

  it('N=5: BFS stops at the deadlock with a trace of exactly 5 steps', () => {
    const r = check(philosophers(5));
    expect(r.violation?.kind).toBe('deadlock');
    expect(r.violation!.trace.steps).toHaveLength(5);
  });

  it('N=12 with large philosopher numbers (numbers past 127 leave the word-at-a-time layout)', () => {
    // The same model with p[i] ∈ {0, 200, 300}: same state count.
    const n = 8;
    const K = [0, 200, 300];
    const m = defineModel<{ p: number[]; f: boolean[] }>({
      name: 'philosophers-big',
      init: () => ({ p: Array(n).fill(0), f: Array(n).fill(false) }),
      actions: [
        action('takeLeft', range(n), (s, i) => s.p[i] === K[0] && !s.f[i], (s, i) => { s.f[i] = true; s.p[i] = K[1]; }),
        action('takeRight', range(n), (s, i) => s.p[i] === K[1] && !s.f[(i + 1) % n], (s, i) => { s.f[(i + 1) % n] = true; s.p[i] = K[2]; }),
        action('release', range(n), (s, i) => s.p[i] === K[2], (s, i) => { s.f[i] = false; s.f[(i + 1) % n] = false; s.p[i] = K[0]; }),
      ],
      terminal: () => false,
    });
    for (const strategy of ['bfs', 'dfs'] as const) {
      expect(check(m, { strategy, deadlock: false }).states).toBe(philosopherStates(n));
    }
  });
});

/** States reachable from the model's initial state, counted naively with canonical JSON: the reference. */
function referenceCount(model: ReturnType<typeof varyingShapes>): number {
  const init = model.init();
  const seen = new Set([canonical(init)]);
  const queue = [init];
  while (queue.length) {
    const s = queue.shift()!;
    for (const a of model.actions) {
      for (const p of a.domain ?? [undefined]) {
        if (!a.guard(s, p)) continue;
        const d = structuredClone(s);
        const r = a.effect(d, p);
        const next = r === undefined ? d : r;
        const c = canonical(next);
        if (!seen.has(c)) {
          seen.add(c);
          queue.push(next);
        }
      }
    }
  }
  return seen.size;
}

interface Varying {
  vi: null | { id: number; up: boolean; log: string[] };
  q: ({ id: 'HELLO'; pages: number } | { id: 'MAP'; offset: number })[];
  st: string;
  k: number;
  w?: number[];
}

/** A model whose states change shape: a nullable record, a queue of differently keyed messages, strings, a key that comes and goes, negative and float numbers. */
function varyingShapes() {
  return defineModel<Varying>({
    name: 'varying',
    init: () => ({ vi: null, q: [], st: 'idle', k: 0 }),
    actions: [
      action('open', (s) => s.vi === null, (s) => { s.vi = { id: s.k, up: false, log: [] }; }),
      action('up', (s) => s.vi !== null && !s.vi.up, (s) => { s.vi!.up = true; s.vi!.log.push('up'); }),
      action('close', (s) => s.vi !== null && s.vi.up, (s) => { s.vi = null; s.st = s.st === 'idle' ? 'busy' : 'idle'; }),
      action('hello', range(2), (s) => s.q.length < 2, (s, i) => { s.q.push(i ? { id: 'HELLO', pages: 300 + i } : { id: 'MAP', offset: -i - 1 }); }),
      action('recv', (s) => s.q.length > 0, (s) => { s.q.shift(); s.k = s.k > 1 ? -0.5 : s.k + 1; }),
      action('widen', (s) => s.w === undefined && s.k === 1, (s) => ({ ...s, w: [s.k, 128] })),
      action('narrow', (s) => s.w !== undefined, (s) => { delete s.w; }),
    ],
    invariants: [invariant('queueBound', (s) => s.q.length <= 2)],
    terminal: () => true,
  });
}

describe('explorers on a model whose state shapes vary', () => {
  it('BFS and DFS count what a naive canonical-JSON search counts', () => {
    const expected = referenceCount(varyingShapes());
    expect(expected).toBeGreaterThan(50);
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = check(varyingShapes(), { strategy });
      expect(r).toMatchObject({ ok: true, complete: true, states: expected });
    }
  });
});
