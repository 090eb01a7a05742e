/**
 * What the exhaustive explorers share: the store, the codecs, the counters, and `expand`, which
 * generates the successors of one state, checks step and state properties, and files new states.
 * A finding stops the search and is kept as a path of action instances, rebuilt into a trace later.
 *
 * States travel as bytes (the canonical encoding, state/encode.ts) with the id of the codec
 * template that wrote them (state/codec.ts): a parent is decoded by its template, each
 * successor's draft is a template clone of it, and successors are encoded and fingerprinted
 * by the parent's template (or a wider one when their shape changed).
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
import { BitStateStore } from '../state/bitstate.js';
import { StateStore, type SeenSet } from '../state/store.js';
import type { ViolationKind } from '../trace/types.js';
import type { ExploreOptions, Progress } from './types.js';

/**
 * Where a partitioned search sends a successor another part owns: its fingerprint, the global
 * reference of the state it was reached from and the instance, its encoding and codec template.
 */
export type Route = (lo: number, hi: number, parent: number, via: number, bytes: Uint8Array, start: number, length: number, template: number) => void;

/**
 * The part (of `parts`) that owns a fingerprint: from its high half, whose bits neither the
 * exact store's slot index (the low half) nor the bitstate indexes' first hash use.
 */
export function ownerOf(hi: number, parts: number): number {
  return ((Math.imul(hi, 0x9e3779b1) >>> 8) % parts);
}

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
  /** The model's representative function threw (symmetry reduction): a fault of the model's declaration, not of a step. */
  symmetry?: true;
}

export class Search<S> {
  readonly store: SeenSet;
  /** Specialised encoders, decoders and clones per state shape; the last encoding is in `codec.encoder.buf`. */
  readonly codec = new Codec();
  maxStates: number;
  readonly maxDepth: number;
  readonly deadlock: boolean;
  transitions = 0;
  depth = 0;
  finding: Finding | undefined;
  stoppedBy: 'max-states' | 'max-depth' | 'memory' | undefined;
  /**
   * With a memory limit (`memoryMB`): the bytes the store and queue may hold, and the process RSS
   * may reach (the same, unless the search is one part of several, which share the first), and
   * the RSS at the last check.
   */
  memoryLimit: number;
  readonly rssLimit: number;
  rssBytes = 0;
  private nextRssCheck = 0;
  private readonly started = Date.now();
  private nextProgress: number;
  /** The successors of the state being expanded. */
  private readonly batch: Batch;
  /** The actions, each with the runner that generates its instances' successors. */
  private readonly groups: ActionGroup[];
  /** Keeps the result of `store.prefetch` (unused, but its reads must not be optimised away). */
  private prefetched = 0;
  /** The model's representative function when symmetry reduction is on, else null. */
  readonly canon: ((s: unknown) => unknown) | null;
  /** Whether new states are decoded and checked (the model has state invariants). */
  private readonly checkStates: boolean;
  /** Partitioned search (see `partition`): this part, the number of parts, where others' successors go. */
  part = 0;
  parts = 1;
  route: Route | null = null;
  /**
   * While set (partitioned search, a state expanded ahead of its level: explore/parallel/part.ts),
   * every successor goes to this route, this part's own too, and none is filed.
   */
  deferred: Route | null = null;
  /**
   * While set (a parallel BFS on a shared table, explore/parallel/shared-bfs.ts), a new state that
   * breaks a state property does not stop the search: its finding goes here, with its
   * fingerprint, and filing goes on, so that every finding of a level is seen whichever thread
   * stores which state.
   */
  collect: ((finding: Finding, lo: number, hi: number) => void) | null = null;
  /** Partitioned after a handoff: the states found before it are refs 0 … refBase - 1, and this part's own begin at local index localBase. */
  refBase = 0;
  localBase = 0;

