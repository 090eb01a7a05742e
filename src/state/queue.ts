/**
 * Queues of encoded states, kept in large byte chunks instead of one JS object per state, so a
 * frontier of millions of states costs little more than its encoded bytes. A record never spans
 * two chunks. Beside each state's bytes (outside them: they are what is fingerprinted) the queue
 * keeps the id of the codec template that wrote them (codec.ts). After `pop`, the record is
 * readable at `out[outStart … outEnd)` until the next call.
 */

const CHUNK = 1 << 20;
const MAX_SPARE = 8;

abstract class ChunkedBytes {
  protected chunks: Uint8Array[] = [];
  protected ends: number[] = [];
  out: Uint8Array = new Uint8Array(0);
  outStart = 0;
  outEnd = 0;
  /** Extra integers stored beside the record (template, state index, depth), read back by pop. */
  outTemplate = 0;
  outIndex = 0;
  outDepth = 0;
  count = 0;
  peakBytes = 0;
  /** Used-up chunks kept for reuse (new memory costs page faults and zeroing). */
  protected spare: Uint8Array[] = [];
  /** Set by `reserve`: the chunk and offset of the reserved room. */
  protected at = 0;
  protected chunk: Uint8Array = new Uint8Array(0);

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.chunks.length * CHUNK;
  }

  /** Reserve room for `n` bytes at the tail (in `chunk` at `at`), starting a new chunk when the tail has not enough. */
  protected reserve(n: number): void {
    let slot = this.chunks.length - 1;
    if (slot < 0 || this.ends[slot] + n > this.chunks[slot].length) {
      this.chunks.push(n <= CHUNK && this.spare.length > 0 ? this.spare.pop()! : new Uint8Array(Math.max(CHUNK, n)));
      this.ends.push(0);
      slot++;
      const bytes = this.bytes;
      if (bytes > this.peakBytes) this.peakBytes = bytes;
    }
    const at = this.ends[slot];
    this.ends[slot] = at + n;
    this.chunk = this.chunks[slot];
    this.at = at;
  }
}

function writeInt(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

function readInt(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

/** Copy `src[start … start + len)` to `dst` at `at` (a loop for short records: `set` would need a subarray view). */
function copy(dst: Uint8Array, at: number, src: Uint8Array, start: number, len: number): void {
  if (len > 96) {
    dst.set(src.subarray(start, start + len), at);
    return;
  }
  for (let i = 0; i < len; i++) dst[at + i] = src[start + i];
}

/**
 * First in, first out: the BFS frontier. Layout per record, 4-byte aligned: [length:4]
 * [template:4][bytes, zero-padded to a multiple of 4], copied a 32-bit word at a time.
 */
export class ByteFifo extends ChunkedBytes {
  private head = 0;
  private headPos = 0;
  /** 32-bit views of the chunks. */
  private words: Int32Array[] = [];

  /**
   * Add the record `src[start … start + len)`, written by codec template `template`: `words`
   * is a 32-bit view of `src`, `start` a multiple of 4, and the bytes after the record up to
   * the next multiple of 4 are zero (as the encoder leaves them).
   */
  push(words: Int32Array, start: number, len: number, template: number): void {
    const n = (len + 3) >> 2;
    this.reserve(8 + 4 * n);
    if (this.words.length < this.chunks.length) this.words.push(new Int32Array(this.chunk.buffer));
    const dst = this.words[this.words.length - 1];
    const at = this.at >> 2;
    dst[at] = len;
    dst[at + 1] = template;
    const from = start >> 2;
    for (let i = 0; i < n; i++) dst[at + 2 + i] = words[from + i];
    this.count++;
  }

  pop(): void {
    if (this.headPos >= this.ends[this.head]) {
      // The head chunk is used up: release it (keeps memory proportional to the frontier),
      // keeping a few for reuse.
      const used = this.chunks[this.head];
      if (used.length === CHUNK && this.spare.length < MAX_SPARE) this.spare.push(used);
      this.chunks[this.head] = EMPTY;
      this.words[this.head] = EMPTY_WORDS;
      this.head++;
      this.headPos = 0;
    }
    const words = this.words[this.head];
    const at = this.headPos;
    const len = words[at >> 2];
    this.outTemplate = words[(at >> 2) + 1];
    this.out = this.chunks[this.head];
    this.outStart = at + 8;
    this.outEnd = at + 8 + len;
    this.headPos = at + 8 + ((len + 3) & ~3);
    this.count--;
  }

  override get bytes(): number {
    return (this.chunks.length - this.head) * CHUNK;
  }

  /** Put the record the last `pop` took back at the head (it is still in the head chunk). */
  unpop(): void {
    this.headPos = this.outStart - 8;
    this.count++;
  }
}

const EMPTY_WORDS = new Int32Array(0);
const EMPTY = new Uint8Array(0);

/** Last in, first out: the DFS stack. Layout per record: [bytes][index:4][depth:4][template:2][length:4]. */
export class ByteStack extends ChunkedBytes {
  /** Add the record `src[start … start + len)` (codec template `template`) of state `index` at `depth`. */
  push(src: Uint8Array, start: number, len: number, index: number, depth: number, template: number): void {
    this.reserve(len + 14);
    const chunk = this.chunk;
    const at = this.at;
    copy(chunk, at, src, start, len);
    writeInt(chunk, at + len, index);
    writeInt(chunk, at + len + 4, depth);
    chunk[at + len + 8] = template;
    chunk[at + len + 9] = template >>> 8;
    writeInt(chunk, at + len + 10, len);
    this.count++;
  }

  pop(): void {
    let slot = this.chunks.length - 1;
    while (this.ends[slot] === 0) {
      const used = this.chunks.pop()!;
      if (used.length === CHUNK && this.spare.length < MAX_SPARE) this.spare.push(used);
      this.ends.pop();
      slot--;
    }
    const chunk = this.chunks[slot];
    const end = this.ends[slot];
    const len = readInt(chunk, end - 4);
    this.outTemplate = chunk[end - 6] | (chunk[end - 5] << 8);
    this.outDepth = readInt(chunk, end - 10);
    this.outIndex = readInt(chunk, end - 14);
    this.out = chunk;
    this.outStart = end - 14 - len;
    this.outEnd = end - 14;
    this.ends[slot] = this.outStart;
    this.count--;
  }
}
