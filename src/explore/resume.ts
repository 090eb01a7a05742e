/**
 * The BFS frontier in and out of a checkpoint (state/checkpoint.ts): out as the canonical
 * encodings of its states, in order (codec template ids are per run, so they are not kept); in
 * by finding each state's template again from its decoded value.
 */
import type { CompiledModel } from '../model/compile.js';
import { DEFAULT_HASHES } from '../state/bitstate.js';
import type { CheckpointRun } from '../state/checkpoint.js';
import type { Codec } from '../state/codec.js';
import { decode } from '../state/encode.js';
import type { ByteFifo } from '../state/queue.js';
import { shapeOf } from '../state/shape.js';
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
  };
}

/** Empty `queue` into frontier bytes: per state, its length (32 bits, little-endian) and its bytes padded to 4. */
export function frontierOf(queue: ByteFifo): { bytes: Uint8Array; count: number } {
  const count = queue.length;
  const parts: Uint8Array[] = [];
  let total = 0;
  while (queue.length > 0) {
    queue.pop();
    const len = queue.outEnd - queue.outStart;
    const rec = new Uint8Array(4 + ((len + 3) & ~3));
    new DataView(rec.buffer).setUint32(0, len, true);
    rec.set(queue.out.subarray(queue.outStart, queue.outEnd), 4);
    parts.push(rec);
    total += rec.length;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, count };
}

/** Fill `queue` with a checkpoint's frontier; returns the number of states. Throws RangeError on malformed bytes. */
export function refill(queue: ByteFifo, codec: Codec, frontier: Uint8Array): number {
  const view = new DataView(frontier.buffer, frontier.byteOffset, frontier.byteLength);
  const words = new Int32Array(frontier.buffer, frontier.byteOffset, frontier.byteLength >> 2);
  let n = 0;
  for (let at = 0; at < frontier.byteLength; ) {
    if (at + 4 > frontier.byteLength) throw new RangeError('frontier: a record is cut short');
    const len = view.getUint32(at, true);
    const start = at + 4;
    if (start + len > frontier.byteLength) throw new RangeError('frontier: a record is cut short');
    let value: unknown;
    try {
      value = decode(frontier, start, start + len);
    } catch (e) {
      throw new RangeError(`frontier: state ${n + 1} does not decode (${(e as Error).message})`);
    }
    queue.push(words, start, len, codec.template(shapeOf(value)).id);
    at = start + ((len + 3) & ~3);
    n++;
  }
  return n;
}
