/**
 * The bitstate store (--bitstate, state/bitstate.ts) and the memory limit (--memory): with ample
 * bits it finds what the exact store finds, state for state; with few bits it misses states and
 * says so; the omission estimate is the Bloom-filter formula; a memory limit stops a run cleanly.
 */
import { describe, expect, it } from 'vitest';
import { check, replay, type Model } from '../../src/index.js';
import { prepare } from '../../src/explore/check.js';
import { explorers } from '../../src/explore/registry.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { BitStateStore, falsePositive, omission } from '../../src/state/bitstate.js';
import { StateStore } from '../../src/state/store.js';
import { registry } from '../../models/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { cli } from '../cli/harness.js';

const systemEntry = registry.models.find((m) => m.name === 'system')!;
function system(scenario: string, mutant: string | null = null): Model {
  const config = systemEntry.scenarios.find((s) => s.name === scenario)!.config;
  const set = systemEntry.mutants.find((m) => m.name === mutant)?.set ?? {};
  return buildEntry(systemEntry, { ...config, ...set }, mutant, `system/${scenario}`) as Model;
}

/** Every stored state's path (its actions from the initial state), in discovery order. */
function discovered(model: Model, strategy: 'bfs' | 'dfs', bitstate?: number): { paths: string[]; store: unknown } {
  const { cm, init } = prepare(model, { deadlock: false });
  const { search } = explorers[strategy](cm, { deadlock: false, bitstate }, init);
  const paths: string[] = [];
  for (let i = 0; i < search.store.size; i++) paths.push(search.store.path(i).join(','));
  return { paths, store: search.store };
}

describe('bitstate with ample bits finds exactly what the exact store finds', () => {
  const cases: [string, () => Model][] = [
    ['philosophers(6)', () => philosophers(6)],
    ['system/migrate', () => system('migrate')],
  ];
  for (const [name, build] of cases) {
    for (const strategy of ['bfs', 'dfs'] as const) {
      it(`${name} ${strategy}: the same states, in the same order, by the same paths`, () => {
        const exact = discovered(build(), strategy);
        const bits = discovered(build(), strategy, 28);
        expect(exact.store).toBeInstanceOf(StateStore);
        expect(bits.store).toBeInstanceOf(BitStateStore);
        expect(bits.paths.length).toBe(exact.paths.length);
        expect(bits.paths).toEqual(exact.paths);
        // Distinct paths: every index is a state of its own.
        expect(new Set(bits.paths).size).toBe(bits.paths.length);
      });
    }
  }

  it('system/migrate: the same result, complete and exhaustive, with a negligible omission', () => {
    const exact = check(system('migrate'));
    const r = check(system('migrate'), { bitstate: 28 });
    expect(exact.omission).toBeUndefined();
    expect(r).toMatchObject({ ok: true, complete: true, states: exact.states, transitions: exact.transitions, depth: exact.depth });
    expect(r.states).toBe(3975);
    expect(r.omission).toMatchObject({ bits: 28, hashes: 3, exhaustive: true });
    expect(r.omission!.probabilityAnyMissed).toBeLessThan(1e-6);
    expect(r.omission!.hashFactor).toBeCloseTo(2 ** 28 / 3975, 6);
  });

  for (const mutant of ['resend-pending-tx', 'drain-keeps-filters']) {
    for (const strategy of ['bfs', 'dfs'] as const) {
      it(`mutant ${mutant} (${strategy}): the same verdict and trace, which replays`, () => {
        const info = systemEntry.mutants.find((m) => m.name === mutant)!;
        expect(info.scenario).toBe('migrate');
        const model = system('migrate', mutant);
        const exact = check(model, { strategy, invariants: info.breaks });
        const r = check(model, { strategy, invariants: info.breaks, bitstate: 26 });
        expect(exact.ok).toBe(false);
        expect(r.ok).toBe(false);
        expect(r.violation!.name).toBe(exact.violation!.name);
        expect(r.violation!.trace.steps.map((s) => s.action)).toEqual(exact.violation!.trace.steps.map((s) => s.action));
        expect(r.states).toBe(exact.states);
        const again = replay(model, r.violation!.trace);
        expect(again.status, again.status === 'stale' ? again.reason : '').toBe('reproduced');
      });
    }
  }
});

