/**
 * One part of a partitioned breadth-first search: the main thread is part 0, each worker thread
 * one more. The states are split among the parts by fingerprint (`ownerOf`); each part stores,
 * checks and expands only its own, and sends each successor another part owns to it
 * (exchange.ts). The search goes level by level: a part expands its frontier (depth L), filing its
 * own successors at once, then files the successors the other parts sent it, sender by sender in
 * part order, then all parts meet at a barrier and decide together whether to go on. So:
 *
 * - every state is stored once, by its owner, at its BFS depth: the parts together store
 *   exactly the states one thread would, and a violation is found at the same depth, so BFS
 *   traces stay shortest;
 * - what each part does is a function of the model and the number of parts only (own successors
 *   first, then senders in a fixed order), so runs repeat exactly, traces included;
 * - a finding or a bound stops the part that meets it at once, and every part at the end of
 *   the level;
 * - a part that waits for its peers at the end of a level expands its next level's states
 *   meanwhile, keeping their successors aside until that level begins (`expandAhead`): the
 *   waiting is put to use, and nothing else changes.
 *
 * A search may start partitioned (`partitionedBfs`, from the initial state) or be handed over by
 * the main thread's own BFS at a level boundary (a `Prefix`): the main thread goes on with its
 * search as part 0 (`runLevels`), and each worker takes its share of the stored fingerprints and
 * of the next level (`partitionedBfs` with the prefix).
 */
import type { CompiledModel } from '../../model/compile.js';
import { BitStateStore } from '../../state/bitstate.js';
import { StateStore } from '../../state/store.js';
import type { Codec, Template } from '../../state/codec.js';
import { fingerprint, fp } from '../../state/fingerprint.js';
import { ByteFifo } from '../../state/queue.js';
import type { Shape } from '../../state/shape.js';
import { forEachRecord, templatesFor } from '../resume.js';
import { ownerOf, Search, type Finding, type Route } from '../search.js';
import { sketchOfStore } from '../shard.js';
import type { ExploreOptions } from '../types.js';
import { FOUND, HEADER_WORDS, recordWords, STOPPED, writeRecord, type Exchange, type Idle, type OnChunk } from './exchange.js';
import { identityOf, reportedFinding, type PartReport } from './protocol.js';

/** What a part found, for its report. */
export interface PartRun {
  queuePeakBytes: number;
  /** Records sent to other parts, and those the cache of fingerprints already sent spared. */
  sent: number;
  spared: number;
  /** The length of the trace of this part's finding (its state's depth, plus its step when it is a step's). */
  findingLength: number;
  /** The largest the buffers of records kept for the end of a level grew. */
  pendingPeakBytes: number;
  /** Time spent waiting for the peers. */
  waitedMs: number;
  /** States expanded ahead of their level, in time this part would have waited. */
  expandedAhead: number;
}

/**
 * Where the main thread handed its BFS over, at a level boundary: its fingerprint table, the next
 * level's states (the frontier, split among the parts, each state with its codec template id, and
 * those templates' shapes) and that level's depth. `states` is how many it had stored: their indexes
 * stay their references, and the parts number their own states from there.
 */
export interface Prefix {
  table: Int32Array;
  /** Per part: the records of the frontier states it owns, and their references (`splitFrontier`). */
  frontiers: Uint8Array[];
  refs: Int32Array[];
  shapes: Shape[];
  states: number;
  level: number;
  depth: number;
  /** States the parts may still store together (the rest of --max-states), or Infinity. */
  budget: number;
}

/** Where a part's level loop starts: the level of the queued states and how their references run. */
export interface LevelStart {
  level: number;
  /** The references of the first level's queued states, when they are not this part's own (a handoff). */
  firstRefs: Int32Array | null;
  /** This part's local index of its next own state. */
  local: number;
  /** A finding (on the initial state) stopped the part before it began. */
  stopped: boolean;
}

