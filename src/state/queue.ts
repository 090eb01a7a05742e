/**
 * Queues of encoded states, kept in large byte chunks instead of one JS object per state, so a
 * frontier of millions of states costs little more than its encoded bytes. A record never spans
 * two chunks. After `pop`, the record is readable at `out[outStart … outEnd)` until the next call.
 */

const CHUNK = 1 << 20;

abstract class ChunkedBytes {
  protected chunks: Uint8Array[] = [];
  protected ends: number[] = [];
  out: Uint8Array = new Uint8Array(0);
  outStart = 0;
  outEnd = 0;
  /** Extra integers stored beside the record (state index, depth), read back by pop. */
  outIndex = 0;
  outDepth = 0;
  count = 0;
  peakBytes = 0;

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.chunks.length * CHUNK;
  }

  /** Reserve room for `n` bytes at the tail, starting a new chunk when the tail has not enough. */
  protected reserve(n: number): { chunk: Uint8Array; at: number; slot: number } {
    let slot = this.chunks.length - 1;
    if (slot < 0 || this.ends[slot] + n > this.chunks[slot].length) {
      this.chunks.push(new Uint8Array(Math.max(CHUNK, n)));
      this.ends.push(0);
      slot++;
      const bytes = this.bytes;
      if (bytes > this.peakBytes) this.peakBytes = bytes;
    }
    const at = this.ends[slot];
    this.ends[slot] = at + n;
    return { chunk: this.chunks[slot], at, slot };
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

/** First in, first out: the BFS frontier. Layout per record: [length:4][bytes]. */
export class ByteFifo extends ChunkedBytes {
  private head = 0;
  private headPos = 0;

  push(src: Uint8Array, len: number): void {
    const { chunk, at } = this.reserve(len + 4);
    writeInt(chunk, at, len);
    chunk.set(src.subarray(0, len), at + 4);
    this.count++;
  }

  pop(): void {
    if (this.headPos >= this.ends[this.head]) {
      // The head chunk is used up: release it (keeps memory proportional to the frontier).
      this.chunks[this.head] = EMPTY;
      this.head++;
      this.headPos = 0;
    }
    const chunk = this.chunks[this.head];
    const len = readInt(chunk, this.headPos);
    this.out = chunk;
    this.outStart = this.headPos + 4;
    this.outEnd = this.outStart + len;
    this.headPos = this.outEnd;
    this.count--;
  }

  override get bytes(): number {
    return (this.chunks.length - this.head) * CHUNK;
  }
}

const EMPTY = new Uint8Array(0);

/** Last in, first out: the DFS stack. Layout per record: [bytes][index:4][depth:4][length:4]. */
export class ByteStack extends ChunkedBytes {
  push(src: Uint8Array, len: number, index: number, depth: number): void {
    const { chunk, at } = this.reserve(len + 12);
    chunk.set(src.subarray(0, len), at);
    writeInt(chunk, at + len, index);
    writeInt(chunk, at + len + 4, depth);
    writeInt(chunk, at + len + 8, len);
    this.count++;
  }

  pop(): void {
    let slot = this.chunks.length - 1;
    while (this.ends[slot] === 0) {
      this.chunks.pop();
      this.ends.pop();
      slot--;
    }
    const chunk = this.chunks[slot];
    const end = this.ends[slot];
    const len = readInt(chunk, end - 4);
    this.outDepth = readInt(chunk, end - 8);
    this.outIndex = readInt(chunk, end - 12);
    this.out = chunk;
    this.outStart = end - 12 - len;
    this.outEnd = end - 12;
    this.ends[slot] = this.outStart;
    this.count--;
  }
}
