/**
 * `checkParallel(model, { workers, source })`: the exhaustive BFS of `check`, split over worker
 * threads (part.ts): the same states, transitions, depth and verdict as one thread, a shortest
 * counterexample, and the same trace on every run with the same number of workers. The main
 * thread builds the model too: it checks that every worker built the same one, and rebuilds,
 * concretizes (symmetry) and minimizes the trace from the workers' parent links as `check` does.
 */
import { availableParallelism } from 'node:os';
import type { CompiledModel } from '../../model/compile.js';
import type { Model } from '../../model/types.js';
import type { OmissionEstimate } from '../../state/bitstate.js';
import { pathAcross } from '../../state/store.js';
import type { TraceContext } from '../../trace/build.js';
import { check, checkStorage, ModelError, OptionError, prepare, report } from '../check.js';
import type { Finding } from '../search.js';
import type { CheckOptions, CheckResult, Progress } from '../types.js';
import { WorkerError, WorkerPool } from './pool.js';
import type { PartReport } from './protocol.js';
import { HyperLogLog, type SketchJson } from '../../state/sketch.js';
import { DEFAULT_SHARD_SEED, shardCheckOptions, shardModel, shardProblem } from '../shard.js';
import type { ModelSource } from './source.js';

export interface ParallelOptions extends CheckOptions {
  /** Worker threads (default 1: `check` on this thread). BFS only: DFS always runs on one thread. */
  workers?: number;
  /** The module each worker rebuilds the model from (required with workers > 1). */
  source?: ModelSource;
  /** Workers to run on (kept open for further runs); by default a pool is opened and closed for this run. */
  pool?: WorkerPool;
}

/** The machine's cores: the CLI's default number of workers. */
export const defaultWorkers = (): number => availableParallelism();

export const MAX_WORKERS = 64;

/** Exhaustive BFS over `options.workers` threads; `check` itself when one is asked for, or for DFS. */
export async function checkParallel<S>(model: Model<S>, options: ParallelOptions = {}, context: TraceContext = {}): Promise<CheckResult> {
  const workers = options.workers ?? options.pool?.size ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new OptionError(`workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`);
  const { workers: _w, source, pool: given, ...caller } = options;
  // A swarm shard: the model permuted the same way here and in every worker (explore/shard.ts).
  let rest = caller;
  const shard = caller.shard && { ...caller.shard, seed: caller.shard.seed ?? DEFAULT_SHARD_SEED };
  if (shard) {
    const problem = shardProblem(shard);
    if (problem) throw new OptionError(problem);
    rest = shardCheckOptions(caller, shard);
  }
  const strategy = rest.strategy ?? 'bfs';
  if (workers === 1 || strategy !== 'bfs') return { ...check(model, caller, context), workers: 1 };
  if (shard) model = shardModel(model, shard);
  if (!source) throw new OptionError('workers > 1 need `source`: the module each worker thread rebuilds the model from');
  if (given && given.size !== workers) throw new OptionError(`the pool has ${given.size} workers, not ${workers}`);
  checkStorage(rest);
  const started = performance.now();
  const { cm, init } = prepare(model, rest);
  const pool = given ?? (await WorkerPool.open(workers));
  try {
    const memoryShare = rest.memoryMB !== undefined ? (rest.memoryMB * 2 ** 20) / workers : Infinity;
    // Each part's latest progress; the sum is reported about as often as one thread would.
    const latest: (Progress | undefined)[] = Array(workers).fill(undefined);
    let nextProgress = 0;
    const onProgress = rest.onProgress
      ? (part: number, p: Progress) => {
          latest[part] = p;
          const now = Date.now();
          if (now < nextProgress) return;
          nextProgress = now + (rest.progressEveryMs ?? 2000) / 2;
          rest.onProgress!(sumProgress(latest));
        }
      : undefined;
    const { onProgress: _p, ...partOptions } = rest;
    let reports: PartReport[];
    try {
      reports = await pool.run(source, { ...partOptions, maxStates: rest.maxStates !== undefined ? Math.ceil(rest.maxStates / workers) : undefined }, memoryShare, onProgress);
    } catch (e) {
      throw asCallerError(e);
    }
    const mine = JSON.stringify({ name: cm.model.name, config: JSON.stringify(cm.model.config), instances: cm.instances.length });
    for (const [i, r] of reports.entries()) {
      const theirs = JSON.stringify({ name: r.identity.name, config: r.identity.config, instances: r.identity.instances });
      if (theirs !== mine || reports[0].identity.labels !== r.identity.labels) {
        throw new ModelError(`worker ${i} built a different model from ${source.module} (${theirs}) than the one checked (${mine})`);
      }
    }
    const finding = pickFinding(cm, reports);
    const links = finding ? await pool.links() : [];
    const sum = (f: (r: PartReport) => number): number => reports.reduce((a, r) => a + f(r), 0);
    const stoppedBy = reports.find((r) => r.stoppedBy === 'memory' || r.stoppedBy === 'max-states')?.stoppedBy ?? reports.find((r) => r.stoppedBy)?.stoppedBy;
    const result = report(cm, init, { ...rest, strategy }, context, started, {
      states: sum((r) => r.states),
      transitions: sum((r) => r.transitions),
      depth: Math.max(...reports.map((r) => r.depth)),
      storeBytes: sum((r) => r.storeBytes),
      queuePeakBytes: sum((r) => r.queuePeakBytes),
      finding,
      stoppedBy,
      canon: reports[0].canon,
      memoryLimit: rest.memoryMB !== undefined ? rest.memoryMB * 2 ** 20 : Infinity,
      omission: mergeOmissions(reports),
      sketch: rest.sketch ? mergeSketches(reports) : undefined,
      path: (at) => pathAcross(links, at),
    });
    return { ...result, workers, exchanged: { sent: sum((r) => r.sent), spared: sum((r) => r.spared) } };
  } finally {
    if (!given) await pool.close();
  }
}

