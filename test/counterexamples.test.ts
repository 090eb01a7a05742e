/**
 * The saved counterexamples (test/counterexamples/<model>/*.trace.json, written by
 * `npm run counterexamples`) replay on every run through `replayCorpus` (accelcheck/vitest):
 * each trace reproduces its recorded violation step for step, and the manifest
 * (test/counterexamples/expected.json) says that the same steps hold once the bug is taken out —
 * each mutant switched off, each finding with its fix set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../src/index.js';
import { corpusCases, replayCorpus } from '../src/vitest/index.js';
import { registry } from '../models/index.js';
import { FINDINGS, manifest } from './counterexamples/regenerate.js';

const dir = join(__dirname, 'counterexamples');

replayCorpus(dir, { registry, title: 'saved counterexamples replay' });

describe('the saved counterexamples cover', () => {
  const cases = corpusCases(dir, { registry });
  const files = [...new Set(cases.map((c) => c.file))];

  it('one trace for every mutant of every built-in model, reaching an invariant that mutant breaks', () => {
    let mutants = 0;
    for (const m of registry.models) {
      for (const x of m.mutants) {
        mutants++;
        const file = `${m.name}/${x.name}.trace.json`;
        expect(files).toContain(file);
        const trace = readTrace(join(dir, file));
        expect((trace.config as { mutant?: unknown }).mutant).toBe(x.name);
        expect(x.breaks, `${file} records ${trace.violation.name}`).toContain(trace.violation.name);
      }
    }
    expect(mutants).toBeGreaterThan(0);
  });

  it('one trace for every documented finding', () => {
    for (const f of FINDINGS) expect(files).toContain(`${f.model}/finding-${f.name}.trace.json`);
  });

  it('expected.json is the manifest `npm run counterexamples` writes: every mutant off, every finding fixed, expecting holds', () => {
    const written = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as unknown;
    expect(written).toEqual(manifest());
    expect(cases.filter((c) => c.problem)).toEqual([]);
    const fixes = cases.filter((c) => c.set !== undefined);
    const mutantTraces = files.filter((f) => !f.split('/')[1].startsWith('finding-'));
    expect(fixes.filter((c) => c.expect === 'holds').map((c) => c.file).sort()).toEqual([...files].sort());
    expect(fixes.filter((c) => c.set!.mutant === null).map((c) => c.file).sort()).toEqual(mutantTraces.sort());
    // Every file is also checked as recorded.
    expect(cases.filter((c) => c.expect === 'recorded').map((c) => c.file)).toEqual(files);
  });
});
