/**
 * `checkParallel(model, { workers, source })`: the exhaustive BFS of `check`, split over worker
 * threads — on one table all parts share (shared-bfs.ts, check-shared.ts), or, for runs with a
 * state bound, a memory limit or bitstate, among parts that own their states (part.ts): the same
 * states, transitions, depth and verdict as one thread, a shortest counterexample, and the same
 * trace on every run (with the same number of workers, for parts that own their states). The main
 * thread builds the model too: it checks that every worker built the same one, and rebuilds,
 * concretizes (symmetry) and minimizes the trace from the workers' parent links as `check` does.
 */
import { availableParallelism } from 'node:os';
import type { CompiledModel } from '../../model/compile.js';
import type { Model } from '../../model/types.js';
import { BitStateAllocationError, type OmissionEstimate } from '../../state/bitstate.js';
import type { ByteFifo } from '../../state/queue.js';
import { HyperLogLog, type SketchJson } from '../../state/sketch.js';
import { pathAcross, type Links } from '../../state/store.js';
import type { TraceContext } from '../../trace/build.js';
import { check, checkStorage, exploredOf, ModelError, OptionError, prepare, report } from '../check.js';
import { explorers } from '../registry.js';
import { frontierOf } from '../resume.js';
import type { Finding, Search } from '../search.js';
import { DEFAULT_SHARD_SEED, shardCheckOptions, shardModel, shardProblem } from '../shard.js';
import type { CheckOptions, CheckResult, Progress } from '../types.js';
import { partitionedBfs, partReport, queueShare, releasePrefix, routeTo, runLevels, splitFrontier, type LevelStart, type PartRun, type Prefix } from './part.js';
import { WorkerError, WorkerPool } from './pool.js';
import { foundFinding, identityOf, type PartReport } from './protocol.js';
import type { ModelSource } from './source.js';
import { sharedExplored, sharedFits, startFromHandoff, startFromInitial, type Before } from './check-shared.js';
import { sharedBfs } from './shared-bfs.js';
import { Codec } from '../../state/codec.js';

export interface ParallelOptions extends CheckOptions {
  /** Parts: this thread and `workers` − 1 worker threads (default: the pool's size, else 1: `check` on this thread). BFS only: DFS always runs on one thread. */
  workers?: number;
  /** The module each worker rebuilds the model from (required with workers > 1). */
  source?: ModelSource;
  /**
   * Workers to run on (kept open for further runs), or a function that opens them when first
   * needed (`WorkerPool.launch`, or a promise of an open pool); by default a pool is opened and
   * closed for this run.
   */
  pool?: WorkerPool | (() => WorkerPool | Promise<WorkerPool>);
  /**
   * Start on this thread, and hand the search over to the workers at the first level boundary
   * where this many states are stored and the next level holds `handoffFrontier` (default 1024);
   * a run that ends before never starts a worker. Default: on the workers from the first state.
   */
  handoffAt?: number;
  handoffFrontier?: number;
}

/** The CLI's handoff: runs of less than about this many states stay on one thread, where they are faster. */
export const HANDOFF_STATES = 250_000;
export const HANDOFF_FRONTIER = 10_000;
/**
 * Where, on the way to a handoff, the workers are started and sent the model (the share of
 * `handoffAt`): they load it and compile its code on the other cores while this thread goes on
 * (a run that ends before never starts them).
 */
const HANDOFF_NEAR = 0.4;

/** The machine's cores: the CLI's default number of workers. */
export const defaultWorkers = (): number => availableParallelism();

export const MAX_WORKERS = 64;

/** How many parts' bit arrays of 2^bits bits fit in `memoryMB` (each part keeps one). */
export const bitArraysWithin = (bits: number, memoryMB: number): number => Math.floor((memoryMB * 2 ** 20) / 2 ** (bits - 3));

