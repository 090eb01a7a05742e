import type { PlainValue } from '../model/types.js';
import type { Trace, ViolationKind } from '../trace/types.js';

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
  /** Whether the whole reachable space was explored; false when a bound stopped the run. */
  complete: boolean;
  /** Why the run stopped early, when it did. */
  bound?: 'max-states' | 'max-depth';
  invariants: string[];
  violation?: Violation;
  memory?: MemoryReport;
  /** Probability that two distinct states shared a fingerprint (n²/2⁶⁵). */
  collisionProbability?: number;
  seed?: number;
  walks?: number;
  /** simulate: fast-check's counterexample path (with `seed`, replays straight to the walk). */
  path?: string;
  minimized?: Minimized;
}
