/**
 * Random exploration with fast-check and shorter counterexamples: the walk arbitrary draws only
 * enabled steps, simulate shrinks a failing walk to one that shows the same finding, the seed
 * and fast-check path reproduce it exactly, and `check --minimize` delta-debugs a DFS trace to
 * a 1-minimal one. Users' own property tests take the same arbitrary (@fast-check/vitest).
 */
import fc from 'fast-check';
import { test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { action, check, defineModel, invariant, range, replay, simulate, walks, type CheckResult } from '../../src/index.js';
import { compile, successor } from '../../src/model/compile.js';
import { philosophers } from '../../models/calibration/philosophers.js';

/** `inc` five times breaks `small`; `flip` and `bump` are noise a shrunk walk must lose. */
interface Noisy {
  x: number;
  y: number;
  bits: boolean[];
}
const noisy = (opts: { limit?: number; withY?: boolean } = {}) =>
  defineModel<Noisy>({
    name: 'noisy',
    init: (): Noisy => ({ x: 0, y: 0, bits: [false, false, false, false] }),
    actions: [
      action('inc', (s) => s.x < 9, (s) => { s.x++; }),
      action('flip', range(4), () => true, (s, i) => { s.bits[i] = !s.bits[i]; }),
      action('bump', (s) => s.bits[0] && s.y < 9, (s) => { s.y++; }),
    ],
    invariants: [
      invariant('small', (s) => s.x < (opts.limit ?? 5)),
      ...(opts.withY ? [invariant('yBounded', (s: Noisy) => s.y < 3)] : []),
    ],
    terminal: () => true,
  });

const labels = (r: CheckResult) => r.violation!.trace.steps.map((s) => s.action);

/** Re-executes labels with skipping; the finding's invariant name, if any. */
function stillViolates(model: ReturnType<typeof noisy>, steps: string[]): boolean {
  const cm = compile(model);
  let s = model.init();
  for (const l of steps) {
    const j = cm.byLabel.get(l)!;
    const inst = cm.instances[j];
    if (!inst.action.guard(s, inst.param)) continue;
    s = successor(cm, s, j);
    if (!(model.invariants[0].holds as (st: Noisy) => boolean)(s)) return true;
  }
  return false;
}

describe('simulate: fast-check walks, shrunk to the same finding', () => {
  it('shrinks a long noisy walk to the five steps that matter, and the trace replays', () => {
    const r = simulate(noisy(), { seed: 4, walks: 50, swarm: false });
    expect(r.violation?.name).toBe('small');
    expect(labels(r)).toEqual(['inc', 'inc', 'inc', 'inc', 'inc']);
    expect(r.minimized!.by).toBe('fast-check');
    expect(r.minimized!.from).toBeGreaterThan(5);
    expect(r.minimized!.to).toBe(5);
    expect(replay(noisy(), r.violation!.trace).status).toBe('reproduced');
  });

  it('keeps the invariant it first found while shrinking', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = simulate(noisy({ withY: true }), { seed, walks: 50 });
      const unshrunk = simulate(noisy({ withY: true }), { seed, walks: 50, shrink: false });
      expect(r.violation!.name).toBe(unshrunk.violation!.name);
      expect(r.violation!.trace.steps.length).toBeLessThanOrEqual(unshrunk.violation!.trace.steps.length);
      expect(r.minimized!.from).toBe(unshrunk.violation!.trace.steps.length);
    }
  });

  it('the seed and the printed fast-check path go straight to the same trace', () => {
    const first = simulate(noisy(), { seed: 9, walks: 100 });
    expect(first.path).toMatch(/^\d+(:\d+)*$/);
    expect(first.violation!.trace.path).toBe(first.path);
    const again = simulate(noisy(), { seed: 9, walks: 100, path: first.path });
    expect(again.violation!.trace).toEqual(first.violation!.trace);
  });

  it('--no-shrink keeps the walk as found', () => {
    const r = simulate(noisy(), { seed: 4, walks: 50, shrink: false, swarm: false });
    expect(r.minimized).toBeUndefined();
    expect(r.violation!.trace.steps.length).toBeGreaterThan(5);
  });

  it('is deterministic and draws only enabled steps', () => {
    const strip = (r: CheckResult) => ({ ...r, durationMs: 0 });
    expect(strip(simulate(philosophers(5), { seed: 3, walks: 30 }))).toEqual(strip(simulate(philosophers(5), { seed: 3, walks: 30 })));
    // flip is always enabled and nothing is violated: every walk runs its full length, no draw is wasted.
    const r = simulate(noisy({ limit: 100 }), { seed: 1, walks: 20, maxDepth: 30 });
    expect(r.transitions).toBe(20 * 30);
  });

  it('rejects a malformed path', () => {
    expect(() => simulate(noisy(), { path: '1:x' })).toThrow(/path must look like/);
  });
});

describe('check --minimize (delta debugging with re-validation)', () => {
  it('shortens a DFS counterexample to a 1-minimal one that replays', () => {
    const model = noisy({ limit: 3 });
    const dfs = check(model, { strategy: 'dfs' });
    const min = check(model, { strategy: 'dfs', minimize: true });
    expect(min.violation!.name).toBe(dfs.violation!.name);
    expect(min.minimized).toMatchObject({ by: 'ddmin', from: dfs.violation!.trace.steps.length });
    expect(labels(min).length).toBeLessThanOrEqual(labels(dfs).length);
    expect(replay(model, min.violation!.trace).status).toBe('reproduced');
    // No single step can be taken out.
    const steps = labels(min);
    for (let i = 0; i < steps.length; i++) expect(stillViolates(model, steps.filter((_, k) => k !== i))).toBe(false);
  });

  it('keeps a deadlock a deadlock', () => {
    const r = check(philosophers(4), { strategy: 'dfs', minimize: true });
    expect(r.violation!.kind).toBe('deadlock');
    expect(r.violation!.trace.steps.length).toBe(4);
    expect(replay(philosophers(4), r.violation!.trace).status).toBe('reproduced');
  });

  it('leaves a BFS trace (already shortest) as long as it was', () => {
    const r = check(noisy(), { minimize: true });
    expect(r.minimized).toMatchObject({ from: 5, to: 5, rounds: 0 });
  });
});

describe('walks(model): the arbitrary for users’ property tests', () => {
  const model = noisy({ withY: true });
  const cm = compile(model);

  fcTest.prop([walks(model, { maxSteps: 30 })], { seed: 42, numRuns: 100 })('every step is enabled and lands on the recorded state', (w) => {
    let s = w.states[0];
    w.actions.forEach((label, k) => {
      const j = cm.byLabel.get(label)!;
      const inst = cm.instances[j];
      expect(inst.action.guard(s, inst.param)).toBe(true);
      s = successor(cm, s, j);
      expect(s).toEqual(w.states[k + 1]);
    });
    // A walk stops at its first violation, so only the last state may break an invariant.
    for (const st of w.states.slice(0, -1)) expect(model.invariants.every((i) => i.kind !== 'always' || i.holds(st))).toBe(true);
  });

  it('shrinks through fast-check to a short failing walk', () => {
    const out = fc.check(fc.property(walks(noisy()), (w) => w.violation === undefined), { seed: 3 });
    expect(out.failed).toBe(true);
    const w = out.counterexample![0];
    expect(w.actions).toEqual(['inc', 'inc', 'inc', 'inc', 'inc']);
    expect(fc.stringify(w)).toContain('walk(5 steps: inc, inc, inc, inc, inc) → small');
  });
});
