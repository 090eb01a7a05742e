import type { Action, Model, ModelSpec, Param, StateInvariant, StepInfo, StepInvariant } from './types.js';

const MODEL_TAG = Symbol.for('accelcheck.model');

/** Declare a model. Validates the description once, so explorers can trust it. */
export function defineModel<S>(spec: ModelSpec<S>): Model<S> {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('defineModel: expected a model description');
  if (typeof spec.name !== 'string' || spec.name === '') throw new TypeError('defineModel: `name` must be a non-empty string');
  if (typeof spec.init !== 'function') throw new TypeError(`defineModel(${spec.name}): \`init\` must be a function`);
  if (!Array.isArray(spec.actions)) throw new TypeError(`defineModel(${spec.name}): \`actions\` must be an array`);
  const seen = new Set<string>();
  for (const a of spec.actions) {
    if (!a || typeof a.name !== 'string' || typeof a.guard !== 'function' || typeof a.effect !== 'function') {
      throw new TypeError(`defineModel(${spec.name}): every action must come from action(name, domain?, guard, effect)`);
    }
    if (seen.has(a.name)) throw new TypeError(`defineModel(${spec.name}): two actions are named '${a.name}'`);
    seen.add(a.name);
  }
  const invariants = spec.invariants ?? [];
  const names = new Set<string>();
  for (const inv of invariants) {
    if (!inv || typeof inv.name !== 'string' || typeof inv.holds !== 'function') {
      throw new TypeError(`defineModel(${spec.name}): every invariant must come from invariant(name, predicate)`);
    }
    if (names.has(inv.name)) throw new TypeError(`defineModel(${spec.name}): two invariants are named '${inv.name}'`);
    names.add(inv.name);
  }
  if (spec.symmetry !== undefined && typeof spec.symmetry !== 'function') {
    throw new TypeError(`defineModel(${spec.name}): \`symmetry\` must be a function returning the representative of a state`);
  }
  const model: Model<S> = {
    name: spec.name,
    config: spec.config ?? null,
    init: spec.init,
    actions: spec.actions,
    invariants,
    terminal: spec.terminal ?? (() => false),
    ...(spec.symmetry ? { symmetry: spec.symmetry } : {}),
  };
  Object.defineProperty(model, MODEL_TAG, { value: true });
  return model;
}

/** True for a value made by defineModel (also across copies of this package). */
export function isModel(value: unknown): value is Model {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MODEL_TAG] === true;
}

export interface ActionOptions<P> {
  /** Who takes the step, for reports: a name, or a function of the parameter. */
  actor?: string | ((p: P) => string);
}

/**
 * An action: `action(name, domain, guard, effect)` or, without parameter, `action(name, guard, effect)`.
 * The effect receives a draft copy it owns: mutate it, or return a new state.
 */
export function action<S, P extends Param>(
  name: string,
  domain: readonly P[],
  guard: (s: S, p: P) => boolean,
  effect: (s: S, p: P) => S | void,
  options?: ActionOptions<P>,
): Action<S, P>;
export function action<S>(
  name: string,
  guard: (s: S) => boolean,
  effect: (s: S) => S | void,
  options?: ActionOptions<undefined>,
): Action<S, undefined>;
export function action(name: string, ...rest: unknown[]): Action {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(name)) {
    throw new TypeError(`action: invalid name ${JSON.stringify(name)} (letters, digits, _ . -)`);
  }
  let domain: readonly Param[] | undefined;
  if (Array.isArray(rest[0])) domain = rest.shift() as Param[];
  const [guard, effect, options] = rest as [Action['guard'], Action['effect'], ActionOptions<Param> | undefined];
  if (typeof guard !== 'function' || typeof effect !== 'function') {
    throw new TypeError(`action(${name}): expected (name, domain?, guard, effect)`);
  }
  if (domain !== undefined && domain.length === 0) throw new TypeError(`action(${name}): empty parameter domain`);
  return { name, domain, guard, effect, actor: options?.actor };
}

export interface PropertyOptions {
  statement?: string;
  ref?: string;
}

/** A state invariant: `predicate` must hold in every reachable state. */
export function invariant<S>(
  name: string,
  holds: (s: S) => boolean,
  options: PropertyOptions & { explain?: (s: S) => string } = {},
): StateInvariant<S> {
  if (typeof name !== 'string' || name === '') throw new TypeError('invariant: name must be a non-empty string');
  if (typeof holds !== 'function') throw new TypeError(`invariant(${name}): predicate must be a function`);
  return { kind: 'always', name, holds, ...options };
}

/** An action property: `holds(before, after, step)` must be true of every transition. */
export function stepInvariant<S>(
  name: string,
  holds: (before: S, after: S, step: StepInfo) => boolean,
  options: PropertyOptions & { explain?: (before: S, after: S, step: StepInfo) => string } = {},
): StepInvariant<S> {
  if (typeof name !== 'string' || name === '') throw new TypeError('stepInvariant: name must be a non-empty string');
  if (typeof holds !== 'function') throw new TypeError(`stepInvariant(${name}): predicate must be a function`);
  return { kind: 'step', name, holds, ...options };
}

/** The integers 0 … n-1, as an action's parameter domain. */
export function range(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`range: expected a non-negative integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => i);
}
