/**
 * Random exploration with fast-check (TLC's simulation mode, with shrinking): `walks` runs of
 * the walk arbitrary (explore/arbitrary.ts), each a walk of enabled actions from the initial
 * state. The first walk that shows a finding is shrunk by fast-check to a shorter walk that
 * still shows the same finding (same invariant, deadlock, or throwing step), and that walk
 * becomes the trace. The seed and fast-check's counterexample path reproduce a run exactly
 * (`--seed S --path P` goes straight to the shrunk walk). A random run never proves a model
 * safe: its result is always `complete: false`.
 */
import fc from 'fast-check';
import { describeError } from '../model/compile.js';
import type { Model } from '../model/types.js';
import { collisionProbability, fingerprint, fp } from '../state/fingerprint.js';
import { StateStore } from '../state/store.js';
import type { TraceContext } from '../trace/build.js';
import { runOf, WalkArbitrary, type Walk } from './arbitrary.js';
import { OptionError, prepare, toViolation } from './check.js';
import { shardProblem, shardSeed, sketchOfStore } from './shard.js';
import type { CheckResult, ExploreOptions } from './types.js';
import { sameFinding, Walker, type Target, type WalkRun } from './walk.js';

export interface SimulateOptions extends ExploreOptions {
  /** Seed of the run (default 1). */
  seed?: number;
  /** Number of walks (default 1000). */
  walks?: number;
  /** fast-check's counterexample path, printed with a finding: replays straight to it. */
  path?: string;
  /** Shrink a failing walk (default true). */
  shrink?: boolean;
  /** Each walk favours a random half of the actions (swarm testing, explore/arbitrary.ts; default true). */
  swarm?: boolean;
  /** Stop after this long even if walks remain (ms). */
  timeLimitMs?: number;
}

export const DEFAULT_WALK_DEPTH = 100;

export function simulate<S>(model: Model<S>, options: SimulateOptions = {}, context: TraceContext = {}): CheckResult {
  const base = options.seed ?? options.shard?.seed ?? 1;
  const walks = options.walks ?? 1000;
  const maxDepth = options.maxDepth ?? DEFAULT_WALK_DEPTH;
  if (!Number.isInteger(base) || base < 0 || base > 0xffffffff) throw new OptionError(`seed must be an integer from 0 to 4294967295, got ${base}`);
  // A swarm shard walks from a seed of its own (explore/shard.ts); the result and the trace carry
  // that seed, so `--seed S --path P` goes straight back to a finding without the shard.
  const shard = options.shard && { index: options.shard.index, count: options.shard.count, seed: base };
  const problem = shard && shardProblem(shard);
  if (problem) throw new OptionError(problem);
  const seed = shard ? shardSeed(base, shard.index) : base;
  if (!Number.isInteger(walks) || walks < 1) throw new OptionError(`walks must be a positive integer, got ${walks}`);
  if (options.path !== undefined && !/^\d+(:\d+)*$/.test(options.path)) throw new OptionError(`path must look like 12:0:3 (fast-check's counterexample path), got '${options.path}'`);
  const started = performance.now();
  const { cm, init } = prepare(model, { ...options, maxDepth });
  const deadlock = options.deadlock ?? true;
  const seen = new StateStore(1 << 12);
  let transitions = 0;
  let depth = 0;
  let generated = 0;
  const every = options.progressEveryMs ?? 2000;
  let nextProgress = Date.now() + every;
  const counting = new Walker(cm, deadlock, (words, len) => {
    fingerprint(words, len);
    seen.add(fp.lo, fp.hi, -1, -1);
  });
  const onWalk = (run: WalkRun<S>): void => {
    generated++;
    transitions += run.path.length;
    if (run.path.length > depth) depth = run.path.length;
    if (options.onProgress && Date.now() >= nextProgress) {
      nextProgress = Date.now() + every;
      const elapsedMs = performance.now() - started;
      options.onProgress({ states: seen.size, transitions, depth, queue: Math.max(0, walks - generated), elapsedMs, statesPerSecond: Math.round((seen.size * 1000) / elapsedMs) });
    }
  };
  const arbitrary = new WalkArbitrary(cm, init, maxDepth, counting, new Walker(cm, deadlock), onWalk, options.swarm ?? true);

  // The first finding fixes the target; shrinking keeps only walks that show the same one.
  let target: Target | undefined;
  let original: WalkRun<S> | undefined;
  const property = fc.property(arbitrary, (w: Walk<S>) => {
    const run = runOf(w)!;
    if (!run.finding) return true;
    if (!target) {
      target = { kind: run.finding.kind, name: run.finding.name };
      original = run;
    }
    return !sameFinding(run.finding, target);
  });
  const details = fc.check(property, {
    seed,
    numRuns: walks,
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: options.shrink === false,
    ...(options.timeLimitMs !== undefined ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
  if (details.failed && !details.counterexample) {
    throw new Error(`internal: fast-check failed without a counterexample: ${describeError(details.errorInstance)}`);
  }
  const result: CheckResult = {
    ok: !details.failed,
    model: model.name,
    config: model.config,
    strategy: 'random',
    states: seen.size,
    transitions,
    depth,
    durationMs: 0,
    complete: false,
    invariants: [...cm.stateInvariants, ...cm.stepInvariants].map((i) => i.name),
    deadlock: options.deadlock ?? true,
    collisionProbability: collisionProbability(seen.size),
    seed,
    walks: details.failed ? details.numRuns : generated,
  };
  if (shard) result.shard = shard;
  if (shard || options.sketch) result.sketch = sketchOfStore(seen);
  if (details.failed) {
    const run = runOf(details.counterexample![0] as Walk<S>)!;
    if (details.counterexamplePath) result.path = details.counterexamplePath;
    if (original && options.shrink !== false) result.minimized = { from: original.path.length, to: run.path.length, by: 'fast-check', rounds: details.numShrinks };
    try {
      result.violation = toViolation(cm, init, run.path, run.finding!, { strategy: 'random', seed, ...(result.path ? { path: result.path } : {}), ...context });
    } catch (e) {
      throw new Error(`internal: could not rebuild the trace of a random walk: ${describeError(e)}`);
    }
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