/** Records whose store slots are read ahead at once. */
const PREFETCH = 32;
/**
 * The bytes of successors a part keeps from states it expanded ahead of their level: a quarter
 * of its level's queue (waits grow with the levels), from 4 to 64 MiB (on philosophers N = 18,
 * about 10 MiB at the widest levels). Expanding ahead fills the waits that come and go from
 * level to level; when one part is the slower at every level, the other has nothing of the
 * slower part's to do, and more room would only move its own work earlier.
 */
const EARLY_SHARE = 4;
const EARLY_MIN = 4 << 20;
const EARLY_MAX = 64 << 20;
/** Room a buffer of records keeps past its limit, for the batch that crosses it. */
const RECORDS_SLACK = 1 << 18;
/** States expanded ahead at a time, between looks at the peers. */
const EARLY_STEP = 16;

/** A part's search from the start, or from a handoff's prefix (a worker's). */
export function partitionedBfs<S>(
  cm: CompiledModel<S>,
  options: ExploreOptions,
  init: S,
  exchange: (codec: Codec) => Exchange,
  /** The bytes this part's store and queue may hold (the process RSS may reach the whole limit). */
  memoryShare: number,
  prefix?: Prefix,
): PartRun & { search: Search<S>; prefixStates: number } {
  const queue = new ByteFifo();
  let held = (): number => 0;
  const search = new Search(cm, options, () => queue.length, () => queue.bytes + held());
  if (options.memoryMB !== undefined) search.memoryLimit = memoryShare;
  const ex = exchange(search.codec);
  held = () => ex.heldBytes;
  const route = routeTo(ex, search.codec);
  let start: LevelStart;
  if (prefix) {
    const firstRefs = takeOver(search, queue, ex.part, ex.parts, prefix);
    search.partition(ex.part, ex.parts, route, { ref: prefix.states, local: search.store.size });
    start = { level: prefix.level, firstRefs, local: search.store.size, stopped: false };
  } else {
    search.partition(ex.part, ex.parts, route);
    const first = search.addInitial(init);
    if (first >= 0) queue.push(search.codec.encoder.words, 0, search.codec.length, search.codec.tid);
    start = { level: 0, firstRefs: null, local: 0, stopped: first === -1 };
  }
  const prefixStates = prefix ? start.local : 0;
  return { ...runLevels(search, queue, ex, start), search, prefixStates };
}

/** The route of a part's successors that other parts own: into the exchange. */
export function routeTo(ex: Exchange, codec: Codec): Route {
  const parts = ex.parts;
  return (lo, hi, parent, via, _bytes, start, length, template) => ex.send(ownerOf(hi, parts), lo, hi, parent, via, codec.encoder.words, start, length, template);
}

/**
 * The level loop of one part (already `partition`ed): `queue` holds this part's states at
 * `start.level`; runs until every part is done or one stops.
 */
