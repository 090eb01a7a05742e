/**
 * accelcheck/vitest (src/vitest/): expectModel's assertions on small inline models, and the
 * corpus checks replayCorpus registers, run directly on temporary corpora. Also outcomeOf
 * (src/trace/outcome.ts), the lenient re-execution behind a manifest's "holds".
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratch } from './support/scratch.js';
import { describe, expect, it } from 'vitest';
import {
  action,
  check,
  defineModel,
  invariant,
  OptionError,
  outcomeOf,
  range,
  readTrace,
  replay,
  type Config,
  type Model,
  type ModelEntry,
  type Trace,
} from '../src/index.js';
import { buildEntry } from '../src/cli/resolve.js';
import { checkCorpusCase, corpusCases, expectModel, replayCorpus, traceFileName, type CorpusOptions } from '../src/vitest/index.js';

type Pc = 'idle' | 'checked' | 'critical';
interface Mutex {
  pc: Pc[];
  flag: boolean;
}

/** Two processes and a flag: test, then set. `atomic` makes entering check the flag again (correct). */
function mutex(atomic: boolean, name = atomic ? 'mutex' : 'mutex-naive', config: Config | null = null): Model<Mutex> {
  return defineModel<Mutex>({
    name,
    config,
    init: () => ({ pc: ['idle', 'idle'], flag: false }),
    actions: [
      action('check', range(2), (s, i) => s.pc[i] === 'idle' && !s.flag, (s, i) => {
        s.pc[i] = 'checked';
      }),
      action('enter', range(2), (s, i) => s.pc[i] === 'checked' && (!atomic || !s.flag), (s, i) => {
        s.flag = true;
        s.pc[i] = 'critical';
      }),
      action('leave', range(2), (s, i) => s.pc[i] === 'critical', (s, i) => {
        s.flag = false;
        s.pc[i] = 'idle';
      }),
    ],
    invariants: [
      invariant('mutualExclusion', (s) => s.pc.filter((p) => p === 'critical').length <= 1, { statement: 'at most one process is in its critical section' }),
    ],
  });
}

const naive = mutex(false);
const correct = mutex(true);

/** Counts to `n`: n + 1 states in a line, so bounds stop it. */
const counter = (n: number) =>
  defineModel<{ x: number }>({
    name: 'counter',
    init: () => ({ x: 0 }),
    actions: [action('inc', (s) => s.x < n, (s) => void (s.x += 1))],
    invariants: [invariant('small', (s) => s.x <= n)],
    terminal: (s) => s.x === n,
  });

/** Two invariants: `early` breaks after one step, `late` after two. */
const twoBugs = defineModel<{ x: number }>({
  name: 'two-bugs',
  init: () => ({ x: 0 }),
  actions: [action('inc', (s) => s.x < 3, (s) => void (s.x += 1))],
  invariants: [invariant('late', (s) => s.x < 2), invariant('early', (s) => s.x < 1)],
  terminal: (s) => s.x === 3,
});

/** Stops after one step in a state nothing calls terminal. */
const stuck = defineModel<{ done: boolean }>({
  name: 'stuck',
  init: () => ({ done: false }),
  actions: [action('finish', (s) => !s.done, (s) => void (s.done = true))],
});

