/**
 * The frontier of a shared-table BFS (shared-bfs.ts), in shared memory: each part writes the
 * states it stores into chunks of its own, and at the next level every part reads every part's
 * chunks, a block of states at a time, whichever block it claims next. So work is spread over
 * the parts as they go, and no part waits for another's share.
 *
 * A chunk is an Int32Array over a SharedArrayBuffer: [used words, blocks, the start of each
 * block…] then records of [length, template, lo, hi, bytes… (padded to a word)], where (lo, hi)
 * is the state's fingerprint as the table stores it and the template id is its writer's.
 */
import { freshShared } from '../../state/fresh.js';

/** Words per chunk (1 MiB). */
const CHUNK_WORDS = 1 << 18;
/** States per block: what a part claims at a time. */
export const BLOCK_STATES = 64;
const MAX_BLOCKS = 1024;
/** Words before a chunk's records. */
const HEAD = 2 + MAX_BLOCKS;
/** Words of a record before its bytes. */
export const RECORD_HEAD = 4;

/** A chunk's blocks, once written. */
export const blocksOf = (chunk: Int32Array): number => chunk[1];
/** Where block `b` of a chunk starts and ends (in words). */
export const blockStart = (chunk: Int32Array, b: number): number => chunk[2 + b];
export const blockEnd = (chunk: Int32Array, b: number): number => (b + 1 < chunk[1] ? chunk[3 + b] : chunk[0]);

/** The chunks one part writes: a level's in order, those the peers read now, and those free to reuse. */
export class FrontierOut {
  /** Every chunk this part made, by id. */
  readonly chunks: Int32Array[] = [];
  /** The ids of the chunks written at this level, in order. */
  level: number[] = [];
  /** Chunks made since the peers were last told (`takeFresh`). */
  private fresh: number[] = [];
  /** The chunks of the level before, which the parts read now: free once this level is over. */
  private reading: number[] = [];
  private free: number[] = [];
  private current: Int32Array | null = null;
  private inBlock = 0;
  /** States written at this level. */
  count = 0;
  peakBytes = 0;
  private bytes = 0;

  /** Write a state: `length` bytes of `words` from byte `start`, by template `template`, of fingerprint (lo, hi). */
  push(words: Int32Array, start: number, length: number, template: number, lo: number, hi: number): void {
    const n = (length + 3) >> 2;
    let c = this.current;
    if (c === null || c[0] + RECORD_HEAD + n > c.length || (this.inBlock === 0 && c[1] === MAX_BLOCKS)) c = this.next(RECORD_HEAD + n);
    const at = c[0];
    if (this.inBlock === 0) c[2 + c[1]++] = at;
    if (++this.inBlock === BLOCK_STATES) this.inBlock = 0;
    c[at] = length;
    c[at + 1] = template;
    c[at + 2] = lo;
    c[at + 3] = hi;
    const from = start >> 2;
    const to = at + RECORD_HEAD;
    for (let i = 0; i < n; i++) c[to + i] = words[from + i];
    c[0] = to + n;
    this.count++;
  }

  private next(need: number): Int32Array {
    let id: number;
    if (HEAD + need <= CHUNK_WORDS && this.free.length > 0) {
      id = this.free.pop()!;
      if (!this.told[id]) {
        // A donated chunk, first used: the frontier's memory from now on.
        this.told[id] = true;
        this.fresh.push(id);
        this.bytes += CHUNK_WORDS * 4;
        if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
      }
    } else {
      id = this.chunks.length;
      this.chunks.push(freshShared(Math.max(CHUNK_WORDS, HEAD + need)));
      this.told[id] = true;
      this.fresh.push(id);
      this.bytes += this.chunks[id].byteLength;
      if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
    }
    const c = this.chunks[id];
    c[0] = HEAD;
    c[1] = 0;
    this.level.push(id);
    this.current = c;
    this.inBlock = 0;
    return c;
  }

  /** Per chunk: the peers have been told of it (a donated chunk is told of when first used). */
  private readonly told: boolean[] = [];

  /**
   * Take shared memory no longer used for anything else (a table the parts have grown out of) as
   * free chunks: memory the process already has mapped, instead of new memory for the frontier.
   * Returns its bytes taken.
   */
  donate(region: Int32Array): number {
    let taken = 0;
    for (let at = 0; at + CHUNK_WORDS <= region.length; at += CHUNK_WORDS) {
      const id = this.chunks.length;
      this.chunks.push(region.subarray(at, at + CHUNK_WORDS));
      this.told[id] = false;
      this.free.push(id);
      taken += CHUNK_WORDS * 4;
    }
    return taken;
  }

  /** The chunks made since the last call (for the peers, who have not seen them). */
  takeFresh(): { id: number; chunk: Int32Array }[] {
    const f = this.fresh.map((id) => ({ id, chunk: this.chunks[id] }));
    this.fresh = [];
    return f;
  }

  /** A level is over (every part has read the chunks of the one before): its chunks are read next, the older ones are free. */
  turn(): void {
    for (const id of this.reading) {
      if (this.chunks[id].length === CHUNK_WORDS) this.free.push(id);
      else {
        this.bytes -= this.chunks[id].byteLength;
        this.chunks[id] = EMPTY;
      }
    }
    this.reading = this.level;
    this.level = [];
    this.current = null;
    this.count = 0;
  }
}

const EMPTY = new Int32Array(0);
