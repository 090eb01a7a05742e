import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { action, check, defineModel, diff, invariant, parseTrace, readTrace, replay, stepInvariant, type Config, type Trace } from '../../src/index.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { controlStates } from '../../src/trace/replay.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { registry } from '../../models/index.js';
import { counter, faulty, grid } from './small-models.js';

const roundTrip = (t: Trace): Trace => parseTrace(JSON.parse(JSON.stringify(t)));

/** The built-in model a saved trace was recorded against. */
function rebuild(trace: Trace) {
  const { mutant = null, ...settings } = trace.config as Config;
  return buildEntry(registry.models.find((m) => m.name === trace.model)!, settings, mutant as string | null, trace.model);
}

function savedSystemTrace(name: string) {
  const trace = readTrace(join(__dirname, '../counterexamples/system', `${name}.trace.json`));
  return { trace, model: rebuild(trace) };
}

describe('traces round-trip through JSON and replay', () => {
  it('an invariant violation replays to the same invariant at the same step, with the changed fields', () => {
    const trace = roundTrip(check(grid(true)).violation!.trace);
    const r = replay(grid(true), trace);
    expect(r.status).toBe('reproduced');
    if (r.status !== 'reproduced') return;
    expect(r.violation).toMatchObject({ kind: 'invariant', name: 'sumBelow4' });
    expect(r.steps).toHaveLength(4);
    expect(r.steps[0].changes).toEqual([{ path: 'a', before: 0, after: 1 }]);
  });

  it('a deadlock trace replays (DFS trace too)', () => {
    for (const strategy of ['bfs', 'dfs'] as const) {
      const trace = roundTrip(check(philosophers(4), { strategy }).violation!.trace);
      expect(trace.strategy).toBe(strategy);
      expect(replay(philosophers(4), trace).status).toBe('reproduced');
    }
  });
});

describe('a trace that no longer applies is stale, naming the step', () => {
  const base = () => roundTrip(check(grid(true)).violation!.trace);

  it('a step that lands on another state', () => {
    const t = base();
    (t.steps[1].state as { a: number }).a = 7;
    const r = replay(grid(true), t);
    expect(r).toMatchObject({ status: 'stale', step: 2 });
    if (r.status === 'stale') expect(r.reason).toMatch(/^step 2: \w+ lands on a different state: a is \d in the model, 7 in the trace/);
  });

  it('a step whose action is not enabled', () => {
    const t = base();
    t.steps = [{ action: 'incB', state: { a: 0, b: 1 } }, { action: 'incB', state: { a: 0, b: 2 } }, { action: 'incB', state: { a: 0, b: 3 } }];
    expect(replay(grid(true), t)).toMatchObject({ status: 'stale', step: 3, reason: 'step 3: incB is not enabled' });
  });

  it('an action the model does not have', () => {
    const t = base();
    t.steps[0].action = 'teleport';
    expect(replay(grid(true), t)).toMatchObject({ status: 'stale', step: 1, reason: 'step 1: the model has no action teleport' });
  });

  it('a violation that no longer shows (the bug was fixed)', () => {
    expect(replay(grid(false), base())).toMatchObject({ status: 'stale', step: 4 });
  });

  it('a trace for another model or configuration', () => {
    expect(replay(counter(3), base())).toMatchObject({ status: 'stale', step: 0, reason: "the trace is for model 'grid', not 'counter'" });
    const t = roundTrip(check(philosophers(4)).violation!.trace);
    expect(replay(philosophers(5), t)).toMatchObject({ status: 'stale', step: 0 });
  });
});

describe('trace documents are validated', () => {
  const good = () => JSON.parse(JSON.stringify(check(grid(true)).violation!.trace));
  it.each([
    ['not an object', () => 42, /not a trace document/],
    ['another format', () => ({ ...good(), format: 'tlc' }), /not an accelcheck trace/],
    ['a future version', () => ({ ...good(), version: 99 }), /version 99 is not supported/],
    ['steps missing', () => ({ ...good(), steps: undefined }), /"steps" must be an array/],
    ['a step without action', () => ({ ...good(), steps: [{ state: {} }] }), /step 1 has no "action"/],
    ['bad violation kind', () => ({ ...good(), violation: { kind: 'oops', name: 'x' } }), /violation kind "oops"/],
  ])('%s', (_name, make, message) => {
    expect(() => parseTrace(make(), 't.json')).toThrow(message);
  });
});