const tmp = (): string => scratch('vitest');
const ANSI = /\u001b\[/;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('expectModel(model).toHoldInvariants()', () => {
  it('resolves with the complete result when no invariant is violated, writing nothing', async () => {
    const dir = join(tmp(), 'traces');
    const r = await expectModel(correct).toHoldInvariants({ traceDir: dir });
    expect(r).toMatchObject({ ok: true, complete: true, model: 'mutex', strategy: 'bfs', invariants: ['mutualExclusion'] });
    expect(r.states).toBe(check(correct).states);
    expect(existsSync(dir)).toBe(false);
  });

  it('rejects a violation with the plain readable trace, writes the trace file and says how to replay it', async () => {
    const dir = join(tmp(), 'nested', 'traces');
    const e = await rejection(expectModel(naive).toHoldInvariants({ traceDir: dir }));
    expect(e).toBeInstanceOf(Error);
    const file = join(dir, 'mutex-naive.mutualExclusion.trace.json');
    expect(existsSync(file)).toBe(true);
    const m = e.message;
    expect(m).not.toMatch(ANSI);
    expect(m.split('\n')[0]).toMatch(/^✘ mutex-naive bfs: invariant mutualExclusion violated after 4 steps · /);
    expect(m).toContain('at most one process is in its critical section');
    // Each step with the fields it changed, as `accelcheck check` prints them.
    for (const step of ['1  check(0)', '2  check(1)', '3  enter(0)', '4  enter(1)']) expect(m).toContain(step);
    expect(m).toMatch(/pc\[1\]: "checked" → "critical"/);
    const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
    expect(m).toContain(`trace written to ${shown}`);
    expect(m).toContain(`npx accelcheck replay ${shown}`);
    const lines = m.split('\n');
    const written = lines.findIndex((l) => l.startsWith(`  trace written to ${shown}`));
    expect(lines[written + 1]).toBe(
      `  (a model that is not built in needs --model PATH: npx accelcheck replay ${shown} --model PATH, where PATH is the module whose default export is mutex-naive)`,
    );
    // The file is the counterexample: it replays.
    const trace = readTrace(file);
    expect(trace.steps.map((s) => s.action)).toEqual(['check(0)', 'check(1)', 'enter(0)', 'enter(1)']);
    expect(replay(naive, trace)).toMatchObject({ status: 'reproduced', violation: { name: 'mutualExclusion' } });
    expect(readdirSync(dir)).toEqual(['mutex-naive.mutualExclusion.trace.json']);
  });

  it('writes under accelcheck-traces in the working directory by default, creating it', async () => {
    const cwd = tmp();
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const e = await rejection(expectModel(naive).toHoldInvariants());
      expect(e.message).toContain('trace written to accelcheck-traces/mutex-naive.mutualExclusion.trace.json');
      expect(e.message).toContain('npx accelcheck replay accelcheck-traces/mutex-naive.mutualExclusion.trace.json');
    } finally {
      process.chdir(before);
    }
    expect(readTrace(join(cwd, 'accelcheck-traces', 'mutex-naive.mutualExclusion.trace.json')).violation.name).toBe('mutualExclusion');
  });

  it('names the file from the model and the violation, keeping only safe characters', async () => {
    expect(traceFileName('my model/v2', 'no <bad> (x)')).toBe('my_model_v2.no_bad_x_.trace.json');
    expect(traceFileName('..', 'S13.no-loss')).toBe('_.S13.no-loss.trace.json');
    const weird = defineModel({ ...naive, name: 'a/b c' });
    const dir = tmp();
    await rejection(expectModel(weird).toHoldInvariants({ traceDir: dir }));
    expect(readdirSync(dir)).toEqual(['a_b_c.mutualExclusion.trace.json']);
  });

  it('with the model module given as source, records it in the trace and needs no --model', async () => {
    const dir = join(tmp(), 'traces');
    const module = resolve(__dirname, 'fixtures', 'mutex-naive.ts');
    const e = await rejection(expectModel(naive, { source: relative(process.cwd(), module) }).toHoldInvariants({ traceDir: dir }));
    expect(e.message).not.toContain('--model');
    const trace = readTrace(join(dir, 'mutex-naive.mutualExclusion.trace.json'));
    expect(resolve(dir, trace.source!)).toBe(module);
  });

  it('random walks: resolves when no walk finds a violation, rejects with the walk when one does', async () => {
    const r = await expectModel(correct).toHoldInvariants({ strategy: 'random', seed: 7, walks: 20, maxDepth: 10 });
    expect(r).toMatchObject({ ok: true, strategy: 'random', complete: false, seed: 7 });
    const dir = tmp();
    const e = await rejection(expectModel(naive).toHoldInvariants({ strategy: 'random', seed: 7, walks: 200, traceDir: dir }));
    expect(e.message).toMatch(/^✘ mutex-naive random: invariant mutualExclusion violated/);
    expect(readTrace(join(dir, 'mutex-naive.mutualExclusion.trace.json'))).toMatchObject({ strategy: 'random', seed: 7 });
  });

  it('rejects an exhaustive run a bound stopped, naming the bound and the counts, unless allowIncomplete', async () => {
    const byStates = await rejection(expectModel(counter(100)).toHoldInvariants({ maxStates: 5 }));
    expect(byStates.message).toMatch(/^counter bfs: no violation found, but the run is incomplete: stopped by max-states \(maxStates: 5\) after 5 states/);
    expect(byStates.message).toContain('allowIncomplete: true');
    const byDepth = await rejection(expectModel(counter(100)).toHoldInvariants({ strategy: 'dfs', maxDepth: 3 }));
    expect(byDepth.message).toMatch(/stopped by max-depth \(maxDepth: 3\) after 4 states, \d+ transitions, depth 3/);
    const r = await expectModel(counter(100)).toHoldInvariants({ maxStates: 5, allowIncomplete: true });
    expect(r).toMatchObject({ ok: true, complete: false, bound: 'max-states' });
    await expect(expectModel(counter(100)).toHoldInvariants()).resolves.toMatchObject({ complete: true, states: 101 });
  });

  it('rejects bad options with the engine’s OptionError', async () => {
    const bad: unknown[] = [
      { maxStates: 0 },
      { maxDepth: -1 },
      { strategy: 'astar' },
      { seed: 3 },
      { strategy: 'random', walks: 0 },
      { maxstates: 5 },
      { invariants: ['noSuchInvariant'] },
      { allowIncomplete: 'yes' },
      { traceDir: '' },
    ];
    for (const options of bad) {
      const e = await rejection(expectModel(correct).toHoldInvariants(options as never));
      expect(e, JSON.stringify(options)).toBeInstanceOf(OptionError);
    }
    expect((await rejection(expectModel(correct).toHoldInvariants({ maxstates: 5 } as never))).message).toBe(
      "unknown option 'maxstates' (options: strategy, maxStates, maxDepth, invariants, deadlock, seed, walks, minimize, traceDir, allowIncomplete)",
    );
  });
});

