/**
 * One part of a parallel BFS on a shared table (the main thread is part 0, each worker one
 * more). All parts store into one seen-set (state/shared-table.ts) and read one frontier
 * (frontier.ts): at each level, each part claims blocks of the level's states, any part's, until
 * none is left, expands them, and stores their successors itself; then all parts meet at a
 * barrier. No successor travels to another part: a part's only traffic is the table's cache
 * lines and, at the next level, the states it stored.
 *
 * Which part expands which state, or stores which successor, changes from run to run; what is
 * found does not:
 *
 * - a state is stored once, at its BFS depth (levels are searched one at a time), so the parts
 *   together store exactly the states one thread would;
 * - a state keeps, of all its parents at the level before, the least (fingerprint, instance)
 *   (SharedTable.add), so the trace to it is always the same, and shortest;
 * - a finding does not stop its part: every part searches the level to its end, a new state that
 *   breaks a property is filed all the same (`Search.collect`), and of all the level's findings
 *   the least (trace length, then fingerprint) is the one reported. The level's findings are the
 *   same whoever found them, so the same one is reported on every run, with any number of parts.
 *
 * The table grows when the states stored pass GROW_AT of it: a part that sees it calls for a
 * growth, and every part joins at its next state (or where it waits at the barrier); part 0 makes
 * the new table, and each part moves its share of the slots.
 */
import type { CompiledModel } from '../../model/compile.js';
import type { Template } from '../../state/codec.js';
import { reviveShape, type Shape } from '../../state/shape.js';
import { allocateTable, GROW_AT, norm, PartSet, SharedTable, SLOT_WORDS } from '../../state/shared-table.js';
import { templatesFor } from '../resume.js';
import { Search, type Finding } from '../search.js';
import type { ExploreOptions } from '../types.js';
import { FOUND, type Exchange } from './exchange.js';
import { identityOf, reportedFinding, type PartReport } from './protocol.js';
import { blockEnd, blocksOf, blockStart, FrontierOut, RECORD_HEAD } from './frontier.js';

/** Where the parts begin: the first level's states (in chunks, by templates of these shapes), its depth, and the table. */
export interface SharedStart {
  table: Int32Array;
  chunks: Int32Array[];
  shapes: Shape[];
  level: number;
  /** States stored before (a handoff's), counted towards the table's load. */
  stored: number;
}

/** A part's finding, with the fingerprint (hi as stored) of the state its trace ends at and the trace's length. */
export interface SharedFinding {
  finding: Finding;
  lo: number;
  hi: number;
  length: number;
}

export interface SharedRun<S> {
  search: Search<S>;
  set: PartSet;
  /** The table as the run left it (after any growth). */
  table: SharedTable;
  best: SharedFinding | null;
  frontierPeakBytes: number;
  waitedMs: number;
}

/** What a part tells its peers before each barrier: the chunks it made, the templates it made, and its level's chunks in order. */
interface LevelNews {
  kind: 'level';
  fresh: { id: number; chunk: Int32Array }[];
  shapes: { id: number; shape: Shape }[];
  chunks: number[];
}

/** Part 0's new table, in a growth. */
interface TableNews {
  kind: 'table';
  slots: Int32Array;
}

type News = LevelNews | TableNews;

/** Whether finding `a` goes before `b`: the shorter trace, then the lesser fingerprint, then the step. */
function lessFinding(a: SharedFinding, b: SharedFinding): boolean {
  if (a.length !== b.length) return a.length < b.length;
  if (a.hi !== b.hi) return a.hi >>> 0 < b.hi >>> 0;
  if (a.lo !== b.lo) return a.lo >>> 0 < b.lo >>> 0;
  const at = a.finding.then ?? a.finding.throwing ?? -1;
  const bt = b.finding.then ?? b.finding.throwing ?? -1;
  return at < bt;
}

/** The finding to report of several parts' (the least: see `lessFinding`). */
export function leastFinding(all: (SharedFinding | null)[]): SharedFinding | null {
  let best: SharedFinding | null = null;
  for (const f of all) if (f !== null && (best === null || lessFinding(f, best))) best = f;
  return best;
}

/** One block of the level's work: a chunk, and its writer's templates (by the writer's ids). */
interface Work {
  chunk: Int32Array;
  bytes: Uint8Array;
  templates: Template[];
  /** The level's number of its first block. */
  first: number;
}

