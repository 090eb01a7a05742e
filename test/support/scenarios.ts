/**
 * The check every built-in model's test makes of its small scenarios: BFS exhausts each one with
 * every registered invariant holding, no deadlock, and the pinned state count and depth.
 */
import { expect, it } from 'vitest';
import { check, type Model, type ModelEntry } from '../../src/index.js';

export function itExhaustsSmallScenarios(
  entry: ModelEntry,
  pinned: Record<string, { states: number; depth: number }>,
  build: (scenario: string) => Model,
): void {
  const small = entry.scenarios.filter((s) => s.size === 'small');
  it('has a pinned count for every small scenario', () => {
    expect(small.map((s) => s.name).sort()).toEqual(Object.keys(pinned).sort());
  });
  for (const sc of small) {
    it(`${sc.name}: BFS exhausts it with every invariant holding and no deadlock (${pinned[sc.name]?.states} states)`, () => {
      const r = check(build(sc.name), { strategy: 'bfs' });
      expect(r.violation).toBeUndefined();
      expect(r).toMatchObject({ ok: true, complete: true, states: pinned[sc.name].states, depth: pinned[sc.name].depth });
      expect([...r.invariants].sort()).toEqual(entry.invariants.map((i) => i.name).sort());
    });
  }
}
