/**
 * `--shard I/N` at the command line and `accelcheck merge`: shards' `--json` results merge into
 * one verdict per group (violated, complete, not exhaustive) with the right exit code; the
 * counterexamples written replay; the union of the states is estimated within the sketch's
 * error; bad input is one line, exit 2, and nothing written.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare } from '../../src/explore/check.js';
import { explorers } from '../../src/explore/registry.js';
import { shardModel } from '../../src/explore/shard.js';
import type { CheckResult } from '../../src/explore/types.js';
import { mergeResults, type MergeInput } from '../../src/report/merge.js';
import { relativeError } from '../../src/state/sketch.js';
import type { StateStore } from '../../src/state/store.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { cli } from './harness.js';
import { scratch } from '../support/scratch.js';

/** Run `argv` once per shard I of `count` (`indexes`), writing each `--json` output to DIR/NAME-I.json. */
async function shards(dir: string, name: string, argv: string[], count: number, indexes = Array.from({ length: count }, (_, i) => i + 1)): Promise<string[]> {
  const files: string[] = [];
  for (const i of indexes) {
    const r = await cli([...argv, '--shard', `${i}/${count}`, '--json', '--quiet'], { cwd: dir });
    expect(r.code, r.stderr).toBeLessThan(2);
    const file = `${name}-${i}.json`;
    writeFileSync(join(dir, file), r.stdout);
    files.push(file);
  }
  return files;
}

const json = (stdout: string) => JSON.parse(stdout);