describe('a run that checks only some invariants', () => {
  // aBelow2 breaks after 2 steps, sumBelow4 after 4: checking only sumBelow4 passes a state that breaks aBelow2.
  const twoInvariants = () => {
    const g = grid(true);
    return defineModel({ ...g, invariants: [invariant('aBelow2', (s: { a: number }) => s.a < 2), ...g.invariants] });
  };

  it('records them in the trace, and replay checks the same ones', () => {
    const trace = roundTrip(check(twoInvariants(), { invariants: ['sumBelow4'] }).violation!.trace);
    expect(trace.invariants).toEqual(['sumBelow4']);
    expect(replay(twoInvariants(), trace).status).toBe('reproduced');
    expect(replay(twoInvariants(), { ...trace, invariants: undefined })).toMatchObject({ status: 'stale' });
    expect(check(twoInvariants()).violation!.trace.invariants).toBeUndefined();
  });
});

describe('diff says what changed, not what moved', () => {
  const pkt = (id: number, at: string) => ({ id, src: 1, at });

  it('an array of records with unique ids is compared by id: an insertion in the middle is one change', () => {
    const before = { packets: [pkt(1, 'wire'), pkt(3, 'wire'), pkt(5, 'nic')] };
    const after = { packets: [pkt(1, 'wire'), pkt(2, 'source'), pkt(3, 'nic'), pkt(5, 'nic')] };
    expect(diff(before, after)).toEqual([
      { path: 'packets[id=3].at', before: 'wire', after: 'nic' },
      { path: 'packets[id=2]', after: pkt(2, 'source') },
    ]);
  });

  it('a removal by id, string ids, and an element whose fields all change stays one element', () => {
    expect(diff({ p: [pkt(1, 'a'), pkt(2, 'b'), pkt(3, 'c')] }, { p: [pkt(1, 'a'), pkt(3, 'c')] })).toEqual([{ path: 'p[id=2]', before: pkt(2, 'b') }]);
    expect(diff([{ id: 'x', v: 1 }], [{ id: 'x', v: 2 }])).toEqual([{ path: '[id="x"].v', before: 1, after: 2 }]);
    expect(diff({ p: [] }, { p: [pkt(4, 'a')] })).toEqual([{ path: 'p[id=4]', after: pkt(4, 'a') }]);
  });

  it('a duplicated id (a duplicated packet) tells its copies apart by occurrence', () => {
    const one = [pkt(1, 'a'), pkt(2, 'vi0.tx')];
    const two = [pkt(1, 'a'), pkt(2, 'vi0.tx'), pkt(2, 'netfront')];
    expect(diff(one, two)).toEqual([{ path: '[id=2 #2]', after: pkt(2, 'netfront') }]);
    expect(diff(two, [pkt(1, 'a'), pkt(2, 'delivered'), pkt(2, 'netfront')])).toEqual([{ path: '[id=2 #1].at', before: 'vi0.tx', after: 'delivered' }]);
  });

  it('the same identified elements in another order are reported once, as the order of the ids', () => {
    expect(diff({ q: [pkt(1, 'a'), pkt(2, 'b')] }, { q: [pkt(2, 'b'), pkt(1, 'a')] })).toEqual([{ path: 'q (order by id)', before: [1, 2], after: [2, 1] }]);
  });

  it('other arrays: an element inserted or removed is reported alone, anything else position by position', () => {
    const m = (by: number, frame: number) => ({ by, frame });
    // a sorted set of records without ids: the insertion at index 1 is the only change
    expect(diff({ maps: [m(0, 2), m(1, 0)] }, { maps: [m(0, 2), { frame: 3, by: 0 }, m(1, 0)] })).toEqual([{ path: 'maps[1]', after: { frame: 3, by: 0 } }]);
    expect(diff([1, 2, 3], [1, 3])).toEqual([{ path: '[1]', before: 2 }]);
    expect(diff([1, 2], [1, 3])).toEqual([{ path: '[1]', before: 2, after: 3 }]);
    // records that are not all identified: positional
    expect(diff([{ id: 1, v: 0 }, { v: 1 }], [{ id: 1, v: 0 }, { v: 2 }])).toEqual([{ path: '[1].v', before: 1, after: 2 }]);
    expect(diff([{ id: 1 }, { id: 2 }], [{ id: 2 }, { id: 3 }, { id: 4 }])).toEqual([
      { path: '[id=1]', before: { id: 1 } },
      { path: '[id=3]', after: { id: 3 } },
      { path: '[id=4]', after: { id: 4 } },
    ]);
  });

  it('a replayed step of the system model reports a moved packet by its id', () => {
    const { model, trace } = savedSystemTrace('resend-pending-tx');
    const r = replay(model, trace);
    expect(r.status).toBe('reproduced');
    const xmit = r.steps.find((s) => s.action === 'xmit(2)')!;
    expect(xmit).toMatchObject({ actor: 'guest1' });
    expect(xmit.changes).toEqual([
      { path: 'packets[id=2].at', before: 'source', after: 'vi0.tx' },
      { path: 'packets[id=2].owed', before: false, after: true },
    ]);
  });
});

