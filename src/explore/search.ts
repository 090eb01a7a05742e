/**
 * What the exhaustive explorers share: the store, the encoder, the counters, and `expand`, which
 * generates the successors of one state, checks step and state properties, and files new states.
 * A finding stops the search and is kept as a path of action instances, rebuilt into a trace later.
 */
import {
  isTerminal,
  StepError,
  violatedState,
  violatedStep,
  type CompiledModel,
} from '../model/compile.js';
import type { Action, Invariant } from '../model/types.js';
import { Codec, type Template } from '../state/codec.js';
import { PlainDataError } from '../state/encode.js';
import { fp } from '../state/fingerprint.js';
import { StateStore } from '../state/store.js';
import type { ViolationKind } from '../trace/types.js';
import type { ExploreOptions, Progress } from './types.js';

/** A finding, before its trace is rebuilt: the path to the state where it shows. */
export interface Finding {
  kind: ViolationKind;
  name: string;
  message: string;
  property?: Invariant;
  /** Index of the state where the finding shows (for a step property or a throwing step: the state before it). */
  at: number;
  /** The instance taken from `at` whose step breaks a step property: the trace ends with it. */
  then?: number;
  /** The instance whose guard or effect threw in state `at`: named in the violation, not a trace step. */
  throwing?: number;
}

export class Search<S> {
  readonly store: StateStore;
  /** Specialised encoders, decoders and clones per state shape; the last encoding is in `codec.encoder.buf`. */
  readonly codec = new Codec();
  readonly maxStates: number;
  readonly maxDepth: number;
  readonly deadlock: boolean;
  transitions = 0;
  depth = 0;
  finding: Finding | undefined;
  stoppedBy: 'max-states' | 'max-depth' | undefined;
  private readonly started = Date.now();
  private nextProgress: number;

  constructor(
    readonly cm: CompiledModel<S>,
    readonly options: ExploreOptions,
    readonly queueLength: () => number,
  ) {
    this.maxStates = options.maxStates ?? Infinity;
    this.maxDepth = options.maxDepth ?? Infinity;
    this.deadlock = options.deadlock ?? true;
    this.store = new StateStore(Math.min(this.maxStates, 1 << 14));
    this.nextProgress = this.started + (options.progressEveryMs ?? 2000);
    const n = cm.instances.length;
    this.batchVia = new Int32Array(n);
    this.batchLo = new Int32Array(n);
    this.batchHi = new Int32Array(n);
    this.batchStart = new Int32Array(n);
    this.batchLength = new Int32Array(n);
    this.batchTemplate = new Int32Array(n);
    this.groups = actionGroups(cm);
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Encode and fingerprint the initial state; a value that is not plain data becomes an error finding. */
  private encodeInitial(s: S): boolean {
    try {
      this.codec.encodeNew(s);
    } catch (e) {
      if (!(e instanceof PlainDataError)) throw e;
      this.finding = { kind: 'error', name: 'init', message: `state after init is not plain data: ${e.message}`, at: -1, throwing: undefined };
      return false;
    }
    return true;
  }

  /** Store the initial state and check it. Returns its index, or -1 when a finding stops the search. */
  addInitial(s: S): number {
    if (!this.encodeInitial(s)) return -1;
    const index = this.store.add(fp.lo, fp.hi, -1, -1);
    return this.checkState(s, index) ? index : -1;
  }

  /** Run state invariants on a newly stored state; false when one is violated (finding recorded). */
  private checkState(s: S, index: number): boolean {
    let broken: Invariant | undefined;
    try {
      broken = violatedState(this.cm, s);
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      this.finding = { kind: 'error', name: e.label, message: e.message, at: index, then: undefined };
      return false;
    }
    if (broken) {
      this.finding = { kind: 'invariant', name: broken.name, message: `invariant ${broken.name} violated`, property: broken, at: index };
      return false;
    }
    return true;
  }

  /** Run model code, turning a throw into an error finding. `then`: the step under check, kept in the trace. */
  guarded<T>(at: number, then: number | undefined, f: () => T): T | null {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      this.finding = { kind: 'error', name: e.label, message: e.message, at, then };
      return null;
    }
  }