describe('bitstate with few bits', () => {
  it('misses states, and says so', () => {
    const exact = check(philosophers(6), { deadlock: false });
    const r = check(philosophers(6), { deadlock: false, bitstate: 10 });
    expect(exact.states).toBe(198);
    expect(r.states).toBeLessThan(exact.states);
    expect(r.complete).toBe(true); // the explored graph: nothing stopped the search …
    expect(r.omission!.exhaustive).toBe(false); // … but it is not the whole space
    expect(r.omission!.expectedMissed).toBeGreaterThan(1);
    expect(r.omission!.probabilityAnyMissed).toBeGreaterThan(0.5);
    expect(r.omission!.hashFactor).toBeCloseTo(1024 / r.states, 9);
  });

  it('the terminal never calls it complete: it says how many states may be missing', async () => {
    const run = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--bitstate', '10']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/explored graph complete, not exhaustive \(bitstate\)/);
    expect(run.stdout).toMatch(/bitstate: up to ≈[\d.,]+ states may have been missed \(P\(any missed\) ≈ /);
    expect(run.stdout).not.toMatch(/· complete$/m);
  });

  it('with ample bits the terminal says complete, with the (negligible) omission beside it', async () => {
    const run = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--bitstate', '24', '--json']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout.trim());
    expect(r).toMatchObject({ complete: true, states: 198, omission: { bits: 24, exhaustive: true } });
    const text = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--bitstate', '24']);
    expect(text.stdout).toMatch(/· complete\n {2}bitstate 2\^24 bits × 3, hash factor [\d,]+: P\(any state missed\) ≈ .*negligible/);
  });
});

describe('the omission estimate', () => {
  it('is the sum of (1 - e^(-k·i/m))^k over the insertions, and 1 - e^(-sum)', () => {
    const m = 1024;
    const byHand = (1 - Math.exp(-3 / m)) ** 3 + (1 - Math.exp(-6 / m)) ** 3 + (1 - Math.exp(-9 / m)) ** 3;
    const o = omission(4, 10, 3);
    expect(o.expectedMissed).toBeCloseTo(byHand, 15);
    expect(o.probabilityAnyMissed).toBeCloseTo(1 - Math.exp(-byHand), 15);
    expect(o.hashFactor).toBe(256);
    expect(omission(1, 10).expectedMissed).toBe(0);
    expect(falsePositive(0, 3, m)).toBe(0);
    expect(falsePositive(m, 1, m)).toBeCloseTo(1 - Math.exp(-1), 12);
    // Small loads: (k·i/m)^k summed is about (k/m)^k · n^(k+1) / (k + 1), precisely (expm1, not 1 - exp).
    const n = 1e5;
    const bits = 34;
    expect(omission(n, bits, 3).expectedMissed / ((3 / 2 ** bits) ** 3 * n ** 4 / 4)).toBeCloseTo(1, 3);
    // More bits, fewer misses; more states, more misses.
    expect(omission(1e4, 20).expectedMissed).toBeGreaterThan(omission(1e4, 22).expectedMissed);
    expect(omission(2e4, 20).expectedMissed).toBeGreaterThan(omission(1e4, 20).expectedMissed);
  });

  it('matches the false positives the store really makes on random fingerprints', () => {
    // 2^16 bits, k = 3: insert random distinct fingerprints and count those taken as seen,
    // against the formula's expectation at each attempt (given the states stored by then).
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) | 0) ^ (seed >>> 15);
    let falselySeen = 0;
    let expected = 0;
    for (let round = 0; round < 20; round++) {
      const store = new BitStateStore(16);
      const seen = new Set<string>();
      for (let attempt = 0; attempt < 12000; attempt++) {
        const lo = next();
        const hi = next();
        if (seen.has(`${lo},${hi}`)) continue;
        seen.add(`${lo},${hi}`);
        expected += falsePositive(store.size, 3, 2 ** 16);
        if (store.add(lo, hi, store.size - 1, 0) < 0) falselySeen++;
      }
    }
    expect(expected).toBeGreaterThan(5000);
    expect(falselySeen / expected).toBeGreaterThan(0.95);
    expect(falselySeen / expected).toBeLessThan(1.05);
  });

  it('a store above 32 bits sets and finds bits in every block (2^33 bits: two blocks of 2^32)', () => {
    const store = new BitStateStore(33, 4);
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) | 0);
    const fps: [number, number][] = [];
    for (let i = 0; i < 2000; i++) fps.push([next(), next()]);
    for (const [lo, hi] of fps) expect(store.has(lo, hi)).toBe(false);
    for (const [lo, hi] of fps) expect(store.add(lo, hi, -1, 0)).toBeGreaterThanOrEqual(0);
    for (const [lo, hi] of fps) expect(store.has(lo, hi)).toBe(true);
    expect(store.bytes).toBeGreaterThanOrEqual(2 ** 30);
  });
});