export function runLevels<S>(search: Search<S>, queue: ByteFifo, ex: Exchange, start: LevelStart): PartRun {
  const { part, parts } = ex;
  const codec = search.codec;
  const templates = codec.templates;
  const onNew = (_ref: number, _bytes: Uint8Array, at: number, length: number, template: number) => queue.push(codec.encoder.words, at, length, template);
  // Pending records are pushed from the words of the buffer being filed.
  let fromWords: Int32Array = new Int32Array(0);
  const onRemote = (_ref: number, _bytes: Uint8Array, at: number, length: number, template: number) => queue.push(fromWords, at, length, template);
  let findingLength = 0;
  let stopped = start.stopped;
  let local = start.local;
  let beyond = false;
  let atBound = false;
  // Per sender: the records of this level that were not stored here when they arrived, kept to
  // file at the end of the level in sender order. Records of states already stored are dropped
  // as they arrive (the chunk goes back to its sender at once), so a part holds the new states
  // of a level, not every successor its peers sent it.
  const pending = Array.from({ length: parts }, () => new Records());
  // Expanding ahead. A part that has expanded its level and waits for its peers (their records of
  // the level, or the barrier) expands, meanwhile, the states of the next level it already has,
  // but keeps every successor, its own too, in `early`, in order: none is sent or stored. The
  // next level begins by sending and filing them as `expand` would have (`replayEarly`), then
  // expands the rest; a level that ends the search drops them. Everything sent and stored, and
  // in what order, is as without it: only the waiting is put to use.
  const ahead = search.options.expandAhead ?? 'waiting';
  const early = new Records();
  let earlyStates = 0;
  let expandedAhead = 0;
  /** A finding met ahead: reported where the replay reaches it, unless the search stops before. */
  let earlyStop: { finding: Finding; length: number; extra: number } | null = null;
  /** Whether this level's waits may expand the next level's states ahead (not at the depth bound, nor under a memory limit). */
  let earlyOk = false;
  let earlyLevel = 0;
  const keepEarly: Route = (lo, hi, parent, via, _bytes, at, length, template) => early.push(lo, hi, parent, via, codec.encoder.words, at, length, template);

  /** Expand a few of the next level's states ahead (see above); false when there is nothing to do. */
  const expandEarly: Idle = () => {
    if (!earlyOk || stopped || earlyStop !== null || queue.length === 0 || early.used * 4 >= early.limitBytes) return false;
    search.deferred = keepEarly;
    try {
      for (let i = 0; i < EARLY_STEP && queue.length > 0; i++) {
        queue.pop();
        const t = templates[queue.outTemplate];
        const s = t.decode(queue.out, queue.outStart, queue.outEnd) as S;
        const ref = search.refBase + (local++ - search.localBase) * parts + part;
        earlyStates++;
        ex.beat();
        // Its transitions are counted when they are replayed; `extra` is one a failed check adds.
        const transitions = search.transitions;
        const records = early.count;
        const ok = search.expand(s, t, ref, earlyLevel, onNew, true);
        const extra = search.transitions - transitions - (early.count - records);
        search.transitions = transitions;
        if (!ok) {
          const f = search.finding;
          if (!f) throw new Error(`internal: part ${part} stopped expanding ahead with no finding`);
          earlyStop = { finding: f, length: (f.at === ref ? earlyLevel : earlyLevel + 1) + (f.then !== undefined && f.at === ref ? 1 : 0), extra };
          search.finding = undefined;
          break;
        }
      }
    } finally {
      search.deferred = null;
    }
    return true;
  };

  /**
   * Send and file the successors of the states expanded ahead of `level` as `expand` would have:
   * state by state, those other parts own are sent, then this part's own are filed at `level + 1`.
   * False when that (or the finding met ahead) stops the search.
   */
  const replayEarly = (level: number): boolean => {
    const words = early.words;
    const end = early.used;
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    fromWords = words;
    for (let at = 0; at < end; ) {
      const parent = words[at + 2];
      let stop = at;
      while (stop < end && words[stop + 2] === parent) stop += recordWords(words, stop);
      ex.beat();
      for (let r = at; r < stop; r += recordWords(words, r)) {
        const owner = ownerOf(words[r + 1], parts);
        if (owner === part) continue;
        search.transitions++;
        ex.send(owner, words[r], words[r + 1], parent, words[r + 3], words, (r + HEADER_WORDS) * 4, words[r + 5], words[r + 4]);
      }
      let fetchedTo = at;
      for (let r = at; r < stop; r += recordWords(words, r)) {
        if (r >= fetchedTo) fetchedTo = readAhead(words, r, stop);
        if (ownerOf(words[r + 1], parts) !== part) continue;
        search.transitions++;
        if (!search.file(words[r], words[r + 1], parent, words[r + 3], level + 1, bytes, (r + HEADER_WORDS) * 4, words[r + 5], words[r + 4], onRemote)) {
          findingLength = level + 1;
          return false;
        }
      }
      at = stop;
    }
    if (earlyStop !== null) {
      search.transitions += earlyStop.extra;
      search.finding = earlyStop.finding;
      findingLength = earlyStop.length;
      return false;
    }
    return true;
  };

  // The low halves of the next records' fingerprints, to prefetch their store slots (see Search.expand).
  const slotsAhead = new Int32Array(PREFETCH);
  let prefetched = 0;

  /**
   * Read ahead the store slots of the next records of `words` from `at` (up to `end`); returns
   * where the records read ahead end.
   */
  const readAhead = (words: Int32Array, at: number, end: number): number => {
    let k = 0;
    let to = at;
    for (; k < PREFETCH && to < end; k++) {
      slotsAhead[k] = words[to];
      to += recordWords(words, to);
    }
    prefetched ^= search.store.prefetch(slotsAhead, k);
    return to;
  };

  /** Look the records of a chunk up as it arrives: keep those not stored (at the depth bound, only note that one exists). */
  const scan: OnChunk = (peer, chunk, map) => {
    if (stopped) return;
    const words = chunk.words;
    const store = search.store;
    let fetchedTo = 0;
    for (let at = 0; at < chunk.used; ) {
      if (at >= fetchedTo) fetchedTo = readAhead(words, at, chunk.used);
      const n = recordWords(words, at);
      if (!store.has(words[at], words[at + 1])) {
        if (atBound) beyond = true;
        else pending[peer].append(words, at, n, ours(map, words[at + 4]));
      }
      at += n;
    }
  };

  /** This part's id of a sender's template. */
  const ours = (map: (Template | undefined)[], theirs: number): number => {
    const template = map[theirs];
    if (template === undefined) throw new Error(`internal: part ${part} got a record of an unannounced template`);
    return template.id;
  };

  /**
   * File records at `level + 1` (the first `end` words of `words`, with template ids mapped by
   * `map`, or already ours when it is null); false when that stops the search.
   */
  const fileRecords = (words: Int32Array, end: number, map: (Template | undefined)[] | null, level: number): boolean => {
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    fromWords = words;
    let fetchedTo = 0;
    for (let at = 0; at < end; ) {
      if (at >= fetchedTo) fetchedTo = readAhead(words, at, end);
      const length = words[at + 5];
      const template = map === null ? words[at + 4] : ours(map, words[at + 4]);
      ex.beat();
      if (!search.file(words[at], words[at + 1], words[at + 2], words[at + 3], level + 1, bytes, (at + HEADER_WORDS) * 4, length, template, onRemote)) {
        findingLength = level + 1;
        return false;
      }
      at += HEADER_WORDS + ((length + 3) >> 2);
    }
    return true;
  };

  /** The sender whose records are being filed as they arrive (at the end of a level), or -1. */
  let filing = -1;
  let filingLevel = 0;
  /** What is done with a chunk: filed at once when it is from the sender being filed, else scanned. */
  const onChunk: OnChunk = (peer, chunk, map) => {
    if (peer !== filing || atBound) return scan(peer, chunk, map);
    if (!stopped && !fileRecords(chunk.words, chunk.used, map, filingLevel)) stopped = true;
  };

  for (let level = start.level, round = 0; ; level++, round++) {
    atBound = level >= search.maxDepth;
    // Expand this level: the states queued now are exactly this part's states at depth `level`
    // (but those expanded ahead, whose successors go first).
    const count = queue.length;
    const firstRefs = round === 0 ? start.firstRefs : null;
    if (earlyStates > 0 && !replayEarly(level)) stopped = true;
    early.clear();
    earlyStates = 0;
    earlyStop = null;
    earlyOk = ahead !== 'never' && !stopped && level + 1 < search.maxDepth && search.memoryLimit === Infinity;
    early.limitBytes = Math.min(EARLY_MAX, Math.max(EARLY_MIN, queue.bytes / EARLY_SHARE));
    earlyLevel = level + 1;
    for (let i = 0; i < count && !stopped; i++) {
      queue.pop();
      const t = templates[queue.outTemplate];
      const s = t.decode(queue.out, queue.outStart, queue.outEnd) as S; // not frozen: see bfs.ts
      const ref = firstRefs !== null ? firstRefs[i] : search.refBase + (local++ - search.localBase) * parts + part;
      ex.beat();
      if (!search.expand(s, t, ref, level, onNew, !atBound)) {
        stopped = true;
        const f = search.finding;
        if (f) findingLength = (f.at === ref ? level : level + 1) + (f.then !== undefined && f.at === ref ? 1 : 0);
      }
      if ((i & 63) === 63) ex.poll(round, scan);
    }
    if (search.stoppedBy === 'max-depth') beyond = true;
    // Exchange: send what is left for the peers, then file what they sent, sender by sender in
    // part order: what was kept of a sender's records, then the rest of them as they arrive (the
    // later senders' are still looked up and kept meanwhile), until its end of the level.
    ex.endLevel(round);
    if (ahead === 'always') while (expandEarly());
    filingLevel = level;
    for (let peer = 0; peer < parts; peer++) {
      if (peer === part) continue;
      const kept = pending[peer];
      if (!stopped && !fileRecords(kept.words, kept.used, null, level)) stopped = true;
      kept.clear();
      filing = peer;
      ex.receiveLevel(peer, round, onChunk, expandEarly);
      filing = -1;
    }
    const flags = (search.finding ? FOUND : 0) | (stopped && !search.finding ? STOPPED : 0);
    const all = ex.barrier(round, queue.length + earlyStates, flags, expandEarly);
    expandedAhead += earlyStates;
    if (beyond && search.stoppedBy === undefined) search.stoppedBy = 'max-depth';
    if (all.flags.some((f) => f !== 0) || all.queued.every((q) => q === 0) || atBound) break;
  }
  void prefetched;
  return { queuePeakBytes: queue.peakBytes, findingLength, sent: ex.sent, spared: ex.spared, pendingPeakBytes: pending.reduce((a, r) => a + r.peakBytes, 0) + early.peakBytes, waitedMs: ex.waitedMs, expandedAhead };
}

