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
  {
    name: 'as-built-teardown-loss',
    model: 'system',
    scenario: 'migrate',
    set: { teardown: 'as-built' },
    about: 'the teardown as built flushes the VI with a packet still in its TX ring: lost across the migration (S13 no-loss)',
  },
  {
    name: 'as-built-learning-loss',
    model: 'system',
    scenario: 'migrate',
    set: { learning: 'after-sethw' },
    about: 'dom0 learns a filter before the guest posted its RX buffers: the next packet hits a VI with no descriptor and is dropped (S13 no-loss)',
  },
  {
    name: 'falcon-filters-ignore-mac',
    model: 'system',
    scenario: 'hijack',
    set: { macFilters: false },
    about: "Falcon's 3-tuple filters: guest1 claims guest2's flow through its own MAC and receives guest2's traffic (S11, C-3)",
  },
  {
    name: 'falcon-no-tx-filter',
    model: 'system',
    scenario: 'spoof',
    set: { txFilters: false },
    about: "Falcon has no TX filter: guest1 sends on its VI with guest2's source MAC (S12, C-9)",
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
    write(entry, scenario, m.set ?? {}, m.name, join(here, entry.name, `${m.name}.trace.json`));
  }
}
for (const f of FINDINGS) {
  write(registry.models.find((m) => m.name === f.model)!, f.scenario, f.set, null, join(here, f.model, `finding-${f.name}.trace.json`));
}