  constructor(
    readonly cm: CompiledModel<S>,
    readonly options: ExploreOptions,
    readonly queueLength: () => number,
    /** Bytes held by the queue (or stack), for the memory limit. */
    readonly queueBytes: () => number = () => 0,
    /** The seen-set, when it is not this search's own (the shared table of a parallel BFS). */
    store?: SeenSet,
  ) {
    this.maxStates = options.maxStates ?? Infinity;
    this.maxDepth = options.maxDepth ?? Infinity;
    this.deadlock = options.deadlock ?? true;
    this.store = store ?? (options.bitstate !== undefined ? new BitStateStore(options.bitstate, options.bitstateHashes, { seed: options.bitstateSeed, sketch: options.sketch }) : new StateStore(Math.min(this.maxStates, 1 << 14)));
    this.memoryLimit = this.rssLimit = options.memoryMB !== undefined ? options.memoryMB * 2 ** 20 : Infinity;
    this.nextProgress = this.started + (options.progressEveryMs ?? 2000);
    const stepCheck = cm.stepInvariants.length > 0 ? (s: unknown, next: unknown, j: number) => this.stepBroken(s as S, next as S, j) : null;
    // Symmetry reduction: successors (and the initial state) are stored as the model's representative.
    this.canon = options.symmetry && cm.model.symmetry ? (cm.model.symmetry as (s: unknown) => unknown) : null;
    this.batch = new Batch(this.codec, cm.instances.length, stepCheck, this.canon);
    this.groups = actionGroups(cm);
    this.checkStates = cm.stateInvariants.length > 0;
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

  /**
   * Store the initial state and check it. Returns its index, or -1 when a finding stops the
   * search, or -2 (partitioned) when another part owns it.
   */
  addInitial(s: S): number {
    if (this.canon !== null) {
      try {
        s = this.canon(s) as S;
      } catch (e) {
        this.finding = { kind: 'error', name: 'symmetry', message: new StepError('symmetry', 'init', e).message, at: -1, symmetry: true };
        return -1;
      }
    }
    if (!this.encodeInitial(s)) return -1;
    if (this.route !== null && ownerOf(fp.hi, this.parts) !== this.part) return -2;
    const index = this.store.add(fp.lo, fp.hi, -1, -1) * this.parts + this.part;
    const codec = this.codec;
    return this.checkState(codec.templates[codec.tid].decode(codec.encoder.buf, 0, codec.length) as S, index) ? index : -1;
  }

  /**
   * Run state invariants on a newly stored state; false when one is violated (finding recorded).
   * The explorers pass the state as decoded from its bytes (an equal value), so the model's
   * invariants only ever see states built by the codecs, of a few hidden classes.
   */
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

  /**
   * Generate the successors of state `index` (value `s` of codec template `t`, at `depth`).
   * Each new one is stored, checked, and handed to `onNew` with its index and encoding
   * (`bytes[start … start + length)`, written by codec template `template`). With `storeNew`
   * false (the depth bound), new successors are not stored; the return value then says whether
   * any exists. Returns false when a finding or the state bound stops the search.
   *
   * Two passes, with the same outcome as taking the instances one by one: (1) for each
   * enabled instance in order, its successor is made, encoded and fingerprinted, and its step
   * properties checked (per action, by a runner compiled for it, so the guard and effect calls
   * are not megamorphic and can be inlined; drafts die at once, only bytes are kept); (2) the
   * seen-set slots of all the successors are read at once (`store.prefetch`: slots are random,
   * so each lookup would otherwise wait for memory on its own), then they are looked up and
   * filed in order. A finding in pass 1 (a guard or effect that throws, a state that is not
   * plain data, a broken step property) is reported once the successors before it are filed,
   * unless one of those stops the search first.
   */
  expand(
    s: S,
    t: Template,
    index: number,
    depth: number,
    onNew: (nextIndex: number, bytes: Uint8Array, start: number, length: number, template: number) => void,
    storeNew = true,
  ): boolean {
    const batch = this.batch;
    batch.failed = -1;
    batch.pos = 0;

    // Pass 1: successors, as bytes and fingerprints.
    let m = 0;
    const groups = this.groups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      m = group.run(s, t, group.guard, group.effect, group.params, group.first, batch, m);
      if (batch.failed >= 0) break;
    }
    const pending = batch.failed >= 0 ? this.failure(index) : undefined;

    // Pass 2: the store.
    const store = this.store;
    const lo = batch.lo;
    const hi = batch.hi;
    const bytes = this.codec.encoder.buf;
    const successors = m;
    // Partitioned (worker threads): the successors other parts own are sent there, which file
    // them; the rest move up, in order, so that only their slots are read ahead.
    if (this.route !== null) m = this.routeOthers(index, m, bytes);
    this.prefetched ^= store.prefetch(lo, m, hi);
    let beyond = false;
    for (let k = 0; k < m; k++) {
      this.transitions++;
      if (!storeNew) {
        if (!store.has(lo[k], hi[k])) beyond = true;
        continue;
      }
      if (!this.file(lo[k], hi[k], index, batch.via[k], depth + 1, bytes, batch.start[k], batch.length[k], batch.template[k], onNew)) return false;
    }
    if (pending) {
      if (batch.failure === 'state' || batch.failure === 'step') this.transitions++;
      this.finding = pending;
      return false;
    }
    if (successors === 0 && this.deadlock) {
      const terminal = this.guarded(index, undefined, () => isTerminal(this.cm, s));
      if (terminal === null) return false;
      if (!terminal) {
        this.finding = { kind: 'deadlock', name: 'deadlock', message: 'no action is enabled and the state is not terminal', at: index };
        return false;
      }
    }
    if (!storeNew && beyond) this.stoppedBy = 'max-depth';
    return true;
  }

