/**
 * The BFS frontier in and out of a checkpoint (state/checkpoint.ts): out as the canonical
 * encodings of its states, in order, each with the id of the codec template that wrote it, and the
 * codec's shapes by id; in by compiling those shapes again (template ids are per codec) — not by
 * each decoded state's own shape, which would give every frontier state a narrow template of its
 * own and leave the successors to widen them one by one.
 */
import type { CompiledModel } from '../model/compile.js';
import { DEFAULT_HASHES } from '../state/bitstate.js';
import type { Checkpoint, CheckpointRun } from '../state/checkpoint.js';
import type { Codec } from '../state/codec.js';
import type { ByteFifo } from '../state/queue.js';
import { reviveShape, type Shape } from '../state/shape.js';
import { DEFAULT_SHARD_SEED } from './shard.js';
import type { ExploreOptions } from './types.js';

/** What a run is, for its checkpoint: a checkpoint resumes only a run that is the same in every one of these. */
export function checkpointRun(cm: CompiledModel, options: ExploreOptions, symmetry: boolean): CheckpointRun {
  return {
    model: cm.model.name,
    config: cm.model.config,
    deadlock: options.deadlock ?? true,
    invariants: [...cm.stateInvariants, ...cm.stepInvariants].map((i) => i.name),
    symmetry,
    maxDepth: options.maxDepth ?? null,
    store:
      options.bitstate === undefined
        ? { kind: 'exact' }
        : { kind: 'bitstate', bits: options.bitstate, hashes: options.bitstateHashes ?? DEFAULT_HASHES, seed: options.bitstateSeed ?? 0 },
    // A shard's order of actions and parameters (explore/shard.ts): parent links name instances by their place in it.
    shard: options.shard && options.shard.index !== 1 ? { index: options.shard.index, seed: options.shard.seed ?? DEFAULT_SHARD_SEED } : null,
  };
}

/** Frontier pieces of about this many bytes (a record never spans two). */
const PIECE = 1 << 20;

/**
 * Empty `queue` into frontier pieces: per state, its byte length and codec template id (32 bits
 * each, little-endian) and its bytes padded to 4. The queue gives up its chunks as it empties,
 * so the frontier is never held twice over.
 */
export function frontierOf(queue: ByteFifo): { pieces: Uint8Array[]; bytes: number; count: number } {
  const count = queue.length;
  const pieces: Uint8Array[] = [];
  let piece = new Uint8Array(PIECE);
  let view = new DataView(piece.buffer);
  let at = 0;
  let bytes = 0;
  while (queue.length > 0) {
    queue.pop();
    const len = queue.outEnd - queue.outStart;
    const size = 8 + ((len + 3) & ~3);
    if (at + size > piece.length) {
      pieces.push(piece.subarray(0, at));
      piece = new Uint8Array(Math.max(PIECE, size));
      view = new DataView(piece.buffer);
      at = 0;
    }
    view.setUint32(at, len, true);
    view.setUint32(at + 4, queue.outTemplate, true);
    piece.set(queue.out.subarray(queue.outStart, queue.outEnd), at + 8);
    at += size;
    bytes += size;
  }
  if (at > 0) pieces.push(piece.subarray(0, at));
  return { pieces, bytes, count };
}

/**
 * Visit the states of frontier bytes in order: `words` is a 32-bit view of them, the state's
 * encoding is at byte `start` (a multiple of 4), `template` its id in the codec that wrote it.
 * Throws RangeError on bytes that are not records.
 */
export function forEachRecord(frontier: Uint8Array, visit: (words: Int32Array, start: number, length: number, template: number) => void): number {
  if (frontier.byteOffset % 4 !== 0) throw new RangeError('frontier: not aligned to 32-bit words');
  const words = new Int32Array(frontier.buffer, frontier.byteOffset, frontier.byteLength >> 2);
  let n = 0;
  for (let at = 0; at < frontier.byteLength; n++) {
    if (at + 8 > frontier.byteLength) throw new RangeError('frontier: a record is cut short');
    const len = words[at >> 2];
    const start = at + 8;
    if (len < 0 || start + len > frontier.byteLength) throw new RangeError('frontier: a record is cut short');
    visit(words, start, len, words[(at >> 2) + 1]);
    at = start + ((len + 3) & ~3);
  }
  return n;
}

/** The templates of a frontier written with `shapes` (the writing codec's, by id), in `codec`. */
export function templatesFor(codec: Codec, shapes: readonly Shape[]): (tid: number) => number {
  const ids = shapes.map((s) => codec.template(reviveShape(s)).id);
  return (tid) => {
    if (!(tid >= 0 && tid < ids.length)) throw new RangeError(`frontier: template ${tid} is not among the ${ids.length} it names`);
    return ids[tid];
  };
}

/**
 * Let go of a checkpoint's store and frontier once a run has taken them over (the exact store's
 * fingerprint table is used as it is, not copied): they are not held twice, and the same
 * checkpoint, whose table that run goes on filling, cannot be resumed again (`wasResumed`).
 */
export function releaseCheckpoint(c: Checkpoint): void {
  c.store = { table: new Int32Array(0), parents: new Int32Array(0), via: new Int32Array(0), size: 0 };
  c.frontier = [];
}

/** Whether a run has taken this checkpoint over already (a real one never has an empty table). */
export const wasResumed = (c: Checkpoint): boolean => c.store.table.length === 0;

/** Fill `queue` with a checkpoint's frontier pieces; returns the number of states. Throws RangeError on malformed bytes. */
export function refill(queue: ByteFifo, codec: Codec, frontier: readonly Uint8Array[], shapes: readonly Shape[]): number {
  const template = templatesFor(codec, shapes);
  let n = 0;
  for (const piece of frontier) n += forEachRecord(piece, (words, start, len, tid) => queue.push(words, start, len, template(tid)));
  return n;
}
