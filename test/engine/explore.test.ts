import { describe, expect, it } from 'vitest';
import { check, simulate, replay, type CheckResult } from '../../src/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { counter, faulty, grid, jumps, keyOrder, logs } from './small-models.js';

/** Closed form of calibration.md, computed here independently of the engine: trace(M^N). */
function philosopherStates(n: number): number {
  const M = [[1n, 1n, 1n], [1n, 1n, 1n], [1n, 0n, 0n]];
  const mul = (a: bigint[][], b: bigint[][]) => a.map((row, i) => b[0].map((_, j) => row.reduce((acc, _x, k) => acc + a[i][k] * b[k][j], 0n)));
  let p = [[1n, 0n, 0n], [0n, 1n, 0n], [0n, 0n, 1n]];
  for (let i = 0; i < n; i++) p = mul(p, M);
  return Number(p[0][0] + p[1][1] + p[2][2]);
}

const strategies = ['bfs', 'dfs'] as const;

describe('exhaustive search on models counted by hand', () => {
  for (const strategy of strategies) {
    it(`${strategy}: counter(5) has 6 states, 5 transitions, depth 5, and is complete`, () => {
      const r = check(counter(5), { strategy });
      expect(r).toMatchObject({ ok: true, states: 6, transitions: 5, depth: 5, complete: true });
    });

    it(`${strategy}: grid has 9 states and 12 transitions`, () => {
      const r = check(grid(false), { strategy });
      expect(r).toMatchObject({ ok: true, states: 9, transitions: 12, depth: 4, complete: true });
    });

    it(`${strategy}: effects that mutate nested arrays never change the source state (7 states)`, () => {
      expect(check(logs(), { strategy })).toMatchObject({ ok: true, states: 7, transitions: 6 });
    });

    it(`${strategy}: equal states are equal whatever the key order of their records`, () => {
      expect(check(keyOrder(), { strategy })).toMatchObject({ ok: true, states: 2, transitions: 2 });
    });
  }

  it('BFS returns the shortest counterexample: grid breaks a+b<4 after exactly 4 steps', () => {
    const r = check(grid(true));
    expect(r.ok).toBe(false);
    expect(r.violation).toMatchObject({ kind: 'invariant', name: 'sumBelow4', statement: 'a + b stays below 4', ref: 'T1' });
    expect(r.violation!.trace.steps).toHaveLength(4);
    expect(r.violation!.trace.steps.at(-1)!.state).toEqual({ a: 2, b: 2 });
    expect(r.violation!.trace.init).toEqual({ a: 0, b: 0 });
  });

  it('reports a deadlock where no action is enabled in a non-terminal state', () => {
    const r = check(counter(3, true));
    expect(r.violation).toMatchObject({ kind: 'deadlock', name: 'deadlock' });
    expect(r.violation!.trace.steps.map((s) => s.action)).toEqual(['inc', 'inc', 'inc']);
    expect(check(counter(3, true), { deadlock: false }).ok).toBe(true);
  });

  it('checks step invariants on every transition', () => {
    const r = check(jumps());
    expect(r.violation).toMatchObject({ kind: 'invariant', name: 'smallSteps' });
    expect(r.violation!.trace.steps.map((s) => s.action)).toEqual(['jump(3)']);
  });
});

describe('model code that throws or leaves plain data is a finding of kind error, with its trace', () => {
  const cases = [
    ['effect', 'boom', /effect exploded/],
    ['guard', 'boom', /guard exploded/],
    ['undefined', 'boom', /undefined/],
    ['nan', 'boom', /NaN is not plain data/],
    ['map', 'boom', /Map instance is not plain data/],
  ] as const;
  for (const [mode, name, message] of cases) {
    it(`${mode}`, () => {
      const r = check(faulty(mode));
      expect(r.ok).toBe(false);
      expect(r.violation).toMatchObject({ kind: 'error', name });
      expect(r.violation!.message).toMatch(message);
      expect(r.violation!.trace.steps).toHaveLength(2);
      expect(r.violation!.trace.violation.action).toBe('boom');
      expect(replay(faulty(mode), r.violation!.trace).status).toBe('reproduced');
    });
  }

  it('an invariant that throws is reported under its own name', () => {
    const r = check(faulty('invariant'));
    expect(r.violation).toMatchObject({ kind: 'error', name: 'fragile' });
    expect(r.violation!.trace.steps).toHaveLength(2);
  });
});

