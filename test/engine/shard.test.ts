/**
 * Swarm shards (explore/shard.ts) and the HyperLogLog sketch (state/sketch.ts): a shard is a
 * permutation of the model — the same states when exhausted, a different part of the space when
 * bounded — whose traces replay against the model itself; shards are deterministic; the sketch
 * merges to the union and estimates it within its documented error.
 */
import { describe, expect, it } from 'vitest';
import { check, replay, simulate, type Model } from '../../src/index.js';
import { prepare } from '../../src/explore/check.js';
import { compile } from '../../src/model/compile.js';
import { explorers } from '../../src/explore/registry.js';
import { parseShard, shardModel, shardSeed, shardStrategy } from '../../src/explore/shard.js';
import type { ExploreOptions } from '../../src/explore/types.js';
import { rng } from '../../src/explore/random.js';
import { BitStateStore } from '../../src/state/bitstate.js';
import { HyperLogLog, relativeError } from '../../src/state/sketch.js';
import { StateStore } from '../../src/state/store.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { registry } from '../../models/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { counter } from './small-models.js';

const systemEntry = registry.models.find((m) => m.name === 'system')!;
function system(scenario: string, mutant: string | null = null): Model {
  const config = systemEntry.scenarios.find((s) => s.name === scenario)!.config;
  const set = systemEntry.mutants.find((m) => m.name === mutant)?.set ?? {};
  return buildEntry(systemEntry, { ...config, ...set }, mutant, `system/${scenario}`) as Model;
}

const shard = (index: number, count = 4, seed = 1) => ({ index, count, seed });
const labels = (m: Model) => compile(m).instances.map((i) => i.label);
const steps = (r: ReturnType<typeof check>) => r.violation!.trace.steps.map((s) => s.action);

/** The fingerprints a shard stores, exactly (as "lo:hi"), for the given explore options. */
function storedBy(model: Model, index: number, options: ExploreOptions & { strategy: 'bfs' | 'dfs' }): Set<string> {
  const { cm, init } = prepare(shardModel(model, shard(index)), options);
  const { search } = explorers[options.strategy](cm, options, init);
  const seen = new Set<string>();
  (search.store as StateStore).forEachFingerprint((lo, hi) => seen.add(`${lo}:${hi}`));
  return seen;
}

