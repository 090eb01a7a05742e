/**
 * Parallel BFS over worker threads (explore/parallel): the same states, transitions, depth and
 * verdict as one thread; shortest counterexamples that replay; the same trace on every run with
 * the same number of workers; bounds, symmetry and bitstate as on one thread; bad input as values.
 * One pool per worker count serves the whole file (workers start through tsx, ~1 s each).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action, check, defineModel, replay, type CheckResult, type Model } from '../../src/index.js';
import { ownerOf } from '../../src/explore/search.js';
import { Codec } from '../../src/state/codec.js';
import { fp } from '../../src/state/fingerprint.js';
import { checkParallel } from '../../src/explore/parallel/check-parallel.js';
import { splitFrontier } from '../../src/explore/parallel/part.js';
import { controlLayout } from '../../src/explore/parallel/exchange.js';
import { forEachRecord, frontierOf } from '../../src/explore/resume.js';
import { ByteFifo } from '../../src/state/queue.js';
import { WorkerPool } from '../../src/explore/parallel/pool.js';
import type { ModelSource } from '../../src/explore/parallel/source.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { registry } from '../../models/index.js';
import { badStart, faulty, jumps, plane, spread } from './small-models.js';
import { HyperLogLog } from '../../src/state/sketch.js';
import { SLOT_WORDS } from '../../src/state/shared-table.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const PHILOSOPHERS = here('../../models/calibration/philosophers.ts');
const SMALL = here('./small-models.ts');
const REGISTRY = here('../../models/index.ts');

const phil = (n: number): ModelSource => ({ module: PHILOSOPHERS, export: 'philosophers', args: [n] });

function system(scenario: string, mutant: string | null = null): { model: Model; source: ModelSource } {
  const entry = registry.models.find((m) => m.name === 'system')!;
  const set = entry.mutants.find((m) => m.name === mutant)?.set ?? {};
  const config = { ...entry.scenarios.find((s) => s.name === scenario)!.config, ...set };
  return {
    model: buildEntry(entry, config, mutant, `system/${scenario}`),
    source: { module: REGISTRY, export: 'registry', model: 'system', config, mutant },
  };
}

/**
 * A model whose successors cannot be encoded (a getter that throws a TypeError: an engine error,
 * not a finding), from an initial state that part 0 of `parts` owns.
 */
function failsHere(parts: number): Model<{ x: number }> {
  let x = 0;
  for (const codec = new Codec(); ; x++) {
    codec.encodeNew({ x });
    if (ownerOf(fp.hi, parts) === 0) break;
  }
  const explode = (s: { x: number }) => Object.defineProperty({ x: s.x + 1 }, 'y', { enumerable: true, get: () => { throw new TypeError('getter exploded'); } });
  return defineModel<{ x: number }>({ name: 'fails-here', init: () => ({ x }), actions: [action('go', () => true, explode)], terminal: () => true });
}

const figures = (r: CheckResult) => ({ ok: r.ok, states: r.states, transitions: r.transitions, depth: r.depth, complete: r.complete, bound: r.bound });
const steps = (r: CheckResult) => r.violation!.trace.steps.map((s) => s.action);

