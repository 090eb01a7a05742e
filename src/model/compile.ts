/**
 * The one layer that calls a model's guards, effects and properties. It flattens actions into
 * instances (action × parameter, in declaration order then domain order — seeds, paths and
 * shortest traces depend on that order), labels each `name(param)`, and turns a throw into a
 * StepError the explorers report as a finding of kind `error`.
 */
import { clone } from '../state/clone.js';
import type { Action, Model, Param, StateInvariant, StepInfo, StepInvariant } from './types.js';

export interface Instance {
  readonly action: Action;
  readonly param: Param | undefined;
  readonly label: string;
  readonly info: StepInfo;
  readonly actor: string | undefined;
}

export interface CompiledModel<S = any> {
  readonly model: Model<S>;
  readonly instances: readonly Instance[];
  readonly byLabel: ReadonlyMap<string, number>;
  readonly stateInvariants: readonly StateInvariant<S>[];
  readonly stepInvariants: readonly StepInvariant<S>[];
}

/** Where a model's own code threw. */
export class StepError extends Error {
  constructor(
    readonly where: 'init' | 'guard' | 'effect' | 'invariant' | 'terminal' | 'state' | 'symmetry',
    readonly label: string,
    override readonly cause: unknown,
  ) {
    super(`${where} of ${label} threw: ${describeError(cause)}`);
    this.name = 'StepError';
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name === 'Error' ? '' : e.name + ': '}${e.message}`;
  return String(e);
}

function formatParam(p: Param): string {
  if (Array.isArray(p)) return p.map((x) => JSON.stringify(x)).join(',');
  return JSON.stringify(p);
}

/** The label of a step: `name` or `name(param)`; a tuple parameter is written `name(a,b)`. */
export function formatLabel(name: string, param: Param | undefined): string {
  return param === undefined ? name : `${name}(${formatParam(param)})`;
}

export function compile<S>(model: Model<S>, only?: readonly string[]): CompiledModel<S> {
  const instances: Instance[] = [];
  const byLabel = new Map<string, number>();
  for (const a of model.actions) {
    const params: (Param | undefined)[] = a.domain === undefined ? [undefined] : [...a.domain];
    for (const param of params) {
      const label = formatLabel(a.name, param);
      if (byLabel.has(label)) throw new TypeError(`model ${model.name}: two steps are labelled ${label}`);
      const actor = typeof a.actor === 'function' ? a.actor(param) : a.actor;
      byLabel.set(label, instances.length);
      instances.push({ action: a, param, label, info: { action: a.name, param, label }, actor });
    }
  }
  const invariants = only ? model.invariants.filter((i) => only.includes(i.name)) : model.invariants;
  return {
    model,
    instances,
    byLabel,
    stateInvariants: invariants.filter((i): i is StateInvariant<S> => i.kind === 'always'),
    stepInvariants: invariants.filter((i): i is StepInvariant<S> => i.kind === 'step'),
  };
}

export function initial<S>(cm: CompiledModel<S>): S {
  try {
    return cm.model.init();
  } catch (e) {
    throw new StepError('init', 'init', e);
  }
}

/** The state after instance `j` from `s`; `s` is not modified. */
export function successor<S>(cm: CompiledModel<S>, s: S, j: number): S {
  const inst = cm.instances[j];
  try {
    const draft = clone(s);
    const r = inst.action.effect(draft, inst.param);
    return r === undefined ? draft : (r as S);
  } catch (e) {
    throw new StepError('effect', inst.label, e);
  }
}

export function isTerminal<S>(cm: CompiledModel<S>, s: S): boolean {
  try {
    return cm.model.terminal(s) === true;
  } catch (e) {
    throw new StepError('terminal', 'terminal', e);
  }
}

/** The first state invariant violated in `s`, if any. */
export function violatedState<S>(cm: CompiledModel<S>, s: S): StateInvariant<S> | undefined {
  for (const inv of cm.stateInvariants) {
    let ok: boolean;
    try {
      ok = inv.holds(s) === true;
    } catch (e) {
      throw new StepError('invariant', inv.name, e);
    }
    if (!ok) return inv;
  }
  return undefined;
}

/** The first step invariant violated by `before --j--> after`, if any. */
export function violatedStep<S>(cm: CompiledModel<S>, before: S, after: S, j: number): StepInvariant<S> | undefined {
  const info = cm.instances[j].info;
  for (const inv of cm.stepInvariants) {
    let ok: boolean;
    try {
      ok = inv.holds(before, after, info) === true;
    } catch (e) {
      throw new StepError('invariant', inv.name, e);
    }
    if (!ok) return inv;
  }
  return undefined;
}
