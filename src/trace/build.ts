/**
 * Rebuild a trace document from a path of action instances by re-running the model from its
 * initial state (the store keeps only fingerprints and parent links).
 */
import { successor, type CompiledModel } from '../model/compile.js';
import type { PlainValue } from '../model/types.js';
import { TRACE_FORMAT, TRACE_VERSION, type Trace, type TraceStep, type TraceViolation } from './types.js';

export interface TraceContext {
  strategy?: string;
  seed?: number;
  /** simulate: fast-check's counterexample path. */
  path?: string;
  source?: string;
}

export function buildTrace<S>(
  cm: CompiledModel<S>,
  init: S,
  path: readonly number[],
  violation: TraceViolation,
  context: TraceContext = {},
): Trace {
  const steps: TraceStep[] = [];
  let s = init;
  for (const j of path) {
    s = successor(cm, s, j);
    const inst = cm.instances[j];
    const step: TraceStep = { action: inst.label, state: structuredClone(s) as PlainValue };
    if (inst.actor !== undefined) step.actor = inst.actor;
    steps.push(step);
  }
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    model: cm.model.name,
    ...(context.source !== undefined ? { source: context.source } : {}),
    config: cm.model.config,
    ...(context.strategy !== undefined ? { strategy: context.strategy } : {}),
    ...(context.seed !== undefined ? { seed: context.seed } : {}),
    ...(context.path !== undefined ? { path: context.path } : {}),
    init: structuredClone(init) as PlainValue,
    steps,
    violation,
  };
  return trace;
}