let two: WorkerPool;
let three: WorkerPool;
beforeAll(async () => {
  [two, three] = await Promise.all([WorkerPool.open(2), WorkerPool.open(3)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([two?.close(), three?.close()]);
});

describe('a complete run finds exactly what one thread finds', () => {
  for (const [n, deadlock] of [[8, false], [10, false]] as const) {
    it(`philosophers(${n}) with 2 and 3 workers`, async () => {
      const one = check(philosophers(n), { deadlock });
      for (const pool of [two, three]) {
        const r = await checkParallel(philosophers(n), { deadlock, source: phil(n), pool });
        expect(figures(r)).toEqual(figures(one));
        expect(r.workers).toBe(pool.size);
        // One table for all parts: nothing travels between them.
        expect(r.exchanged).toBeUndefined();
        // Each part's share: together every state and transition, and no part idle.
        const parts = r.parts!;
        expect(parts).toHaveLength(pool.size);
        expect(parts.reduce((a, p) => a + p.states, 0)).toBe(one.states);
        expect(parts.reduce((a, p) => a + p.transitions, 0)).toBe(one.transitions);
        // Parts claim blocks of states as they go: how many each gets varies, but each gets some.
        for (const p of parts) expect(p.states).toBeGreaterThan(0);
        for (const p of parts) expect(p.waitedMs).toBeGreaterThanOrEqual(0);
      }
    });
  }

  for (const scenario of ['migrate', 'hijack', 'spoof']) {
    it(`system/${scenario}, rebuilt in each worker from the registry`, async () => {
      const { model, source } = system(scenario);
      const one = check(model);
      const r = await checkParallel(model, { source, pool: two });
      expect(figures(r)).toEqual(figures(one));
      expect(r.ok).toBe(true);
    });
  }
});

describe('one table for all the parts (shared-bfs.ts)', () => {
  it('philosophers(14): the parts grow the table together three times as they fill it, and find what one thread finds', async () => {
    const one = check(philosophers(14), { deadlock: false });
    for (const pool of [two, three]) {
      const r = await checkParallel(philosophers(14), { deadlock: false, source: phil(14), pool });
      expect(figures(r)).toEqual(figures(one));
      // 2^16 slots to start with, 2^19 for 228,486 states at a load of at most 0.7: six words a slot.
      expect(r.memory!.storeBytes).toBe(2 ** 19 * SLOT_WORDS * 4);
      expect(r.parts!.reduce((a, p) => a + p.states, 0)).toBe(one.states);
    }
  });

  it('an initial state that breaks a property: found before the parts start, a trace of no steps', async () => {
    const r = await checkParallel(badStart(), { source: { module: SMALL, export: 'badStart' }, pool: two });
    expect(r.violation).toMatchObject({ kind: 'invariant', name: 'positive' });
    expect(r.violation!.trace.steps).toEqual([]);
    expect(r.states).toBe(check(badStart()).states);
    // The pool still takes runs.
    expect((await checkParallel(philosophers(5), { deadlock: false, source: phil(5), pool: two })).states).toBe(82);
  });

  // Which part stores which state changes from run to run; the finding and its trace must not.
  const cases: [string, Model, ModelSource][] = [
    ['spread: 1,751 states break the invariant at once', spread() as Model, { module: SMALL, export: 'spread' }],
    ['plane: x + y reaches 11 in four states at once', plane('invariant') as Model, { module: SMALL, export: 'plane', args: ['invariant'] }],
    ['philosophers(9): its deadlock', philosophers(9), phil(9)],
    ['plane: a step property', plane('step') as Model, { module: SMALL, export: 'plane', args: ['step'] }],
  ];
  for (const [name, model, source] of cases) {
    it(`${name}: the same finding and trace with 2 and 3 parts, on every run`, async () => {
      const one = check(model);
      const seen = new Set<string>();
      for (const pool of [two, three, two, three, two, three]) {
        const r = await checkParallel(model, { source, pool });
        expect(r.violation!.name).toBe(one.violation!.name);
        expect(r.violation!.trace.steps).toHaveLength(one.violation!.trace.steps.length);
        expect(replay(model, r.violation!.trace).status).toBe('reproduced');
        seen.add(JSON.stringify(r.violation!.trace.steps));
      }
      expect(seen.size).toBe(1);
    });
  }
});

describe('counterexamples', () => {
  it('the deadlock of philosophers(7): shortest (7 steps), replays, the same trace on every run', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await checkParallel(philosophers(7), { source: phil(7), pool: two }));
    const [r] = runs;
    expect(r.violation).toMatchObject({ kind: 'deadlock' });
    expect(r.violation!.trace.steps).toHaveLength(7);
    for (const again of runs) expect(steps(again)).toEqual(steps(r));
    expect(replay(philosophers(7), r.violation!.trace).status).toBe('reproduced');
  });

  for (const mutant of ['resend-pending-tx', 'drain-keeps-filters', 'suspend-without-teardown']) {
    it(`mutant ${mutant}: the invariant and trace length of one thread, and the trace replays`, async () => {
      const { model, source } = system('migrate', mutant);
      const one = check(model);
      const r = await checkParallel(model, { source, pool: three });
      expect(r.ok).toBe(false);
      expect(r.violation!.name).toBe(one.violation!.name);
      expect(r.violation!.trace.steps).toHaveLength(one.violation!.trace.steps.length);
      const again = replay(model, r.violation!.trace);
      expect(again.status, again.status === 'stale' ? again.reason : '').toBe('reproduced');
    });
  }

  it('a step property and a throwing effect are findings with their traces', async () => {
    const j = await checkParallel(jumps(), { source: { module: SMALL, export: 'jumps' }, pool: two });
    expect(j.violation).toMatchObject({ kind: 'invariant', name: 'smallSteps' });
    expect(steps(j)).toEqual(['jump(3)']);
    const f = await checkParallel(faulty('effect'), { source: { module: SMALL, export: 'faulty', args: ['effect'] }, pool: two });
    expect(f.violation).toMatchObject({ kind: 'error', name: 'boom' });
    expect(f.violation!.message).toMatch(/effect exploded/);
    expect(steps(f)).toEqual(['inc', 'inc']);
  });

  it('--minimize works on a parallel counterexample', async () => {
    const { model, source } = system('migrate', 'resend-pending-tx');
    const r = await checkParallel(model, { source, pool: two, minimize: true });
    expect(r.minimized).toMatchObject({ by: 'ddmin' });
    expect(r.minimized!.to).toBeLessThanOrEqual(r.minimized!.from);
  });
});