  /**
   * File one successor at `depth`, reached from state `parent` by instance `via`, whose encoding is
   * `bytes[start … start + length)` (codec template `template`): store it unless it is seen,
   * check its state invariants, hand it to `onNew`. False when that stops the search (a finding,
   * the state bound, the memory limit).
   */
  file(
    lo: number,
    hi: number,
    parent: number,
    via: number,
    depth: number,
    bytes: Uint8Array,
    start: number,
    length: number,
    template: number,
    onNew: (nextIndex: number, bytes: Uint8Array, start: number, length: number, template: number) => void,
  ): boolean {
    const store = this.store;
    const local = store.add(lo, hi, parent, via);
    if (local < 0) return true;
    const ref = this.refBase + (local - this.localBase) * this.parts + this.part;
    if (depth > this.depth) this.depth = depth;
    if (this.checkStates && !this.checkState(this.codec.templates[template].decode(bytes, start, start + length) as S, ref)) {
      if (this.collect === null) return false;
      this.collect(this.finding!, lo, hi);
      this.finding = undefined;
    }
    onNew(ref, bytes, start, length, template);
    if (store.size >= this.maxStates) {
      this.stoppedBy = 'max-states';
      return false;
    }
    if ((store.size & 0xfff) === 0) {
      this.progress();
      if (this.memoryLimit !== Infinity && this.overMemory()) {
        this.stoppedBy = 'memory';
        return false;
      }
    }
    return true;
  }

  /**
   * Send the successors in the batch that other parts own (counting their transitions); returns
   * how many of the `m` are this part's, now first. With `deferred` set, all of them go there.
   */
  private routeOthers(index: number, m: number, bytes: Uint8Array): number {
    const batch = this.batch;
    const { lo, hi, via, start, length, template } = batch;
    const route = this.deferred ?? this.route!;
    const parts = this.parts;
    const part = this.deferred !== null ? -1 : this.part;
    let own = 0;
    for (let k = 0; k < m; k++) {
      if (ownerOf(hi[k], parts) !== part) {
        this.transitions++;
        route(lo[k], hi[k], index, via[k], bytes, start[k], length[k], template[k]);
        continue;
      }
      if (own !== k) {
        lo[own] = lo[k];
        hi[own] = hi[k];
        via[own] = via[k];
        start[own] = start[k];
        length[own] = length[k];
        template[own] = template[k];
      }
      own++;
    }
    return own;
  }

  /**
   * Make this search part `part` of `parts` (worker threads, explore/parallel/): it stores only
   * the states it owns (`ownerOf`), hands every other successor to `route`, and names states by
   * global references (local index · parts + part) in parent links and findings. After a handoff
   * (`base`), the states found before it keep their indexes (below `base.ref`), and this part's
   * own states, from local index `base.local` on, count from there.
   */
  partition(part: number, parts: number, route: Route, base: { ref: number; local: number } = { ref: 0, local: 0 }): void {
    this.part = part;
    this.parts = parts;
    this.route = route;
    this.refBase = base.ref;
    this.localBase = base.local;
  }

  /** The finding for the step that failed in pass 1 of expanding state `index`. */
  private failure(index: number): Finding {
    const batch = this.batch;
    const j = batch.failed;
    const label = this.cm.instances[j].label;
    const error = batch.error;
    batch.error = undefined;
    switch (batch.failure) {
      case 'guard':
      case 'effect':
        return { kind: 'error', name: label, message: new StepError(batch.failure, label, error).message, at: index, throwing: j };
      case 'state':
        return { kind: 'error', name: label, message: `state after ${label} is not plain data: ${(error as Error).message}`, at: index, throwing: j };
      case 'step':
        return { ...batch.finding!, at: index };
      case 'symmetry':
        return { kind: 'error', name: label, message: new StepError('symmetry', `the state after ${label}`, error).message, at: index, throwing: j, symmetry: true };
    }
  }

  /** The finding when step `j` from `s` to `next` breaks a step property (or one throws), with `at` to be set. */
  private stepBroken(s: S, next: S, j: number): Finding | undefined {
    const cm = this.cm;
    let broken: Invariant | undefined;
    try {
      broken = violatedStep(cm, s, next, j);
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      return { kind: 'error', name: e.label, message: e.message, at: -1, then: j };
    }
    if (!broken) return undefined;
    return { kind: 'invariant', name: broken.name, message: `step invariant ${broken.name} violated by ${cm.instances[j].label}`, property: broken, at: -1, then: j };
  }

