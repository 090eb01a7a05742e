/**
 * `check(model, options)`: exhaustive exploration with the chosen strategy, returning a result
 * value (never throwing for a finding). Bad options throw an OptionError, a model whose initial
 * state cannot be built throws a ModelError: those are the caller's input, not findings.
 */
import { compile, describeError, initial, StepError, type CompiledModel } from '../model/compile.js';
import { isModel } from '../model/define.js';
import type { Model } from '../model/types.js';
import { BitStateAllocationError, BitStateStore, MAX_BITS, MIN_BITS, type OmissionEstimate } from '../state/bitstate.js';
import { clone, deepFreeze } from '../state/clone.js';
import { collisionProbability } from '../state/fingerprint.js';
import { buildTrace, type TraceContext } from '../trace/build.js';
import type { TraceViolation } from '../trace/types.js';
import type { SketchJson } from '../state/sketch.js';
import { explorers } from './registry.js';
import { checkpointRun, wasResumed } from './resume.js';
import type { Checkpoint, CheckpointRun } from '../state/checkpoint.js';
import { PlainDataError, sameState } from '../state/encode.js';
import { DEFAULT_SHARD_SEED, shardCheckOptions, shardModel, shardProblem, sketchOfStore } from './shard.js';
import type { Finding, Search } from './search.js';
import { minimize, stepsOf } from './shrink.js';
import { concretize, SymmetryError } from './symmetry.js';
import type { CheckOptions, CheckResult, ExploreOptions, Minimized, Violation } from './types.js';
import { sameFinding, Walker, type WalkRun } from './walk.js';

/** Bad options: the caller's mistake, reported in one line. */
export class OptionError extends Error {
  override name = 'OptionError';
}

/** A model that cannot be explored at all (not a model, its init throws, its initial state is not plain data). */
export class ModelError extends Error {
  override name = 'ModelError';
}

