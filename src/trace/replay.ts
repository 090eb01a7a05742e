/**
 * Replay: re-execute a trace against a model, checking rather than trusting each step — the
 * step must be enabled and land on the recorded state — and that the recorded violation shows
 * where the trace says. A trace that no longer applies is `stale`, naming the step and why.
 */
import { compile, describeError, isTerminal, StepError, successor, violatedState, violatedStep, type CompiledModel } from '../model/compile.js';
import type { Model, PlainValue } from '../model/types.js';
import { Encoder, PlainDataError, sameState } from '../state/encode.js';
import { diff, type Change } from './diff.js';
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
  name: string;
  message: string;
  statement?: string;
  ref?: string;
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
        return { status: 'reproduced', model: model.name, init, steps, violation: { kind: 'error', name: e.label, message: e.message } };
      }
      return stale(k, `step ${k}: ${describeError(e)}`);
    }
    if (broken) {
      if (k === last && trace.violation.kind === 'invariant' && broken.name === trace.violation.name) {
        return { status: 'reproduced', model: model.name, init, steps, violation: violationOf(broken, trace.violation.message) };
      }
      return stale(k, `step ${k} already violates ${broken.name}${k === last ? '' : ` (the trace records ${trace.violation.name} at step ${last})`}`);
    }
    s = next;
  }
  return atEnd(cm, s, trace, last, { init, steps, stale });
}

function violationOf(inv: { name: string; statement?: string; ref?: string }, message: string): ReplayedViolation {
  const v: ReplayedViolation = { kind: 'invariant', name: inv.name, message };
  if (inv.statement) v.statement = inv.statement;
  if (inv.ref) v.ref = inv.ref;
  return v;
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
    return broken?.name === v.name ? done(violationOf(broken, v.message)) : ctx.stale(0, `${v.name} holds in the initial state: the trace no longer violates it`);
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
    return done({ kind: 'deadlock', name: 'deadlock', message: v.message });
  }
  // kind 'error': the recorded step (or property) must still throw.
  if (v.action === undefined) return ctx.stale(last, `the error in ${v.name} does not occur at ${at}`);
  const j = cm.byLabel.get(v.action);
  if (j === undefined) return ctx.stale(last, `the model has no action ${v.action}`);
  const inst = cm.instances[j];
  try {
    if (inst.action.guard(s, inst.param) !== true) return ctx.stale(last, `${v.action} is not enabled after ${at}`);
  } catch (e) {
    return done({ kind: 'error', name: inst.label, message: new StepError('guard', inst.label, e).message });
  }
  let next: S;
  try {
    next = successor(cm, s, j);
  } catch (e) {
    return done({ kind: 'error', name: inst.label, message: (e as Error).message });
  }
  try {
    new Encoder().encode(next);
  } catch (e) {
    if (e instanceof PlainDataError) return done({ kind: 'error', name: inst.label, message: v.message });
    throw e;
  }
  return ctx.stale(last, `${v.action} no longer fails after ${at}`);
}
