import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './harness.js';
import { scratch } from '../support/scratch.js';

const fixture = (name: string) => resolve(__dirname, '../fixtures', name);

describe('accelcheck check', () => {
  it('with no MODEL runs every small scenario of the default models and exits 1 on a violation', async () => {
    const r = await cli(['check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('philosophers/n4');
    expect(r.stdout).toContain('philosophers/n6');
    expect(r.stdout).not.toContain('n16');
    expect(r.stdout).toMatch(/deadlock after 4 steps/);
  });

  it('exits 0 with no violation and names the invariants checked', async () => {
    const r = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no violation · 198 states/);
    expect(r.stdout).toMatch(/invariants checked \(1\): forksConsistent/);
    expect(r.stdout).not.toMatch(/\u001b\[/); // plain when not a terminal
  });

  it('--json prints exactly one result object per run on stdout', async () => {
    const r = await cli(['check', 'philosophers', '--scenario', 'n4', '--json']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]);
    expect(doc).toMatchObject({ ok: false, model: 'philosophers', states: expect.any(Number), transitions: expect.any(Number), depth: 4, complete: false });
    expect(doc.durationMs).toBeGreaterThanOrEqual(0);
    expect(doc.violation).toMatchObject({ kind: 'deadlock', name: 'deadlock', message: expect.any(String) });
    expect(doc.violation.trace.steps).toHaveLength(4);
    expect(doc.violation.trace).toMatchObject({ model: 'philosophers', config: { n: 4 }, init: { p: [0, 0, 0, 0] } });
    expect(doc.violation.trace.config).toEqual({ n: 4, mutant: null });
  });

  it('--set overrides a scenario setting', async () => {
    const r = await cli(['check', 'philosophers', '--set', 'n=3', '--json', '--no-deadlock']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, states: 14, config: { n: 3, mutant: null } });
  });

  it('--out writes a trace that replay reproduces (exit 1) with the changed fields', async () => {
    const dir = scratch();
    const out = join(dir, 'grid.trace.json');
    const r = await cli(['check', 'grid', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`trace written to ${out}`);
    const rep = await cli(['replay', out]);
    expect(rep.code).toBe(1);
    expect(rep.stdout).toMatch(/reproduced: invariant sumBelow4 violated after 4 steps/);
    expect(rep.stdout).toMatch(/a: 0 → 1/);
    const json = await cli(['replay', out, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'reproduced', violation: { name: 'sumBelow4' } });
  });

  it('--strategy dfs, --max-states and --max-depth', async () => {
    const dfs = JSON.parse((await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--strategy', 'dfs', '--json'])).stdout);
    expect(dfs).toMatchObject({ strategy: 'dfs', states: 198, complete: true });
    const bounded = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--max-states', '100']);
    expect(bounded.code).toBe(0);
    expect(bounded.stdout).toMatch(/incomplete: stopped by max-states/);
    const shallow = JSON.parse((await cli(['check', 'philosophers', '--no-deadlock', '--max-depth', '2', '--json'])).stdout);
    expect(shallow).toMatchObject({ complete: false, bound: 'max-depth' });
  });

  it('simulate is reproducible from its seed', async () => {
    const a = JSON.parse((await cli(['simulate', 'philosophers', '--seed', '5', '--walks', '40', '--json'])).stdout);
    const b = JSON.parse((await cli(['simulate', 'philosophers', '--seed', '5', '--walks', '40', '--json'])).stdout);
    expect({ ...a, durationMs: 0 }).toEqual({ ...b, durationMs: 0 });
    expect(a).toMatchObject({ strategy: 'random', seed: 5, complete: false });
  });
});

describe("a user's own model file, checked without building anything", () => {
  it('a TypeScript module importing accelcheck: violation found, trace replays', async () => {
    const dir = scratch();
    const out = join(dir, 'mutex.json');
    const r = await cli(['check', fixture('mutex-naive.ts'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/invariant mutualExclusion violated after 4 steps/);
    const trace = JSON.parse(readFileSync(out, 'utf8'));
    expect(trace.source).toMatch(/mutex-naive\.ts$/);
    const rep = await cli(['replay', out]);
    expect(rep.code).toBe(1);
    expect(rep.stdout).toMatch(/reproduced/);
  });

  it('a JavaScript module: no violation, exit 0', async () => {
    const r = await cli(['check', fixture('counter.mjs'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, model: 'counter-js', states: 4 });
  });
});

describe('bad input: one line, exit 2, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /Usage/],
    ['unknown command', ['verify'], /^accelcheck: unknown command 'verify'/],
    ['unknown option', ['check', '--frobnicate'], /^accelcheck: check: unknown option --frobnicate/],
    ['unknown model', ['check', 'xen9000'], /^accelcheck: unknown model 'xen9000' \(built-in: philosophers, grid/],
    ['unknown scenario', ['check', 'philosophers', '--scenario', 'huge'], /^accelcheck: unknown scenario 'huge' for model philosophers \(scenarios: n4, n6, n16\)/],
    ['unknown scenario, any model', ['check', '--scenario', 'huge'], /^accelcheck: unknown scenario 'huge'/],
    ['unknown mutant', ['check', 'grid', '--mutant', 'nope'], /^accelcheck: unknown mutant 'nope' for model grid \(mutants: unchecked\)/],
    ['unknown invariant', ['check', 'grid', '--invariant', 'nope'], /^accelcheck: grid\/plain has no invariant 'nope'/],
    ['unknown setting', ['check', 'philosophers', '--set', 'm=3'], /^accelcheck: unknown setting 'm' for philosophers\/n4 \(settings: n\)/],
    ['setting of the wrong type', ['check', 'philosophers', '--set', 'n=many'], /takes a number, got "many"/],
    ['setting the model rejects', ['check', 'philosophers', '--set', 'n=1'], /^accelcheck: philosophers\/n4: .*n must be an integer ≥ 2/],
    ['malformed --set', ['check', 'philosophers', '--set', 'n'], /--set expects key=value/],
    ['bad --max-states', ['check', 'philosophers', '--max-states', 'lots'], /--max-states must be an integer ≥ 1, got 'lots'/],
    ['bad --strategy', ['check', 'philosophers', '--strategy', 'astar'], /--strategy must be bfs or dfs/],
    ['bad --seed', ['simulate', 'philosophers', '--seed=-1'], /--seed must be an integer from 0 to 4294967295/],
    ['bad --path', ['simulate', 'philosophers', '--path', '3:x'], /--path must be fast-check's counterexample path, like 12:0:3, got '3:x'/],
    ['--minimize on simulate', ['simulate', 'philosophers', '--minimize'], /^accelcheck: simulate: unknown option --minimize/],
    ['missing model file', ['check', './nowhere.ts'], /^accelcheck: no such model file: \.\/nowhere\.ts/],
    ['file without a model', ['check', fixture('not-a-model.mjs')], /does not export a model: its default export must be defineModel/],
    ['file that throws while loading', ['check', fixture('throws-on-load.mjs')], /cannot load .*: this module fails while loading/],
    ['model whose init throws', ['check', fixture('init-throws.mjs')], /^accelcheck: model init-throws: no initial state \(in init\)/],
    ['model whose symmetry throws', ['check', fixture('symmetry-throws.mjs'), '--symmetry'], /^accelcheck: model symmetry-throws: symmetry of the state after inc threw: cannot sort$/m],
    ['model whose symmetry throws, with workers', ['check', fixture('symmetry-throws.mjs'), '--symmetry', '--workers', '2'], /^accelcheck: model symmetry-throws: symmetry of the state after inc threw: cannot sort$/m],
    ['--scenario on a plain model file', ['check', fixture('counter.mjs'), '--scenario', 'x'], /--scenario needs a model with scenarios/],
    ['replay without file', ['replay'], /replay: expected exactly one trace FILE/],
    ['replay of a missing file', ['replay', 'nope.json'], /cannot read trace file .*nope\.json: ENOENT/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      const text = argv.length === 0 ? r.stdout : r.stderr;
      expect(text).toMatch(message);
      if (argv.length) {
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    });
  }

  it('--debug adds the stack', async () => {
    const r = await cli(['check', fixture('throws-on-load.mjs'), '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').length).toBeGreaterThan(2);
  });

  describe('trace files', () => {
    const dir = scratch();
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const valid = async () => {
      const out = join(dir, 'valid.json');
      await cli(['check', 'grid', '--out', out]);
      return JSON.parse(readFileSync(out, 'utf8'));
    };

    it('malformed JSON', async () => {
      const r = await cli(['replay', write('bad.json', '{"format": ')]);
      expect(r).toMatchObject({ code: 2 });
      expect(r.stderr).toMatch(/bad\.json is not valid JSON/);
    });

    it('not a trace', async () => {
      const r = await cli(['replay', write('other.json', '{"hello": 1}')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not an accelcheck trace/);
    });

    it('a trace for a model that does not exist', async () => {
      const t = await valid();
      const r = await cli(['replay', write('unknown.json', JSON.stringify({ ...t, model: 'xen9000' }))]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown model 'xen9000'/);
    });

    it('a trace recorded with settings the model no longer has', async () => {
      const t = await valid();
      const r = await cli(['replay', write('config.json', JSON.stringify({ ...t, config: { checked: 'yes' } }))]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/recorded configuration no longer fits model grid/);
    });

    it('a stale trace names the step', async () => {
      const t = await valid();
      t.steps[2].state.a = 9;
      const r = await cli(['replay', write('stale.json', JSON.stringify(t))]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/stale\.json no longer applies: step 3: \w+ lands on a different state/);
    });

    it('--out does not leave a half-written file when the directory is missing', async () => {
      const r = await cli(['check', 'grid', '--out', join(dir, 'missing', 'x.json')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/cannot write .*x\.json: ENOENT/);
    });
  });
});

describe('accelcheck list', () => {
  it('--json has models, scenarios, invariants and mutants', async () => {
    const r = await cli(['list', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.models).toEqual(['philosophers', 'grid']);
    expect(doc.scenarios).toContainEqual(expect.objectContaining({ name: 'n4', model: 'philosophers', size: 'small' }));
    expect(doc.invariants).toContainEqual(expect.objectContaining({ name: 'sumBelow4', ref: 'T1', statement: 'a + b stays below 4' }));
    expect(doc.mutants).toContainEqual(expect.objectContaining({ name: 'unchecked', ref: 'T-1', breaks: [] }));
  });

  it('prints a readable catalogue', async () => {
    const r = await cli(['list']);
    expect(r.stdout).toMatch(/philosophers \(default\)/);
    expect(r.stdout).toMatch(/sumBelow4 \[T1\] a \+ b stays below 4/);
  });
});

describe('accelcheck diagram', () => {
  it('unknown model: exit 2', async () => {
    const r = await cli(['diagram', 'xen9000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown model 'xen9000'/);
  });
});
