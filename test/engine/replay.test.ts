import { describe, expect, it } from 'vitest';
import { check, defineModel, invariant, parseTrace, replay, type Trace } from '../../src/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { counter, grid } from './small-models.js';

const roundTrip = (t: Trace): Trace => parseTrace(JSON.parse(JSON.stringify(t)));

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
