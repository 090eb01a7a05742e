import type { PlainValue } from '../model/types.js';
import type { SketchJson } from '../state/sketch.js';
import type { Trace, ViolationKind } from '../trace/types.js';
import type { Checkpoint } from '../state/checkpoint.js';

export interface Progress {
  states: number;
  transitions: number;
  depth: number;
  queue: number;
  elapsedMs: number;
  statesPerSecond: number;
}

export interface ExploreOptions {
  /** Stop (complete: false) once this many distinct states are stored. */
  maxStates?: number;
  /** Do not explore beyond this many steps from the initial state. */
  maxDepth?: number;
  /** Report states with no enabled action that the model does not call terminal (default true). */
  deadlock?: boolean;
  /** Check only these invariants (default: all of the model's). */
  invariants?: readonly string[];
  /**
   * check: store states as k bits in a bit array of 2^bitstate bits (SPIN's bitstate hashing,
   * 10 to 36) instead of as exact fingerprints; the result's `omission` says what may be missed.
   */
  bitstate?: number;
  /** check with `bitstate`: bits set per state, k (default 3). */
  bitstateHashes?: number;
  /**
   * check: stop (complete: false, bound 'memory') once the store and queue, or the process's
   * RSS, exceed this many MB (2^20 bytes); checked every 4096 new states.
   */
  memoryMB?: number;
  /**
   * check: symmetry reduction — store and expand the model's representative (`symmetry` in
   * defineModel) of each state instead of the state; `states` then counts symmetry classes.
   * Ignored (result `symmetry: false`) when the model declares none. Default false.
   */
  symmetry?: boolean;
  /**
   * Run as shard `index` (1-based) of `count` of a swarm (explore/shard.ts): check explores the
   * model with its actions and domains permuted from (seed, index), with bitstate hash functions
   * of its own and, under a budget of states, DFS unless `strategy` is given; simulate walks from
   * a seed of its own. `seed` defaults to 1 (simulate: to its `seed`). Shard 1 is the plain run.
   * The result carries `shard` and a `sketch` of the states stored.
   */
  shard?: { index: number; count: number; seed?: number };
  /** Keep a HyperLogLog of the fingerprints of the states stored, as the result's `sketch` (set for shards). */
  sketch?: boolean;
  /** check with `bitstate`: a seed for the bit array's hash functions (0, the default: the unseeded ones; set for shards). */
  bitstateSeed?: number;
  /**
   * check on workers, parts that own their states (explore/parallel/part.ts: runs with a state
   * bound, a memory limit or bitstate, or any run this is set for — an unbounded run otherwise
   * searches one shared table, shared-bfs.ts): when a part expands states of the next level ahead
   * of it. 'waiting' (their default): while it waits for its peers; 'always': also every one it
   * has as soon as it has expanded its level, before it takes its peers' records; 'never'. The
   * result is the same with each (states, transitions, trace, counts exchanged): only time changes.
   */
  expandAhead?: 'waiting' | 'always' | 'never';
  /**
   * check (BFS, one thread): go on from a checkpoint (state/checkpoint.ts) of a run of the same
   * model with the same settings, instead of from the initial state. `readCheckpoint` reads one.
   * The run takes the checkpoint's store and frontier over (not copied): a checkpoint goes on once.
   */
  resume?: Checkpoint;
  /**
   * check (BFS, one thread): when the state bound or the memory limit stops the run, called with
   * a checkpoint from which `resume` goes on (`writeCheckpoint` writes one to a file).
   */
  onCheckpoint?: (checkpoint: Checkpoint) => void;
  /**
   * Internal (checkParallel): BFS stops at the first level boundary where this many states are
   * stored and the next level holds at least `handoffFrontier` states, and hands its live search
   * over (the explorer's `handoff`).
   */
  handoffAt?: number;
  handoffFrontier?: number;
  /**
   * Internal (checkParallel): with `handoffAt`, `then` is called once, at the first level boundary
   * where `states` are stored (fewer than `handoffAt`): the workers start up and load the model
   * there, while this thread goes on, so that they are ready by the handoff.
   */
  handoffNear?: { states: number; then: () => void };
  /** Called about every `progressEveryMs` (default 2000) during long runs. */
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
}

export interface CheckOptions extends ExploreOptions {
  strategy?: 'bfs' | 'dfs';
  /** Shorten a counterexample by delta debugging (explore/shrink.ts) before reporting it. */
  minimize?: boolean;
}

