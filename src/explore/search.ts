/**
 * What the exhaustive explorers share: the store, the encoder, the counters, and `expand`, which
 * generates the successors of one state, checks step and state properties, and files new states.
 * A finding stops the search and is kept as a path of action instances, rebuilt into a trace later.
 */
import { clone } from '../state/clone.js';
import {
  isTerminal,
  StepError,
  violatedState,
  violatedStep,
  type CompiledModel,
} from '../model/compile.js';
import type { Invariant } from '../model/types.js';
import { Encoder, PlainDataError } from '../state/encode.js';
import { fingerprint, fp } from '../state/fingerprint.js';
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
  readonly encoder = new Encoder();
  readonly maxStates: number;
  readonly maxDepth: number;
  readonly deadlock: boolean;
  transitions = 0;
  depth = 0;
  finding: Finding | undefined;
  stoppedBy: 'max-states' | 'max-depth' | undefined;
  /** Length of the last encoding (the successor just generated), in `encoder.buf`. */
  encodedLength = 0;
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
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Encode and fingerprint `s`; a value that is not plain data becomes an error finding at `at`/`via`. */
  private encode(s: S, at: number, via: number | undefined, label: string): boolean {
    try {
      this.encodedLength = this.encoder.encode(s);
    } catch (e) {
      if (!(e instanceof PlainDataError)) throw e;
      this.finding = { kind: 'error', name: label, message: `state after ${label} is not plain data: ${e.message}`, at, throwing: via };
      return false;
    }
    fingerprint(this.encoder.words, this.encodedLength);
    return true;
  }

  /** Store the initial state and check it. Returns its index, or -1 when a finding stops the search. */
  addInitial(s: S): number {
    if (!this.encode(s, -1, undefined, 'init')) return -1;
    const index = this.store.add(fp.lo, fp.hi, -1, -1);
    return this.checkState(s, index) ? index : -1;
  }

  /** Run state invariants on a newly stored state; false when one is violated (finding recorded). */
  private checkState(s: S, index: number): boolean {
    const broken = this.guarded(index, undefined, () => violatedState(this.cm, s));
    if (broken === null) return false;
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

  /**
   * Generate the successors of state `index` (value `s`, at `depth`). Each new one is stored and
   * handed to `onNew` with its encoding in `encoder.buf[0 … encodedLength)`. With `storeNew` false
   * (the depth bound), new successors are not stored; the return value then says whether any exists.
   * Returns false when a finding or the state bound stops the search.
   */
  expand(s: S, index: number, depth: number, onNew: (next: S, nextIndex: number) => void, storeNew = true): boolean {
    const cm = this.cm;
    const n = cm.instances.length;
    const hasStepProps = cm.stepInvariants.length > 0;
    let enabledCount = 0;
    let beyond = false;
    const instances = cm.instances;
    for (let j = 0; j < n; j++) {
      const inst = instances[j];
      let next: S;
      try {
        if (inst.action.guard(s, inst.param) !== true) continue;
      } catch (e) {
        this.finding = { kind: 'error', name: inst.label, message: new StepError('guard', inst.label, e).message, at: index, throwing: j };
        return false;
      }
      try {
        const draft = clone(s);
        const r = inst.action.effect(draft, inst.param);
        next = r === undefined ? draft : (r as S);
      } catch (e) {
        this.finding = { kind: 'error', name: inst.label, message: new StepError('effect', inst.label, e).message, at: index, throwing: j };
        return false;
      }
      enabledCount++;
      this.transitions++;
      if (!this.encode(next, index, j, cm.instances[j].label)) return false;
      if (hasStepProps) {
        const broken = this.guarded(index, j, () => violatedStep(cm, s, next, j));
        if (broken === null) return false;
        if (broken) {
          this.finding = { kind: 'invariant', name: broken.name, message: `step invariant ${broken.name} violated by ${cm.instances[j].label}`, property: broken, at: index, then: j };
          return false;
        }
      }
      if (!storeNew) {
        if (!this.store.has(fp.lo, fp.hi)) beyond = true;
        continue;
      }
      const nextIndex = this.store.add(fp.lo, fp.hi, index, j);
      if (nextIndex < 0) continue;
      if (depth + 1 > this.depth) this.depth = depth + 1;
      if (!this.checkState(next, nextIndex)) return false;
      onNew(next, nextIndex);
      if (this.store.size >= this.maxStates) {
        this.stoppedBy = 'max-states';
        return false;
      }
      if ((this.store.size & 0xfff) === 0) this.progress();
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
