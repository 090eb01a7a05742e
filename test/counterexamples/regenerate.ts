/**
 * Writes the saved counterexamples: one BFS trace per mutant of every built-in model (in the
 * mutant's scenario), and one per documented finding on the correct models. Run it after a
 * deliberate model change: `npm run counterexamples`; `counterexamples.test.ts` replays them all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, type Config, type ModelEntry } from '../../src/index.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { registry } from '../../models/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Findings on the correct models worth keeping: model, scenario, settings. */
export const FINDINGS: { name: string; model: string; scenario: string; set: Config; about: string }[] = [
  {
    name: 'remove-hang',
    model: 'handshake',
    scenario: 'default',
    set: { reportRemoveHang: true },
    about: 'dom0 remove waits forever for Closed when the guest plugin unloads right after loading (L2)',
  },
];

function write(entry: ModelEntry, scenario: string, set: Config, mutant: string | null, file: string): void {
  const sc = entry.scenarios.find((s) => s.name === scenario)!;
  const model = buildEntry(entry, { ...sc.config, ...set }, mutant, `${entry.name}/${scenario}`);
  const r = check(model);
  if (!r.violation) throw new Error(`${entry.name}/${scenario}${mutant ? ` [${mutant}]` : ''}: no violation`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(r.violation.trace, null, 2) + '\n');
  console.log(`${file.slice(here.length + 1)}: ${r.violation.kind} ${r.violation.name} after ${r.violation.trace.steps.length} steps`);
}

for (const entry of registry.models) {
  for (const m of entry.mutants) {
    const scenario = m.scenario ?? entry.scenarios.find((s) => s.size === 'small')!.name;
    write(entry, scenario, {}, m.name, join(here, entry.name, `${m.name}.trace.json`));
  }
}
for (const f of FINDINGS) {
  write(registry.models.find((m) => m.name === f.model)!, f.scenario, f.set, null, join(here, f.model, `finding-${f.name}.trace.json`));
}
