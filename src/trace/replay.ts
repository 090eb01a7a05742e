/**
 * Replay: re-execute a trace against a model, checking rather than trusting each step — the
 * step must be enabled and land on the recorded state — and that the recorded violation shows
 * where the trace says. A trace that no longer applies is `stale`, naming the step and why.
 */
import { compile, describeError, isTerminal, StepError, successor, violatedState, violatedStep, type CompiledModel } from '../model/compile.js';
import type { Model, PlainValue, StateInvariant, StepInfo, StepInvariant } from '../model/types.js';
import { Encoder, PlainDataError, sameState } from '../state/encode.js';
import { diff, fieldPath, type Change } from './diff.js';
import type { Trace, ViolationKind } from './types.js';

export interface ReplayStep {
  /** 1-based step number (0 is the initial state). */
  index: number;
  action: string;
  actor?: string;
  state: PlainValue;
  changes: Change[];
}

export interface ReplayedViolation {
  kind: ViolationKind;
  /** The invariant's name, `deadlock`, or for an error the label of the step (or property) that threw. */
  name: string;
  /** As recorded in the trace. */
  message: string;
  statement?: string;
  ref?: string;
  /**
   * What breaks it, computed on the replayed states (not copied from the trace): an invariant's
   * `explain`; for a deadlock, the enabled count and the last state's control states; for an
   * error, the throwing step and its message.
   */
  values?: string;
  /** Error: the step whose guard or effect throws (taken after the last recorded step). */
  action?: string;
  /** Deadlock: how many step instances the model has (none of them enabled). */
  instances?: number;
  /** Deadlock: the last state's control states, `path=value` (string leaves; scalar leaves if it has none). */
  control?: string[];
}

export type ReplayResult =
  | { status: 'reproduced'; model: string; init: PlainValue; steps: ReplayStep[]; violation: ReplayedViolation }
  | { status: 'stale'; model: string; init: PlainValue; steps: ReplayStep[]; step: number; reason: string };

const short = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
};

function firstDifference(recorded: PlainValue, actual: PlainValue): string {
  const d = diff(recorded, actual)[0];
  if (!d) return '';
  return `: ${d.path} is ${d.after === undefined ? 'absent' : short(d.after)} in the model, ${d.before === undefined ? 'absent' : short(d.before)} in the trace`;
}

/** Re-execute `trace` against `model`. Never throws for a stale trace; returns `stale` with the step. */
export function replay<S>(model: Model<S>, trace: Trace): ReplayResult {
  const steps: ReplayStep[] = [];
  let init: PlainValue = trace.init;
  const stale = (step: number, reason: string): ReplayResult => ({ status: 'stale', model: model.name, init, steps, step, reason });
  if (trace.model !== model.name) return stale(0, `the trace is for model '${trace.model}', not '${model.name}'`);
  if (!sameState(trace.config, model.config)) return stale(0, `the trace was recorded with another configuration${firstDifference(trace.config, model.config)}`);
  let cm: CompiledModel<S>;
  try {
    cm = compile(model, trace.invariants);
  } catch (e) {
    return stale(0, describeError(e));
  }
  let s: S;
  try {
    s = model.init();
  } catch (e) {
    return stale(0, `init threw: ${describeError(e)}`);
  }
  init = s as PlainValue;
  if (!sameState(s, trace.init)) return stale(0, `the initial state differs${firstDifference(trace.init, s as PlainValue)}`);

  const last = trace.steps.length;
  for (let k = 1; k <= last; k++) {
    const recorded = trace.steps[k - 1];
    const j = cm.byLabel.get(recorded.action);
    if (j === undefined) return stale(k, `step ${k}: the model has no action ${recorded.action}`);
    const inst = cm.instances[j];
    let next: S;
    try {
      if (inst.action.guard(s, inst.param) !== true) return stale(k, `step ${k}: ${recorded.action} is not enabled`);
      next = successor(cm, s, j);
    } catch (e) {
      return stale(k, `step ${k}: ${recorded.action} threw: ${describeError(e instanceof StepError ? e.cause : e)}`);
    }
    if (!sameState(next, recorded.state)) {
      return stale(k, `step ${k}: ${recorded.action} lands on a different state${firstDifference(recorded.state, next as PlainValue)}`);
    }
    const step: ReplayStep = { index: k, action: recorded.action, state: next as PlainValue, changes: diff(s as PlainValue, next as PlainValue) };
    if (inst.actor !== undefined) step.actor = inst.actor;
    steps.push(step);
    let broken;
    try {
      broken = violatedStep(cm, s, next, j) ?? violatedState(cm, next);
    } catch (e) {
      if (k === last && trace.violation.kind === 'error' && e instanceof StepError && e.label === trace.violation.name) {
        const values = `judging the state after step ${k} (${recorded.action}): ${e.message}`;
        return { status: 'reproduced', model: model.name, init, steps, violation: { kind: 'error', name: e.label, message: e.message, values } };
      }
      return stale(k, `step ${k}: ${describeError(e)}`);
    }
    if (broken) {
      if (k === last && trace.violation.kind === 'invariant' && broken.name === trace.violation.name) {
        const values = broken.kind === 'step' ? explainStep(broken, s, next, inst.info) : explainState(broken, next);
        return { status: 'reproduced', model: model.name, init, steps, violation: violationOf(broken, trace.violation.message, values) };
      }
      return stale(k, `step ${k} already violates ${broken.name}${k === last ? '' : ` (the trace records ${trace.violation.name} at step ${last})`}`);
    }
    s = next;
  }
  return atEnd(cm, s, trace, last, { init, steps, stale });
}