describe('replay computes the values that break the property on the replayed states', () => {
  type X = { x: number; mode: string };
  const model = (explainThrows = false) =>
    defineModel<X>({
      name: 'explained',
      init: () => ({ x: 0, mode: 'idle' }),
      actions: [
        action('inc', (s) => s.x < 5, (s) => { s.x++; }),
        action('jump', [3], (s) => s.x === 0, (s, k) => { s.x = k; s.mode = 'jumped'; }),
      ],
      invariants: [
        stepInvariant('smallSteps', (b, a) => a.x - b.x <= 1, {
          ref: 'T2',
          statement: 'x changes by at most 1 per step',
          explain: (b, a, st) => { if (explainThrows) throw new Error('no'); return `${st.label} took x from ${b.x} to ${a.x}`; },
        }),
        invariant('xBelow2', (s) => s.x < 2, { ref: 'T1', statement: 'x stays below 2', explain: (s) => `x is ${s.x} in mode ${s.mode}` }),
      ],
      terminal: () => true,
    });

  it('a state invariant: explain(state) on the replayed last state, not the recorded message', () => {
    const trace = roundTrip(check(model(), { invariants: ['xBelow2'] }).violation!.trace);
    trace.violation.message = 'recorded long ago';
    const r = replay(model(), trace);
    expect(r).toMatchObject({ status: 'reproduced', violation: { name: 'xBelow2', ref: 'T1', statement: 'x stays below 2', message: 'recorded long ago', values: 'x is 3 in mode jumped' } });
  });

  it('a step invariant: explain(before, after, step) with the last step', () => {
    const r = replay(model(), roundTrip(check(model()).violation!.trace));
    expect(r).toMatchObject({ status: 'reproduced', violation: { kind: 'invariant', name: 'smallSteps', values: 'jump(3) took x from 0 to 3' } });
  });

  it('an explanation that throws loses only its detail', () => {
    const r = replay(model(true), roundTrip(check(model(true)).violation!.trace));
    expect(r.status).toBe('reproduced');
    if (r.status === 'reproduced') expect(r.violation.values).toBeUndefined();
  });

  it('the replayed violation carries exactly the documented fields', () => {
    const r = replay(model(), roundTrip(check(model()).violation!.trace));
    if (r.status !== 'reproduced') throw new Error('not reproduced');
    expect(Object.keys(r.violation).sort()).toEqual(['kind', 'message', 'name', 'ref', 'statement', 'values']);
  });

  it('a deadlock: no action enabled, and the last state briefly (its control states)', () => {
    const r = replay(philosophers(4), roundTrip(check(philosophers(4)).violation!.trace));
    expect(r).toMatchObject({ status: 'reproduced', violation: { kind: 'deadlock', instances: 12 } });
    if (r.status !== 'reproduced') return;
    // no string in the state: its scalars stand for the control states
    expect(r.violation.control).toEqual(['p[0]=1', 'p[1]=1', 'p[2]=1', 'p[3]=1', 'f[0]=true', 'f[1]=true', 'f[2]=true', 'f[3]=true']);
    expect(r.violation.values).toMatch(/^0 of 12 actions enabled; control states: p\[0\]=1, /);
  });

  it('control states are the string leaves when the state has any', () => {
    expect(controlStates({ be: { state: 'Closing', n: 3 }, xs: ['Unknown'] })).toEqual(['be.state=Closing', 'xs[0]=Unknown']);
  });

  it('an error: the throwing step and its message', () => {
    const r = replay(faulty('effect'), roundTrip(check(faulty('effect')).violation!.trace));
    expect(r).toMatchObject({ status: 'reproduced', violation: { kind: 'error', name: 'boom', action: 'boom' } });
    if (r.status === 'reproduced') expect(r.violation.values).toMatch(/^boom, taken after step 2: effect of boom threw: RangeError: effect exploded$/);
  });
});

describe('the built-in invariants explain themselves', () => {
  it('every invariant of every built-in model (invariants/*.ts) has an explain', () => {
    const missing: string[] = [];
    let counted = 0;
    for (const entry of registry.models) {
      for (const sc of entry.scenarios) {
        for (const inv of entry.build(sc.config, null).invariants) {
          counted++;
          if (typeof inv.explain !== 'function') missing.push(`${entry.name}: ${inv.name}`);
        }
      }
    }
    expect(counted).toBeGreaterThan(20);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('on every saved counterexample, the replay names the values that break the invariant', () => {
    const dir = join(__dirname, '../counterexamples');
    const saved = readdirSync(dir)
      .filter((d) => statSync(join(dir, d)).isDirectory())
      .flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.trace.json')).map((f) => join(dir, d, f)));
    expect(saved.length).toBeGreaterThan(30);
    const silent: string[] = [];
    for (const file of saved) {
      const trace = readTrace(file);
      const r = replay(rebuild(trace), trace);
      if (r.status !== 'reproduced' || !r.violation.values) silent.push(file);
    }
    expect(silent).toEqual([]);
  });
});
