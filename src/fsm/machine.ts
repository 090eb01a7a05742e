/**
 * Control state machines declared once as typescript-fsm transition tables (`t(from, event, to)`).
 * The table is both the executable check that no step makes an illegal control transition
 * (`next` throws, which the engine reports as an `error` finding with its trace) and the
 * source of the component's Mermaid diagram.
 */
import { StateMachine, t, type ITransition } from 'typescript-fsm';

export { t };
export type Transition<St extends string, Ev extends string> = ITransition<St, Ev, undefined>;

export interface Machine<St extends string, Ev extends string> {
  readonly name: string;
  readonly initial: St;
  readonly states: readonly St[];
  readonly events: readonly Ev[];
  readonly transitions: readonly Transition<St, Ev>[];
  /** Is `event` legal in control state `from`? */
  can(from: St, event: Ev): boolean;
  /** The control state after `event` in `from`; throws IllegalTransitionError when the table has no such row. */
  next(from: St, event: Ev): St;
  /** The table as a Mermaid state diagram (rendered by typescript-fsm). */
  mermaid(): string;
}

export class IllegalTransitionError extends Error {
  constructor(machine: string, from: string, event: string) {
    super(`${machine}: no transition for event '${event}' in state '${from}'`);
    this.name = 'IllegalTransitionError';
  }
}

/** Build a machine from a typescript-fsm table. Each (from, event) pair must lead to exactly one state. */
export function machine<St extends string, Ev extends string>(
  name: string,
  initial: St,
  transitions: readonly Transition<St, Ev>[],
): Machine<St, Ev> {
  const table = new Map<string, St>();
  const states: St[] = [initial];
  const events: Ev[] = [];
  for (const tr of transitions) {
    const key = `${tr.fromState}\u0000${tr.event}`;
    if (table.has(key)) throw new TypeError(`machine ${name}: two rows for '${tr.event}' in '${tr.fromState}'`);
    table.set(key, tr.toState);
    for (const st of [tr.fromState, tr.toState]) if (!states.includes(st)) states.push(st);
    if (!events.includes(tr.event)) events.push(tr.event);
  }
  return {
    name,
    initial,
    states,
    events,
    transitions,
    can: (from, event) => table.has(`${from}\u0000${event}`),
    next(from, event) {
      const to = table.get(`${from}\u0000${event}`);
      if (to === undefined) throw new IllegalTransitionError(name, from, event);
      return to;
    },
    mermaid: () => new StateMachine<St, Ev>(initial, [...transitions] as never).toMermaid(name),
  };
}