function violationOf(inv: { name: string; statement?: string; ref?: string }, message: string, values: string | undefined): ReplayedViolation {
  const v: ReplayedViolation = { kind: 'invariant', name: inv.name, message };
  if (inv.statement) v.statement = inv.statement;
  if (inv.ref) v.ref = inv.ref;
  if (values) v.values = values;
  return v;
}

/** An explanation that throws or says nothing only loses its detail. */
function attempt(f: () => string): string | undefined {
  try {
    const text = f();
    return typeof text === 'string' && text.trim() !== '' ? text : undefined;
  } catch {
    return undefined;
  }
}

function explainState<S>(inv: StateInvariant<S>, s: S): string | undefined {
  const explain = inv.explain;
  return explain ? attempt(() => explain(s)) : undefined;
}

function explainStep<S>(inv: StepInvariant<S>, before: S, after: S, step: StepInfo): string | undefined {
  const explain = inv.explain;
  return explain ? attempt(() => explain(before, after, step)) : undefined;
}

const MAX_CONTROL = 16;

/**
 * A state's control states, briefly: its string leaves (`be.state=Closing`), or, for a state
 * without strings, its scalar leaves; at most MAX_CONTROL, then how many more.
 */
export function controlStates(state: PlainValue): string[] {
  const strings: string[] = [];
  const scalars: string[] = [];
  const walk = (v: PlainValue, path: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) walk(v[k], fieldPath(path, k));
    else {
      const entry = `${path || '(state)'}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
      (typeof v === 'string' ? strings : scalars).push(entry);
    }
  };
  walk(state, '');
  const all = strings.length > 0 ? strings : scalars;
  return all.length <= MAX_CONTROL ? all : [...all.slice(0, MAX_CONTROL), `… ${all.length - MAX_CONTROL} more`];
}

/** After the last recorded step: the recorded violation must show here. */
function atEnd<S>(
  cm: CompiledModel<S>,
  s: S,
  trace: Trace,
  last: number,
  ctx: { init: PlainValue; steps: ReplayStep[]; stale: (step: number, reason: string) => ReplayResult },
): ReplayResult {
  const v = trace.violation;
  const done = (violation: ReplayedViolation): ReplayResult => ({ status: 'reproduced', model: cm.model.name, init: ctx.init, steps: ctx.steps, violation });
  const at = last === 0 ? 'the initial state' : `step ${last}`;
  if (v.kind === 'invariant') {
    const inv = cm.model.invariants.find((i) => i.name === v.name);
    if (!inv) return ctx.stale(last, `the model has no invariant ${v.name}`);
    if (inv.kind === 'step' || last > 0) return ctx.stale(last, `${v.name} holds at ${at}: the trace no longer violates it`);
    // An initial state that violates a state invariant.
    let broken;
    try {
      broken = violatedState(cm, s);
    } catch (e) {
      return ctx.stale(0, describeError(e));
    }
    return broken?.name === v.name
      ? done(violationOf(broken, v.message, explainState(broken, s)))
      : ctx.stale(0, `${v.name} holds in the initial state: the trace no longer violates it`);
  }
  if (v.kind === 'deadlock') {
    for (let j = 0; j < cm.instances.length; j++) {
      const inst = cm.instances[j];
      let en: boolean;
      try {
        en = inst.action.guard(s, inst.param) === true;
      } catch (e) {
        return ctx.stale(last, `at ${at}, the guard of ${inst.label} threw: ${describeError(e)}`);
      }
      if (en) return ctx.stale(last, `no deadlock at ${at}: ${inst.label} is enabled`);
    }
    try {
      if (isTerminal(cm, s)) return ctx.stale(last, `no deadlock at ${at}: the model now calls the state terminal`);
    } catch (e) {
      return ctx.stale(last, describeError(e));
    }
    const control = controlStates(s as PlainValue);
    const instances = cm.instances.length;
    const values = `0 of ${instances} action${instances === 1 ? '' : 's'} enabled; control states: ${control.join(', ')}`;
    return done({ kind: 'deadlock', name: 'deadlock', message: v.message, values, instances, control });
  }
  // kind 'error': the recorded step (or property) must still throw.
  if (v.action === undefined) return ctx.stale(last, `the error in ${v.name} does not occur at ${at}`);
  const j = cm.byLabel.get(v.action);
  if (j === undefined) return ctx.stale(last, `the model has no action ${v.action}`);
  const inst = cm.instances[j];
  const thrown = (message: string, detail = message): ReplayResult =>
    done({ kind: 'error', name: inst.label, message, action: inst.label, values: `${inst.label}, taken after ${at}: ${detail}` });
  try {
    if (inst.action.guard(s, inst.param) !== true) return ctx.stale(last, `${v.action} is not enabled after ${at}`);
  } catch (e) {
    return thrown(new StepError('guard', inst.label, e).message);
  }
  let next: S;
  try {
    next = successor(cm, s, j);
  } catch (e) {
    return thrown((e as Error).message);
  }
  try {
    new Encoder().encode(next);
  } catch (e) {
    if (e instanceof PlainDataError) return thrown(v.message, `leaves a state that is not plain data: ${e.message}`);
    throw e;
  }
  return ctx.stale(last, `${v.action} no longer fails after ${at}`);
}
