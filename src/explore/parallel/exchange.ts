/**
 * How the parts of a partitioned search talk (one part per worker thread). Every pair of parts
 * has a MessagePort; successors a part does not own travel in chunks of records, transferred
 * (not copied) with postMessage and read with `receiveMessageOnPort`, so a part's search stays
 * one synchronous loop. A part waiting for a peer sleeps on its mail counter (`Atomics.wait`),
 * which every sender bumps after posting. A shared control block holds a level barrier, the
 * parts' status at each level, and an abort flag the main thread raises when a run fails.
 *
 * A record is 32-bit words: [lo, hi, parent, via, template, length, bytes… (padded to a word)].
 * The template id is the sender's: the first time it uses one towards a peer, the chunk
 * announces its shape, and the peer maps it to a template of its own (codecs are per thread).
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Codec, Template } from '../../state/codec.js';
import { reviveShape, type Shape } from '../../state/shape.js';

/** Words per chunk (1 MiB). */
const CHUNK_WORDS = 1 << 18;
/** Words of a record before its bytes. */
export const HEADER_WORDS = 6;
/** Chunks a part keeps for reuse, per peer. */
const MAX_SPARE = 16;

/** Work a part may do while it would otherwise wait for its peers: a short piece of it, true when there was some. */
export type Idle = () => boolean;

/** What a part does with a chunk a peer sent: `templates` maps the sender's template ids to its own. */
export type OnChunk = (peer: number, chunk: Chunk, templates: (Template | undefined)[]) => void;

/**
 * Entries of the direct-mapped cache of fingerprints already sent to a peer: small enough to stay
 * in the core's cache (32 KiB), which matters more than sparing more records (measured: 2^12
 * entries spare 37% of the records on philosophers(16) for less time than 2^16 sparing 59%).
 */
const SENT_CACHE = 1 << 12;

/** The words of the record at `words[at]`: its header and its encoding, padded to a word. */
export const recordWords = (words: Int32Array, at: number): number => HEADER_WORDS + ((words[at + 5] + 3) >> 2);

/**
 * Write a record at `dst[at]`: its header, then the `length` bytes of its encoding, which are
 * `src` from byte `start` (a multiple of 4). Returns where it ends. `dst` must have room.
 */
export function writeRecord(dst: Int32Array, at: number, lo: number, hi: number, parent: number, via: number, src: Int32Array, start: number, length: number, template: number): number {
  dst[at] = lo;
  dst[at + 1] = hi;
  dst[at + 2] = parent;
  dst[at + 3] = via;
  dst[at + 4] = template;
  dst[at + 5] = length;
  const n = (length + 3) >> 2;
  const from = start >> 2;
  const to = at + HEADER_WORDS;
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
  return to + n;
}

/** A chunk of records, as posted; `shapes` announces templates used in it for the first time. */
export interface Chunk {
  kind: 'chunk';
  words: Int32Array;
  /** Words used. */
  used: number;
  shapes: { id: number; shape: Shape }[];
}

/** A chunk's memory, handed back to its sender once filed (so chunks are reused, not allocated). */
export interface Recycle {
  kind: 'recycle';
  words: Int32Array;
}

/** The last message of a level from a peer. */
export interface LevelEnd {
  kind: 'end';
  level: number;
}

export type PeerMessage = Chunk | LevelEnd | Recycle;

/** The main thread gave up on the run (a part failed): stop waiting. */
export class Aborted extends Error {
  override name = 'Aborted';
}

/**
 * Layout of the control block (Int32Array over a SharedArrayBuffer): the barrier's arrival
 * count and generation, the abort flag, a line per part for its mail counter, one per part for
 * its heartbeat, then two banks (by level parity) of per-part status: the next level's frontier
 * size and flags.
 */
const ARRIVED = 0;
const GENERATION = 1;
const ABORT = 2;
/**
 * The shared-table search (shared-bfs.ts): two counters of the blocks of a level claimed so far
 * (by the parity of the barrier that began the level; the last part at each barrier zeroes the
 * next one), the flag of a table growth the parts are making together, and that growth's own
 * barrier (arrivals and generation), apart from the level barrier, which a part may be waiting
 * at when another calls for a growth.
 */
const CLAIM = 3;
const GROW = 5;
const GROW_ARRIVED = 6;
const GROW_GENERATION = 7;
/**
 * Words per line of the block (128 bytes: a cache line and the one the core fetches with it).
 * Each part's mail counter and heartbeat sit on lines of their own, so that a part bumping its
 * heartbeat at every state does not take from its peers' caches the line they poll.
 */