describe('expanding ahead while a part waits changes nothing but time', () => {
  // 'always' expands every next-level state a part has before it takes its peers' records, so
  // the replay of what was expanded ahead runs on every level; the results must be those of 'never'.
  const same = (r: CheckResult) => ({
    ...figures(r),
    violation: r.violation && { kind: r.violation.kind, name: r.violation.name, steps: steps(r) },
    exchanged: r.exchanged,
    parts: r.parts!.map((p) => ({ states: p.states, transitions: p.transitions })),
  });
  const cases: [string, Model, ModelSource, object][] = [
    ['philosophers(9), no deadlock check', philosophers(9), phil(9), { deadlock: false }],
    ['philosophers(9): its deadlock', philosophers(9), phil(9), {}],
    ['philosophers(9), a state bound', philosophers(9), phil(9), { deadlock: false, maxStates: 2000 }],
    ['philosophers(9), a depth bound', philosophers(9), phil(9), { deadlock: false, maxDepth: 6 }],
    ...(['step', 'effect', 'invariant', 'deadlock', 'none'] as const).map((mode): [string, Model, ModelSource, object] => [
      `plane, finding: ${mode}`, plane(mode) as Model, { module: SMALL, export: 'plane', args: [mode] }, {},
    ]),
  ];
  for (const [name, model, source, options] of cases) {
    it(name, async () => {
      for (const pool of [two, three]) {
        const never = await checkParallel(model, { ...options, source, pool, expandAhead: 'never' });
        const always = await checkParallel(model, { ...options, source, pool, expandAhead: 'always' });
        const waiting = await checkParallel(model, { ...options, source, pool, expandAhead: 'waiting' });
        expect(same(always)).toEqual(same(never));
        expect(same(waiting)).toEqual(same(never));
        expect(never.parts!.every((p) => p.expandedAhead === 0)).toBe(true);
        expect(always.parts!.reduce((a, p) => a + p.expandedAhead, 0), 'states expanded ahead').toBeGreaterThan(0);
        if (never.violation) expect(replay(model, always.violation!.trace).status).toBe('reproduced');
      }
    });
  }
  it('one thread finds the same findings', () => {
    for (const mode of ['step', 'effect', 'invariant', 'deadlock'] as const) {
      const one = check(plane(mode));
      expect(one.violation, mode).toBeDefined();
    }
  });
});