/** A worker's report of bad input keeps its kind, so the CLI answers it as bad input (exit 2). */
function asCallerError(e: unknown): Error {
  if (!(e instanceof WorkerError)) return e as Error;
  if (e.kind === 'OptionError') return new OptionError(e.message);
  if (e.kind === 'ModelError' || e.kind === 'InputError') return new ModelError(e.message);
  return e;
}

/**
 * The finding to report: the shortest trace among the parts' findings (all found in the same
 * level), the lowest part on a tie — so the same on every run.
 */
function pickFinding<S>(cm: CompiledModel<S>, reports: PartReport[]): Finding | undefined {
  let best: PartReport['finding'];
  for (const r of reports) if (r.finding && (!best || r.finding.length < best.length)) best = r.finding;
  if (!best) return undefined;
  const { length: _l, ...f } = best;
  const finding: Finding = { ...f };
  if (f.kind === 'invariant') finding.property = [...cm.stateInvariants, ...cm.stepInvariants].find((i) => i.name === f.name);
  return finding;
}

/** The parts' sketches as one: the states of all parts (a HyperLogLog union is the register-wise maximum). */
function mergeSketches(reports: PartReport[]): SketchJson | undefined {
  let all: HyperLogLog | undefined;
  for (const r of reports) {
    if (!r.sketch) return undefined;
    const h = HyperLogLog.fromJSON(r.sketch);
    if (all) all.merge(h);
    else all = h;
  }
  return all?.toJSON();
}

/** The parts' bitstate arrays together: the expected misses add up; the hash factor is over all bits and states. */
function mergeOmissions(reports: PartReport[]): OmissionEstimate | undefined {
  const parts = reports.map((r) => r.omission).filter((o): o is OmissionEstimate => o !== undefined);
  if (parts.length === 0) return undefined;
  const states = reports.reduce((a, r) => a + r.states, 0);
  const expectedMissed = parts.reduce((a, o) => a + o.expectedMissed, 0);
  return {
    bits: parts[0].bits,
    hashes: parts[0].hashes,
    hashFactor: (parts.length * 2 ** parts[0].bits) / Math.max(states, 1),
    expectedMissed,
    probabilityAnyMissed: -Math.expm1(-expectedMissed),
  };
}

function sumProgress(latest: (Progress | undefined)[]): Progress {
  const ps = latest.filter((p): p is Progress => p !== undefined);
  const elapsedMs = Math.max(...ps.map((p) => p.elapsedMs));
  const states = ps.reduce((a, p) => a + p.states, 0);
  return {
    states,
    transitions: ps.reduce((a, p) => a + p.transitions, 0),
    depth: Math.max(...ps.map((p) => p.depth)),
    queue: ps.reduce((a, p) => a + p.queue, 0),
    elapsedMs,
    statesPerSecond: elapsedMs > 0 ? Math.round((states * 1000) / elapsedMs) : 0,
  };
}