  // The successors of the state being expanded, all generated before any is looked up in the
  // store (see `expand`): per successor, its value, the instance that made it, its fingerprint,
  // and its encoding (in `codec.encoder.buf`, each at a multiple of 8).
  private readonly batchNext: S[] = [];
  private readonly batchVia: Int32Array;
  private readonly batchLo: Int32Array;
  private readonly batchHi: Int32Array;
  private readonly batchStart: Int32Array;
  private readonly batchLength: Int32Array;
  private readonly batchTemplate: Int32Array;
  /** Where a guard or effect threw while generating successors (`j` = -1: none did). */
  private readonly thrown: Thrown = { j: -1, where: 'guard', error: undefined };
  /** The actions, each with the runner that generates its instances' successors. */
  private readonly groups: ActionGroup[];
  /** Keeps the result of `store.prefetch` (unused, but its reads must not be optimised away). */
  private prefetched = 0;

  /**
   * Generate the successors of state `index` (value `s` of codec template `t`, at `depth`).
   * Each new one is stored, checked, and handed to `onNew` with its encoding
   * (`bytes[start … start + length)`, written by codec template `template`). With `storeNew`
   * false (the depth bound), new successors are not stored; the return value then says whether
   * any exists. Returns false when a finding or the state bound stops the search.
   *
   * The work is done in passes, with the same outcome as taking the instances one by one:
   * (1) every enabled instance's successor is made (per action, by a runner compiled for it,
   * so the guard and effect calls are not megamorphic and can be inlined); (2) each is encoded
   * and fingerprinted, and its step properties checked; (3) the seen-set slots of all of them
   * are read at once (`store.prefetch`: slots are random, so each lookup would otherwise wait
   * for memory on its own), then they are looked up and filed in instance order. A finding in
   * pass 1 or 2 (a guard or effect that throws, a state that is not plain data, a broken step
   * property) is reported once the successors of the instances before it have been filed,
   * unless one of those stops the search first.
   */
  expand(
    s: S,
    t: Template,
    index: number,
    depth: number,
    onNew: (next: S, nextIndex: number, bytes: Uint8Array, start: number, length: number, template: number) => void,
    storeNew = true,
  ): boolean {
    const cm = this.cm;
    const codec = this.codec;
    const batchNext = this.batchNext;
    const vias = this.batchVia;

    // Pass 1: successors.
    const thrown = this.thrown;
    thrown.j = -1;
    let m = 0;
    const clone = t.clone;
    const groups = this.groups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      m = group.run(s, clone, group.guard, group.effect, group.params, group.first, batchNext, vias, m, thrown);
      if (thrown.j >= 0) break;
    }
    let pending: Finding | undefined;
    if (thrown.j >= 0) {
      const label = cm.instances[thrown.j].label;
      pending = { kind: 'error', name: label, message: new StepError(thrown.where, label, thrown.error).message, at: index, throwing: thrown.j };
      thrown.error = undefined;
    }
    const enabledCount = m;

    // Pass 2: encodings and fingerprints (`fp`, set by the codec), step properties.
    const hasStepProps = cm.stepInvariants.length > 0;
    const lo = this.batchLo;
    const hi = this.batchHi;
    const starts = this.batchStart;
    const lengths = this.batchLength;
    const templates = this.batchTemplate;
    /** Whether the step of the pending finding counts as a transition. */
    let pendingCounts = false;
    let pos = 0;
    for (let k = 0; k < m; k++) {
      const next = batchNext[k];
      const j = vias[k];
      let length: number;
      try {
        length = codec.encodeLike(next, t, pos);
      } catch (e) {
        if (!(e instanceof PlainDataError)) throw e;
        const label = cm.instances[j].label;
        pending = { kind: 'error', name: label, message: `state after ${label} is not plain data: ${e.message}`, at: index, throwing: j };
        pendingCounts = true;
        m = k;
        break;
      }
      if (hasStepProps) {
        const broken = this.stepBroken(s, next, index, j);
        if (broken) {
          pending = broken;
          pendingCounts = true;
          m = k;
          break;
        }
      }
      lo[k] = fp.lo;
      hi[k] = fp.hi;
      starts[k] = pos;
      lengths[k] = length;
      templates[k] = codec.tid;
      pos = (pos + length + 7) & ~7;
    }