describe('bounds, symmetry and bitstate with workers', () => {
  it('a depth bound: the same states and bound as one thread', async () => {
    const one = check(philosophers(8), { deadlock: false, maxDepth: 3 });
    const r = await checkParallel(philosophers(8), { deadlock: false, maxDepth: 3, source: phil(8), pool: two });
    expect(figures(r)).toEqual(figures(one));
    expect(r.bound).toBe('max-depth');
  });

  it('a state bound stops every worker at its share', async () => {
    const r = await checkParallel(philosophers(10), { deadlock: false, maxStates: 1000, source: phil(10), pool: two });
    expect(r).toMatchObject({ complete: false, bound: 'max-states' });
    expect(r.states).toBeGreaterThanOrEqual(500);
    expect(r.states).toBeLessThanOrEqual(1000);
  });

  it('symmetry: the same classes as one thread, and the deadlock trace is concrete', async () => {
    const one = check(philosophers(8), { deadlock: false, symmetry: true });
    const r = await checkParallel(philosophers(8), { deadlock: false, symmetry: true, source: phil(8), pool: two });
    expect(figures(r)).toEqual(figures(one));
    expect(r.states).toBe(151);
    const d = await checkParallel(philosophers(8), { symmetry: true, source: phil(8), pool: two });
    expect(d.violation!.trace.steps).toHaveLength(8);
    expect(replay(philosophers(8), d.violation!.trace).status).toBe('reproduced');
  });

  it('bitstate: ample bits find every state, and the omission is summed over the workers', async () => {
    const r = await checkParallel(philosophers(10), { deadlock: false, bitstate: 24, source: phil(10), pool: two });
    expect(r.states).toBe(6726);
    expect(r.omission).toMatchObject({ bits: 24, hashes: 3, exhaustive: true });
    expect(r.omission!.hashFactor).toBeCloseTo((2 * 2 ** 24) / 6726, 6);
  });
});

