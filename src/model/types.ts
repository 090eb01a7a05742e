/**
 * The model API's types. A model is a plain description — initial state, actions, properties —
 * and knows nothing of how it is explored (Stateright's split).
 */

/** A value a state may hold: JSON data only, so states can be encoded, compared and written to traces. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/** A parameter of an action: any plain value (a number from `range(n)`, a tuple, a record…). */
export type Param = PlainValue;

export interface Action<S = any, P = any> {
  readonly name: string;
  /** The values the parameter ranges over, in the fixed order exploration uses; undefined for an action without parameter. */
  readonly domain: readonly P[] | undefined;
  /** Is the action enabled in `s` for parameter `p`? Must not modify `s`. */
  readonly guard: (s: S, p: P) => boolean;
  /** Apply the action to a draft the engine owns: mutate it, or return a new state. */
  readonly effect: (s: S, p: P) => S | void;
  /** Who takes the step (a domain, a device), for reports: a fixed name or derived from the parameter. */
  readonly actor?: string | ((p: P) => string);
}

export type InvariantKind = 'always' | 'step';

interface PropertyInfo {
  readonly name: string;
  /** One line, in the paper's terms. */
  readonly statement?: string;
  /** Where the property comes from, e.g. `S9` (protocol.md §3). */
  readonly ref?: string;
}

/** A state property: must hold in every reachable state. */
export interface StateInvariant<S = any> extends PropertyInfo {
  readonly kind: 'always';
  readonly holds: (s: S) => boolean;
  /** Optional explanation of a failure: the values that break it. */
  readonly explain?: (s: S) => string;
}

/** An action property: must hold of every transition `before --step--> after`. */
export interface StepInvariant<S = any> extends PropertyInfo {
  readonly kind: 'step';
  readonly holds: (before: S, after: S, step: StepInfo) => boolean;
  readonly explain?: (before: S, after: S, step: StepInfo) => string;
}

export type Invariant<S = any> = StateInvariant<S> | StepInvariant<S>;

/** What a step invariant learns of the step: the action's name, its parameter and the label. */
export interface StepInfo {
  readonly action: string;
  readonly param: Param | undefined;
  readonly label: string;
}

export interface Model<S = any> {
  readonly name: string;
  /** The configuration the model was built from (scenario, mutant…); recorded in every trace. */
  readonly config: PlainValue;
  readonly init: () => S;
  readonly actions: readonly Action<S>[];
  readonly invariants: readonly Invariant<S>[];
  /** States where having no enabled action is legitimate (not a deadlock). */
  readonly terminal: (s: S) => boolean;
  /** The representative of `s`'s symmetry class (see ModelSpec.symmetry); undefined when the model declares none. */
  readonly symmetry?: (s: S) => S;
}

export interface ModelSpec<S> {
  name: string;
  config?: PlainValue;
  init: () => S;
  actions: readonly Action<S>[];
  invariants?: readonly Invariant<S>[];
  terminal?: (s: S) => boolean;
  /**
   * Symmetry reduction (Stateright's representative function): the canonical member of `s`'s
   * symmetry class — e.g. interchangeable processes sorted, with every reference to them renamed
   * consistently. With `check(model, { symmetry: true })` the explorers store and expand the
   * representative instead of each state. Sound only when (1) it is a symmetry of the model: a
   * permutation π of `s` such that π(s) takes the same steps, up to renaming, as `s` (for every
   * step s → t there is a step π(s) → π'(t)), (2) it is idempotent, returning the same member for
   * every state of the class, and (3) every invariant, step property and `terminal` gives the same
   * verdict on `s` and on its representative. `checkSymmetry(model)` tests all three on explored states.
   * It must not modify `s` (return a new state).
   */
  symmetry?: (s: S) => S;
}
