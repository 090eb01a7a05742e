/**
 * The explorers generate a state's successors in passes (all successors made and encoded, then
 * looked up in the store, in order). That must give exactly what taking the instances one by one
 * gives: here a plain sequential BFS and DFS, written from the definitions, are run side by side
 * with `check` on random small models with faults placed anywhere (guards and effects that
 * throw, states that are not plain data, broken state and step properties, deadlocks) and
 * random bounds, and every observable figure is compared.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { action, check, defineModel, invariant, stepInvariant, type Model } from '../../src/index.js';
import { Encoder, PlainDataError } from '../../src/state/encode.js';

type S = { a: number; b: number; bad?: unknown };

type Fault = 'none' | 'guardThrows' | 'effectThrows' | 'nan' | 'undefinedField' | 'map' | 'returnsNew';

interface Spec {
  actions: { target: 'a' | 'b'; delta: number; domain: number[]; fault: Fault; faultAt: number }[];
  invariantFailsAt: number | null;
  stepFailsFor: number | null;
  terminalAt: number | null;
}

const key = (s: S) => s.a * 10 + s.b;

function buildModel(spec: Spec): Model<S> {
  return defineModel<S>({
    name: 'random',
    init: () => ({ a: 0, b: 0 }),
    actions: spec.actions.map((x, k) =>
      action(
        `act${k}`,
        x.domain,
        (s: S, p: number) => {
          if (x.fault === 'guardThrows' && key(s) === x.faultAt) throw new Error(`guard ${k} exploded`);
          const v = s[x.target] + x.delta * (p + 1);
          return v >= 0 && v <= 3;
        },
        (s: S, p: number) => {
          const hit = key(s) === x.faultAt;
          if (x.fault === 'effectThrows' && hit) throw new RangeError(`effect ${k} exploded`);
          if (x.fault === 'returnsNew') return { b: s.b, a: s.a, [x.target]: s[x.target] + x.delta * (p + 1) } as S;
          s[x.target] += x.delta * (p + 1);
          if (hit && x.fault === 'nan') s.bad = NaN;
          if (hit && x.fault === 'undefinedField') s.bad = undefined;
          if (hit && x.fault === 'map') s.bad = new Map();
        },
      ),
    ),
    invariants: [
      ...(spec.invariantFailsAt === null ? [] : [invariant<S>('inv', (s) => key(s) !== spec.invariantFailsAt)]),
      ...(spec.stepFailsFor === null ? [] : [stepInvariant<S>('step', (b, a, st) => !(st.action === `act${spec.stepFailsFor}` && a.a + a.b > b.a + b.b + 1))]),
    ],
    terminal: (s) => spec.terminalAt !== null && key(s) === spec.terminalAt,
  });
}

interface Outcome {
  ok: boolean;
  states: number;
  transitions: number;
  complete: boolean;
  bound?: string;
  kind?: string;
  name?: string;
  steps?: string[];
}

/** The definition, one instance at a time: BFS (a FIFO) or DFS (a stack, new successors pushed in reverse). */
function reference(model: Model<S>, strategy: 'bfs' | 'dfs', opts: { maxStates?: number; maxDepth?: number; deadlock?: boolean }): Outcome {
  const instances = model.actions.flatMap((a) => (a.domain ?? [undefined]).map((p) => ({ a, p, label: `${a.name}(${JSON.stringify(p)})` })));
  const maxStates = opts.maxStates ?? Infinity;
  const maxDepth = opts.maxDepth ?? Infinity;
  const deadlock = opts.deadlock ?? true;
  const enc = new Encoder();
  const bytes = (s: unknown) => Buffer.from(enc.buf.subarray(0, enc.encode(s))).toString('hex');
  const seen = new Set<string>();
  const parent: number[] = [];
  const via: string[] = [];
  let transitions = 0;
  let stoppedBy: string | undefined;
  type F = { kind: string; name: string; at: number; then?: string };
  let finding: F | undefined;
  const path = (i: number): string[] => (i < 0 ? [] : [...path(parent[i]), via[i]].filter((x) => x !== ''));
  const invariantsOf = model.invariants.filter((i) => i.kind === 'always');
  const stepsOf = model.invariants.filter((i) => i.kind === 'step');
  const checkState = (s: S, index: number): boolean => {
    for (const inv of invariantsOf) {
      let ok: boolean;
      try {
        ok = (inv.holds as (s: S) => boolean)(s) === true;
      } catch {
        finding = { kind: 'error', name: inv.name, at: index };
        return false;
      }
      if (!ok) {
        finding = { kind: 'invariant', name: inv.name, at: index };
        return false;
      }
    }
    return true;
  };
  const init = model.init();
  seen.add(bytes(init));
  parent.push(-1);
  via.push('');
  let depthReached = 0;
  const frontier: { s: S; index: number; depth: number }[] = [{ s: init, index: 0, depth: 0 }];
  if (checkState(init, 0)) {
    outer: while (frontier.length) {
      const { s, index, depth } = strategy === 'bfs' ? frontier.shift()! : frontier.pop()!;
      const storeNew = depth < maxDepth;
      let enabled = 0;
      let beyond = false;
      const pending: { s: S; index: number; depth: number }[] = [];
      for (const { a, p, label } of instances) {
        let g: boolean;
        try {
          g = a.guard(s, p) === true;
        } catch {
          finding = { kind: 'error', name: label, at: index };
          break outer;
        }
        if (!g) continue;
        let next: S;
        try {
          const d = structuredClone(s);
          const r = a.effect(d, p);
          next = r === undefined ? d : r;
        } catch {
          finding = { kind: 'error', name: label, at: index };
          break outer;
        }
        enabled++;
        transitions++;
        let b: string;
        try {
          b = bytes(next);
        } catch (e) {
          if (!(e instanceof PlainDataError)) throw e;
          finding = { kind: 'error', name: label, at: index };
          break outer;
        }
        for (const inv of stepsOf) {
          let ok: boolean;
          try {
            ok = (inv.holds as (b: S, a: S, st: unknown) => boolean)(s, next, { action: a.name, param: p, label }) === true;
          } catch {
            finding = { kind: 'error', name: inv.name, at: index, then: label };
            break outer;
          }
          if (!ok) {
            finding = { kind: 'invariant', name: inv.name, at: index, then: label };
            break outer;
          }
        }
        if (!storeNew) {
          if (!seen.has(b)) beyond = true;
          continue;
        }
        if (seen.has(b)) continue;
        seen.add(b);
        const nextIndex = parent.length;
        parent.push(index);
        via.push(label);
        depthReached = Math.max(depthReached, depth + 1);
        if (!checkState(next, nextIndex)) break outer;
        const item = { s: next, index: nextIndex, depth: depth + 1 };
        if (strategy === 'bfs') frontier.push(item);
        else pending.push(item);
        if (parent.length >= maxStates) {
          stoppedBy = 'max-states';
          break outer;
        }
      }
      for (let k = pending.length - 1; k >= 0; k--) frontier.push(pending[k]);
      if (enabled === 0 && deadlock && model.terminal(s) !== true) {
        finding = { kind: 'deadlock', name: 'deadlock', at: index };
        break;
      }
      if (!storeNew && beyond) {
        stoppedBy = 'max-depth';
      }
    }
  }
  const out: Outcome = { ok: !finding, states: parent.length, transitions, complete: !finding && !stoppedBy };
  if (stoppedBy && !finding) out.bound = stoppedBy;
  if (finding) {
    out.kind = finding.kind;
    out.name = finding.name;
    out.steps = [...path(finding.at), ...(finding.then ? [finding.then] : [])];
  }
  return out;
}

