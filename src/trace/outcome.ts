/**
 * The outcome of a trace's path on a model that may have changed: re-execute the trace's action
 * labels one by one — without comparing the recorded states, since a fix or another setting
 * changes them — and report the first violation along the way, or that the path holds.
 *
 * Where `replay` asks "does this trace still show its bug, step for step?", `outcomeOf` asks
 * "what do these steps do to this model?". A step whose action the model no longer has, or that
 * is not enabled, cuts the path there; what has run must still hold. At the last state reached
 * (the end of the path, or where it was cut) a state with no enabled action that the model does
 * not call terminal is a deadlock, as the explorers report it (unless `deadlock: false`). For a
 * trace that recorded an error thrown by a step after its last one (`violation.action`), that
 * step is taken too: it is part of the path.
 *
 * A guard, effect, invariant or `terminal` that throws, or a step that leaves something that is
 * not plain data, is a violation of kind `error` named as the explorers name it.
 *
 * The steps run through the explorers' `Walker` (explore/walk.ts), so what a step finds here is
 * what simulate, shrinking and `--minimize` find; only the cutting is outcomeOf's own.
 */
import type { Finding } from '../explore/search.js';
import { Walker } from '../explore/walk.js';
import { compile, initial } from '../model/compile.js';
import type { Model } from '../model/types.js';
import type { Trace, ViolationKind } from './types.js';

export type Outcome =
  | {
      outcome: 'violates';
      kind: ViolationKind;
      /** The invariant, `deadlock`, or for an error the label of the step (or property) that threw. */
      name: string;
      /** Steps taken when it showed: 0 is the initial state, k the state after step k. */
      step: number;
      message: string;
    }
  | {
      outcome: 'holds';
      /** Steps of the path that applied. */
      applied: number;
      /** Where the path stopped short of its end, and why. */
      cut?: { step: number; reason: string };
    };

export interface OutcomeOptions {
  /** Report a reached state with no enabled action that is not terminal (default true). */
  deadlock?: boolean;
}

/**
 * Re-execute `trace`'s steps on `model`, leniently. Checks the invariants the trace was recorded
 * with (`trace.invariants`, when it names some the model has), else all of the model's.
 */
export function outcomeOf<S>(model: Model<S>, trace: Trace, options: OutcomeOptions = {}): Outcome {
  const only = trace.invariants?.filter((n) => model.invariants.some((i) => i.name === n));
  const cm = compile(model, only && only.length > 0 ? only : undefined);
  const deadlock = options.deadlock ?? true;
  const walker = new Walker(cm, deadlock);

  let init: S;
  try {
    init = initial(cm);
  } catch (e) {
    return { outcome: 'violates', kind: 'error', name: 'init', step: 0, message: (e as Error).message };
  }
  /** states[k]: the state after k steps. */
  const states: S[] = [init];
  const atStart = walker.atStart(init);
  if (atStart) return violation(walker, atStart, states);

  const labels = trace.steps.map((st) => st.action);
  if (trace.violation.kind === 'error' && trace.violation.action !== undefined) labels.push(trace.violation.action);
  let cut: { step: number; reason: string } | undefined;
  for (let k = 1; k <= labels.length; k++) {
    const label = labels[k - 1];
    const s = states[k - 1];
    const j = cm.byLabel.get(label);
    if (j === undefined) {
      cut = { step: k, reason: `the model has no action ${label}` };
      break;
    }
    const enabled = walker.isEnabled(s, j, k - 1);
    if (enabled !== true) {
      if (enabled !== false) return violation(walker, enabled, states);
      cut = { step: k, reason: `${label} is not enabled` };
      break;
    }
    const { next, finding } = walker.step(s, j, k - 1);
    if (next !== undefined) states.push(next);
    if (finding) return violation(walker, finding, states);
  }
  const applied = states.length - 1;
  if (deadlock) {
    // At the last state reached: a guard that throws (shown at that state: it is no step of the
    // path), or no enabled action in a state that is not terminal.
    const count = walker.enabled(states[applied], applied);
    if (typeof count !== 'number') return violation(walker, count, states, applied);
    const stuck = count === 0 ? walker.stuck(states[applied], applied) : undefined;
    if (stuck) return violation(walker, stuck, states);
  }
  return cut ? { outcome: 'holds', applied, cut } : { outcome: 'holds', applied };
}

/**
 * A walk's finding as an outcome. It shows at state `at`, or for a step that breaks a step
 * property or throws (`then`, `throwing`) at step `at + 1`. An invariant's message keeps the
 * detail its `explain` gives, as `check` reports it.
 */
function violation<S>(walker: Walker<S>, f: Finding, states: readonly S[], step = f.at + (f.then !== undefined || f.throwing !== undefined ? 1 : 0)): Outcome {
  let message = f.message;
  const property = f.property;
  if (property?.explain) {
    try {
      const detail =
        property.kind === 'step'
          ? property.explain(states[f.at], states[f.at + 1], walker.cm.instances[f.then!].info)
          : property.explain(states[f.at]);
      if (detail) message = `${message}: ${detail}`;
    } catch {
      // An explanation that throws only loses its detail.
    }
  }
  return { outcome: 'violates', kind: f.kind, name: f.name, step, message };
}
