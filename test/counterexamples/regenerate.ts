/**
 * Writes the saved counterexamples: one BFS trace per mutant of every built-in model (in the
 * mutant's scenario), one per documented finding on the correct models, and the manifest
 * `expected.json` that says what each does once its bug is taken out (the mutant off, the
 * finding's fix set). Run it after a deliberate model change: `npm run counterexamples`;
 * `counterexamples.test.ts` replays them all (and checks that the manifest is this one).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, type Config, type ModelEntry, type Registry } from '../../src/index.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { writeJsonFile } from '../../src/trace/file.js';
import { registry } from '../../models/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface Finding {
  name: string;
  model: string;
  scenario: string;
  /** The settings that show it. */
  set: Config;
  /** The settings that take it out again: the same steps then break nothing. */
  fix: Config;
  about: string;
}

/** Findings on the correct models worth keeping: model, scenario, settings, and the fix. */
export const FINDINGS: Finding[] = [
  {
    name: 'remove-hang',
    model: 'handshake',
    scenario: 'default',
    set: { reportRemoveHang: true },
    fix: { reportRemoveHang: false },
    about: 'dom0 remove waits forever for Closed when the guest plugin unloads right after loading (L2)',
  },
  {
    name: 'as-built-teardown-loss',
    model: 'system',
    scenario: 'migrate',
    set: { teardown: 'as-built' },
    fix: { teardown: 'drain' },
    about: 'the teardown as built flushes the VI with a packet still in its TX ring: lost across the migration (S13 no-loss)',
  },
  {
    name: 'as-built-learning-loss',
    model: 'system',
    scenario: 'migrate',
    set: { learning: 'after-sethw' },
    fix: { learning: 'after-buffers' },
    about: 'dom0 learns a filter before the guest posted its RX buffers: the next packet hits a VI with no descriptor and is dropped (S13 no-loss)',
  },
  {
    name: 'falcon-filters-ignore-mac',
    model: 'system',
    scenario: 'hijack',
    set: { macFilters: false },
    fix: { macFilters: true },
    about: "Falcon's 3-tuple filters: guest1 claims guest2's flow through its own MAC and receives guest2's traffic (S11, C-3)",
  },
  {
    name: 'falcon-no-tx-filter',
    model: 'system',
    scenario: 'spoof',
    set: { txFilters: false },
    fix: { txFilters: true },
    about: "Falcon has no TX filter: guest1 sends on its VI with guest2's source MAC (S12, C-9)",
  },
];

/** An entry of `expected.json` (see src/vitest/corpus.ts). */
export interface ManifestEntry {
  file: string;
  expect: string;
  set?: Config;
  why?: string;
}

const settings = (set: Config): string =>
  Object.entries(set)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');

/**
 * What the corpus expects beyond "each trace reproduces its recorded violation": every mutant's
 * steps hold on the correct model, every finding's steps hold with its fix.
 */
export function manifest(reg: Registry = registry, findings: Finding[] = FINDINGS): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  for (const entry of reg.models) {
    for (const m of entry.mutants) {
      entries.push({
        file: `${entry.name}/${m.name}.trace.json`,
        expect: 'holds',
        set: { mutant: null },
        why: `${m.ref} taken out: the same steps on the correct model break nothing`,
      });
    }
  }
  for (const f of findings) {
    entries.push({
      file: `${f.model}/finding-${f.name}.trace.json`,
      expect: 'holds',
      set: { ...f.fix },
      why: `fixed by ${settings(f.fix)}: ${f.about}`,
    });
  }
  return entries;
}

function write(entry: ModelEntry, scenario: string, set: Config, mutant: string | null, file: string): void {
  const sc = entry.scenarios.find((s) => s.name === scenario)!;
  const model = buildEntry(entry, { ...sc.config, ...set }, mutant, `${entry.name}/${scenario}`);
  const r = check(model);
  if (!r.violation) throw new Error(`${entry.name}/${scenario}${mutant ? ` [${mutant}]` : ''}: no violation`);
  mkdirSync(dirname(file), { recursive: true });
  writeJsonFile(file, r.violation.trace);
  console.log(`${file.slice(here.length + 1)}: ${r.violation.kind} ${r.violation.name} after ${r.violation.trace.steps.length} steps`);
}

function main(): void {
  for (const entry of registry.models) {
    for (const m of entry.mutants) {
      const scenario = m.scenario ?? entry.scenarios.find((s) => s.size === 'small')!.name;
      write(entry, scenario, m.set ?? {}, m.name, join(here, entry.name, `${m.name}.trace.json`));
    }
  }
  for (const f of FINDINGS) {
    write(registry.models.find((m) => m.name === f.model)!, f.scenario, f.set, null, join(here, f.model, `finding-${f.name}.trace.json`));
  }
  const entries = manifest();
  writeJsonFile(join(here, 'expected.json'), entries);
  console.log(`expected.json: ${entries.length} entries`);
}

// Run as a script (`npm run counterexamples`), not when a test imports FINDINGS or manifest().
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
