/**
 * The main thread's side of a parallel BFS on a shared table (shared-bfs.ts; check-parallel.ts
 * runs the parts): which runs it takes, where the parts start (the initial state, or the frontier
 * of this thread's own BFS when it hands over), and the result: the figures of all parts, the
 * least finding, and its trace read back from the table.
 */
import type { CompiledModel } from '../../model/compile.js';
import { fingerprint, fp } from '../../state/fingerprint.js';
import type { ByteFifo } from '../../state/queue.js';
import { allocateTable, BEFORE, COUNT_EVERY, norm, OLDER, PartSet, SharedTable, slotsFor } from '../../state/shared-table.js';
import { HyperLogLog } from '../../state/sketch.js';
import { StateStore, type SeenSet } from '../../state/store.js';
import { forEachRecord, frontierOf } from '../resume.js';
import { Search } from '../search.js';
import type { ExploreOptions } from '../types.js';
import type { Explored } from '../check.js';
import { FrontierOut } from './frontier.js';
import { foundFinding, type PartReport } from './protocol.js';
import { findingsOf, leastFinding, sharedReport, type SharedRun, type SharedStart } from './shared-bfs.js';

/** Whether a run can be searched on a shared table: an exact store with no bound on states or memory (those are split among the parts instead: part.ts). */
export const sharedFits = (o: ExploreOptions): boolean =>
  o.bitstate === undefined && o.maxStates === undefined && o.memoryMB === undefined && o.expandAhead === undefined;

/** The fewest slots a table for `parts` parts starts with: the states the parts store between looks at its load stay well within what it has left. */
const minSlots = (parts: number): number => Math.max(1 << 16, 16 * COUNT_EVERY * parts);

/** The chunks of a FrontierOut's level (a start's frontier). */
const chunksOf = (out: FrontierOut): Int32Array[] => out.level.map((id) => out.chunks[id]);

/** What the main thread knows of the search before the parts start. */
export interface Before {
  start: SharedStart;
  /** Paths to the states stored before a handoff (by their index there). */
  pathBefore: (index: number) => number[];
  store: SeenSet | null;
  transitions: number;
  depth: number;
}

/**
 * Start from the initial state: stored in a new table. When it breaks a property (or is not
 * plain data), the search that found it, for the result, instead.
 */
export function startFromInitial<S>(cm: CompiledModel<S>, options: ExploreOptions, init: S, parts: number): Before | { stopped: Search<S> } {
  const table = new SharedTable(allocateTable(minSlots(parts)));
  const set = new PartSet(table, () => undefined);
  set.from(0, 0, 0);
  const search = new Search(cm, options, () => 0, () => 0, set);
  if (search.addInitial(init) < 0) return { stopped: search };
  const first = new FrontierOut();
  const codec = search.codec;
  first.push(codec.encoder.words, 0, codec.length, codec.tid, set.lastLo, set.lastHi);
  const start = { table: table.slots, chunks: chunksOf(first), shapes: codec.templates.map((t) => t.shape), level: 0, stored: 1 };
  return { start, pathBefore: () => [], store: null, transitions: 0, depth: 0 };
}

/**
 * Start from this thread's BFS, handed over at a level boundary: its stored states go into a new
 * table (those on the frontier linked to their index in its store, for paths through them), and
 * its frontier (from index `next`, at depth `level`) is the parts' first level.
 */
export function startFromHandoff<S>(search: Search<S>, queue: ByteFifo, next: number, level: number, parts: number): Before {
  const store = search.store;
  if (!(store instanceof StateStore)) throw new Error('internal: a handoff to a shared table from a store that is not exact');
  const table = new SharedTable(allocateTable(slotsFor(2 * store.size, minSlots(parts))));
  store.forEachFingerprint((lo, hi) => table.add(lo, norm(hi), 0, OLDER, 0, 0));
  const first = new FrontierOut();
  let index = next;
  for (const piece of frontierOf(queue).pieces) {
    forEachRecord(piece, (words, start, length, tid) => {
      fingerprint(words, length, start);
      const hi = norm(fp.hi);
      table.setLink(fp.lo, hi, BEFORE, index++, 0);
      first.push(words, start, length, tid, fp.lo, hi);
    });
  }
  const start = { table: table.slots, chunks: chunksOf(first), shapes: search.codec.templates.map((t) => t.shape), level, stored: store.size };
  return { start, pathBefore: (i) => store.path(i), store, transitions: search.transitions, depth: search.depth };
}

/** The parts' runs as one exploration (for `report`): part 0's run and the workers' reports. */
export function sharedExplored<S>(cm: CompiledModel<S>, before: Before, main: SharedRun<S>, reports: PartReport[], memoryLimit: number, sketch: boolean): { explored: Explored; all: PartReport[] } {
  const all = [sharedReport(cm, main), ...reports];
  const best = leastFinding([main.best, ...findingsOf(reports)]);
  const finding = best === null ? undefined : foundFinding(cm, { ...best.finding, at: 0 });
  const sum = (f: (r: PartReport) => number): number => all.reduce((a, r) => a + f(r), 0);
  const table = main.table;
  let hll: HyperLogLog | undefined;
  if (sketch) {
    hll = new HyperLogLog();
    table.forEachFingerprint((lo, hi) => hll!.add(lo, hi));
  }
  const explored: Explored = {
    states: before.start.stored + sum((r) => r.states),
    transitions: before.transitions + sum((r) => r.transitions),
    depth: Math.max(before.depth, ...all.map((r) => r.depth)),
    storeBytes: table.slots.byteLength + (before.store?.bytes ?? 0),
    queuePeakBytes: sum((r) => r.queuePeakBytes),
    finding,
    stoppedBy: all.find((r) => r.stoppedBy)?.stoppedBy,
    canon: main.search.canon !== null,
    memoryLimit,
    sketch: hll?.toJSON(),
    path: () => (best === null ? [] : table.path(best.lo, best.hi, before.pathBefore)),
  };
  return { explored, all };
}