/** How a counterexample was shortened: its length as found and as reported. */
export interface Minimized {
  from: number;
  to: number;
  by: 'fast-check' | 'ddmin';
  /** Successful shortenings. */
  rounds: number;
  /** Candidate walks re-executed (ddmin). */
  tried?: number;
}

export interface Violation {
  kind: ViolationKind;
  name: string;
  message: string;
  statement?: string;
  ref?: string;
  trace: Trace;
}

export interface MemoryReport {
  /** Bytes of the fingerprint set and parent links. */
  storeBytes: number;
  /** Largest size the queue of encoded states reached. */
  queuePeakBytes: number;
  /** (store + peak queue) / states. */
  bytesPerState: number;
  /** The memory limit (`memoryMB`) in bytes, when one was set. */
  limitBytes?: number;
  /** When the memory limit stopped the run: the process RSS then. */
  rssBytes?: number;
}

/**
 * What a bitstate run may have missed (state/bitstate.ts): insertion i is falsely taken as seen
 * with probability (1 - e^{-k·i/m})^k; `expectedMissed` is their sum, `probabilityAnyMissed`
 * 1 - e^{-expectedMissed}. States reachable only through a missed one are missed too and not
 * counted. `exhaustive` is true only when probabilityAnyMissed < 1e-6.
 */
export interface Omission {
  /** The bit array held 2^bits bits. */
  bits: number;
  /** Bits per state (k). */
  hashes: number;
  /** Bits of the array per stored state (SPIN's hash factor). */
  hashFactor: number;
  expectedMissed: number;
  probabilityAnyMissed: number;
  /** Whether the run may be taken as exhaustive: complete, and probabilityAnyMissed < 1e-6. */
  exhaustive: boolean;
}

export interface CheckResult {
  ok: boolean;
  model: string;
  config: PlainValue;
  strategy: string;
  /** Distinct reachable states found. */
  states: number;
  transitions: number;
  /** Length of the longest shortest path explored (BFS) or deepest state reached (DFS). */
  depth: number;
  durationMs: number;
  /**
   * Whether the whole reachable space was explored; false when a bound stopped the run. With
   * `bitstate`: whether every state the search took as new was explored (no bound stopped it);
   * states the bit array took for seen ones may still be missing — see `omission`.
   */
  complete: boolean;
  /** Why the run stopped early, when it did. */
  bound?: 'max-states' | 'max-depth' | 'memory';
  /** When `symmetry` was asked for: whether states were reduced to representatives (false: the model declares no symmetry). */
  symmetry?: boolean;
  /** bitstate runs: what may have been missed. */
  omission?: Omission;
  invariants: string[];
  /** Whether states without enabled actions were reported as deadlocks (results of earlier versions lack it: taken as true). */
  deadlock?: boolean;
  violation?: Violation;
  memory?: MemoryReport;
  /** Probability that two distinct states shared a fingerprint (n²/2⁶⁵). */
  collisionProbability?: number;
  seed?: number;
  walks?: number;
  /** simulate: fast-check's counterexample path (with `seed`, replays straight to the walk). */
  path?: string;
  minimized?: Minimized;
  /** check with `resume`: where the checkpoint stood (the figures above include it). */
  resumed?: { states: number; transitions: number; depth: number };
  /** check with `onCheckpoint`: whether a checkpoint was handed over (the run stopped at a bound it can go on from). */
  checkpointed?: boolean;
  /** check: the worker threads that ran the search (1: this thread). */
  workers?: number;
  /** Parallel runs of parts that own their states: successors sent between workers, and those a cache of fingerprints already sent spared. */
  exchanged?: { sent: number; spared: number };
  /**
   * Parallel runs, per part (this thread first, then each worker): the states it stored itself
   * (after a handoff, not counting the ones found before it), the transitions it made, and the
   * time it waited for the others (at the end of each level) — how evenly the work was shared.
   */
  parts?: { states: number; transitions: number; waitedMs: number; expandedAhead: number }[];
  /** A swarm shard's place (explore/shard.ts): index of count, and the seed it was diversified from. */
  shard?: ShardInfo;
  /**
   * With `sketch` (every shard): a HyperLogLog of the fingerprints of the states this run stored
   * (state/sketch.ts, about 1.6 % standard error), so that `accelcheck merge` can estimate the
   * union of the states several runs covered.
   */
  sketch?: SketchJson;
}

/** Which shard of a swarm a run was. */
export interface ShardInfo {
  /** 1 … count. */
  index: number;
  count: number;
  seed: number;
}