  /**
   * Whether the engine's memory is over the limit: the store and the queue (cheap, at every check)
   * or the process RSS (which includes Node's own, read at most every 250 ms: a read costs ~8 µs).
   * Called every 4096 new states.
   */
  overMemory(): boolean {
    if (this.store.bytes + this.queueBytes() > this.memoryLimit) return true;
    const now = Date.now();
    if (now < this.nextRssCheck) return false;
    this.nextRssCheck = now + 250;
    this.rssBytes = process.memoryUsage.rss();
    return this.rssBytes > this.rssLimit;
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

/**
 * The successors of the state being expanded, filled in by the action runners: per successor,
 * its fingerprint, its encoding (in `codec.encoder.buf` from `start`, each at a multiple of 8,
 * written by codec template `template`) and the instance that made it.
 */
export class Batch {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly template: Int32Array;
  readonly via: Int32Array;
  /** Where the next encoding goes in `codec.encoder.buf`. */
  pos = 0;
  /** The instance whose step failed (-1: none did), how, and the error thrown or the step property's finding. */
  failed = -1;
  failure: 'guard' | 'effect' | 'state' | 'step' | 'symmetry' = 'guard';
  error: unknown = undefined;
  finding: Finding | undefined = undefined;

  constructor(
    readonly codec: Codec,
    n: number,
    /** Checks the step properties of a step (null when the model has none); returns the finding when one breaks. */
    readonly stepCheck: ((s: unknown, next: unknown, j: number) => Finding | undefined) | null,
    /** The representative function (symmetry reduction): successors are encoded as canon(next); null when off. */
    readonly canon: ((s: unknown) => unknown) | null = null,
  ) {
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.start = new Int32Array(n);
    this.length = new Int32Array(n);
    this.template = new Int32Array(n);
    this.via = new Int32Array(n);
  }

  fail(j: number, failure: Batch['failure'], error: unknown, finding?: Finding): void {
    this.failed = j;
    this.failure = failure;
    this.error = error;
    this.finding = finding;
  }
}

/**
 * Generates the successors of one action's instances `first, first + 1, …` (parameters
 * `params`) from state `s` (of codec template `t`) into `batch` from its `m`th entry: for each
 * enabled instance, in order, the effect applied to a clone of `s`, encoded and fingerprinted.
 * Returns the new count; stops at the first step that fails (`batch.fail`).
 */
type Runner = (
  s: unknown,
  t: Template,
  guard: Action['guard'],
  effect: Action['effect'],
  params: readonly unknown[],
  first: number,
  batch: Batch,
  m: number,
) => number;

interface ActionGroup {
  readonly guard: Action['guard'];
  readonly effect: Action['effect'];
  readonly params: readonly unknown[];
  readonly first: number;
  readonly run: Runner;
}

const RUNNER_SOURCE = `
return function run(s, t, guard, effect, params, first, batch, m) {
  const n = params.length;
  const clone = t.clone;
  const codec = batch.codec;
  const stepCheck = batch.stepCheck;
  const canon = batch.canon;
  for (let i = 0; i < n; i++) {
    const p = params[i];
    let enabled;
    try {
      enabled = guard(s, p);
    } catch (e) {
      batch.fail(first + i, 'guard', e);
      return m;
    }
    if (enabled !== true) continue;
    let next;
    try {
      const draft = clone(s);
      const r = effect(draft, p);
      next = r === undefined ? draft : r;
    } catch (e) {
      batch.fail(first + i, 'effect', e);
      return m;
    }
    let stored = next;
    if (canon !== null) {
      try {
        stored = canon(next);
      } catch (e) {
        batch.fail(first + i, 'symmetry', e);
        return m;
      }
    }
    const pos = batch.pos;
    let length;
    try {
      length = codec.encodeLike(stored, t, pos);
    } catch (e) {
      if (!(e instanceof PlainDataError)) throw e;
      batch.fail(first + i, 'state', e);
      return m;
    }
    if (stepCheck !== null) {
      const broken = stepCheck(s, next, first + i);
      if (broken !== undefined) {
        batch.fail(first + i, 'step', undefined, broken);
        return m;
      }
    }
    batch.lo[m] = fp.lo;
    batch.hi[m] = fp.hi;
    batch.start[m] = pos;
    batch.length[m] = length;
    batch.template[m] = codec.tid;
    batch.via[m] = first + i;
    batch.pos = (pos + length + 7) & ~7;
    m++;
  }
  return m;
};`;

/**
 * The model's instances grouped by action (they are consecutive), each group with a runner of
 * its own: every runner is a separate compilation of the same code (new Function), so its
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
    // A source of its own (V8 shares compiled code and type feedback between identical sources).
    const source = `// runner of ${JSON.stringify(action.name)} (${groups.length})\n${RUNNER_SOURCE}`;
    const run = new Function('PlainDataError', 'fp', source)(PlainDataError, fp) as Runner;
    groups.push({ guard: action.guard, effect: action.effect, params, first, run });
  }
  return groups;
}
