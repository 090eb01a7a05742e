/**
 * Counterexample lengths for every mutant of the built-in models, through each explorer:
 * BFS (shortest), DFS as found and after `--minimize` (delta debugging), and simulate (the
 * fast-check walk arbitrary: walks until the first finding, the failing walk's length, and its
 * length after fast-check's shrinking). Every trace is replayed; a trace that does not
 * reproduce, or a mutant an explorer misses, is printed loudly and the exit code is 1.
 *
 * Usage: counterexamples [--model NAME] [--walks N] [--json]
 *   --walks N   simulate budget per mutant (default 20000); seed 1, walk length 100
 * Timings are figures, never asserted.
 */
import { parseArgs } from 'node:util';
import { check, replay, simulate, type CheckResult } from '../src/index.js';
import { buildEntry } from '../src/cli/resolve.js';
import { registry } from '../models/index.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, walks: { type: 'string' }, json: { type: 'boolean' } } });
const budget = Number(values.walks ?? 20000);

interface Row {
  model: string;
  mutant: string;
  breaks: string;
  bfs: number | null;
  dfs: number | null;
  dfsMin: number | null;
  minMs: number;
  walks: number | null;
  found: number | null;
  shrunk: number | null;
  simMs: number;
  problems: string[];
}

const rows: Row[] = [];
let bad = 0;
const len = (r: CheckResult): number | null => (r.violation ? r.violation.trace.steps.length : null);

for (const entry of registry.models) {
  if (values.model && entry.name !== values.model) continue;
  for (const m of entry.mutants) {
    const scenario = m.scenario ?? entry.scenarios.find((s) => s.size === 'small')!.name;
    const sc = entry.scenarios.find((s) => s.name === scenario)!;
    const model = buildEntry(entry, { ...sc.config, ...(m.set ?? {}) }, m.name, `${entry.name}/${scenario}`);
    const problems: string[] = [];
    const verify = (what: string, r: CheckResult): void => {
      if (!r.violation) return void problems.push(`${what}: no violation`);
      if (!m.breaks.includes(r.violation.name)) problems.push(`${what}: ${r.violation.name} is not among ${m.breaks.join(', ')}`);
      const again = replay(model, r.violation.trace);
      if (again.status !== 'reproduced') problems.push(`${what}: trace does not replay (${again.status === 'stale' ? again.reason : 'no violation'})`);
    };
    // Mutant scenarios may also show a known finding of the correct model (resend-pending-tx runs the
    // as-built teardown, which loses packets): each explorer looks for the invariants the mutant breaks.
    const only = { invariants: m.breaks };
    const bfs = check(model, only);
    verify('bfs', bfs);
    const dfs = check(model, { ...only, strategy: 'dfs' });
    let t0 = performance.now();
    const dfsMin = check(model, { ...only, strategy: 'dfs', minimize: true });
    const minMs = performance.now() - t0 - dfs.durationMs;
    verify('dfs --minimize', dfsMin);
    t0 = performance.now();
    const sim = simulate(model, { ...only, seed: 1, walks: budget });
    const simMs = performance.now() - t0;
    verify('simulate', sim);
    const row: Row = {
      model: entry.name,
      mutant: m.name,
      breaks: bfs.violation?.name ?? '-',
      bfs: len(bfs),
      dfs: len(dfs),
      dfsMin: len(dfsMin),
      minMs: Math.max(0, Math.round(minMs)),
      walks: sim.violation ? sim.walks! : null,
      found: sim.minimized?.from ?? len(sim),
      shrunk: len(sim),
      simMs: Math.round(simMs),
      problems,
    };
    if (problems.length) bad++;
    rows.push(row);
    if (!values.json) {
      const cell = (x: number | null): string => (x === null ? '—' : String(x));
      console.log(
        `${`${row.model}/${row.mutant}`.padEnd(44)} ${row.breaks.padEnd(30)} bfs ${cell(row.bfs).padStart(3)} · dfs ${cell(row.dfs).padStart(5)} → ${cell(row.dfsMin).padStart(3)} (${row.minMs} ms) · simulate ${cell(row.walks).padStart(5)} walks, ${cell(row.found).padStart(3)} → ${cell(row.shrunk).padStart(3)} (${row.simMs} ms)${problems.length ? `  !! ${problems.join('; ')}` : ''}`,
      );
    }
  }
}
if (values.json) console.log(JSON.stringify(rows, null, 2));
else {
  const sum = (f: (r: Row) => number | null): number => rows.reduce((a, r) => a + (f(r) ?? 0), 0);
  const found = rows.filter((r) => r.shrunk !== null);
  console.log(`\n${rows.length} mutants · simulate found ${found.length} · mean lengths: bfs ${(sum((r) => r.bfs) / rows.length).toFixed(1)}, dfs ${(sum((r) => r.dfs) / rows.length).toFixed(1)} → minimized ${(sum((r) => r.dfsMin) / rows.length).toFixed(1)}, simulate ${(found.reduce((a, r) => a + r.found!, 0) / Math.max(1, found.length)).toFixed(1)} → shrunk ${(found.reduce((a, r) => a + r.shrunk!, 0) / Math.max(1, found.length)).toFixed(1)}`);
  if (bad) console.log(`${bad} mutant(s) with problems (marked !!)`);
}
process.exitCode = bad ? 1 : 0;
