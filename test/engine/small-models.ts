/** Small models whose state counts and shortest counterexamples are derived by hand in the tests. */
import { action, defineModel, invariant, range, stepInvariant } from '../../src/index.js';

/** x counts from 0 to n: n+1 states, n transitions, depth n; x = n is terminal unless `deadlockAtEnd`. */
export const counter = (n: number, deadlockAtEnd = false) =>
  defineModel<{ x: number }>({
    name: 'counter',
    config: { n, deadlockAtEnd },
    init: () => ({ x: 0 }),
    actions: [action('inc', (s) => s.x < n, (s) => { s.x++; })],
    terminal: (s) => !deadlockAtEnd && s.x === n,
  });

/** Two counters a, b in 0..2: 9 states, 12 transitions, depth 4; `sumBelow4` fails first at (2,2), 4 steps away. */
export const grid = (withInvariant: boolean) =>
  defineModel<{ a: number; b: number }>({
    name: 'grid',
    init: () => ({ a: 0, b: 0 }),
    actions: [
      action('incA', (s) => s.a < 2, (s) => { s.a++; }),
      action('incB', (s) => s.b < 2, (s) => { s.b++; }),
    ],
    invariants: withInvariant ? [invariant('sumBelow4', (s) => s.a + s.b < 4, { statement: 'a + b stays below 4', ref: 'T1' })] : [],
    terminal: (s) => s.a === 2 && s.b === 2,
  });

/**
 * Logs of length ≤ 2 over {0, 1}: 1 + 2 + 4 = 7 states, 6 transitions. Effects push onto a nested
 * array, so a run that changed a source state would count differently.
 */
export const logs = () =>
  defineModel<{ log: number[]; meta: { n: number } }>({
    name: 'logs',
    init: () => ({ log: [], meta: { n: 0 } }),
    actions: [action('append', range(2), (s) => s.log.length < 2, (s, i) => { s.log.push(i); s.meta.n++; })],
    terminal: (s) => s.log.length === 2,
  });

/** Two ways to reach {x: 1, y: 0}: one returns a record built in another key order. 2 states, 2 transitions. */
export const keyOrder = () =>
  defineModel<{ x: number; y: number }>({
    name: 'key-order',
    init: () => ({ x: 0, y: 0 }),
    actions: [
      action('rebuild', (s) => s.x === 0, (s) => ({ y: s.y, x: 1 })),
      action('mutate', (s) => s.x === 0, (s) => { s.x = 1; }),
    ],
    terminal: () => true,
  });

/** A model whose step `boom` throws after 2 steps, or produces non-plain data, per `mode`. */
export const faulty = (mode: 'effect' | 'guard' | 'undefined' | 'nan' | 'map' | 'invariant') =>
  defineModel<{ x: number; bad?: unknown }>({
    name: `faulty-${mode}`,
    init: () => ({ x: 0 }),
    actions: [
      action('inc', (s) => s.x < 2, (s) => { s.x++; }),
      action(
        'boom',
        (s) => {
          if (mode === 'guard' && s.x === 2) throw new Error('guard exploded');
          return s.x === 2;
        },
        (s) => {
          if (mode === 'effect') throw new RangeError('effect exploded');
          s.x = 3;
          if (mode === 'undefined') s.bad = undefined;
          if (mode === 'nan') s.bad = NaN;
          if (mode === 'map') s.bad = new Map();
        },
      ),
    ],
    invariants: mode === 'invariant' ? [invariant('fragile', (s) => { if (s.x === 2) throw new Error('cannot judge'); return true; })] : [],
    terminal: (s) => s.x >= 2,
  });

/** A step property: x never jumps by more than 1. `jump(3)` from 0 breaks it; depth 1. */
export const jumps = () =>
  defineModel<{ x: number }>({
    name: 'jumps',
    init: () => ({ x: 0 }),
    actions: [
      action('inc', (s) => s.x < 3, (s) => { s.x++; }),
      action('jump', [3], (s) => s.x === 0, (s, k) => { s.x = k; }),
    ],
    invariants: [stepInvariant('smallSteps', (b, a) => Math.abs(a.x - b.x) <= 1, { statement: 'x changes by at most 1 per step' })],
    terminal: (s) => s.x === 3,
  });

/**
 * An 8 × 8 plane walked one step at a time (64 states, depth 14), with one finding deep in it:
 * a leap from (4, 4) that breaks a step property (`step`) or throws (`effect`), a state
 * invariant broken at x + y = 11 (`invariant`), a deadlock at (7, 7) (`deadlock`), or none.
 * Enough states at each level for every part of a parallel search to hold some.
 */
type Point = { x: number; y: number };

export const plane = (mode: 'step' | 'effect' | 'invariant' | 'deadlock' | 'none') =>
  defineModel<Point>({
    name: `plane-${mode}`,
    init: () => ({ x: 0, y: 0 }),
    actions: [
      action('right', (s) => s.x < 7, (s) => { s.x++; }),
      action('up', (s) => s.y < 7, (s) => { s.y++; }),
      action(
        'leap',
        (s) => (mode === 'step' || mode === 'effect') && s.x === 4 && s.y === 4,
        (s) => {
          if (mode === 'effect') throw new RangeError('leap exploded');
          s.x = 7;
        },
      ),
    ],
    invariants: [
      ...(mode === 'step' ? [stepInvariant('oneStep', (b: Point, a: Point) => Math.abs(a.x - b.x) <= 1, { statement: 'x changes by at most 1 per step' })] : []),
      ...(mode === 'invariant' ? [invariant('belowEleven', (s: Point) => s.x + s.y < 11, { statement: 'x + y stays below 11' })] : []),
    ],
    terminal: (s) => mode !== 'deadlock' && s.x === 7 && s.y === 7,
  });

/**
 * Six counters in 0..4, one step raises one: every state whose counters sum to 12 breaks
 * `sumBelow12` (12 steps away), 1,751 of them at that depth at once, spread over many blocks of
 * a level and so over the parts of a parallel search.
 */
export const spread = () =>
  defineModel<{ c: number[] }>({
    name: 'spread',
    init: () => ({ c: [0, 0, 0, 0, 0, 0] }),
    actions: [action('raise', range(6), (s, i) => s.c[i] < 4, (s, i) => { s.c[i]++; })],
    invariants: [invariant('sumBelow12', (s) => s.c.reduce((a, b) => a + b, 0) < 12, { statement: 'the counters sum to less than 12' })],
    terminal: () => true,
  });

/** A model whose initial state already breaks its invariant (`positive`): a trace of no steps. */
export const badStart = () =>
  defineModel<{ x: number }>({
    name: 'bad-start',
    init: () => ({ x: 0 }),
    actions: [action('inc', (s) => s.x < 3, (s) => { s.x++; })],
    invariants: [invariant('positive', (s) => s.x > 0, { statement: 'x is positive' })],
    terminal: () => true,
  });