/** A growing buffer of records (exchange.ts's layout), reused from level to level. */
class Records {
  words = new Int32Array(1 << 12);
  used = 0;
  /** Records held. */
  count = 0;
  peakBytes = 0;
  /** Bytes the records should stay within (the buffer grows to it and a little past, not to twice it). */
  limitBytes = Infinity;

  /** Room for `n` more words. */
  private room(n: number): void {
    if (this.used + n <= this.words.length) return;
    const cap = (this.limitBytes + RECORDS_SLACK) / 4;
    const bigger = new Int32Array(Math.max(Math.min(this.words.length * 2, cap), this.used + n));
    bigger.set(this.words.subarray(0, this.used));
    this.words = bigger;
    if (bigger.byteLength > this.peakBytes) this.peakBytes = bigger.byteLength;
  }

  /** Copy the `n`-word record at `src[at]`, with template id `template` (ours). */
  append(src: Int32Array, at: number, n: number, template: number): void {
    this.room(n);
    const dst = this.words;
    const to = this.used;
    for (let i = 0; i < n; i++) dst[to + i] = src[at + i];
    dst[to + 4] = template;
    this.used = to + n;
    this.count++;
  }

  /** Add the record of a successor whose encoding is `length` bytes of `src` from byte `start` (a multiple of 4). */
  push(lo: number, hi: number, parent: number, via: number, src: Int32Array, start: number, length: number, template: number): void {
    this.room(HEADER_WORDS + ((length + 3) >> 2));
    this.used = writeRecord(this.words, this.used, lo, hi, parent, via, src, start, length, template);
    this.count++;
  }