/** A chunk as work: its bytes, its writer's templates, and the level's number of its first block. */
const workOf = (chunk: Int32Array, templates: Template[], first: number): Work => ({ chunk, bytes: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), templates, first });

/** Run one part of a shared-table BFS from `start`, until the parts are done or a finding stops them. */
export function sharedBfs<S>(cm: CompiledModel<S>, options: ExploreOptions, ex: Exchange, start: SharedStart): SharedRun<S> {
  const { part, parts } = ex;
  const out = new FrontierOut();
  let table = new SharedTable(start.table);
  const counted = (): void => {
    ex.count(set.size);
    if (start.stored + ex.counted() > GROW_AT * table.capacity) ex.callGrowth();
  };
  const set = new PartSet(table, counted);
  const search = new Search(cm, options, () => out.count, () => out.peakBytes, set);
  const codec = search.codec;
  let best: SharedFinding | null = null;
  const note = (finding: Finding, lo: number, hi: number, length: number): void => {
    const f = { finding, lo, hi, length };
    if (best === null || lessFinding(f, best)) best = f;
  };
  let level = start.level;
  search.collect = (f, lo, hi) => note(f, lo, norm(hi), level + 1);

  // What the peers told: per peer, its chunks by id, its templates mapped to ours, its level's chunks.
  const theirChunks: Int32Array[][] = Array.from({ length: parts }, () => []);
  const theirTemplates: Template[][] = Array.from({ length: parts }, () => []);
  // A peer may be a level ahead when its news is drained (it passed the barrier, searched a small
  // level and told of it while this part was still draining): its levels queue, one taken a level.
  const theirLevels: number[][][] = Array.from({ length: parts }, () => []);
  let newTable: Int32Array | null = null;
  const take = (peer: number) => (m: unknown): void => {
    const news = m as News;
    if (news.kind === 'table') {
      newTable = news.slots;
      return;
    }
    // What a partitioned run on these ports left behind (chunks handed back after its end).
    if (news.kind !== 'level') return;
    for (const { id, chunk } of news.fresh) theirChunks[peer][id] = chunk;
    for (const { id, shape } of news.shapes) theirTemplates[peer][id] = codec.template(reviveShape(shape));
    theirLevels[peer].push(news.chunks);
  };
  let announced = 0;
  const tell = (): void => {
    const templates = codec.templates;
    const shapes = templates.slice(announced).map((t) => ({ id: t.id, shape: t.shape }));
    announced = templates.length;
    const fresh = out.takeFresh();
    for (let p = 0; p < parts; p++) if (p !== part) ex.tell(p, { kind: 'level', fresh, shapes, chunks: out.level } satisfies LevelNews);
  };

  /** This part's share of a table's slots in a growth: [from, to), and their words. */
  const slotsOf = (t: SharedTable): [number, number] => [Math.floor((part * t.capacity) / parts), Math.floor(((part + 1) * t.capacity) / parts)];
  const shareOf = (t: SharedTable): Int32Array => {
    const [from, to] = slotsOf(t);
    return t.slots.subarray(from * SLOT_WORDS, to * SLOT_WORDS);
  };

  /** Grow the table with the other parts (each moves its share of the slots). */
  const grow = (): void => {
    ex.growthBarrier();
    const old = table;
    if (part === 0) {
      newTable = allocateTable(old.capacity * 2, true);
      for (let p = 1; p < parts; p++) ex.tell(p, { kind: 'table', slots: newTable } satisfies TableNews);
    }
    ex.growthBarrier();
    if (part !== 0) ex.drain(0, take(0));
    if (newTable === null) throw new Error(`internal: part ${part} got no table in a growth`);
    const next = new SharedTable(newTable);
    newTable = null;
    // Each part first writes the zeroes of its share of the new table, in order, then (once all
    // have) moves its share of the old one: pages new to the process are mapped in one sequential
    // pass, on every part at once, rather than at random as the slots move in.
    shareOf(next).fill(0);
    ex.growthBarrier();
    const [from, to] = slotsOf(old);
    old.moveInto(next, from, to);
    if (part === 0) ex.grown();
    ex.growthBarrier();
    table = next;
    set.table = next;
    // The old table's memory, mapped already, holds this part's frontier from now on.
    out.donate(shareOf(old));
  };
  const idle = (): boolean => {
    if (!ex.growing) return false;
    grow();
    return true;
  };

  // The first level's work: the start's chunks, by the start's templates.
  const startMap = templatesFor(codec, start.shapes);
  const startTemplates = start.shapes.map((_, tid) => codec.templates[startMap(tid)]);
  let work: Work[] = [];
  let blocks = 0;
  for (const chunk of start.chunks) {
    work.push(workOf(chunk, startTemplates, blocks));
    blocks += blocksOf(chunk);
  }

  const onNew = (_ref: number, _bytes: Uint8Array, at: number, length: number, template: number): void =>
    out.push(codec.encoder.words, at, length, template, set.lastLo, set.lastHi);
  for (let round = -1; ; level++) {
    const atBound = level >= search.maxDepth;
    let w = 0;
    for (let k = ex.claim(round); k < blocks; k = ex.claim(round)) {
      while (k >= work[w].first + blocksOf(work[w].chunk)) w++;
      const { chunk, bytes, templates } = work[w];
      const b = k - work[w].first;
      for (let at = blockStart(chunk, b), end = blockEnd(chunk, b); at < end; ) {
        const length = chunk[at];
        const t = templates[chunk[at + 1]];
        const lo = chunk[at + 2];
        const hi = chunk[at + 3];
        const from = (at + RECORD_HEAD) * 4;
        const s = t.decode(bytes, from, from + length) as S; // not frozen: see bfs.ts
        ex.beat();
        if (ex.growing) grow();
        set.from(lo, hi, level + 1);
        if (!search.expand(s, t, 0, level, onNew, !atBound)) {
          const f = search.finding;
          if (!f) throw new Error(`internal: part ${part} stopped expanding with no finding`);
          note(f, lo, hi, level + (f.then !== undefined ? 1 : 0));
          search.finding = undefined;
        }
        at += RECORD_HEAD + ((length + 3) >> 2);
      }
    }
    // A growth called for now is joined before the barrier, so that no part ends a level while one is pending.
    if (ex.growing) grow();
    tell();
    const all = ex.barrier(++round, out.count, best !== null ? FOUND : 0, idle);
    for (let p = 0; p < parts; p++) if (p !== part) ex.drain(p, take(p));
    if (all.flags.some((f) => f !== 0) || all.queued.every((q) => q === 0) || atBound) break;
    // The next level: every part's chunks, in part order.
    work = [];
    blocks = 0;
    for (let p = 0; p < parts; p++) {
      const ids = p === part ? out.level : theirLevels[p].shift();
      if (ids === undefined) throw new Error(`internal: part ${part} has no news of part ${p}'s level ${level + 1}`);
      const chunks = p === part ? out.chunks : theirChunks[p];
      const templates = p === part ? codec.templates : theirTemplates[p];
      for (const id of ids) {
        work.push(workOf(chunks[id], templates, blocks));
        blocks += blocksOf(chunks[id]);
      }
    }
    out.turn();
  }
  ex.count(set.size);
  return { search, set, table, best, frontierPeakBytes: out.peakBytes, waitedMs: ex.waitedMs };
}

/** A part's account of its run (the table's bytes are counted once, by the main thread). */
export function sharedReport<S>(cm: CompiledModel<S>, run: SharedRun<S>): PartReport {
  const { search, best } = run;
  const r: PartReport = {
    identity: identityOf(cm),
    states: run.set.size,
    transitions: search.transitions,
    depth: search.depth,
    storeBytes: 0,
    queuePeakBytes: run.frontierPeakBytes,
    canon: search.canon !== null,
    sent: 0,
    spared: 0,
    waitedMs: run.waitedMs,
    expandedAhead: 0,
    prefixStates: 0,
  };
  if (search.stoppedBy) r.stoppedBy = search.stoppedBy;
  if (best !== null) r.finding = { ...reportedFinding(best.finding, 0, best.length), lo: best.lo, hi: best.hi };
  return r;
}

/** The parts' findings as `SharedFinding`s (the property left out: the main thread finds it by name). */
export function findingsOf(reports: PartReport[]): (SharedFinding | null)[] {
  return reports.map((r) => {
    if (!r.finding) return null;
    const { length, lo, hi, ...f } = r.finding;
    return { finding: f, lo: lo!, hi: hi!, length };
  });
}