const LINE = 32;
const mailAt = (part: number): number => LINE * (1 + part);
const beatAt = (parts: number, part: number): number => LINE * (1 + parts + part);
const statusAt = (parts: number): number => LINE * (1 + 2 * parts);
export const controlWords = (parts: number): number => statusAt(parts) + 4 * parts;
/** Where each part's words are in the block (for tests): its mail counter and its heartbeat. */
export const controlLayout = (parts: number): { mail: number[]; beat: number[]; status: number; line: number } => ({
  mail: Array.from({ length: parts }, (_, p) => mailAt(p)),
  beat: Array.from({ length: parts }, (_, p) => beatAt(parts, p)),
  status: statusAt(parts),
  line: LINE,
});

/**
 * A part that waits this long without a heartbeat from some peer gives the run up: that thread
 * died (a worker's out-of-memory end is not seen by a main thread that is itself waiting). Every
 * live part beats at each state it expands or files from a peer, at each chunk it takes, and at
 * each second it waits.
 */
const STALL_MS = 60_000;

/** A peer stopped beating: its thread is gone. */
export class Stalled extends Error {
  override name = 'Stalled';
}

/** Status flags a part reports at the end of a level. */
export const FOUND = 1;
export const STOPPED = 2;

export function abort(control: Int32Array): void {
  Atomics.store(control, ABORT, 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
  Atomics.notify(control, GROW_GENERATION);
  // Parts sleep on the generation (a level's or a growth's) or on their mail counter, which starts a line: wake every line.
  for (let i = LINE; i < control.length; i += LINE) Atomics.notify(control, i);
}

/**
 * The records queued for one peer: the chunk being filled, the templates announced to it, and a
 * direct-mapped cache of the fingerprints already sent to it. A record whose fingerprint was sent
 * before (in this run) is not sent again: the peer filed the first one, and the first one wins
 * there anyway, so dropping it changes nothing but the traffic.
 */
class Outbox {
  words: Int32Array | null = null;
  used = 0;
  readonly sentLo = new Int32Array(SENT_CACHE);
  readonly sentHi = new Int32Array(SENT_CACHE);
  readonly announced = new Uint8Array(1024);
  shapes: { id: number; shape: Shape }[] = [];
  /** Records queued, and those the cache spared. */
  sent = 0;
  spared = 0;

  /** Chunks the peer handed back, for reuse. */
  readonly spare: Int32Array[] = [];

  constructor(readonly codec: Codec) {}

  /** Queue a record, unless its fingerprint was sent before; false when the chunk must be posted first. */
  add(lo: number, hi: number, parent: number, via: number, words: Int32Array, start: number, length: number, template: number): boolean {
    const slot = lo & (SENT_CACHE - 1);
    // Fingerprint (0, 0) is the empty slot, so it is never spared.
    if (this.sentLo[slot] === lo && this.sentHi[slot] === hi && (lo | hi) !== 0) {
      this.spared++;
      return true;
    }
    const n = (length + 3) >> 2;
    let chunk = this.words;
    const at = this.used;
    if (chunk === null) {
      const need = HEADER_WORDS + n;
      chunk = this.words = need <= CHUNK_WORDS && this.spare.length > 0 ? this.spare.pop()! : new Int32Array(Math.max(CHUNK_WORDS, need));
    }
    else if (at + HEADER_WORDS + n > chunk.length) return false;
    this.sent++;
    this.sentLo[slot] = lo;
    this.sentHi[slot] = hi;
    if (template >= 1024 || this.announced[template] === 0) {
      if (template < 1024) this.announced[template] = 1;
      this.shapes.push({ id: template, shape: this.codec.templates[template].shape });
    }
    this.used = writeRecord(chunk, at, lo, hi, parent, via, words, start, length, template);
    return true;
  }

  /** The chunk to post, and a fresh start. */
  take(): Chunk {
    const c: Chunk = { kind: 'chunk', words: this.words!, used: this.used, shapes: this.shapes };
    this.words = null;
    this.used = 0;
    this.shapes = [];
    return c;
  }
}

/** One part's ends of the ports to its peers, its outgoing chunks, and the shared control block. */
export class Exchange {
  private readonly out: Outbox[];
  /** Per sender: its template ids mapped to ours. */
  private readonly templates: (Template | undefined)[][];

  constructor(
    readonly part: number,
    readonly parts: number,
    private readonly ports: (MessagePort | null)[],
    private readonly control: Int32Array,
    private readonly codec: Codec,
  ) {
    this.out = ports.map(() => new Outbox(codec));
    this.templates = ports.map(() => []);
  }

  /** Milliseconds this part spent waiting for its peers (their records, their end of a level, the barrier). */
  waitedMs = 0;

  /** Sleep on control word `at` while it holds `seen` (at most a second); true when woken. */
  private sleep(at: number, seen: number): boolean {
    const t = performance.now();
    const woken = Atomics.wait(this.control, at, seen, 1000) !== 'timed-out';
    this.waitedMs += performance.now() - t;
    return woken;
  }

  /** Bytes of chunks kept for reuse (for the memory limit). */
  get heldBytes(): number {
    return this.out.reduce((a, o) => a + o.spare.length * CHUNK_WORDS * 4, 0);
  }

  /** Records handed to `send` and queued, and those the sent-caches spared. */
  get sent(): number {
    return this.out.reduce((a, o) => a + o.sent, 0);
  }

  get spared(): number {
    return this.out.reduce((a, o) => a + o.spared, 0);
  }

  /** Queue a record for `peer` (the encoding is `words` from byte `start`, written by our codec template `template`). */
  send(peer: number, lo: number, hi: number, parent: number, via: number, words: Int32Array, start: number, length: number, template: number): void {
    const box = this.out[peer];
    if (!box.add(lo, hi, parent, via, words, start, length, template)) {
      this.post(peer);
      box.add(lo, hi, parent, via, words, start, length, template);
    }
  }

  private post(peer: number): void {
    const c = this.out[peer].take();
    this.deliver(peer, c, [c.words.buffer as ArrayBuffer]);
  }

  private deliver(peer: number, message: PeerMessage, transfer: ArrayBuffer[] = []): void {
    this.ports[peer]!.postMessage(message, transfer);
    Atomics.add(this.control, mailAt(peer), 1);
    Atomics.notify(this.control, mailAt(peer));
  }

  /** Send what is queued and mark the end of `level` to every peer. */
  endLevel(level: number): void {
    for (let peer = 0; peer < this.parts; peer++) {
      if (peer === this.part) continue;
      if (this.out[peer].words !== null) this.post(peer);
      this.deliver(peer, { kind: 'end', level });
    }
  }

  /** Per peer: its end of the current level has been received (by `poll`). */
  private readonly ended: boolean[] = [];
  /** The mail counter when `poll` last found nothing new. */
  private polledAt = -1;

  /**
   * Take what has arrived from the peers so far, without waiting: chunks go to `onChunk` (with
   * the sender and its template map) and back to their sender for reuse; ends of the level are
   * noted. Cheap when nothing arrived (one shared read).
   */
  poll(level: number, onChunk: OnChunk): void {
    const mail = Atomics.load(this.control, mailAt(this.part));
    if (mail === this.polledAt) return;
    for (let peer = 0; peer < this.parts; peer++) {
      if (peer === this.part) continue;
      for (let got = receiveMessageOnPort(this.ports[peer]!); got !== undefined; got = receiveMessageOnPort(this.ports[peer]!)) {
        if (this.take(peer, level, got.message as PeerMessage, onChunk)) {
          this.ended[peer] = true;
          break;
        }
      }
    }
    this.polledAt = mail;
  }

  /**
   * Receive the rest of what `peer` sent in `level`, in order, handing each chunk to `onChunk`,
   * until its end of the level (which `poll` may have met already). When nothing has come,
   * `idle` may do a little work of its own (true when it did some) before this part sleeps.
   */
  receiveLevel(peer: number, level: number, onChunk: OnChunk, idle?: Idle): void {
    const port = this.ports[peer]!;
    const mail = mailAt(this.part);
    while (!this.ended[peer]) {
      const seen = Atomics.load(this.control, mail);
      const got = receiveMessageOnPort(port);
      if (got === undefined) {
        this.checkAbort();
        if (idle !== undefined && idle()) continue;
        if (!this.sleep(mail, seen)) this.waited();
        continue;
      }
      if (this.take(peer, level, got.message as PeerMessage, onChunk)) break;
    }
    this.ended[peer] = false;
    this.polledAt = -1;
  }

  /** Handle one message from `peer`; true when it is the end of `level`. */
  private take(peer: number, level: number, m: PeerMessage, onChunk: OnChunk): boolean {
    if (m.kind === 'recycle') {
      // Reused rather than allocated: memory new to the process costs a page fault a page.
      const spare = this.out[peer].spare;
      if (m.words.length === CHUNK_WORDS && spare.length < MAX_SPARE) spare.push(m.words);
      return false;
    }
    if (m.kind === 'end') {
      if (m.level !== level) throw new Error(`internal: part ${this.part} expected the end of level ${level} from part ${peer}, got level ${m.level}`);
      return true;
    }
    const map = this.templates[peer];
    for (const { id, shape } of m.shapes) map[id] = this.codec.template(reviveShape(shape));
    this.beat();
    onChunk(peer, m, map);
    if (m.words.length === CHUNK_WORDS) this.deliver(peer, { kind: 'recycle', words: m.words }, [m.words.buffer as ArrayBuffer]);
    return false;
  }

  /** Report this part's status for `level` and wait for every part's (meanwhile, as `receiveLevel`, `idle` may work); returns them all. */
  barrier(level: number, queued: number, flags: number, idle?: Idle): { queued: number[]; flags: number[] } {
    const c = this.control;
    const bank = statusAt(this.parts) + (level & 1) * 2 * this.parts;
    c[bank + 2 * this.part] = queued;
    c[bank + 2 * this.part + 1] = flags;
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.parts - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.store(c, CLAIM + ((level + 1) & 1), 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
    } else {
      while (Atomics.load(c, GENERATION) === generation) {
        this.checkAbort();
        if (idle !== undefined && idle()) continue;
        if (!this.sleep(GENERATION, generation)) this.waited();
      }
    }
    this.checkAbort();
    const queuedAll: number[] = [];
    const flagsAll: number[] = [];
    for (let p = 0; p < this.parts; p++) {
      queuedAll.push(Atomics.load(c, bank + 2 * p));
      flagsAll.push(Atomics.load(c, bank + 2 * p + 1));
    }
    return { queued: queuedAll, flags: flagsAll };
  }

  /** Zero the claim counters, the growth words and the parts' counts (before a run: the block outlives runs). */
  resetShared(): void {
    for (const w of [CLAIM, CLAIM + 1, GROW, GROW_ARRIVED]) Atomics.store(this.control, w, 0);
    for (let p = 0; p < this.parts; p++) Atomics.store(this.control, beatAt(this.parts, p) + 1, 0);
  }

  /** Claim the next block of the level begun by barrier `round` (the first level: round −1): its number. */
  claim(round: number): number {
    return Atomics.add(this.control, CLAIM + ((round + 1) & 1), 1);
  }

  /** Report how many states this part has stored (beside its heartbeat, on its own line). */
  count(states: number): void {
    Atomics.store(this.control, beatAt(this.parts, this.part) + 1, states);
  }

  /** The states every part has reported storing. */
  counted(): number {
    let n = 0;
    for (let p = 0; p < this.parts; p++) n += Atomics.load(this.control, beatAt(this.parts, p) + 1);
    return n;
  }

  /** Some part has called for a growth of the shared table. */
  get growing(): boolean {
    return Atomics.load(this.control, GROW) !== 0;
  }

  /** Call for a growth (unless one is called for), and wake the parts asleep at the level barrier to join it. */
  callGrowth(): void {
    if (Atomics.compareExchange(this.control, GROW, 0, 1) === 0) Atomics.notify(this.control, GENERATION);
  }

  /** The growth is done (set by one part before the growth's last barrier). */
  grown(): void {
    Atomics.store(this.control, GROW, 0);
  }

  /** The growth's barrier: every part arrives, none waits longer than that. */
  growthBarrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, GROW_GENERATION);
    if (Atomics.add(c, GROW_ARRIVED, 1) === this.parts - 1) {
      Atomics.store(c, GROW_ARRIVED, 0);
      Atomics.add(c, GROW_GENERATION, 1);
      Atomics.notify(c, GROW_GENERATION);
      return;
    }
    while (Atomics.load(c, GROW_GENERATION) === generation) {
      this.checkAbort();
      if (!this.sleep(GROW_GENERATION, generation)) this.waited();
    }
    this.checkAbort();
  }

  /** Post a message of the shared-table search to `peer` (read after the next barrier, by `drain`). */
  tell(peer: number, message: unknown, transfer: ArrayBuffer[] = []): void {
    this.ports[peer]!.postMessage(message, transfer);
  }

  /** Hand every message `peer` has posted so far to `take`, in order. */
  drain(peer: number, take: (message: unknown) => void): void {
    const port = this.ports[peer]!;
    for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) take(got.message);
  }

  /** This part is alive (called at each state it expands or files, and each chunk it takes). */
  beat(): void {
    this.control[beatAt(this.parts, this.part)]++;
  }

  /** Each peer's heartbeat as last seen, and when it last changed. */
  private readonly lastBeats: number[] = [];
  private readonly lastBeatAt: number[] = [];

  /** A second of waiting passed: beat, and give up if some peer has not beaten for STALL_MS. */
  private waited(): void {
    this.beat();
    const now = Date.now();
    for (let p = 0; p < this.parts; p++) {
      if (p === this.part) continue;
      const b = this.control[beatAt(this.parts, p)];
      if (this.lastBeats[p] !== b || this.lastBeatAt[p] === undefined) {
        this.lastBeats[p] = b;
        this.lastBeatAt[p] = now;
      } else if (now - this.lastBeatAt[p] > STALL_MS) {
        throw new Stalled(`part ${p} has shown no sign of life for ${STALL_MS / 1000} s: its thread is gone`);
      }
    }
  }

  private checkAbort(): void {
    if (Atomics.load(this.control, ABORT) !== 0) throw new Aborted('the run was aborted');
  }
}
