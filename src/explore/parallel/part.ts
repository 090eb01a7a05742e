/**
 * One part of a partitioned breadth-first search, run by a worker thread. The states are split
 * among the parts by fingerprint (`ownerOf`); each part stores, checks and expands only its own,
 * and sends each successor another part owns to it (exchange.ts). The search goes level by
 * level: a part expands its frontier (depth L), filing its own successors at once, then files
 * the successors the other parts sent it, sender by sender in part order, then all parts meet at
 * a barrier and decide together whether to go on. So:
 *
 * - every state is stored once, by its owner, at its BFS depth: the parts together store
 *   exactly the states one thread would, and a violation is found at the same depth, so BFS
 *   traces stay shortest;
 * - what each part does is a function of the model and the number of parts only (own successors
 *   first, then senders in a fixed order), so runs repeat exactly, traces included;
 * - a finding or a bound stops the part that meets it at once, and every part at the end of
 *   the level.
 */
import type { CompiledModel } from '../../model/compile.js';
import { ByteFifo } from '../../state/queue.js';
import { ownerOf, Search, type Route } from '../search.js';
import type { ExploreOptions } from '../types.js';
import { FOUND, HEADER_WORDS, STOPPED, type Chunk, type Exchange } from './exchange.js';
import type { Codec, Template } from '../../state/codec.js';

export interface PartRun<S> {
  search: Search<S>;
  queuePeakBytes: number;
  /** Records sent to other parts, and those the cache of fingerprints already sent spared. */
  sent: number;
  spared: number;
  /** The length of the trace of this part's finding (its state's depth, plus its step when it is a step's). */
  findingLength: number;
}

export function partitionedBfs<S>(
  cm: CompiledModel<S>,
  options: ExploreOptions,
  init: S,
  exchange: (codec: Codec) => Exchange,
  /** The bytes this part's store and queue may hold (the process RSS may reach the whole limit). */
  memoryShare: number,
): PartRun<S> {
  const queue = new ByteFifo();
  let inboxBytes = (): number => 0;
  const search = new Search(cm, options, () => queue.length, () => queue.bytes + inboxBytes());
  if (options.memoryMB !== undefined) search.memoryLimit = memoryShare;
  const codec = search.codec;
  const ex = exchange(codec);
  inboxBytes = () => ex.inboxBytes;
  const { part, parts } = ex;
  const templates = codec.templates;
  const route: Route = (lo, hi, parent, via, _bytes, start, length, template) =>
    ex.send(ownerOf(hi, parts), lo, hi, parent, via, codec.encoder.words, start, length, template);
  search.partition(part, parts, route);
  const onNew = (_ref: number, _bytes: Uint8Array, start: number, length: number, template: number) =>
    queue.push(codec.encoder.words, start, length, template);
  // Records from a peer are pushed from the words of the chunk being filed.
  let chunkWords: Int32Array = new Int32Array(0);
  const onRemote = (_ref: number, _bytes: Uint8Array, start: number, length: number, template: number) =>
    queue.push(chunkWords, start, length, template);

  let findingLength = 0;
  const first = search.addInitial(init);
  let stopped = first === -1;
  if (first >= 0) queue.push(codec.encoder.words, 0, codec.length, codec.tid);
  let local = 0;
  let beyond = false;

  /** File the records of one chunk at `level + 1` (or, at the depth bound, only look them up). */
  const fileChunk = (chunk: Chunk, map: (Template | undefined)[], level: number, atBound: boolean): boolean => {
    const words = chunk.words;
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    chunkWords = words;
    for (let at = 0; at < chunk.used; ) {
      const lo = words[at];
      const hi = words[at + 1];
      const length = words[at + 5];
      const start = (at + HEADER_WORDS) * 4;
      const template = map[words[at + 4]];
      if (template === undefined) throw new Error(`internal: part ${part} got a record of an unannounced template`);
      if (atBound) {
        if (!search.store.has(lo, hi)) beyond = true;
      } else if (!search.file(lo, hi, words[at + 2], words[at + 3], level + 1, bytes, start, length, template.id, onRemote)) {
        findingLength = level + 1;
        return false;
      }
      at += HEADER_WORDS + ((length + 3) >> 2);
    }
    return true;
  };

  for (let level = 0; ; level++) {
    const atBound = level >= search.maxDepth;
    // Expand this level: the states queued now are exactly this part's states at depth `level`.
    const count = queue.length;
    for (let i = 0; i < count && !stopped; i++) {
      queue.pop();
      const t = templates[queue.outTemplate];
      const s = t.decode(queue.out, queue.outStart, queue.outEnd) as S; // not frozen: see bfs.ts
      const ref = local++ * parts + part;
      if (!search.expand(s, t, ref, level, onNew, !atBound)) {
        stopped = true;
        const f = search.finding;
        if (f) findingLength = (f.at === ref ? level : level + 1) + (f.then !== undefined && f.at === ref ? 1 : 0);
      }
    }
    if (search.stoppedBy === 'max-depth') beyond = true;
    // Exchange: send what is left for the peers, then file what they sent, in part order.
    ex.endLevel(level);
    for (let peer = 0; peer < parts; peer++) {
      if (peer === part) continue;
      ex.receiveLevel(peer, level, stopped ? null : (chunk, map) => {
        if (!stopped && !fileChunk(chunk, map, level, atBound)) stopped = true;
      });
    }
    const flags = (search.finding ? FOUND : 0) | (stopped && !search.finding ? STOPPED : 0);
    const all = ex.barrier(level, queue.length, flags);
    if (beyond && search.stoppedBy === undefined) search.stoppedBy = 'max-depth';
    if (all.flags.some((f) => f !== 0) || all.queued.every((q) => q === 0) || atBound) break;
  }
  return { search, queuePeakBytes: queue.peakBytes, findingLength, sent: ex.sent, spared: ex.spared };
}