function outcome(model: Model<S>, strategy: 'bfs' | 'dfs', opts: { maxStates?: number; maxDepth?: number; deadlock?: boolean }): Outcome {
  const r = check(model, { strategy, ...opts });
  const out: Outcome = { ok: r.ok, states: r.states, transitions: r.transitions, complete: r.complete };
  if (r.bound) out.bound = r.bound;
  if (r.violation) {
    out.kind = r.violation.kind;
    out.name = r.violation.name;
    out.steps = r.violation.trace.steps.map((s) => s.action);
  }
  return out;
}

const faults: Fault[] = ['none', 'none', 'none', 'guardThrows', 'effectThrows', 'nan', 'undefinedField', 'map', 'returnsNew'];
const specs = fc.record<Spec>({
  actions: fc.array(
    fc.record({
      target: fc.constantFrom('a' as const, 'b' as const),
      delta: fc.constantFrom(1, -1, 2),
      domain: fc.constantFrom([0], [0, 1], [1, 0]),
      fault: fc.constantFrom(...faults),
      faultAt: fc.integer({ min: 0, max: 33 }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  invariantFailsAt: fc.option(fc.integer({ min: 1, max: 33 }), { nil: null }),
  stepFailsFor: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  terminalAt: fc.option(fc.integer({ min: 0, max: 33 }), { nil: null }),
});
const options = fc.record(
  { maxStates: fc.integer({ min: 1, max: 20 }), maxDepth: fc.integer({ min: 0, max: 6 }), deadlock: fc.boolean() },
  { requiredKeys: [] },
);

describe('batched successor generation gives what one-by-one generation gives', () => {
  for (const strategy of ['bfs', 'dfs'] as const) {
    it(`${strategy}: same states, transitions, bounds, findings and traces on random models`, () => {
      fc.assert(
        fc.property(specs, options, (spec, opts) => {
          const model = buildModel(spec);
          expect(outcome(model, strategy, opts)).toEqual(reference(model, strategy, opts));
        }),
        { numRuns: 400 },
      );
    });
  }

  it('a violation at an earlier instance wins over a throw at a later one, and the reverse', () => {
    const m = (throwFirst: boolean) =>
      defineModel<{ x: number }>({
        name: 'order',
        init: () => ({ x: 0 }),
        actions: [
          action('first', (s) => {
            if (throwFirst) throw new Error('first guard');
            return s.x === 0;
          }, (s) => { s.x = 1; }),
          action('second', (s) => {
            if (!throwFirst) throw new Error('second guard');
            return s.x === 0;
          }, (s) => { s.x = 2; }),
        ],
        invariants: [invariant('small', (s) => s.x < 1)],
      });
    expect(check(m(false)).violation).toMatchObject({ kind: 'invariant', name: 'small' });
    expect(check(m(true)).violation).toMatchObject({ kind: 'error', name: 'first' });
  });
});
