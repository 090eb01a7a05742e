/**
 * Every mutant of every built-in model is caught by each explorer, not only by BFS: DFS with
 * `--minimize` (delta debugging) and simulate (fast-check walks, shrunk), each with a trace that
 * replays and is no longer than the one first found. Each explorer looks for the invariants the
 * mutant names: a mutant's scenario may also show a known finding of the correct model (e.g.
 * resend-pending-tx runs the as-built teardown, which loses packets).
 * `bench/counterexamples.ts` prints the lengths (BFS, DFS → minimized, simulate → shrunk).
 */
import { describe, expect, it } from 'vitest';
import { check, replay, simulate, type CheckResult } from '../../src/index.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { registry } from '../../models/index.js';

/** The walks simulate may take per mutant (seed 1); bench/counterexamples.ts shows how many each needs. */
const WALKS = 20000;

for (const entry of registry.models) {
  if (entry.mutants.length === 0) continue;
  describe(`${entry.name}: every mutant through dfs --minimize and simulate`, () => {
    for (const m of entry.mutants) {
      const scenario = m.scenario ?? entry.scenarios.find((s) => s.size === 'small')!.name;
      const config = { ...entry.scenarios.find((s) => s.name === scenario)!.config, ...(m.set ?? {}) };
      const model = buildEntry(entry, config, m.name, `${entry.name}/${scenario}`);
      const caught = (r: CheckResult): void => {
        expect(r.violation, 'no violation found').toBeDefined();
        expect(m.breaks).toContain(r.violation!.name);
        const again = replay(model, r.violation!.trace);
        expect(again.status, again.status === 'stale' ? again.reason : '').toBe('reproduced');
        expect(r.minimized!.to).toBe(r.violation!.trace.steps.length);
        expect(r.minimized!.to).toBeLessThanOrEqual(r.minimized!.from);
      };
      it(m.name, () => {
        caught(check(model, { invariants: m.breaks, strategy: 'dfs', minimize: true }));
        caught(simulate(model, { invariants: m.breaks, seed: 1, walks: WALKS }));
      });
    }
  });
}