/** Exhaustive BFS over `options.workers` threads; `check` itself when one is asked for, or for DFS. */
export async function checkParallel<S>(model: Model<S>, options: ParallelOptions = {}, context: TraceContext = {}): Promise<CheckResult> {
  const { workers: _w, source, pool: given, handoffAt, handoffFrontier, ...caller } = options;
  const workers = options.workers ?? (given instanceof WorkerPool ? given.size : 1);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new OptionError(`workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`);
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
  if (given instanceof WorkerPool && given.size !== workers) throw new OptionError(`the pool has ${given.size} workers, not ${workers}`);
  if (rest.resume || rest.onCheckpoint) throw new OptionError('checkpoints are taken and resumed on one thread (workers 1)');
  checkStorage(rest);
  // Each part keeps a bit array of its own: all of them must fit in the memory limit.
  if (rest.bitstate !== undefined && rest.memoryMB !== undefined && workers > bitArraysWithin(rest.bitstate, rest.memoryMB)) {
    throw new OptionError(`${workers} parts keep a bitstate array of 2^${rest.bitstate} bits each, ${workers * 2 ** (rest.bitstate - 23)} MB, more than the memory limit of ${rest.memoryMB} MB: give fewer workers`);
  }
  const started = performance.now();
  const { cm, init } = prepare(model, rest);
  const P = workers;
  // The workers: started when the run needs them, or (a handoff) shortly before.
  let launched: WorkerPool | Promise<WorkerPool> | undefined;
  const launch = (): WorkerPool | Promise<WorkerPool> => (launched ??= given instanceof WorkerPool ? given : given ? given() : WorkerPool.launch(P));
  const getPool = async (): Promise<WorkerPool> => {
    const pool = await launch();
    await pool.ready;
    if (pool.size !== P) throw new OptionError(`the pool has ${pool.size} workers, not ${P}`);
    return pool;
  };
  const memoryShare = rest.memoryMB !== undefined ? (rest.memoryMB * 2 ** 20) / P : Infinity;
  // This thread's progress lines add the workers' latest figures (read from the pool's shared block) once they run.
  let pool: WorkerPool | undefined;
  const onProgress = rest.onProgress && ((p: Progress) => rest.onProgress!(pool ? sumProgress(p, pool) : p));
  const mainOptions = { ...rest, onProgress };
  const { onProgress: _p, progressEveryMs: _e, ...partOptions } = rest;

  let search: Search<S>;
  let queue: ByteFifo;
  let start: LevelStart;
  let prefix: Prefix | undefined;
  // Unbounded runs of an exact store search one table together (shared-bfs.ts); the others split the states among the parts (part.ts).
  const onTable = sharedFits(rest);
  let before: Before | undefined;
  /** The transitions this thread made before a handoff. */
  let handoffTransitions = 0;
  // Small runs stay here: BFS on this thread until the handoff point (bitstate and shards start on the workers).
  if (handoffAt !== undefined && rest.bitstate === undefined && !shard) {
    const warm = (pool: WorkerPool): void => {
      if (pool.size === P) pool.warm(source, partOptions);
    };
    const handoffNear = {
      states: Math.floor(handoffAt * HANDOFF_NEAR),
      then: () => {
        const p = launch();
        if (p instanceof WorkerPool) warm(p);
        else p.then(warm, () => undefined);
      },
    };
    const single = explorers.bfs(cm, { ...mainOptions, handoffAt, handoffFrontier: handoffFrontier ?? 1024, handoffNear }, init);
    if (!single.handoff) {
      // Started near the end for nothing: a pool of this run's own is closed.
      if (launched !== undefined && !given) await (await launched).close();
      return { ...report(cm, init, { ...rest, strategy }, context, started, exploredOf(single.search, single.queuePeakBytes, false)), workers: 1 };
    }
    ({ search } = single);
    ({ queue } = single.handoff);
    const { index, level } = single.handoff;
    const H = search.store.size;
    handoffTransitions = search.transitions;
    if (onTable) {
      before = startFromHandoff(search, queue, index, level, P);
    } else {
      // The frontier is split among the parts; this thread's share goes back on its queue.
      prefix = {
        table: shared(search.store.dump().table),
        ...splitFrontier(frontierOf(queue).pieces, index, P),
        shapes: search.codec.templates.map((t) => t.shape),
        states: H,
        level,
        depth: search.depth,
        budget: rest.maxStates !== undefined ? rest.maxStates - H : Infinity,
      };
      const firstRefs = queueShare(prefix, 0, (tid) => tid, queue);
      if (prefix.budget !== Infinity) search.maxStates = H + Math.ceil(prefix.budget / P);
      if (rest.memoryMB !== undefined) search.memoryLimit = memoryShare;
      start = { level, firstRefs, local: H, stopped: false };
    }
  }

  const src = source;
  /** Every worker built the model this thread checks. */
  const sameModel = (reports: PartReport[]): void => {
    const mine = JSON.stringify({ name: cm.model.name, config: JSON.stringify(cm.model.config), instances: cm.instances.length });
    for (const [i, r] of reports.entries()) {
      const theirs = JSON.stringify({ name: r.identity.name, config: r.identity.config, instances: r.identity.instances });
      if (theirs !== mine || identityOf(cm).labels !== r.identity.labels) {
        throw new ModelError(`worker ${i + 1} built a different model from ${src.module} (${theirs}) than the one checked (${mine})`);
      }
    }
  };
  /** Run part 0 here while the workers run theirs (`done`); a failure on either side stops both and is reported. */
  const together = async <T>(pool: WorkerPool, done: Promise<PartReport[]>, mine: () => T): Promise<{ main: T; reports: PartReport[] }> => {
    let main: T;
    try {
      main = mine();
    } catch (e) {
      // Stop the workers; when one of them failed, that failure is the reason this part was woken.
      pool.abort();
      const theirs = await done.then(() => undefined, (w: unknown) => w);
      throw asCallerError(theirs instanceof WorkerError ? theirs : e);
    }
    let reports: PartReport[];
    try {
      reports = await done;
    } catch (e) {
      throw asCallerError(e);
    }
    sameModel(reports);
    return { main, reports };
  };
  const runTable = async (pool: WorkerPool): Promise<CheckResult> => {
    const begin = before ?? startFromInitial(cm, mainOptions, init, P);
    if ('stopped' in begin) {
      const s0 = begin.stopped;
      return { ...report(cm, init, { ...rest, strategy }, context, started, { ...exploredOf(s0, 0, false), path: () => [] }), workers: P };
    }
    const ex = pool.exchange(new Codec());
    ex.resetShared();
    const done = pool.start(src, partOptions, memoryShare, undefined, begin.start);
    // Progress lines count what was stored and searched before the parts began, too.
    const { stored } = begin.start;
    const onTableProgress = onProgress && ((p: Progress) => onProgress({ ...p, states: p.states + stored, transitions: p.transitions + begin.transitions }));
    const { main, reports } = await together(pool, done, () => sharedBfs(cm, { ...mainOptions, onProgress: onTableProgress }, ex, begin.start));
    const { explored, all } = sharedExplored(cm, begin, main, reports, rest.memoryMB !== undefined ? rest.memoryMB * 2 ** 20 : Infinity, !!rest.sketch);
    const result = report(cm, init, { ...rest, strategy }, context, started, explored);
    // Per part: the states it stored (part 0 stored the initial state too, unless this thread's BFS handed over).
    const initial = before ? 0 : begin.start.stored;
    const parts = all.map((r, i) => ({ states: r.states + (i === 0 ? initial : 0), transitions: r.transitions, waitedMs: Math.round(r.waitedMs), expandedAhead: 0 }));
    return { ...result, workers: P, parts };
  };
  const runParts = async (pool: WorkerPool): Promise<CheckResult> => {
    if (onTable) return runTable(pool);
    const done = pool.start(src, { ...partOptions, maxStates: prefix || rest.maxStates === undefined ? undefined : Math.ceil(rest.maxStates / P) }, memoryShare, prefix);
    // Posted (the workers share the memory now): this thread no longer needs the table and frontier.
    if (prefix) releasePrefix(prefix);
    // Part 0, on this thread, while the workers run theirs (this thread waits with them, not for them).
    let mainPrefix = 0;
    const { main, reports } = await together(pool, done, (): PartRun => {
      if (prefix) {
        const ex = pool.exchange(search!.codec);
        search!.partition(0, P, routeTo(ex, search!.codec), { ref: prefix.states, local: prefix.states });
        return runLevels(search!, queue!, ex, start!);
      }
      const r = partitionedBfs(cm, { ...mainOptions, maxStates: rest.maxStates !== undefined ? Math.ceil(rest.maxStates / P) : undefined }, init, (codec) => pool.exchange(codec), memoryShare);
      ({ search } = r);
      mainPrefix = r.prefixStates;
      return r;
    });
    const s0 = search!;
    const all = [partReport(cm, s0, main, mainPrefix, !!rest.sketch), ...reports];
    const finding = pickFinding(cm, all);
    const links = finding ? [s0.store.links(), ...(await pool.links())] : [];
    const sum = (f: (r: PartReport) => number): number => all.reduce((a, r) => a + f(r), 0);
    const stoppedBy = all.find((r) => r.stoppedBy === 'memory' || r.stoppedBy === 'max-states')?.stoppedBy ?? all.find((r) => r.stoppedBy)?.stoppedBy;
    const H = prefix?.states ?? 0;
    const result = report(cm, init, { ...rest, strategy }, context, started, {
      // This thread's store holds the states found before a handoff (H); the workers' hold copies of theirs too.
      states: sum((r) => r.states - r.prefixStates),
      transitions: sum((r) => r.transitions),
      depth: Math.max(...all.map((r) => r.depth)),
      storeBytes: sum((r) => r.storeBytes),
      queuePeakBytes: sum((r) => r.queuePeakBytes),
      finding,
      stoppedBy,
      canon: s0.canon !== null,
      memoryLimit: rest.memoryMB !== undefined ? rest.memoryMB * 2 ** 20 : Infinity,
      omission: mergeOmissions(all),
      sketch: rest.sketch ? mergeSketches(all) : undefined,
      path: (at) => pathThrough(links[0], H, links, [H, ...reports.map((r) => r.prefixStates)], at),
    });
    // Per part: the states it stored and the transitions it made itself (after a handoff), and the time it waited for the others.
    const parts = all.map((r, i) => ({ states: r.states - (i === 0 ? H : r.prefixStates), transitions: r.transitions - (i === 0 ? handoffTransitions : 0), waitedMs: Math.round(r.waitedMs), expandedAhead: r.expandedAhead }));
    return { ...result, workers: P, exchanged: { sent: sum((r) => r.sent), spared: sum((r) => r.spared) }, parts };
  };
  pool = await getPool();
  try {
    return await runParts(pool);
  } finally {
    if (!given) await pool.close();
  }
}