describe('bounds never claim safety', () => {
  it('--max-states stops with complete: false', () => {
    const r = check(philosophers(6), { maxStates: 50, deadlock: false });
    expect(r).toMatchObject({ ok: true, complete: false, bound: 'max-states', states: 50 });
  });

  it('--max-depth stops with complete: false when states lie beyond, true when none do', () => {
    expect(check(counter(5), { maxDepth: 3 })).toMatchObject({ complete: false, bound: 'max-depth', states: 4 });
    expect(check(counter(5), { maxDepth: 5 })).toMatchObject({ complete: true, states: 6 });
    expect(check(counter(5), { strategy: 'dfs', maxDepth: 2 })).toMatchObject({ complete: false, states: 3 });
  });

  it('rejects bad options with a clear error', () => {
    expect(() => check(counter(2), { maxStates: 0 })).toThrow(/maxStates must be a positive integer/);
    expect(() => check(counter(2), { strategy: 'zigzag' as never })).toThrow(/unknown strategy 'zigzag'/);
    expect(() => check(grid(true), { invariants: ['nope'] })).toThrow(/has no invariant 'nope'/);
  });
});

describe('calibration model (dining philosophers) against its closed form', () => {
  for (const n of [2, 3, 4, 5, 8, 10, 12]) {
    it(`N=${n}: ${philosopherStates(n)} states with BFS and DFS`, () => {
      const expected = philosopherStates(n);
      for (const strategy of strategies) {
        const r = check(philosophers(n), { strategy, deadlock: false });
        expect(r).toMatchObject({ ok: true, complete: true, states: expected });
      }
    });
  }

  it('closed form matches calibration.md', () => {
    expect([4, 10, 16, 18].map(philosopherStates)).toEqual([34, 6726, 1331714, 7761798]);
  });

  for (const n of [3, 6, 9]) {
    it(`N=${n}: BFS stops at the deadlock with a trace of exactly N steps`, () => {
      const r = check(philosophers(n));
      expect(r.violation?.kind).toBe('deadlock');
      expect(r.violation!.trace.steps).toHaveLength(n);
      expect(r.violation!.trace.steps.every((s) => s.action.startsWith('takeLeft('))).toBe(true);
    });
  }
});

describe('determinism', () => {
  const strip = (r: CheckResult) => ({ ...r, durationMs: 0 });
  it('the same model and options give the same result and the same trace', () => {
    expect(strip(check(philosophers(5), { strategy: 'dfs' }))).toEqual(strip(check(philosophers(5), { strategy: 'dfs' })));
    expect(strip(simulate(philosophers(6), { seed: 7, walks: 50 }))).toEqual(strip(simulate(philosophers(6), { seed: 7, walks: 50 })));
  });
});

describe('simulate (seeded random walks)', () => {
  it('finds the N=4 deadlock, with a trace that replays, and is never complete', () => {
    const r = simulate(philosophers(4), { seed: 3, walks: 200 });
    expect(r.ok).toBe(false);
    expect(r.complete).toBe(false);
    expect(r.violation!.kind).toBe('deadlock');
    expect(replay(philosophers(4), r.violation!.trace).status).toBe('reproduced');
    expect(r.violation!.trace.seed).toBe(3);
  });

  it('reports walks, seed and distinct states on a safe model', () => {
    const r = simulate(grid(false), { seed: 1, walks: 30 });
    expect(r).toMatchObject({ ok: true, complete: false, walks: 30, seed: 1, strategy: 'random' });
    expect(r.states).toBeLessThanOrEqual(9);
  });

  it('checks step invariants along walks', () => {
    const r = simulate(jumps(), { walks: 100 });
    expect(r.violation?.name).toBe('smallSteps');
    expect(replay(jumps(), r.violation!.trace).status).toBe('reproduced');
  });
});

describe('progress', () => {
  it('reports states, transitions, depth and queue while a long run goes on', () => {
    const seen: number[] = [];
    const r = check(philosophers(10), { deadlock: false, progressEveryMs: 0, onProgress: (p) => {
      expect(p.transitions).toBeGreaterThanOrEqual(p.states - 1);
      expect(p.queue).toBeGreaterThanOrEqual(0);
      seen.push(p.states);
    } });
    expect(r.states).toBe(6726);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s <= 6726)).toBe(true);
  });
});