function positiveInt(name: string, v: number | undefined, allowZero = false): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new OptionError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}`);
  }
}

/** Validate what every explorer shares; returns the compiled model and the frozen initial state. */
export function prepare<S>(model: Model<S>, options: ExploreOptions): { cm: CompiledModel<S>; init: S } {
  if (!isModel(model)) throw new ModelError('not a model: build it with defineModel({ name, init, actions, … })');
  positiveInt('maxStates', options.maxStates);
  positiveInt('maxDepth', options.maxDepth, true);
  if (options.invariants) {
    const known = model.invariants.map((i) => i.name);
    for (const name of options.invariants) {
      if (!known.includes(name)) {
        throw new OptionError(`model ${model.name} has no invariant '${name}' (it has: ${known.join(', ') || 'none'})`);
      }
    }
  }
  const cm = compile(model, options.invariants);
  let init: S;
  try {
    init = initial(cm);
  } catch (e) {
    throw new ModelError(`model ${model.name}: ${e instanceof StepError ? describeError(e.cause) : describeError(e)} (in init)`);
  }
  if (typeof init !== 'object' || init === null) throw new ModelError(`model ${model.name}: init() must return a record or an array`);
  return { cm, init: deepFreeze(clone(init)) };
}

/** Turn a finding into a violation with its rebuilt trace. */
export function toViolation<S>(cm: CompiledModel<S>, init: S, path: number[], f: Finding, context: TraceContext): Violation {
  const tv: TraceViolation = { kind: f.kind, name: f.name, message: f.message };
  if (f.throwing !== undefined) tv.action = cm.instances[f.throwing].label;
  const trace = buildTrace(cm, init, path, tv, context);
  // A run that checked only some invariants says which, so replay checks the same ones.
  if (cm.stateInvariants.length + cm.stepInvariants.length < cm.model.invariants.length) {
    trace.invariants = [...cm.stateInvariants, ...cm.stepInvariants].map((i) => i.name);
  }
  const v: Violation = { kind: f.kind, name: f.name, message: f.message, trace };
  if (f.property) {
    if (f.property.statement) v.statement = f.property.statement;
    if (f.property.ref) v.ref = f.property.ref;
    const explain = f.property.explain;
    if (explain) {
      const after = trace.steps.length ? trace.steps[trace.steps.length - 1].state : trace.init;
      const before = trace.steps.length > 1 ? trace.steps[trace.steps.length - 2].state : trace.init;
      try {
        const detail = f.property.kind === 'step'
          ? (explain as (b: unknown, a: unknown, st: unknown) => string)(before, after, cm.instances[f.then!].info)
          : (explain as (s: unknown) => string)(after);
        v.message = `${v.message}: ${detail}`;
        trace.violation.message = v.message;
      } catch {
        // An explanation that throws only loses its detail.
      }
    }
  }
  return v;
}

/** Delta-debug a counterexample path (explore/shrink.ts): the shortest walk found that shows the same finding. */
function shorten<S>(cm: CompiledModel<S>, init: S, found: WalkRun<S>, deadlock: boolean): { run: WalkRun<S>; minimized: Minimized } {
  const walker = new Walker(cm, deadlock);
  const target = { kind: found.finding!.kind, name: found.finding!.name };
  const again = walker.rerun(init, stepsOf(found), 0, false);
  if (!sameFinding(again.finding, target)) throw new Error(`internal: the ${target.kind} ${target.name} does not show again when its path is re-executed`);
  const { run, tried, rounds } = minimize(walker, again, target);
  return { run, minimized: { from: found.path.length, to: run.path.length, by: 'ddmin', rounds, tried } };
}

/** Validate the storage options of `check`: bitstate bits and hashes, the memory limit, and that the bit array fits in it. */
export function checkStorage(options: ExploreOptions): void {
  const { bitstate, bitstateHashes, memoryMB } = options;
  if (bitstate !== undefined && (!Number.isInteger(bitstate) || bitstate < MIN_BITS || bitstate > MAX_BITS)) {
    throw new OptionError(`bitstate must be an integer from ${MIN_BITS} to ${MAX_BITS} (the bit array holds 2^bitstate bits), got ${bitstate}`);
  }
  if (bitstateHashes !== undefined && (!Number.isInteger(bitstateHashes) || bitstateHashes < 1 || bitstateHashes > 16)) {
    throw new OptionError(`bitstateHashes must be an integer from 1 to 16, got ${bitstateHashes}`);
  }
  positiveInt('memoryMB', memoryMB);
  if (bitstate !== undefined && memoryMB !== undefined && 2 ** (bitstate - 3) > memoryMB * 2 ** 20) {
    throw new OptionError(`a bitstate array of 2^${bitstate} bits takes ${2 ** (bitstate - 23)} MB, more than the memory limit of ${memoryMB} MB`);
  }
}

/** What an exploration found, whichever explorer (one thread or several) ran it. */
export interface Explored {
  states: number;
  transitions: number;
  depth: number;
  storeBytes: number;
  queuePeakBytes: number;
  finding: Finding | undefined;
  stoppedBy: 'max-states' | 'max-depth' | 'memory' | undefined;
  /** Whether states were reduced to representatives. */
  canon: boolean;
  /** The memory limit in bytes (Infinity: none), and the process RSS when it was last read (0: never). */
  memoryLimit: number;
  rssBytes?: number;
  /** Bitstate runs: what may have been missed. */
  omission?: OmissionEstimate;
  /** With `sketch`: a HyperLogLog of the fingerprints stored (explore/shard.ts). */
  sketch?: SketchJson;
  /** The action instances from the initial state to state `at`. */
  path(at: number): number[];
}

/** Exhaustively explore `model` (BFS by default) and check its invariants and deadlocks. */
export function check<S>(model: Model<S>, options: CheckOptions = {}, context: TraceContext = {}): CheckResult {
  // A swarm shard (explore/shard.ts): the model permuted, bitstate hash functions of its own, a sketch of what it stored.
  if (options.shard) {
    const shard = { ...options.shard, seed: options.shard.seed ?? DEFAULT_SHARD_SEED };
    const problem = shardProblem(shard);
    if (problem) throw new OptionError(problem);
    if (isModel(model)) model = shardModel(model, shard);
    options = shardCheckOptions(options, shard);
  }
  const strategy = options.strategy ?? 'bfs';
  const explore = explorers[strategy];
  if (!explore) throw new OptionError(`unknown strategy '${strategy}' (choose ${Object.keys(explorers).join(' or ')})`);
  checkStorage(options);
  const started = performance.now();
  const { cm, init } = prepare(model, options);
  // Checkpoints: taken and resumed by BFS, for a run of the same model and settings (explore/resume.ts).
  const resume = options.resume;
  if ((resume || options.onCheckpoint) && strategy !== 'bfs') throw new OptionError('checkpoints are taken and resumed by BFS (strategy bfs)');
  if (resume && wasResumed(resume)) throw new OptionError('the checkpoint was resumed already (that run took its store over): read it again to go on from it again');
  if (resume) checkResumable(resume.run, checkpointRun(cm, options, options.symmetry === true && cm.model.symmetry !== undefined));
  let checkpointed = false;
  const onCheckpoint = options.onCheckpoint && ((c: Checkpoint) => {
    checkpointed = true;
    options.onCheckpoint!(c);
  });
  let explored: ReturnType<typeof explore<S>>;
  try {
    explored = explore(cm, { ...options, onCheckpoint }, init);
  } catch (e) {
    if (e instanceof BitStateAllocationError) throw new OptionError(e.message);
    // A checkpoint whose store or frontier does not load is damaged (its header passed checkResumable).
    if (resume && (e instanceof RangeError || e instanceof PlainDataError)) throw new OptionError(`the checkpoint is damaged: ${e.message}`);
    throw e;
  }
  const result = report(cm, init, { ...options, strategy }, context, started, exploredOf(explored.search, explored.queuePeakBytes, options.sketch === true));
  if (resume) result.resumed = { states: resume.at.states, transitions: resume.at.transitions, depth: resume.at.depth };
  if (options.onCheckpoint) result.checkpointed = checkpointed;
  return result;
}

/** A checkpoint goes on only with the run it was taken of: the first setting that differs is named. */
function checkResumable(was: CheckpointRun, is: CheckpointRun): void {
  for (const key of Object.keys(is) as (keyof CheckpointRun)[]) {
    if (!sameState(was[key] ?? null, is[key] ?? null)) {
      throw new OptionError(`the checkpoint is of another run: its ${key} is ${JSON.stringify(was[key])}, this run's is ${JSON.stringify(is[key])}`);
    }
  }
}