/** A copy of `a` in shared memory (the workers read it without a copy each). */
function shared(a: Int32Array): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/**
 * The path to state `ref`: through the parts' links (refs from `H` on: part (ref − H) mod P, local
 * index base + ⌊(ref − H) / P⌋), then, below H, through the links of the thread that handed over.
 */
function pathThrough(prefix: Links | undefined, H: number, parts: Links[], bases: number[], ref: number): number[] {
  const n = parts.length;
  const steps: number[] = [];
  let r = ref;
  while (r >= H) {
    const rel = r - H;
    const p = rel % n;
    const i = bases[p] + Math.floor(rel / n);
    const parent = parts[p].parents[i];
    if (parent === -1) return steps.reverse();
    steps.push(parts[p].via[i]);
    r = parent;
  }
  return [...pathAcross([prefix!], r), ...steps.reverse()];
}

/** A worker's report of bad input keeps its kind, so the CLI answers it as bad input (exit 2); a bit array too large for the machine is bad input, as in `check`. */
function asCallerError(e: unknown): Error {
  if (e instanceof BitStateAllocationError) return new OptionError(e.message);
  if (!(e instanceof WorkerError)) return e as Error;
  if (e.kind === 'OptionError' || e.kind === 'BitStateAllocationError') return new OptionError(e.message);
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
  return foundFinding(cm, f);
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

/** This thread's progress and the workers' latest figures together. */
function sumProgress(mine: Progress, pool: WorkerPool): Progress {
  const ps = [mine];
  for (let part = 1; part < pool.size; part++) ps.push(pool.figures(part));
  const states = ps.reduce((a, p) => a + p.states, 0);
  return {
    states,
    transitions: ps.reduce((a, p) => a + p.transitions, 0),
    depth: Math.max(...ps.map((p) => p.depth)),
    queue: ps.reduce((a, p) => a + p.queue, 0),
    elapsedMs: mine.elapsedMs,
    statesPerSecond: mine.elapsedMs > 0 ? Math.round((states * 1000) / mine.elapsedMs) : 0,
  };
}
