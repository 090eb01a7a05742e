import type { PlainValue } from '../model/types.js';

export const TRACE_FORMAT = 'accelcheck-trace';
export const TRACE_VERSION = 1;

export type ViolationKind = 'invariant' | 'deadlock' | 'error';

export interface TraceStep {
  /** The step's label, `name(param)`: with the model and its config, enough to re-execute it. */
  action: string;
  /** The state after the step. */
  state: PlainValue;
  /** Who took the step, where the model says. */
  actor?: string;
}

export interface TraceViolation {
  kind: ViolationKind;
  /** The invariant's name, `deadlock`, or for an error the label of the step (or property) that threw. */
  name: string;
  message: string;
  /** For an error in a guard or effect: the step that threw, taken after the last recorded step. */
  action?: string;
}

/** A versioned trace document: what `--out` writes and `replay` reads. */
export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  model: string;
  /** Path of a user's model module (relative to the trace file when written by --out). */
  source?: string;
  config: PlainValue;
  strategy?: string;
  seed?: number;
  /** simulate: fast-check's counterexample path; with the seed, reproduces the walk. */
  path?: string;
  /** The invariants checked, when the run checked only some of the model's. */
  invariants?: string[];
  init: PlainValue;
  steps: TraceStep[];
  violation: TraceViolation;
}