describe('shardModel is a permutation of the model', () => {
  it('the same step labels, in another order on other shards; shard 1 is the model itself', () => {
    const model = philosophers(6);
    expect(shardModel(model, shard(1))).toBe(model);
    const natural = labels(model);
    const orders = [2, 3, 4, 5].map((i) => labels(shardModel(model, shard(i, 5))));
    for (const order of orders) expect([...order].sort()).toEqual([...natural].sort());
    // Each shard's order is its own (a 1-in-18!·… coincidence otherwise).
    expect(new Set([natural, ...orders].map((o) => o.join())).size).toBe(5);
    // Domains are permuted within their action: an action's instances stay together.
    const names = orders[0].map((l) => l.replace(/\(.*/, ''));
    expect(names.filter((n, i) => i === 0 || names[i - 1] !== n)).toHaveLength(3);
  });

  const exhausted: [string, () => Model][] = [
    ['philosophers(8)', () => philosophers(8)],
    ['system/migrate', () => system('migrate')],
  ];
  for (const [name, build] of exhausted) {
    for (const strategy of ['bfs', 'dfs'] as const) {
      it(`${name} ${strategy}: every shard exhausts the same states and transitions, and sketches them alike`, () => {
        const model = build();
        const plain = check(model, { strategy, deadlock: false });
        expect(plain.complete).toBe(true);
        const sketches = new Set<string>();
        for (const index of [1, 2, 3, 4]) {
          const r = check(model, { strategy, deadlock: false, shard: { index, count: 4 } });
          expect(r).toMatchObject({ ok: true, complete: true, strategy, states: plain.states, transitions: plain.transitions, shard: { index, count: 4, seed: 1 } });
          sketches.add(r.sketch!.registers);
        }
        // The sketch is of the set of states, not of the order they were found in.
        expect(sketches.size).toBe(1);
      });
    }
  }
});

describe('shards diversify', () => {
  it('DFS shards find different first counterexamples, and each replays against the unsharded model', () => {
    const model = philosophers(6);
    const traces = new Set<string>();
    for (const index of [1, 2, 3, 4, 5, 6]) {
      const r = check(model, { strategy: 'dfs', shard: { index, count: 6 } });
      expect(r.violation?.kind).toBe('deadlock');
      traces.add(steps(r).join(' '));
      const again = replay(philosophers(6), r.violation!.trace);
      expect(again.status, again.status === 'stale' ? again.reason : '').toBe('reproduced');
    }
    expect(traces.size).toBeGreaterThanOrEqual(3);
  });

  it('a system mutant found by a permuted DFS shard replays against the unsharded model', () => {
    const info = systemEntry.mutants.find((m) => m.name === 'resend-pending-tx')!;
    const found = [2, 3].map((index) => check(system('migrate', info.name), { invariants: info.breaks, strategy: 'dfs', shard: { index, count: 3 } }));
    for (const r of found) {
      expect(r.ok).toBe(false);
      const again = replay(system('migrate', info.name), r.violation!.trace);
      expect(again.status, again.status === 'stale' ? again.reason : '').toBe('reproduced');
    }
    expect(steps(found[0])).not.toEqual(steps(found[1]));
  });

  it('a bounded DFS shard stores other states than the plain run, and the shards together cover more', () => {
    const model = philosophers(10); // 6,726 states
    const options = { strategy: 'dfs' as const, deadlock: false, maxStates: 1500 };
    const sets = [1, 2, 3, 4].map((i) => storedBy(model, i, options));
    for (const s of sets) expect(s.size).toBe(1500);
    const union = new Set(sets.flatMap((s) => [...s]));
    expect(union.size).toBeGreaterThan(2500);
    for (let i = 1; i < sets.length; i++) expect([...sets[i]].filter((f) => !sets[0].has(f)).length).toBeGreaterThan(300);
  });

  it('with bitstate, shard I ≥ 2 hashes with other functions: a crowded bit array misses other states', () => {
    const model = philosophers(10);
    const runs = [1, 2, 3].map((index) => check(model, { deadlock: false, strategy: 'bfs', bitstate: 14, shard: { index, count: 3 } }));
    const plain = check(model, { deadlock: false, strategy: 'bfs', bitstate: 14 });
    // Shard 1 is the plain run, bit for bit.
    expect(runs[0].states).toBe(plain.states);
    expect(runs[0].sketch).toBeDefined();
    for (const r of runs) expect(r.states).toBeLessThan(6726);
    expect(new Set(runs.map((r) => r.sketch!.registers)).size).toBe(3);
  });

  it('with bitstate, the hash functions differ even where no permutation can: a chain stops at another false positive', () => {
    // One action without parameter: every shard's model is the same, only the hashes differ.
    const chain = counter(20000);
    const runs = [1, 2, 3, 4].map((index) => check(chain, { bitstate: 12, shard: { index, count: 4 } }));
    expect(labels(shardModel(chain, shard(3)))).toEqual(labels(chain));
    expect(runs[0].states).toBe(check(chain, { bitstate: 12, strategy: 'dfs' }).states);
    for (const r of runs) expect(r.states).toBeLessThan(20001);
    expect(new Set(runs.map((r) => r.states)).size).toBeGreaterThanOrEqual(3);
  });

  it('the store with seed 0 is the unseeded store; another seed gives another family of positions', () => {
    const plain = new BitStateStore(12);
    const zero = new BitStateStore(12, 3, { seed: 0 });
    const seeded = new BitStateStore(12, 3, { seed: 7 });
    const r = rng(3);
    let differ = 0;
    for (let i = 0; i < 600; i++) {
      const lo = r.below(2 ** 32) | 0;
      const hi = r.below(2 ** 32) | 0;
      const a = plain.add(lo, hi, -1, -1);
      expect(zero.add(lo, hi, -1, -1)).toBe(a);
      if ((seeded.add(lo, hi, -1, -1) < 0) !== (a < 0)) differ++;
    }
    expect(differ).toBeGreaterThan(0);
    expect(plain.sketch).toBeNull();
  });
});

describe('shard defaults and determinism', () => {
  it('a shard searches depth-first under a budget of states, breadth-first otherwise; --strategy wins', () => {
    expect(shardStrategy({})).toBe('bfs');
    expect(shardStrategy({ maxStates: 10 })).toBe('dfs');
    expect(shardStrategy({ bitstate: 20 })).toBe('dfs');
    expect(shardStrategy({ memoryMB: 64 })).toBe('dfs');
    const model = philosophers(6);
    expect(check(model, { shard: { index: 2, count: 2 } }).strategy).toBe('bfs');
    expect(check(model, { shard: { index: 2, count: 2 }, maxStates: 50 }).strategy).toBe('dfs');
    expect(check(model, { shard: { index: 2, count: 2 }, maxStates: 50, strategy: 'bfs' }).strategy).toBe('bfs');
  });

  it('depends only on the model and (index, seed): the same run twice, another seed another run, the count irrelevant', () => {
    const model = philosophers(8);
    const a = check(model, { strategy: 'dfs', shard: { index: 3, count: 4, seed: 9 } });
    const b = check(philosophers(8), { strategy: 'dfs', shard: { index: 3, count: 4, seed: 9 } });
    expect(steps(a)).toEqual(steps(b));
    expect(a.sketch).toEqual(b.sketch);
    expect(labels(shardModel(model, { index: 3, count: 8, seed: 9 }))).toEqual(labels(shardModel(model, { index: 3, count: 4, seed: 9 })));
    const seeds = [1, 2, 3, 4, 5].map((seed) => labels(shardModel(model, { index: 3, count: 4, seed })).join());
    expect(new Set(seeds).size).toBe(5);
  });

  it('no sketch, and no shard, without --shard', () => {
    const r = check(philosophers(6), { deadlock: false });
    expect(r.shard).toBeUndefined();
    expect(r.sketch).toBeUndefined();
    expect(simulate(philosophers(6), { walks: 5, deadlock: false }).sketch).toBeUndefined();
  });

  it('parses I/N, 1-based, and rejects the rest', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '2', '2/4/1', 'a/b', '-1/4', '1.5/4', '']) expect(parseShard(bad), bad).toBeUndefined();
    expect(() => check(philosophers(4), { shard: { index: 5, count: 4 } })).toThrow(/shard index must be an integer from 1 to 4/);
  });
});