/** What a one-thread search found, for `report`. */
export function exploredOf<S>(search: Search<S>, queuePeakBytes: number, sketch: boolean): Explored {
  const store = search.store;
  return {
    states: store.size,
    transitions: search.transitions,
    depth: search.depth,
    storeBytes: store.bytes,
    queuePeakBytes,
    finding: search.finding,
    stoppedBy: search.stoppedBy,
    canon: search.canon !== null,
    memoryLimit: search.memoryLimit,
    rssBytes: search.rssBytes,
    omission: store instanceof BitStateStore ? store.omission() : undefined,
    sketch: sketch ? sketchOfStore(store) : undefined,
    path: (at) => store.path(at),
  };
}

/** The result of an exploration: figures, bounds, and the violation with its trace rebuilt (and minimized when asked). */
export function report<S>(
  cm: CompiledModel<S>,
  init: S,
  options: CheckOptions & { strategy: string },
  context: TraceContext,
  started: number,
  x: Explored,
): CheckResult {
  const { strategy } = options;
  const states = x.states;
  const result: CheckResult = {
    ok: x.finding === undefined,
    model: cm.model.name,
    config: cm.model.config,
    strategy,
    states,
    transitions: x.transitions,
    depth: x.depth,
    durationMs: Math.round(performance.now() - started),
    complete: x.finding === undefined && x.stoppedBy === undefined,
    invariants: [...cm.stateInvariants, ...cm.stepInvariants].map((i) => i.name),
    deadlock: options.deadlock ?? true,
    memory: { storeBytes: x.storeBytes, queuePeakBytes: x.queuePeakBytes, bytesPerState: states ? Math.round((x.storeBytes + x.queuePeakBytes) / states) : 0 },
    collisionProbability: collisionProbability(states),
  };
  if (x.stoppedBy && x.finding === undefined) result.bound = x.stoppedBy;
  if (options.symmetry) result.symmetry = x.canon;
  if (options.memoryMB !== undefined) {
    result.memory!.limitBytes = x.memoryLimit;
    // The RSS the limit was judged by (not the one after the run made its checkpoint).
    if (result.bound === 'memory') result.memory!.rssBytes = x.rssBytes || process.memoryUsage.rss();
  }
  if (x.omission) result.omission = { ...x.omission, exhaustive: result.complete && x.omission.probabilityAnyMissed < 1e-6 };
  if (options.shard) result.shard = { index: options.shard.index, count: options.shard.count, seed: options.shard.seed ?? DEFAULT_SHARD_SEED };
  if (x.sketch) result.sketch = x.sketch;
  const f = x.finding;
  // A representative function that throws is a fault of the model's symmetry declaration: no trace shows it.
  if (f?.symmetry) throw new ModelError(`model ${cm.model.name}: ${f.message}`);
  if (f) {
    const path = f.at >= 0 ? x.path(f.at) : [];
    // With symmetry, the stored path runs through representatives: a concrete run follows it (explore/symmetry.ts).
    let run: WalkRun<S>;
    if (x.canon) {
      try {
        run = concretize(cm, init, path, f, options.deadlock ?? true);
      } catch (e) {
        if (e instanceof SymmetryError) throw new ModelError(e.message);
        throw e;
      }
    } else {
      if (f.then !== undefined) path.push(f.then);
      run = { path, states: [], finding: f };
    }
    if (options.minimize) {
      const shortened = shorten(cm, init, run, options.deadlock ?? true);
      run = shortened.run;
      result.minimized = shortened.minimized;
    }
    result.violation = toViolation(cm, init, run.path, run.finding!, { strategy, ...context });
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