describe('expectModel(model).toViolate()', () => {
  it('resolves with the violation found, of the named invariant', async () => {
    const v = await expectModel(naive).toViolate('mutualExclusion', { traceDir: tmp() });
    expect(v).toMatchObject({ kind: 'invariant', name: 'mutualExclusion' });
    expect(v.trace.steps).toHaveLength(4);
    await expect(expectModel(naive).toViolate()).resolves.toMatchObject({ name: 'mutualExclusion' });
    await expect(expectModel(naive).toViolate({ strategy: 'dfs' })).resolves.toMatchObject({ name: 'mutualExclusion' });
    const minimized = await expectModel(naive).toViolate({ strategy: 'dfs', minimize: true });
    expect(minimized.trace.steps).toHaveLength(4);
    await expect(expectModel(naive).toViolate({ strategy: 'random', minimize: true })).rejects.toThrow(/random' always shrinks/);
    await expect(expectModel(stuck).toViolate('deadlock')).resolves.toMatchObject({ kind: 'deadlock', name: 'deadlock' });
  });

  it('rejects when no violation is found, with the counts and whether the run was complete', async () => {
    const e = await rejection(expectModel(correct).toViolate('mutualExclusion'));
    expect(e.message).toMatch(/^expected mutex to violate mutualExclusion, but bfs found no violation: \d+ states, \d+ transitions, depth \d+; complete: the whole reachable space$/);
    const bounded = await rejection(expectModel(counter(100)).toViolate({ maxStates: 3 }));
    expect(bounded.message).toContain('incomplete: stopped by max-states');
  });

  it('rejects a different violation with its readable trace, and finds the named one alone', async () => {
    const dir = tmp();
    const e = await rejection(expectModel(twoBugs).toViolate('late', { traceDir: dir }));
    expect(e.message).toMatch(/^expected two-bugs to violate late, but the run found invariant early violated first \(pass invariants: \['late'\] to look for it alone\):/);
    expect(e.message).toContain('✘ two-bugs bfs: invariant early violated after 1 step');
    expect(e.message).not.toMatch(ANSI);
    expect(existsSync(join(dir, 'two-bugs.early.trace.json'))).toBe(true);
    await expect(expectModel(twoBugs).toViolate('late', { invariants: ['late'] })).resolves.toMatchObject({ name: 'late' });
  });

  it('rejects a name the model cannot violate with an OptionError', async () => {
    const e = await rejection(expectModel(naive).toViolate('mutualExclution'));
    expect(e).toBeInstanceOf(OptionError);
    expect(e.message).toContain("no invariant, deadlock or step named 'mutualExclution'");
  });
});

// ---------------------------------------------------------------------------------------------
// outcomeOf

function traceOf(model: Model): Trace {
  const r = check(model);
  if (!r.violation) throw new Error(`${model.name}: no violation`);
  return r.violation.trace;
}

describe('outcomeOf(model, trace)', () => {
  const trace = traceOf(naive);

  it('re-executes the labels and reports the first violation, with its step', () => {
    expect(outcomeOf(naive, trace)).toEqual({ outcome: 'violates', kind: 'invariant', name: 'mutualExclusion', step: 4, message: 'invariant mutualExclusion violated' });
  });

  it('cuts the path where a step is not enabled, or no longer exists; what ran holds', () => {
    expect(outcomeOf(correct, trace)).toEqual({ outcome: 'holds', applied: 3, cut: { step: 4, reason: 'enter(1) is not enabled' } });
    const renamed = { ...trace, steps: trace.steps.map((s, i) => (i === 1 ? { ...s, action: 'probe(1)' } : s)) };
    expect(outcomeOf(naive, renamed)).toEqual({ outcome: 'holds', applied: 1, cut: { step: 2, reason: 'the model has no action probe(1)' } });
  });

  it('holds when every step applies, ignoring the recorded states', () => {
    const short = { ...trace, steps: trace.steps.slice(0, 3).map((s) => ({ ...s, state: null })) };
    expect(outcomeOf(naive, short)).toEqual({ outcome: 'holds', applied: 3 });
  });

  it('a throwing step is a violation of kind error; a dead end is a deadlock', () => {
    const throwing = defineModel({ ...naive, actions: naive.actions.map((a) => (a.name === 'enter' ? { ...a, effect: () => { throw new Error('boom'); } } : a)) });
    expect(outcomeOf(throwing, trace)).toMatchObject({ outcome: 'violates', kind: 'error', name: 'enter(0)', step: 3, message: 'effect of enter(0) threw: boom' });
    const dead = traceOf(stuck);
    expect(outcomeOf(stuck, dead)).toMatchObject({ outcome: 'violates', kind: 'deadlock', name: 'deadlock', step: 1 });
    expect(outcomeOf(stuck, dead, { deadlock: false })).toEqual({ outcome: 'holds', applied: 1 });
    expect(outcomeOf(defineModel({ ...stuck, terminal: (s) => s.done }), dead)).toEqual({ outcome: 'holds', applied: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// replayCorpus's cases

/** A model with settings and one mutant, as a registry entry: `set` can take the bug out. */
const mutexEntry: ModelEntry = {
  name: 'mutex',
  description: 'two processes, one flag',
  scenarios: [{ name: 'default', size: 'small', description: 'two processes', config: { checked: true } }],
  mutants: [{ name: 'unguarded-enter', ref: 'T-1', description: 'enter does not look at the flag', breaks: ['mutualExclusion'] }],
  invariants: [{ name: 'mutualExclusion', ref: 'T1', statement: 'at most one in the critical section' }],
  build: (c, mutant) => {
    if (typeof c.checked !== 'boolean') throw new Error("setting 'checked' must be a boolean");
    return mutex(c.checked && mutant === null, 'mutex');
  },
};

function write(path: string, value: unknown): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** A corpus with the unguarded mutex's counterexample at mutex/unguarded.trace.json. */
function corpus(manifest?: unknown): string {
  const dir = tmp();
  const model = buildEntry(mutexEntry, { checked: true }, 'unguarded-enter', 'mutex');
  write(join(dir, 'mutex', 'unguarded.trace.json'), traceOf(model));
  if (manifest !== undefined) write(join(dir, 'expected.json'), manifest);
  return dir;
}

const options: CorpusOptions = { models: { mutex: mutexEntry } };

/** Run every case of a corpus: its title and what happened. */
async function outcomes(dir: string, opts: CorpusOptions = options): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const c of corpusCases(dir, opts)) {
    try {
      out.push([c.title, `ok: ${await checkCorpusCase(c, opts)}`]);
    } catch (e) {
      out.push([c.title, `FAIL: ${(e as Error).message}`]);
    }
  }
  return out;
}

describe('replayCorpus: the check of each trace', () => {
  it('by default, each trace reproduces its recorded violation step for step', async () => {
    expect(await outcomes(corpus())).toEqual([['mutex/unguarded.trace.json', 'ok: reproduces invariant mutualExclusion violated at step 4']]);
  });

  it('a stale trace fails naming the file, the expectation, the step and the reason', async () => {
    const dir = corpus();
    // The bug fixed in the model the trace names: the recorded steps no longer apply.
    const [[, result]] = await outcomes(dir, { models: { mutex: mutex(true, 'mutex', { checked: true, mutant: 'unguarded-enter' }) } });
    expect(result).toBe(
      'FAIL: mutex/unguarded.trace.json: expected to violate mutualExclusion, but the trace is stale at step 4: enter(1) is not enabled\n' +
        '  (after a deliberate model change, write the trace again, or say in the manifest what it does now)',
    );
    // A recorded state that differs is stale too.
    const path = join(dir, 'mutex', 'unguarded.trace.json');
    const trace = JSON.parse(readFileSync(path, 'utf8')) as Trace;
    (trace.steps[1].state as unknown as Mutex).flag = true;
    write(path, trace);
    const [[, again]] = await outcomes(dir);
    expect(again).toMatch(/^FAIL: mutex\/unguarded\.trace\.json: expected to violate mutualExclusion, but the trace is stale at step 2: check\(1\) lands on a different state: flag is false in the model, true in the trace/);
  });

  it('a manifest adds expectations with settings changed: the bug taken out, the same steps hold', async () => {
    const dir = corpus([
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: { mutant: null }, why: 'T-1 fixed' },
      { file: 'mutex/unguarded.trace.json', expect: 'violates mutualExclusion', set: { checked: false, mutant: null } },
    ]);
    expect(await outcomes(dir)).toEqual([
      ['mutex/unguarded.trace.json', 'ok: reproduces invariant mutualExclusion violated at step 4'],
      ['mutex/unguarded.trace.json holds with mutant=null', 'ok: holds: the path is cut at step 4 (enter(1) is not enabled) after 3 steps, with no violation'],
      ['mutex/unguarded.trace.json violates mutualExclusion with checked=false, mutant=null', 'ok: violates mutualExclusion at step 4 with checked=false, mutant=null'],
    ]);
  });

  it('an expectation that does not hold fails with what happened instead', async () => {
    const dir = corpus([
      { file: 'mutex/unguarded.trace.json', expect: 'violates mutualExclusion', set: { mutant: null } },
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: { checked: false }, why: 'it should not' },
      { file: 'mutex/unguarded.trace.json', expect: 'violates deadlock' },
    ]);
    const results = await outcomes(dir);
    // An entry without settings replaces the default check of its file; the cases follow the manifest.
    expect(results.map(([t]) => t)).toEqual([
      'mutex/unguarded.trace.json violates mutualExclusion with mutant=null',
      'mutex/unguarded.trace.json holds with checked=false',
      'mutex/unguarded.trace.json violates deadlock',
    ]);
    expect(results[2][1]).toBe('FAIL: mutex/unguarded.trace.json: expected to violate deadlock, but the trace records and reproduces invariant mutualExclusion violated at step 4');
    expect(results[0][1]).toBe(
      'FAIL: mutex/unguarded.trace.json: expected to violate mutualExclusion with mutant=null, but it holds: the path is cut at step 4 (enter(1) is not enabled) after 3 steps, with no violation',
    );
    expect(results[1][1]).toBe(
      'FAIL: mutex/unguarded.trace.json: expected to hold with checked=false, but it violates mutualExclusion at step 4: invariant mutualExclusion violated\n' +
        '  steps: 1 check(0) · 2 check(1) · 3 enter(0) · 4 enter(1)\n' +
        '  why it should: it should not',
    );
  });

  it('validates the manifest strictly: each bad entry is a failing case naming it', async () => {
    const dir = corpus([
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: { mutant: null } },
      { file: 'mutex/missing.trace.json', expect: 'holds' },
      { file: 'mutex/unguarded.trace.json', expect: 'passes' },
      { file: 'mutex/unguarded.trace.json', expect: 'holds', sett: {} },
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: [] },
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: { mutant: null } },
      'mutex/unguarded.trace.json',
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: { nope: 1 } },
      { file: 'mutex/unguarded.trace.json', expect: 'holds', set: { mutant: 'no-such-bug' } },
    ]);
    const results = await outcomes(dir);
    expect(results.filter(([, r]) => r.startsWith('FAIL')).map(([, r]) => r)).toEqual([
      'FAIL: expected.json entry 2 (mutex/missing.trace.json): no trace file "mutex/missing.trace.json" in ' + dir,
      'FAIL: expected.json entry 3 (mutex/unguarded.trace.json): "expect" must be "holds" or "violates NAME", got "passes"',
      'FAIL: expected.json entry 4 (mutex/unguarded.trace.json): unknown key "sett" (keys: file, expect, set, why)',
      'FAIL: expected.json entry 5 (mutex/unguarded.trace.json): "set" must be an object of settings',
      'FAIL: expected.json entry 6 (mutex/unguarded.trace.json): entry 1 already says what mutex/unguarded.trace.json does with these settings',
      'FAIL: expected.json entry 7: must be an object { "file", "expect", "set"?, "why"? }',
      "FAIL: mutex/unguarded.trace.json (holds with nope=1): \"set\": the trace's configuration has no setting 'nope' (settings: checked)",
      "FAIL: mutex/unguarded.trace.json (holds with mutant=no-such-bug): \"set\": model mutex has no mutant 'no-such-bug' (mutants: unguarded-enter)",
    ]);
    expect(results.filter(([, r]) => r.startsWith('ok'))).toHaveLength(2);
    for (const text of ['not json', '{"file": "mutex/unguarded.trace.json"}']) {
      const bad = corpus(text);
      const [first] = await outcomes(bad);
      expect(first[0]).toBe('expected.json');
      expect(first[1]).toMatch(/^FAIL: .*expected\.json (is not valid JSON|must be an array)/);
    }
  });

  it('finds traces recursively (*.trace.json and *.itf.json), needs a model for each, and fails an empty or missing corpus', async () => {
    const dir = corpus();
    write(join(dir, 'deep', 'er', 'again.trace.json'), readFileSync(join(dir, 'mutex', 'unguarded.trace.json'), 'utf8'));
    write(join(dir, 'x.itf.json'), '{}');
    write(join(dir, 'notes.json'), '{}');
    expect(corpusCases(dir, options).map((c) => c.file)).toEqual(['deep/er/again.trace.json', 'mutex/unguarded.trace.json', 'x.itf.json']);
    const [, , itf] = await outcomes(dir);
    // `{}` is neither an accelcheck trace nor ITF: the case fails, naming the file.
    expect(itf[1]).toMatch(/^FAIL: x\.itf\.json \(reproduces its recorded violation\): .*x\.itf\.json/);
    const [[, unknown]] = await outcomes(corpus(), {});
    expect(unknown).toBe("FAIL: mutex/unguarded.trace.json (reproduces its recorded violation): unknown model 'mutex' (known: none; pass it in options.models, or options.registry)");
    await expect(checkCorpusCase(corpusCases(join(dir, 'nowhere'))[0])).rejects.toThrow(/cannot read the corpus .*nowhere: ENOENT/);
    expect(corpusCases(tmp())).toEqual([]);
  });

  it('a plain model cannot take settings; a registry entry is rebuilt from the trace and the registry', async () => {
    const dir = corpus([{ file: 'mutex/unguarded.trace.json', expect: 'holds', set: { mutant: null } }]);
    const plain = { models: { mutex: mutex(false, 'mutex', { checked: true, mutant: 'unguarded-enter' }) } };
    const results = await outcomes(dir, plain);
    expect(results[0][1]).toBe('ok: reproduces invariant mutualExclusion violated at step 4');
    expect(results[1][1]).toBe('FAIL: mutex/unguarded.trace.json (holds with mutant=null): "set" needs a model with settings (a registry entry), but mutex is a plain model');
    const viaRegistry = await outcomes(dir, { registry: { models: [mutexEntry], defaults: [] } });
    expect(viaRegistry.map(([, r]) => r.slice(0, 3))).toEqual(['ok:', 'ok:']);
  });

  it("loads a user's model from the trace's source, relative to the trace file", async () => {
    const dir = tmp();
    const engine = pathToFileURL(resolve(__dirname, '..', 'src', 'index.ts')).href;
    write(
      join(dir, 'models', 'naive.ts'),
      // The README's user model (test/fixtures/mutex-naive.ts), importing the engine by path here.
      readFileSync(resolve(__dirname, 'fixtures', 'mutex-naive.ts'), 'utf8').replace(`from 'accelcheck'`, `from ${JSON.stringify(engine)}`),
    );
    write(join(dir, 'traces', 'naive.trace.json'), { ...traceOf(naive), source: '../models/naive.ts' });
    expect(await outcomes(dir, {})).toEqual([['traces/naive.trace.json', 'ok: reproduces invariant mutualExclusion violated at step 4']]);
    // options.models wins over the source.
    expect((await outcomes(dir, { models: { 'mutex-naive': mutex(true, 'mutex-naive') } }))[0][1]).toMatch(
      /^FAIL: traces\/naive\.trace\.json: expected to violate mutualExclusion, but the trace is stale at step 4: enter\(1\) is not enabled/,
    );
  });
});

// Registration through vitest: a small corpus whose cases all pass.
const registered = corpus([{ file: 'mutex/unguarded.trace.json', expect: 'holds', set: { mutant: null } }]);
replayCorpus(registered, { ...options, title: 'replayCorpus registers one test per case' });

describe('replayCorpus registration', () => {
  it('lists the cases it registers', () => {
    expect(corpusCases(registered, options).map((c) => c.title)).toEqual(['mutex/unguarded.trace.json', 'mutex/unguarded.trace.json holds with mutant=null']);
  });
});