describe('simulate shards', () => {
  it('walk from distinct seeds (shard 1 from the seed itself), and a finding reproduces from its seed and path alone', () => {
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((i) => shardSeed(42, i))).size).toBe(8);
    expect(shardSeed(42, 1)).toBe(42);
    const model = philosophers(6);
    const runs = [1, 2, 3].map((index) => simulate(model, { seed: 42, walks: 50, shard: { index, count: 3 } }));
    expect(runs.map((r) => r.seed)).toEqual([1, 2, 3].map((i) => shardSeed(42, i)));
    for (const r of runs) {
      expect(r.shard).toEqual({ index: r.shard!.index, count: 3, seed: 42 });
      expect(r.violation?.kind).toBe('deadlock');
      const again = simulate(philosophers(6), { seed: r.seed, walks: 50, path: r.path });
      expect(steps(again)).toEqual(steps(r));
    }
    // Without a finding to stop them, the shards' walks differ.
    const free = [1, 2].map((index) => simulate(model, { seed: 42, walks: 20, deadlock: false, shard: { index, count: 2 } }));
    expect(free[0].sketch!.registers).not.toBe(free[1].sketch!.registers);
  });
});

describe('the HyperLogLog sketch', () => {
  const random = (n: number, seed: number): [number, number][] => {
    const r = rng(seed);
    return Array.from({ length: n }, () => [r.below(2 ** 32) | 0, r.below(2 ** 32) | 0]);
  };

  it('estimates within three standard errors (1.04/√m each) over a wide range of sizes', () => {
    for (const n of [1, 50, 1000, 8000, 30000, 200000]) {
      const h = new HyperLogLog();
      for (const [lo, hi] of random(n, n)) h.add(lo, hi);
      expect(Math.abs(h.estimate() / n - 1), `n = ${n}`).toBeLessThan(3 * relativeError());
    }
    expect(new HyperLogLog().estimate()).toBe(0);
  });

  it('counts a fingerprint once however often it is added, and merges to the sketch of the union', () => {
    const xs = random(20000, 5);
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    const both = new HyperLogLog();
    xs.slice(0, 12000).forEach(([lo, hi]) => a.add(lo, hi));
    xs.slice(8000).forEach(([lo, hi]) => b.add(lo, hi));
    xs.forEach(([lo, hi]) => both.add(lo, hi));
    xs.slice(0, 12000).forEach(([lo, hi]) => both.add(lo, hi));
    a.merge(b);
    expect(a.registers).toEqual(both.registers);
    expect(Math.abs(a.estimate() / 20000 - 1)).toBeLessThan(3 * relativeError());
  });

  it('round-trips through JSON (4,096 six-bit registers in 4,096 base64 characters) and rejects what is not one', () => {
    const h = new HyperLogLog();
    for (const [lo, hi] of random(5000, 9)) h.add(lo, hi);
    const json = JSON.parse(JSON.stringify(h));
    expect(json).toMatchObject({ kind: 'hyperloglog', precision: 12 });
    expect(json.registers).toHaveLength(4096);
    expect(HyperLogLog.fromJSON(json).registers).toEqual(h.registers);
    expect(() => HyperLogLog.fromJSON({ kind: 'hyperloglog', precision: 12, registers: 'AAAA' })).toThrow(/3072/);
    expect(() => HyperLogLog.fromJSON({ kind: 'bloom' })).toThrow(/not a hyperloglog/);
    expect(() => HyperLogLog.fromJSON({ ...json, precision: 40 })).toThrow(/precision/);
  });

  it('of an exhausted model: within its error of the known count (philosophers(12), 39,202 states)', () => {
    const r = check(philosophers(12), { deadlock: false, sketch: true });
    expect(r.states).toBe(39202);
    expect(Math.abs(HyperLogLog.fromJSON(r.sketch).estimate() / 39202 - 1)).toBeLessThan(3 * relativeError());
  });

  it('the union of bounded shards: within its error of the exact union of their stored states', () => {
    const model = philosophers(12);
    const options = { strategy: 'dfs' as const, deadlock: false, maxStates: 8000 };
    const exact = new Set([1, 2, 3, 4].flatMap((i) => [...storedBy(model, i, options)]));
    const all = new HyperLogLog();
    for (const index of [1, 2, 3, 4]) all.merge(HyperLogLog.fromJSON(check(model, { ...options, shard: { index, count: 4 } }).sketch));
    expect(exact.size).toBeGreaterThan(12000);
    expect(Math.abs(all.estimate() / exact.size - 1)).toBeLessThan(3 * relativeError());
  });
});