describe('a handoff: one thread first, the workers once the search is large', () => {
  it('philosophers(10) handed over at 500 states: the figures of one thread', async () => {
    const one = check(philosophers(10), { deadlock: false });
    for (const pool of [two, three]) {
      const r = await checkParallel(philosophers(10), { deadlock: false, source: phil(10), pool, handoffAt: 500, handoffFrontier: 1 });
      expect(figures(r)).toEqual(figures(one));
      expect(r.workers).toBe(pool.size);
      // The parts' own shares leave out what this thread found before the handoff.
      const parts = r.parts!;
      expect(parts.reduce((a, p) => a + p.states, 0)).toBeLessThan(one.states);
      expect(parts.reduce((a, p) => a + p.transitions, 0)).toBeLessThan(one.transitions);
    }
  });

  it('a run that ends before the handoff point never starts a worker', async () => {
    let opened = false;
    const r = await checkParallel(philosophers(6), { deadlock: false, workers: 2, source: phil(6), handoffAt: 10_000, pool: async () => ((opened = true), two) });
    expect(r).toMatchObject({ workers: 1, states: 198 });
    expect(opened).toBe(false);
  });

  it('workers start, and load the model, before the handoff (from 40% of it): a run that ends in between starts them for nothing', async () => {
    // philosophers(6): 198 states, at most 56 per level. Near at 40 % of 400 = 160 states.
    let launched: WorkerPool | undefined;
    const r = await checkParallel(philosophers(6), { deadlock: false, workers: 2, source: phil(6), handoffAt: 400, pool: () => (launched = WorkerPool.launch(2)) });
    expect(r).toMatchObject({ workers: 1, states: 198 });
    expect(launched).toBeDefined();
    await launched!.ready;
    await launched!.close();
    // Its own pool (none given) is closed by the run itself, and the run still ends as one thread's.
    const own = await checkParallel(philosophers(6), { deadlock: false, workers: 2, source: phil(6), handoffAt: 400 });
    expect(own).toMatchObject({ workers: 1, states: 198 });
  });

  it('a model the workers cannot load, warmed before a handoff: the run reports why', async () => {
    const pool = WorkerPool.launch(2);
    try {
      const bad = { module: here('./no-such-model.ts') };
      await expect(checkParallel(philosophers(8), { deadlock: false, workers: 2, source: bad, pool: () => pool, handoffAt: 200, handoffFrontier: 1 })).rejects.toThrow(/no such model file/);
    } finally {
      await pool.close();
    }
  });

  it('the frontier is split among the parts by owner, in order, with its references', () => {
    const codec = new Codec();
    const pieces: Uint8Array[] = [];
    const all: { bytes: number[]; ref: number; owner: number }[] = [];
    const queue = new ByteFifo();
    for (let x = 0; x < 300; x++) {
      codec.encodeNew({ x, tag: 'state'.repeat(x % 3) });
      queue.push(codec.encoder.words, 0, codec.length, codec.tid);
      all.push({ bytes: [...codec.encoder.buf.subarray(0, codec.length)], ref: 1000 + x, owner: ownerOf(fp.hi, 3) });
    }
    pieces.push(...frontierOf(queue).pieces);
    const { frontiers, refs } = splitFrontier(pieces, 1000, 3);
    for (let part = 0; part < 3; part++) {
      const mine = all.filter((r) => r.owner === part);
      expect(mine.length).toBeGreaterThan(50);
      expect([...refs[part]]).toEqual(mine.map((r) => r.ref));
      const got: number[][] = [];
      forEachRecord(frontiers[part], (words, start, len) => got.push([...new Uint8Array(words.buffer, words.byteOffset + start, len)]));
      expect(got).toEqual(mine.map((r) => r.bytes));
      expect(frontiers[part].buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('counterexamples found after the handoff are shortest, the same on every run, and replay', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await checkParallel(philosophers(9), { source: phil(9), pool: two, handoffAt: 300, handoffFrontier: 1 }));
    expect(runs[0].violation!.trace.steps).toHaveLength(9);
    expect(steps(runs[1])).toEqual(steps(runs[0]));
    expect(replay(philosophers(9), runs[0].violation!.trace).status).toBe('reproduced');
    const { model, source } = system('migrate', 'drain-keeps-filters');
    const one = check(model);
    const r = await checkParallel(model, { source, pool: three, handoffAt: 200, handoffFrontier: 1 });
    expect(r.violation!.name).toBe(one.violation!.name);
    expect(r.violation!.trace.steps).toHaveLength(one.violation!.trace.steps.length);
    expect(replay(model, r.violation!.trace).status).toBe('reproduced');
  });

  it('bounds after a handoff: depth as one thread, states within the budget', async () => {
    const one = check(philosophers(10), { deadlock: false, maxDepth: 6 });
    const r = await checkParallel(philosophers(10), { deadlock: false, maxDepth: 6, source: phil(10), pool: two, handoffAt: 100, handoffFrontier: 1 });
    expect(figures(r)).toEqual(figures(one));
    const b = await checkParallel(philosophers(10), { deadlock: false, maxStates: 3000, source: phil(10), pool: two, handoffAt: 1000, handoffFrontier: 1 });
    expect(b).toMatchObject({ complete: false, bound: 'max-states' });
    expect(b.states).toBeLessThanOrEqual(3001);
    expect(b.states).toBeGreaterThan(2000);
  });

  it('with symmetry', async () => {
    const one = check(philosophers(10), { deadlock: false, symmetry: true });
    const r = await checkParallel(philosophers(10), { deadlock: false, symmetry: true, source: phil(10), pool: two, handoffAt: 100, handoffFrontier: 1 });
    expect(figures(r)).toEqual(figures(one));
  });
});

describe('swarm shards on workers', () => {
  it('an exhaustive BFS shard: every state, a sketch of them, a replayable trace from the permuted order', async () => {
    const shard = { index: 3, count: 4, seed: 7 };
    const one = check(philosophers(8), { deadlock: false, shard });
    const r = await checkParallel(philosophers(8), { deadlock: false, shard, source: phil(8), pool: two });
    expect(figures(r)).toEqual(figures(one));
    expect(r.shard).toEqual(shard);
    expect(HyperLogLog.fromJSON(r.sketch).estimate()).toBeCloseTo(1154, -2);
    const d = await checkParallel(philosophers(8), { shard, source: phil(8), pool: two });
    expect(d.violation!.trace.steps).toHaveLength(8);
    expect(replay(philosophers(8), d.violation!.trace).status).toBe('reproduced');
  });

  it('a shard with a state budget searches depth-first, on this thread', async () => {
    const r = await checkParallel(philosophers(8), { deadlock: false, maxStates: 100, shard: { index: 2, count: 2 }, source: phil(8), pool: two });
    expect(r).toMatchObject({ workers: 1, strategy: 'dfs', states: 100 });
  });
});

describe('the shared control block', () => {
  it('gives each part its own cache lines for the words it writes at every state or chunk', () => {
    for (const parts of [2, 3, 8, 64]) {
      const { mail, beat, status, line } = controlLayout(parts);
      expect(line * 4).toBeGreaterThanOrEqual(128);
      // Every mail counter and heartbeat starts a line of its own, past the barrier's words, before the status banks.
      const words = [...mail, ...beat].sort((a, b) => a - b);
      expect(words[0]).toBeGreaterThanOrEqual(line);
      for (const [i, w] of words.entries()) {
        expect(w % line).toBe(0);
        if (i > 0) expect(w - words[i - 1]).toBeGreaterThanOrEqual(line);
      }
      expect(status).toBeGreaterThanOrEqual(words[words.length - 1] + line);
    }
  });
});

describe('bad input', () => {
  it('workers without a source, a bad worker count, a pool of another size', async () => {
    await expect(checkParallel(philosophers(4), { workers: 2 })).rejects.toThrow(/need `source`/);
    await expect(checkParallel(philosophers(4), { workers: 0, source: phil(4) })).rejects.toThrow(/workers must be an integer/);
    await expect(checkParallel(philosophers(4), { workers: 3, source: phil(4), pool: two })).rejects.toThrow(/pool has 2 workers/);
  });

  it('one worker, or DFS, runs on this thread', async () => {
    const r = await checkParallel(philosophers(5), { workers: 1 });
    expect(r).toMatchObject({ workers: 1, states: 82 });
    const d = await checkParallel(philosophers(5), { strategy: 'dfs', source: phil(5), pool: two });
    expect(d.workers).toBe(1);
  });

  it('a source that builds another model is refused; the pool still works after', async () => {
    await expect(checkParallel(philosophers(6), { source: phil(5), pool: two })).rejects.toThrow(/built a different model/);
    const r = await checkParallel(philosophers(5), { deadlock: false, source: phil(5), pool: two });
    expect(r.states).toBe(82);
  });

  it('bitstate arrays of every part that do not fit in the memory limit', async () => {
    // 2^24 bits are 2 MB: one fits in 3 MB, two (one per part) do not.
    await expect(checkParallel(philosophers(6), { bitstate: 24, memoryMB: 3, source: phil(6), pool: two })).rejects.toThrow(/2 parts keep a bitstate array of 2\^24 bits each, 4 MB, more than the memory limit of 3 MB/);
  });

  it("a failure in this thread's part ends the run with its error (the workers, aborted, answer), and the pool takes no further run", async () => {
    const pool = await WorkerPool.open(2);
    try {
      // The worker builds philosophers(5) (refused only once the run is over): only this thread's part fails.
      await expect(checkParallel(failsHere(2), { source: phil(5), pool })).rejects.toThrow(/getter exploded/);
      await expect(checkParallel(philosophers(5), { source: phil(5), pool })).rejects.toThrow(/aborted by a failed run/);
    } finally {
      await pool.close();
    }
  });

  it('a source that cannot be loaded fails the run with its reason', async () => {
    const pool = await WorkerPool.open(2);
    try {
      await expect(checkParallel(philosophers(4), { source: { module: here('./no-such-model.ts') }, pool })).rejects.toThrow(/no such model file/);
    } finally {
      await pool.close();
    }
  });
});