describe('the memory limit', () => {
  for (const strategy of ['bfs', 'dfs'] as const) {
    it(`${strategy}: a tiny limit stops the run cleanly (bound 'memory', complete false)`, () => {
      const r = check(philosophers(10), { strategy, deadlock: false, memoryMB: 1 });
      expect(r).toMatchObject({ ok: true, complete: false, bound: 'memory', states: 4096 });
      expect(r.memory!.limitBytes).toBe(2 ** 20);
      expect(r.memory!.rssBytes).toBeGreaterThan(2 ** 20);
      const free = check(philosophers(10), { strategy, deadlock: false, memoryMB: 100_000 });
      expect(free).toMatchObject({ ok: true, complete: true, states: 6726 });
      expect(free.bound).toBeUndefined();
    });
  }

  it('the CLI prints a one-line note and exits 0 when nothing was violated', async () => {
    const run = await cli(['check', 'philosophers', '--scenario', 'n16', '--no-deadlock', '--memory', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/incomplete: stopped by memory/);
    expect(run.stdout.match(/memory limit of 1\.0 MiB reached .*raise --memory/g)).toHaveLength(1);
  });

  it('a violation found before the limit still exits 1', async () => {
    const run = await cli(['check', 'philosophers', '--scenario', 'n16', '--strategy', 'dfs', '--memory', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/deadlock after 16 steps/);
  });
});

describe('bad values', () => {
  const bad: [string[], RegExp][] = [
    [['--bitstate', '9'], /--bitstate must be an integer from 10 to 36, got '9'/],
    [['--bitstate', '37'], /--bitstate must be an integer from 10 to 36/],
    [['--bitstate', 'lots'], /--bitstate must be an integer/],
    [['--memory', '0'], /--memory must be an integer ≥ 1, got '0'/],
    [['--memory', '1.5'], /--memory must be an integer/],
    [['--bitstate', '30', '--memory', '64'], /2\^30 bits takes 128 MB, more than the memory limit of 64 MB/],
  ];
  for (const [args, message] of bad) {
    it(`check ${args.join(' ')}: one line, exit 2`, async () => {
      const run = await cli(['check', 'philosophers', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
    });
  }

  it('simulate has no --bitstate', async () => {
    const run = await cli(['simulate', 'philosophers', '--bitstate', '20']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option --bitstate/);
  });

  it('the API rejects them too', () => {
    expect(() => check(philosophers(3), { bitstate: 40 })).toThrow(/bitstate must be an integer from 10 to 36/);
    expect(() => check(philosophers(3), { bitstate: 20, bitstateHashes: 0 })).toThrow(/bitstateHashes/);
    expect(() => check(philosophers(3), { memoryMB: -1 })).toThrow(/memoryMB must be a positive integer/);
  });
});