    // Pass 3: the store.
    const store = this.store;
    this.prefetched ^= store.prefetch(lo, m);
    const bytes = codec.encoder.buf;
    let beyond = false;
    for (let k = 0; k < m; k++) {
      this.transitions++;
      if (!storeNew) {
        if (!store.has(lo[k], hi[k])) beyond = true;
        continue;
      }
      const nextIndex = store.add(lo[k], hi[k], index, vias[k]);
      if (nextIndex < 0) continue;
      if (depth + 1 > this.depth) this.depth = depth + 1;
      const next = batchNext[k];
      if (!this.checkState(next, nextIndex)) return this.release();
      onNew(next, nextIndex, bytes, starts[k], lengths[k], templates[k]);
      if (store.size >= this.maxStates) {
        this.stoppedBy = 'max-states';
        return this.release();
      }
      if ((store.size & 0xfff) === 0) this.progress();
    }
    if (pending) {
      if (pendingCounts) this.transitions++;
      this.finding = pending;
      return this.release();
    }
    if (enabledCount === 0 && this.deadlock) {
      const terminal = this.guarded(index, undefined, () => isTerminal(cm, s));
      if (terminal === null) return false;
      if (!terminal) {
        this.finding = { kind: 'deadlock', name: 'deadlock', message: 'no action is enabled and the state is not terminal', at: index };
        return false;
      }
    }
    if (!storeNew && beyond) this.stoppedBy = 'max-depth';
    return true;
  }

  /** The finding when step `j` from `s` to `next` breaks a step property (or one throws). */
  private stepBroken(s: S, next: S, index: number, j: number): Finding | undefined {
    const cm = this.cm;
    let broken: Invariant | undefined;
    try {
      broken = violatedStep(cm, s, next, j);
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      return { kind: 'error', name: e.label, message: e.message, at: index, then: j };
    }
    if (!broken) return undefined;
    return { kind: 'invariant', name: broken.name, message: `step invariant ${broken.name} violated by ${cm.instances[j].label}`, property: broken, at: index, then: j };
  }

  /** Drop the batch's references to successor values when the search stops (so they can be collected); returns false. */
  private release(): false {
    this.batchNext.length = 0;
    return false;
  }

  private progress(): void {
    const now = Date.now();
    if (now < this.nextProgress || !this.options.onProgress) return;
    this.nextProgress = now + (this.options.progressEveryMs ?? 2000);
    const elapsedMs = now - this.started;
    this.options.onProgress(this.snapshot(elapsedMs));
  }

  snapshot(elapsedMs = this.elapsedMs): Progress {
    return {
      states: this.store.size,
      transitions: this.transitions,
      depth: this.depth,
      queue: this.queueLength(),
      elapsedMs,
      statesPerSecond: elapsedMs > 0 ? Math.round((this.store.size * 1000) / elapsedMs) : 0,
    };
  }
}

/** Where a guard or effect threw while a runner generated successors. */
interface Thrown {
  j: number;
  where: 'guard' | 'effect';
  error: unknown;
}

/**
 * Generates the successors of one action's instances `first, first + 1, …` (parameters
 * `params`) from state `s`: for each enabled one, in order, the effect applied to `clone(s)`,
 * stored at `out[m]` with its instance at `via[m]`. Returns the new `m`; stops at a guard or
 * effect that throws, recording it in `thrown`.
 */
type Runner = (
  s: unknown,
  clone: (v: unknown) => unknown,
  guard: Action['guard'],
  effect: Action['effect'],
  params: readonly unknown[],
  first: number,
  out: unknown[],
  via: Int32Array,
  m: number,
  thrown: Thrown,
) => number;

interface ActionGroup {
  readonly guard: Action['guard'];
  readonly effect: Action['effect'];
  readonly params: readonly unknown[];
  readonly first: number;
  readonly run: Runner;
}

const RUNNER_SOURCE = `
return function run(s, clone, guard, effect, params, first, out, via, m, thrown) {
  const n = params.length;
  for (let i = 0; i < n; i++) {
    const p = params[i];
    let enabled;
    try {
      enabled = guard(s, p);
    } catch (e) {
      thrown.j = first + i; thrown.where = 'guard'; thrown.error = e;
      return m;
    }
    if (enabled !== true) continue;
    let next;
    try {
      const draft = clone(s);
      const r = effect(draft, p);
      next = r === undefined ? draft : r;
    } catch (e) {
      thrown.j = first + i; thrown.where = 'effect'; thrown.error = e;
      return m;
    }
    out[m] = next;
    via[m] = first + i;
    m++;
  }
  return m;
};`;

/**
 * The model's instances grouped by action (they are consecutive), each group with a runner of
 * its own: every runner is a separate compilation of the same source (new Function), so its
 * guard and effect call sites only ever see one function, which V8 can inline.
 */
function actionGroups(cm: CompiledModel): ActionGroup[] {
  const groups: ActionGroup[] = [];
  const instances = cm.instances;
  for (let j = 0; j < instances.length; ) {
    const action = instances[j].action;
    const params: unknown[] = [];
    const first = j;
    while (j < instances.length && instances[j].action === action) params.push(instances[j++].param);
    const run = new Function(RUNNER_SOURCE)() as Runner;
    groups.push({ guard: action.guard, effect: action.effect, params, first, run });
  }
  return groups;
}