describe('--shard at the command line', () => {
  it('is I/N with 1 ≤ I ≤ N; anything else is one line, exit 2', async () => {
    for (const bad of ['0/4', '5/4', '4', 'a/b', '1/0']) {
      const r = await cli(['check', 'philosophers', '--scenario', 'n4', '--shard', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toBe(`accelcheck: --shard must be I/N with 1 ≤ I ≤ N (e.g. 2/4), got '${bad}'\n`);
      expect(r.stdout).toBe('');
    }
    const seed = await cli(['check', 'philosophers', '--scenario', 'n4', '--seed', '3']);
    expect(seed.code).toBe(2);
    expect(seed.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--json carries the shard and a sketch; the terminal names the shard', async () => {
    const r = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--shard', '2/3', '--seed', '7', '--json']);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ ok: true, states: 198, complete: true, strategy: 'bfs', shard: { index: 2, count: 3, seed: 7 }, sketch: { kind: 'hyperloglog', precision: 12 } });
    const plain = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--json']);
    expect(json(plain.stdout).sketch).toBeUndefined();
    const text = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--shard', '2/3']);
    expect(text.stdout).toMatch(/philosophers\/n6 \(shard 2\/3\) bfs: no violation · 198 states/);
  });
});

describe('accelcheck merge', () => {
  it('violating shards: violated, exit 1, the shortest counterexample written once, and it replays', async () => {
    const dir = scratch();
    const files = await shards(dir, 'shard', ['check', 'philosophers', '--set', 'n=6', '--strategy', 'dfs'], 4);
    const lengths = files.map((f) => json(readFileSync(join(dir, f), 'utf8')).violation.trace.steps.length);
    const r = await cli(['merge', ...files, '--out', 'traces'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/✘ philosophers\/n4: violated · 1 counterexample · shards 1–4 of 4 · 4 runs/);
    expect(r.stdout).toMatch(new RegExp(`deadlock after ${Math.min(...lengths)} steps · found by 4 runs \\(shards 1–4\\)`));
    expect(readdirSync(join(dir, 'traces'))).toEqual(['philosophers-n4.deadlock.trace.json']);
    const trace = join('traces', 'philosophers-n4.deadlock.trace.json');
    expect(r.stdout).toContain(`→ ${trace} · replay: accelcheck replay ${trace}`);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    const rep = await cli(['replay', trace], { cwd: dir });
    expect(rep.code, rep.stderr).toBe(1);
    expect(rep.stdout).toMatch(new RegExp(`reproduced: deadlock after ${Math.min(...lengths)} steps`));
  });

  it('holding shards: ok, exit 0, complete only because an exact unbounded shard exhausted the space', async () => {
    const dir = scratch();
    const files = await shards(dir, 'ok', ['check', 'philosophers', '--scenario', 'n6', '--no-deadlock'], 3);
    const r = await cli(['merge', ...files, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ ok: true, results: 3, files });
    expect(doc.groups).toHaveLength(1);
    expect(doc.groups[0]).toMatchObject({ verdict: 'complete', runs: 3, exhaustive: { states: 198 }, shards: { count: 3, present: [1, 2, 3], missing: [] }, counterexamples: [] });
    const text = await cli(['merge', ...files], { cwd: dir });
    expect(text.stdout).toMatch(/✔ philosophers\/n6: no violation · complete \(shard 1\/3 explored all 198 states\)/);
    // Bounded shards never make a complete verdict, even when together they saw everything.
    const bounded = await shards(dir, 'b', ['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--max-states', '150'], 3);
    const b = json((await cli(['merge', ...bounded, '--json'], { cwd: dir })).stdout);
    expect(b.groups[0]).toMatchObject({ verdict: 'not exhaustive', statesSummed: 450 });
  });

  it('bounded shards, one missing: not exhaustive, the missing shard named, the union within the sketch error of the exact union', async () => {
    const dir = scratch();
    const argv = ['check', 'philosophers', '--set', 'n=12', '--no-deadlock', '--max-states', '6000'];
    const files = await shards(dir, 'part', argv, 5, [1, 2, 4, 5]);
    const r = await cli(['merge', ...files, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const g = json(r.stdout).groups[0];
    expect(g).toMatchObject({ verdict: 'not exhaustive', statesSummed: 24000, shards: { count: 5, present: [1, 2, 4, 5], missing: [3] }, union: { relativeError: relativeError() } });
    // The exact union of what those four shards stored (DFS, the shards' default under --max-states).
    const seen = new Set<string>();
    for (const index of [1, 2, 4, 5]) {
      const options = { deadlock: false, maxStates: 6000 };
      const { cm, init } = prepare(shardModel(philosophers(12), { index, count: 5, seed: 1 }), options);
      (explorers.dfs(cm, options, init).search.store as StateStore).forEachFingerprint((lo, hi) => seen.add(`${lo}:${hi}`));
    }
    expect(seen.size).toBeGreaterThan(10000);
    expect(Math.abs(g.union.estimate / seen.size - 1)).toBeLessThan(3 * relativeError());
    const text = await cli(['merge', ...files], { cwd: dir });
    expect(text.stdout).toMatch(/not exhaustive · shards 1, 2, 4, 5 of 5, missing 3 · 4 runs · 24,000 states summed, ≈[\d,]+ distinct \(union estimate, ±1\.6 %\)/);
    expect(text.stdout).toMatch(/shards missing in 1$/m);
  });

  it('the union of complete shards is the known count, within the sketch error (philosophers n=12: 39,202 states)', async () => {
    const dir = scratch();
    const files = await shards(dir, 'all', ['check', 'philosophers', '--set', 'n=12', '--no-deadlock', '--strategy', 'dfs'], 2);
    const g = json((await cli(['merge', ...files, '--json'], { cwd: dir })).stdout).groups[0];
    expect(g).toMatchObject({ verdict: 'complete', statesSummed: 2 * 39202 });
    expect(Math.abs(g.union.estimate / 39202 - 1)).toBeLessThan(3 * relativeError());
  });

  it('several groups at once: one verdict each and overall; simulate shards merge too', async () => {
    const dir = scratch();
    const sim = await shards(dir, 'sim', ['simulate', 'philosophers', '--scenario', 'n4', '--walks', '30'], 2);
    const ok = await shards(dir, 'ok', ['check', 'grid', '--mutant', 'unchecked'], 2);
    const r = await cli(['merge', ...sim, ...ok, '--out', 'out'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✘ philosophers\/n4: violated/);
    expect(r.stdout).toMatch(/✔ grid\/plain \[mutant unchecked\]: no violation · complete/);
    expect(r.stdout).toMatch(/merged 4 results from 4 files into 2 groups: 1 violated, 1 complete, 0 not exhaustive/);
    const [file] = readdirSync(join(dir, 'out'));
    expect((await cli(['replay', join('out', file)], { cwd: dir })).code).toBe(1);
  });

  it("a user's model: the trace's module path is rebased to the output directory, so replay finds it", async () => {
    const dir = scratch();
    const model = resolve(__dirname, '../fixtures/mutex-naive.ts');
    const files = await shards(dir, 'mutex', ['check', model, '--strategy', 'dfs'], 2);
    const r = await cli(['merge', ...files, '--out', 'deep/traces'], { cwd: dir });
    expect(r.code).toBe(1);
    const [file] = readdirSync(join(dir, 'deep/traces'));
    const rep = await cli(['replay', join('deep/traces', file)], { cwd: dir });
    expect(rep.code, rep.stderr).toBe(1);
  });

  it('runs that checked other properties are other groups: a subset proves nothing of the rest', async () => {
    const dir = scratch();
    // A complete run without deadlock checking beside a bounded one with it: two groups, each named by how it differs.
    const free = await shards(dir, 'free', ['check', 'philosophers', '--scenario', 'n6', '--no-deadlock'], 1);
    const bounded = await shards(dir, 'bounded', ['check', 'philosophers', '--scenario', 'n6', '--max-states', '20'], 1);
    const r = await cli(['merge', ...free, ...bounded, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(json(r.stdout).groups.map((g: Record<string, unknown>) => [g.title, g.variant, g.verdict])).toEqual([
      ['philosophers/n6', 'no deadlock check', 'complete'],
      ['philosophers/n6', 'deadlocks checked', 'not exhaustive'],
    ]);
    const text = await cli(['merge', ...free, ...bounded], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(text.stdout).toMatch(/^✔ philosophers\/n6 \(no deadlock check\): no violation · complete/m);
    expect(text.stdout).toMatch(/^✔ philosophers\/n6 \(deadlocks checked\): no violation · not exhaustive/m);
    // Runs of one target that checked the same properties stay one group, with no variant.
    const again = await shards(dir, 'again', ['check', 'philosophers', '--scenario', 'n6', '--no-deadlock'], 1);
    const same = json((await cli(['merge', ...free, ...again, '--json'], { cwd: dir })).stdout).groups;
    expect(same).toHaveLength(1);
    expect(same[0]).toMatchObject({ variant: null, runs: 2, checked: { invariants: ['forksConsistent'], deadlock: false } });
  });

  it('a run of some invariants is not merged with runs of all of them (results of earlier versions: deadlocks checked)', () => {
    const result = (invariants: string[], complete: boolean, extra: Partial<CheckResult> = {}): MergeInput => ({
      where: `${invariants.join('+')}.json`,
      result: { ok: true, model: 'm', config: { n: 1 }, strategy: 'bfs', states: 10, transitions: 20, depth: 3, durationMs: 1, complete, invariants, ...extra },
    });
    const report = mergeResults([result(['b', 'a'], true, { deadlock: true }), result(['a', 'b', 'c', 'd'], false), result(['a', 'b'], false)]);
    expect(report.groups.map((g) => [g.variant, g.verdict, g.runs, g.checked])).toEqual([
      ['invariants a, b', 'complete', 2, { invariants: ['a', 'b'], deadlock: true }],
      ['4 invariants', 'not exhaustive', 1, { invariants: ['a', 'b', 'c', 'd'], deadlock: true }],
    ]);
  });

  it('colours on a terminal and with FORCE_COLOR, plain with NO_COLOR', async () => {
    const dir = scratch();
    const files = await shards(dir, 's', ['check', 'philosophers', '--scenario', 'n4'], 1);
    expect((await cli(['merge', ...files], { cwd: dir, env: { FORCE_COLOR: '1' } })).stdout).toMatch(/\u001b\[/);
    expect((await cli(['merge', ...files], { cwd: dir, env: { NO_COLOR: '1' } })).stdout).not.toMatch(/\u001b\[/);
  });

  describe('bad input: one line naming the file and the problem, exit 2, nothing written', () => {
    const cases: [string, (dir: string) => string[], RegExp][] = [
      ['no files', () => [], /^accelcheck: merge: expected one or more FILEs/],
      ['a missing file', () => ['nowhere.json'], /^accelcheck: cannot read nowhere\.json: ENOENT\n$/],
      ['malformed JSON', (dir) => (writeFileSync(join(dir, 'bad.json'), '{"ok": true}\n{oops\n'), ['bad.json']), /^accelcheck: bad\.json:2: not valid JSON/],
      ['not a result object', (dir) => (writeFileSync(join(dir, 'list.json'), '{"models": []}\n[1]\n'), ['list.json']), /^accelcheck: list\.json:1: not a check or simulate result/],
      ['an empty file', (dir) => (writeFileSync(join(dir, 'empty.json'), '\n'), ['empty.json']), /^accelcheck: empty\.json: no results/],
      ['a result without its invariants', (dir) => (writeFileSync(join(dir, 'n.json'), JSON.stringify({ ok: true, model: 'm', strategy: 'bfs', states: 1, complete: true, config: null })), ['n.json']), /^accelcheck: n\.json: field "invariants" must be a list of invariant names\n$/],
      ['a result whose deadlock flag is not a boolean', (dir) => (writeFileSync(join(dir, 'd.json'), JSON.stringify({ ok: true, model: 'm', strategy: 'bfs', states: 1, complete: true, config: null, invariants: [], deadlock: 'yes' })), ['d.json']), /^accelcheck: d\.json: field "deadlock" must be a boolean\n$/],
      ['a result whose violation has no trace', (dir) => (writeFileSync(join(dir, 'v.json'), JSON.stringify({ ok: false, model: 'm', strategy: 'bfs', states: 1, complete: false, config: null, invariants: [], violation: { kind: 'deadlock', name: 'deadlock', message: '' } })), ['v.json']), /^accelcheck: v\.json: violation trace: not a trace document/],
    ];
    for (const [what, setup, message] of cases) {
      it(what, async () => {
        const dir = scratch();
        // A violating shard comes first: its trace must not be written before the bad file is found.
        const good = await shards(dir, 'good', ['check', 'philosophers', '--scenario', 'n4'], 2, [1]);
        const args = setup(dir);
        const r = await cli(['merge', ...(args.length ? [...good, ...args] : []), '--out', 'traces'], { cwd: dir });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stdout).toBe('');
        expect(existsSync(join(dir, 'traces'))).toBe(false);
      });
    }

    it('shards of different counts in one group', async () => {
      const dir = scratch();
      const four = await shards(dir, 'four', ['check', 'philosophers', '--scenario', 'n4'], 4, [1]);
      const three = await shards(dir, 'three', ['check', 'philosophers', '--scenario', 'n4'], 3, [2]);
      const r = await cli(['merge', ...four, ...three, '--out', 'traces'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`accelcheck: three-2.json: shard 2/3 of philosophers/n4, but four-1.json is a shard of 4: one group's shards must share their count\n`);
      expect(existsSync(join(dir, 'traces'))).toBe(false);
    });
  });
});