  clear(): void {
    this.used = 0;
    this.count = 0;
  }
}

/**
 * Take this part's share of a handoff: the stored fingerprints it owns (with no links: paths
 * through them are the main thread's) and the frontier states it owns, queued in order. Returns
 * those states' references.
 */
function takeOver<S>(search: Search<S>, queue: ByteFifo, part: number, parts: number, prefix: Prefix): Int32Array {
  const { table } = prefix;
  const store = search.store;
  // Its share of the stored states, and room for them at once rather than through every doubling
  // (measured at philosophers N=16: 55–69 ms for this loop, against 72–134 ms growing as it goes).
  if (store instanceof StateStore) store.reserve(Math.ceil((prefix.states / parts) * 1.05));
  for (let j = 0; j < table.length; j += 2) {
    const lo = table[j];
    const hi = table[j + 1];
    if ((lo !== 0 || hi !== 0) && ownerOf(hi, parts) === part) store.add(lo, hi, -1, -1);
  }
  const firstRefs = queueShare(prefix, part, templatesFor(search.codec, prefix.shapes), queue);
  releasePrefix(prefix);
  search.depth = prefix.depth;
  if (prefix.budget !== Infinity) search.maxStates = store.size + Math.ceil(prefix.budget / parts);
  return firstRefs;
}

