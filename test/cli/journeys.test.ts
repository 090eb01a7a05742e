/** The user's journeys on the built-in models, through the CLI. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { registry } from '../../models/index.js';
import type { Run } from './harness.js';
import { scratch } from '../support/scratch.js';

async function accelcheck(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const write = (to: 'out' | 'err') => (s: string) => (to === 'out' ? (stdout += s) : (stderr += s));
  const code = await main(argv, registry, { stdout: { write: write('out') }, stderr: { write: write('err') }, env: {}, cwd: process.cwd() });
  return { code, stdout, stderr };
}

describe('run the checks in CI', () => {
  it('accelcheck check exhausts every small default scenario and exits 0', async () => {
    const r = await accelcheck(['check', '--json', '--quiet']);
    expect(r.code).toBe(0);
    const runs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const expected = registry.defaults.flatMap((name) =>
      registry.models.find((m) => m.name === name)!.scenarios.filter((s) => s.size === 'small').map((s) => [name, s.name]),
    );
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(runs.map((x) => [x.model, x.scenario])).toEqual(expected);
    for (const run of runs) expect(run).toMatchObject({ ok: true, complete: true });
  });
});

describe('every mutant: caught through the CLI, and its trace replays', () => {
  const handshake = registry.models.find((m) => m.name === 'handshake')!;
  // The system model's mutants are exercised in test/models/system.test.ts; here, the CLI path for each handshake mutant.
  for (const mutant of handshake.mutants) {
    it(`${mutant.name} (${mutant.ref}) breaks ${mutant.breaks.join(' / ')}`, async () => {
      const out = join(scratch(), `${mutant.name}.trace.json`);
      const r = await accelcheck(['check', '--mutant', mutant.name, '--out', out, '--json', '--quiet']);
      expect(r.code).toBe(1);
      const result = JSON.parse(r.stdout);
      expect(result.violation.kind).toBe('invariant');
      expect(mutant.breaks).toContain(result.violation.name);
      expect(result.violation.trace.steps.length).toBeLessThanOrEqual(25);
      const trace = JSON.parse(readFileSync(out, 'utf8'));
      expect(trace.config.mutant).toBe(mutant.name);
      const replayed = await accelcheck(['replay', out]);
      expect(replayed.code).toBe(1);
      expect(replayed.stdout).toContain(`reproduced: invariant ${result.violation.name} violated`);
    });
  }
});

describe('find a bug by simulation, reproduce it from the printed seed and path, replay it', () => {
  it('simulate → reproduce command → the same trace → replay reproduces', async () => {
    const dir = scratch();
    const first = await accelcheck(['simulate', 'system', '--scenario', 'hijack', '--set', 'macFilters=false', '--out', join(dir, 'a.trace.json'), '--quiet']);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/S11\.delivery-isolation violated after \d+ steps \(shrunk by fast-check from \d+\)/);
    const command = first.stdout.match(/reproduce: accelcheck (.*)$/m)![1].split(' ');
    expect(command).toContain('--path');
    const again = await accelcheck([...command, '--out', join(dir, 'b.trace.json'), '--quiet']);
    expect(again.code).toBe(1);
    const a = JSON.parse(readFileSync(join(dir, 'a.trace.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'b.trace.json'), 'utf8'));
    expect(b.steps).toEqual(a.steps);
    const replayed = await accelcheck(['replay', join(dir, 'b.trace.json')]);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('reproduced: invariant S11.delivery-isolation violated');
  });

  it('check --strategy dfs --minimize reports the length before and after', async () => {
    const r = await accelcheck(['check', 'system', '--scenario', 'migrate', '--set', 'teardown=as-built', '--strategy', 'dfs', '--minimize', '--json', '--quiet']);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.minimized).toMatchObject({ by: 'ddmin' });
    expect(result.minimized.to).toBe(result.violation.trace.steps.length);
    expect(result.minimized.to).toBeLessThan(result.minimized.from);
  });
});
