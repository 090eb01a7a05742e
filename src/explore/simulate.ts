/**
 * Seeded random walks (TLC's simulation mode): each walk starts at the initial state and takes
 * a uniformly chosen *enabled* step until it reaches the depth bound, a deadlock or a
 * violation. Walk w of seed s is always the same walk, so a run is reproducible from its seed.
 * A random run never proves a model safe: its result is always `complete: false`.
 */
import { describeError, StepError, successor, violatedState, violatedStep } from '../model/compile.js';
import type { Model } from '../model/types.js';
import { Encoder, PlainDataError } from '../state/encode.js';
import { collisionProbability, fingerprint, fp } from '../state/fingerprint.js';
import { StateStore } from '../state/store.js';
import type { TraceContext } from '../trace/build.js';
import { OptionError, prepare, toViolation } from './check.js';
import { rng } from './random.js';
import type { Finding } from './search.js';
import type { CheckResult, ExploreOptions } from './types.js';

export interface SimulateOptions extends ExploreOptions {
  /** Seed of the run (default 1). */
  seed?: number;
  /** Number of walks (default 1000). */
  walks?: number;
  /** Stop after this long even if walks remain (ms). */
  timeLimitMs?: number;
}

export const DEFAULT_WALK_DEPTH = 100;

export function simulate<S>(model: Model<S>, options: SimulateOptions = {}, context: TraceContext = {}): CheckResult {
  const seed = options.seed ?? 1;
  const walks = options.walks ?? 1000;
  const maxDepth = options.maxDepth ?? DEFAULT_WALK_DEPTH;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new OptionError(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  if (!Number.isInteger(walks) || walks < 1) throw new OptionError(`walks must be a positive integer, got ${walks}`);
  const started = performance.now();
  const { cm, init } = prepare(model, { ...options, maxDepth });
  const deadlock = options.deadlock ?? true;
  const seen = new StateStore(1 << 12);
  const encoder = new Encoder();
  const n = cm.instances.length;
  const enabledList = new Int32Array(n);
  let transitions = 0;
  let depth = 0;
  let walk = 0;
  let finding: Finding | undefined;
  let path: number[] = [];
  const every = options.progressEveryMs ?? 2000;
  let nextProgress = Date.now() + every;
  const remember = (s: S, at: number, via: number | undefined, label: string): boolean => {
    try {
      const len = encoder.encode(s);
      fingerprint(encoder.words, len);
      seen.add(fp.lo, fp.hi, -1, -1);
      return true;
    } catch (e) {
      if (!(e instanceof PlainDataError)) throw e;
      finding = { kind: 'error', name: label, message: `state after ${label} is not plain data: ${e.message}`, at, throwing: via };
      return false;
    }
  };
  const failWith = (e: unknown, at: number, extra: Partial<Finding>): void => {
    const err = e instanceof StepError ? e : new StepError('effect', 'model', e);
    finding = { kind: 'error', name: err.label, message: err.message, at, ...extra };
  };

  try {
    const first = violatedState(cm, init);
    if (first) finding = { kind: 'invariant', name: first.name, message: `invariant ${first.name} violated`, property: first, at: 0 };
  } catch (e) {
    failWith(e, 0, {});
  }
  remember(init, 0, undefined, 'init');
  for (walk = 0; walk < walks && !finding; walk++) {
    const r = rng(seed, walk);
    let s = init;
    path = [];
    for (let d = 0; d <= maxDepth && !finding; d++) {
      let count = 0;
      for (let j = 0; j < n && !finding; j++) {
        const inst = cm.instances[j];
        try {
          if (inst.action.guard(s, inst.param) === true) enabledList[count++] = j;
        } catch (e) {
          failWith(new StepError('guard', inst.label, e), path.length, { throwing: j });
        }
      }
      if (finding) break;
      if (count === 0) {
        let terminal = true;
        try {
          terminal = !deadlock || cm.model.terminal(s) === true;
        } catch (e) {
          failWith(new StepError('terminal', 'terminal', e), path.length, {});
          break;
        }
        if (!terminal) finding = { kind: 'deadlock', name: 'deadlock', message: 'no action is enabled and the state is not terminal', at: path.length };
        break;
      }
      if (d === maxDepth) break;
      const j = enabledList[r.below(count)];
      let next: S;
      try {
        next = successor(cm, s, j);
      } catch (e) {
        failWith(e, path.length, { throwing: j });
        break;
      }
      transitions++;
      if (!remember(next, path.length, j, cm.instances[j].label)) break;
      try {
        const stepBroken = violatedStep(cm, s, next, j);
        path.push(j);
        if (path.length > depth) depth = path.length;
        const broken = stepBroken ?? violatedState(cm, next);
        if (broken) finding = { kind: 'invariant', name: broken.name, message: `${broken.kind === 'step' ? 'step ' : ''}invariant ${broken.name} violated`, property: broken, at: path.length, ...(stepBroken ? { then: j } : {}) };
      } catch (e) {
        failWith(e, path.length, {});
      }
      s = next;
    }
    if (options.onProgress && Date.now() >= nextProgress) {
      nextProgress = Date.now() + every;
      const elapsedMs = performance.now() - started;
      options.onProgress({ states: seen.size, transitions, depth, queue: walks - walk - 1, elapsedMs, statesPerSecond: Math.round((seen.size * 1000) / elapsedMs) });
    }
    if (options.timeLimitMs !== undefined && performance.now() - started > options.timeLimitMs) {
      walk++;
      break;
    }
  }
  const result: CheckResult = {
    ok: finding === undefined,
    model: model.name,
    config: model.config,
    strategy: 'random',
    states: seen.size,
    transitions,
    depth,
    durationMs: Math.round(performance.now() - started),
    complete: false,
    invariants: [...cm.stateInvariants, ...cm.stepInvariants].map((i) => i.name),
    collisionProbability: collisionProbability(seen.size),
    seed,
    walks: finding ? walk + 1 : walk,
  };
  if (finding) {
    try {
      result.violation = toViolation(cm, init, path, finding, { strategy: 'random', seed, ...context });
    } catch (e) {
      throw new Error(`internal: could not rebuild the trace of a random walk: ${describeError(e)}`);
    }
  }
  return result;
}