/**
 * Let go of a prefix's table and frontier once this part has taken its share or handed them on:
 * shared memory, which every part would otherwise keep for the whole run.
 */
export function releasePrefix(prefix: Prefix): void {
  prefix.table = new Int32Array(0);
  prefix.frontiers = [];
  prefix.refs = [];
}

/**
 * Split a frontier (`frontierOf`'s pieces; its states are references `next`, `next + 1`, …)
 * among `parts` parts by owner: per part, the records of its states, in order, in shared memory,
 * and their references. The thread that hands over does it once, as it takes its own share, so
 * that no worker has to fingerprint the whole frontier again before it starts.
 */
export function splitFrontier(pieces: readonly Uint8Array[], next: number, parts: number): { frontiers: Uint8Array[]; refs: Int32Array[] } {
  const owners: number[] = [];
  const bytes = new Array<number>(parts).fill(0);
  const counts = new Array<number>(parts).fill(0);
  for (const piece of pieces) {
    forEachRecord(piece, (words, start, len) => {
      fingerprint(words, len, start);
      const owner = ownerOf(fp.hi, parts);
      owners.push(owner);
      bytes[owner] += 8 + ((len + 3) & ~3);
      counts[owner]++;
    });
  }
  const frontiers = bytes.map((b) => new Uint8Array(new SharedArrayBuffer(b)));
  const refs = counts.map((c) => new Int32Array(new SharedArrayBuffer(4 * c)));
  const at = new Array<number>(parts).fill(0);
  const filled = new Array<number>(parts).fill(0);
  let k = 0;
  for (const piece of pieces) {
    forEachRecord(piece, (_words, start, len) => {
      const owner = owners[k];
      const size = 8 + ((len + 3) & ~3);
      frontiers[owner].set(piece.subarray(start - 8, start - 8 + size), at[owner]);
      at[owner] += size;
      refs[owner][filled[owner]++] = next + k;
      k++;
    });
  }
  return { frontiers, refs };
}

/** Queue this part's share of a prefix's frontier (templates mapped by `template`); returns those states' references. */
export function queueShare(prefix: Prefix, part: number, template: (tid: number) => number, queue: ByteFifo): Int32Array {
  forEachRecord(prefix.frontiers[part], (words, start, len, tid) => queue.push(words, start, len, template(tid)));
  return prefix.refs[part];
}

/** A part's account of its run, as the workers send it and this thread's part is counted with theirs. */
export function partReport<S>(cm: CompiledModel<S>, search: Search<S>, run: PartRun, prefixStates: number, sketch: boolean): PartReport {
  const store = search.store;
  const f = search.finding;
  const r: PartReport = {
    identity: identityOf(cm),
    states: store.size,
    transitions: search.transitions,
    depth: search.depth,
    storeBytes: store.bytes,
    queuePeakBytes: run.queuePeakBytes + run.pendingPeakBytes,
    canon: search.canon !== null,
    sent: run.sent,
    spared: run.spared,
    waitedMs: run.waitedMs,
    expandedAhead: run.expandedAhead,
    prefixStates,
  };
  if (search.stoppedBy) r.stoppedBy = search.stoppedBy;
  if (store instanceof BitStateStore) r.omission = store.omission();
  if (sketch) r.sketch = sketchOfStore(store);
  if (f) r.finding = reportedFinding(f, f.at, run.findingLength);
  return r;
}
