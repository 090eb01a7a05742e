/**
 * `check --workers N` from the command line: built-in models rebuilt in each worker from the
 * registry module, a user's module from its file; the same figures as one thread; DFS and shards
 * on one thread; bad worker counts as bad input. The built executable uses the machine's cores by default.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './harness.js';

const json = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('check --workers', () => {
  it('a built-in model on 2 workers: the figures of one thread', async () => {
    const one = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--workers', '1', '--json']);
    const two = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--workers', '2', '--json'], { workers: true });
    expect(two.code).toBe(0);
    const [a] = json(one.stdout);
    const [b] = json(two.stdout);
    expect(a).toMatchObject({ workers: 1, states: 198 });
    expect(b).toMatchObject({ workers: 2, states: a.states, transitions: a.transitions, depth: a.depth, complete: true });
  });

  it('a violation on 2 workers: exit 1, a shortest trace, written and replayed', async () => {
    const r = await cli(['check', 'philosophers', '--scenario', 'n4', '--workers', '2'], { workers: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/deadlock after 4 steps .* 2 workers/);
  });

  it("a user's module on 2 workers", async () => {
    const r = await cli(['check', 'test/fixtures/mutex-naive.ts', '--workers', '2', '--json'], { workers: true });
    expect(r.code).toBe(1);
    const [res] = json(r.stdout);
    expect(res).toMatchObject({ workers: 2, violation: { name: 'mutualExclusion' } });
  });

  it('DFS runs on one thread', async () => {
    const r = await cli(['check', 'philosophers', '--scenario', 'n4', '--no-deadlock', '--strategy', 'dfs', '--workers', '2', '--json'], { workers: true });
    expect(json(r.stdout)[0]).toMatchObject({ workers: 1, strategy: 'dfs', states: 34 });
  });

  for (const bad of ['0', '1.5', 'two', '65']) {
    it(`--workers ${bad}: exit 2, one line`, async () => {
      const r = await cli(['check', 'philosophers', '--workers', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^accelcheck: --workers must be an integer from 1 to 64/)]);
    });
  }
});

const bin = resolve(__dirname, '../../dist/bin/accelcheck.js');
describe.runIf(existsSync(bin))('dist/bin/accelcheck.js check --workers', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });

  it('by default, a small run stays on one thread and a large one uses the machine cores', () => {
    const small = run(['check', 'philosophers', '--scenario', 'n10', '--no-deadlock', '--json', '--quiet']);
    expect(small.status).toBe(0);
    expect(json(small.stdout)[0]).toMatchObject({ workers: 1, states: 6726 });
    const large = run(['check', 'philosophers', '--scenario', 'n16', '--no-deadlock', '--json', '--quiet']);
    expect(large.status).toBe(0);
    expect(json(large.stdout)[0]).toMatchObject({ workers: availableParallelism(), states: 1331714, transitions: 13774112 });
  });

  it('repeats its trace exactly on 2 workers', () => {
    const a = run(['check', '--mutant', 'resend-pending-tx', '--json', '--quiet', '--workers', '2']);
    const b = run(['check', '--mutant', 'resend-pending-tx', '--json', '--quiet', '--workers', '2']);
    expect(a.status).toBe(1);
    const [ra] = json(a.stdout);
    const [rb] = json(b.stdout);
    expect(ra).toMatchObject({ workers: 2, violation: { name: 'S13.no-duplication' } });
    expect((ra.violation as { trace: unknown }).trace).toEqual((rb.violation as { trace: unknown }).trace);
  });
});
