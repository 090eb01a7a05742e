/**
 * The saved counterexamples (test/counterexamples/<model>/*.trace.json, written by
 * `npm run counterexamples`) replay on every run: each mutant's trace still reaches an invariant
 * that mutant names, and no longer does once the bug is taken out; each finding still shows.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace, replay, type Config } from '../src/index.js';
import { buildEntry } from '../src/cli/resolve.js';
import { registry } from '../models/index.js';

const dir = join(__dirname, 'counterexamples');
const files = readdirSync(dir)
  .filter((d) => statSync(join(dir, d)).isDirectory())
  .flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.trace.json')).map((f) => join(dir, d, f)));

function rebuild(config: Config, mutant: string | null, model: string) {
  const entry = registry.models.find((m) => m.name === model);
  if (!entry) throw new Error(`unknown model ${model}`);
  const { mutant: _recorded, ...settings } = config;
  return { entry, model: buildEntry(entry, settings, mutant, model) };
}

describe('saved counterexamples replay', () => {
  it('there is one for every mutant of every built-in model', () => {
    const names = files.map((f) => relative(dir, f));
    for (const m of registry.models) for (const x of m.mutants) expect(names).toContain(`${m.name}/${x.name}.trace.json`);
  });

  for (const file of files) {
    it(relative(dir, file), () => {
      const trace = readTrace(file);
      const config = trace.config as Config;
      const mutant = typeof config.mutant === 'string' ? config.mutant : null;
      const { entry, model } = rebuild(config, mutant, trace.model);
      const r = replay(model, trace);
      expect(r.status, r.status === 'stale' ? r.reason : '').toBe('reproduced');
      if (r.status !== 'reproduced') return;
      expect(r.violation.name).toBe(trace.violation.name);
      if (mutant !== null) {
        expect(entry.mutants.find((m) => m.name === mutant)!.breaks).toContain(r.violation.name);
        // With the bug taken out, the same steps no longer lead to the violation.
        const fixed = rebuild(config, null, trace.model).model;
        expect(replay(fixed, { ...trace, config: fixed.config }).status).toBe('stale');
      }
    });
  }
});
