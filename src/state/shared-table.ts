/**
 * The seen-set every part of a parallel BFS shares (explore/parallel/shared-bfs.ts): one
 * open-addressing table of fingerprints in a SharedArrayBuffer, filled by all the threads at
 * once with atomic claims (as in Laarman, van de Pol and Weber's multi-core LTSmin), so that no
 * successor has to travel to an owner to be looked up.
 *
 * A slot is six 32-bit words: the fingerprint (lo, hi), the state's depth (shifted left by one,
 * the low bit a lock), and its parent link: the instance that reached it and the parent's own
 * fingerprint. Links name parents by fingerprint, not by index, so they survive the table's
 * growth and mean the same in every thread.
 *
 * Which link a state keeps does not depend on which thread got there first: of all the parents
 * at the level before it, it keeps the least (parent fingerprint, instance), whatever order they
 * came in. So the trace to any state is a function of the model alone, and runs repeat exactly.
 *
 * A slot is claimed by a compare-and-swap of its `hi` word from 0 (empty) to BUSY; the claimer
 * writes the rest, then publishes `hi`. So 0 and BUSY are never a stored `hi`: such fingerprints
 * are stored with `hi` flipped in its lowest bit (`norm`), which merges each with one other
 * fingerprint (a 2^-31 share of the 64-bit space: the collision estimate stays what it says).
 */
import { freshShared } from './fresh.js';
import type { Links, SeenSet, StoreDump } from './store.js';

export const SLOT_WORDS = 6;
const LO = 0;
const HI = 1;
const DEPTH = 2;
const VIA = 3;
const PLO = 4;
const PHI = 5;
const BUSY = 0x7fffffff;
/** A state's link when it is an initial state. */
export const INITIAL = -1;
/** A state's link when it was stored before a handoff: PLO holds its index in the store of the thread that handed over. */
export const BEFORE = -2;
/** A state stored before a handoff that is not on its frontier: no path through it is ever asked for. */
export const OLDER = -3;

/** A fingerprint's high half as stored (never 0 or BUSY). */
export const norm = (hi: number): number => (hi === 0 || hi === BUSY ? hi ^ 1 : hi);

/** Slots for a table, by the number of states it should hold at most at its load limit. */
export function slotsFor(states: number, min = 1 << 16): number {
  let cap = min;
  while (cap * GROW_AT < states) cap *= 2;
  return cap;
}

/** The load at which the parts grow the table together (before it gets near full: see `SharedTable.add`). */
export const GROW_AT = 0.7;

/**
 * A table's memory: what travels between threads. Its pages are mapped for writing up front
 * (state/fresh.ts), unless `filling`: a table that the parts fill at once, writing first, as they
 * grow it (SharedTable.moveInto) — one thread's zeroing of it would keep the others waiting.
 */
export function allocateTable(slots: number, filling = false): Int32Array {
  if ((slots & (slots - 1)) !== 0 || slots < 1024) throw new RangeError(`a shared table has a power-of-two number of slots (≥ 1024), got ${slots}`);
  return filling ? new Int32Array(new SharedArrayBuffer(4 * slots * SLOT_WORDS)) : freshShared(slots * SLOT_WORDS);
}

/** (pHi, pLo, via) < (qHi, qLo, qVia), the halves as unsigned numbers. */
function before(pLo: number, pHi: number, via: number, qLo: number, qHi: number, qVia: number): boolean {
  if (pHi !== qHi) return pHi >>> 0 < qHi >>> 0;
  if (pLo !== qLo) return pLo >>> 0 < qLo >>> 0;
  return via < qVia;
}

export class SharedTable {
  slots: Int32Array;
  mask: number;

  constructor(slots: Int32Array) {
    this.slots = slots;
    this.mask = slots.length / SLOT_WORDS - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** The slot of a stored fingerprint (`hi` as stored), or -1. */
  find(lo: number, hi: number): number {
    const s = this.slots;
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const a = i * SLOT_WORDS;
      let h = Atomics.load(s, a + HI);
      if (h === 0) return -1;
      while (h === BUSY) h = Atomics.load(s, a + HI);
      if (h === hi && s[a + LO] === lo) return a;
    }
  }

  has(lo: number, hi: number): boolean {
    return this.find(lo, norm(hi)) >= 0;
  }

  /**
   * Store a fingerprint (`hi` as stored) at `depth`, reached by `via` from the state of
   * fingerprint (pLo, pHi), unless it is stored: true when this call stored it. A state stored at
   * the same depth keeps the lesser of its link and this one.
   */
  add(lo: number, hi: number, depth: number, via: number, pLo: number, pHi: number): boolean {
    const s = this.slots;
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const a = i * SLOT_WORDS;
      let h = s[a + HI];
      if (h === 0) {
        h = Atomics.compareExchange(s, a + HI, 0, BUSY);
        if (h === 0) {
          s[a + LO] = lo;
          s[a + DEPTH] = depth << 1;
          s[a + VIA] = via;
          s[a + PLO] = pLo;
          s[a + PHI] = pHi;
          Atomics.store(s, a + HI, hi);
          return true;
        }
      }
      while (h === BUSY) h = Atomics.load(s, a + HI);
      if (h === hi && s[a + LO] === lo) {
        if (Atomics.load(s, a + DEPTH) >>> 1 === depth) this.relink(a, depth, via, pLo, pHi);
        return false;
      }
    }
  }

  /** Keep the lesser link of slot `a` (a state of this level) and (via, pLo, pHi), under the slot's lock. */
  private relink(a: number, depth: number, via: number, pLo: number, pHi: number): void {
    const s = this.slots;
    // A link only ever gets less, so its parent's high half only ever gets less or stays: a greater
    // one cannot win, and is turned away without the lock (most are: a new least is rare).
    if (pHi >>> 0 > Atomics.load(s, a + PHI) >>> 0) return;
    const free = depth << 1;
    while (Atomics.compareExchange(s, a + DEPTH, free, free | 1) !== free);
    if (before(pLo, pHi, via, s[a + PLO], s[a + PHI], s[a + VIA])) {
      s[a + VIA] = via;
      s[a + PLO] = pLo;
      s[a + PHI] = pHi;
    }
    Atomics.store(s, a + DEPTH, free);
  }

  /** Set the link of a stored state (before the parts start: a handoff's frontier). */
  setLink(lo: number, hi: number, via: number, pLo: number, pHi: number): void {
    const a = this.find(lo, hi);
    if (a < 0) throw new Error(`internal: no state of fingerprint ${lo >>> 0}:${hi >>> 0} to link`);
    this.slots[a + VIA] = via;
    this.slots[a + PLO] = pLo;
    this.slots[a + PHI] = pHi;
  }

  /** Read the home slots of the first `n` fingerprints (low halves in `lo`) so that they load in parallel. */
  prefetch(lo: Int32Array, n: number): number {
    const s = this.slots;
    const mask = this.mask;
    let acc = 0;
    for (let k = 0; k < n; k++) acc ^= s[(lo[k] & mask) * SLOT_WORDS + HI];
    return acc;
  }

  /**
   * Copy the slots [from, to) of this table into `into` (a larger one), as the parts do together
   * when they grow it, each its own range.
   */
  moveInto(into: SharedTable, from: number, to: number): void {
    const s = this.slots;
    const d = into.slots;
    const mask = into.mask;
    for (let j = from; j < to; j++) {
      const a = j * SLOT_WORDS;
      const hi = s[a + HI];
      if (hi === 0) continue;
      const lo = s[a + LO];
      for (let i = lo & mask; ; i = (i + 1) & mask) {
        const b = i * SLOT_WORDS;
        if (Atomics.compareExchange(d, b + HI, 0, BUSY) !== 0) continue;
        for (let w = 0; w < SLOT_WORDS; w++) if (w !== HI) d[b + w] = s[a + w];
        Atomics.store(d, b + HI, hi);
        break;
      }
    }
  }

  /** Visit every stored fingerprint (once the parts are done). */
  forEachFingerprint(visit: (lo: number, hi: number) => void): void {
    const s = this.slots;
    for (let a = 0; a < s.length; a += SLOT_WORDS) if (s[a + HI] !== 0) visit(s[a + LO], s[a + HI]);
  }

  /**
   * The instances from an initial state to the state of fingerprint (lo, hi), once the parts are
   * done; `before(index)` gives the path to a state stored before a handoff.
   */
  path(lo: number, hi: number, beforeHandoff: (index: number) => number[]): number[] {
    const s = this.slots;
    const steps: number[] = [];
    for (let l = lo, h = norm(hi); ; ) {
      const a = this.find(l, h);
      if (a < 0) throw new Error(`internal: no state of fingerprint ${l >>> 0}:${h >>> 0} in the shared table`);
      const via = s[a + VIA];
      if (via === INITIAL) return steps.reverse();
      if (via === BEFORE) return [...beforeHandoff(s[a + PLO]), ...steps.reverse()];
      if (via === OLDER) throw new Error('internal: a path through a state stored before the handoff, off its frontier');
      steps.push(via);
      l = s[a + PLO];
      h = s[a + PHI];
    }
  }
}

/** Every so many states a part stores (a power of two), it reports its count and the table's load is looked at. */
export const COUNT_EVERY = 1024;

/**
 * One part's view of the shared table, as the search's seen-set: it stores states at the depth
 * and from the parent the part is expanding (`from`), counts the states this part stored, and
 * keeps the fingerprint of the last one (for its frontier record).
 */
export class PartSet implements SeenSet {
  size = 0;
  depth = 0;
  pLo = 0;
  pHi = 0;
  /** The fingerprint (hi as stored) of the last state this part stored. */
  lastLo = 0;
  lastHi = 0;

  constructor(
    public table: SharedTable,
    /** Called at every COUNT_EVERY-th state stored here (the part reports its count and may grow the table). */
    private readonly counted: (size: number) => void,
  ) {}

  /** The next states stored are at `depth`, reached from the state of fingerprint (lo, hi as stored). */
  from(lo: number, hi: number, depth: number): void {
    this.pLo = lo;
    this.pHi = hi;
    this.depth = depth;
  }

  get bytes(): number {
    return 0;
  }

  has(lo: number, hi: number): boolean {
    return this.table.has(lo, hi);
  }

  add(lo: number, hi: number, _parent: number, via: number): number {
    const h = norm(hi);
    if (!this.table.add(lo, h, this.depth, via, this.pLo, this.pHi)) return -1;
    this.lastLo = lo;
    this.lastHi = h;
    const index = this.size++;
    if ((this.size & (COUNT_EVERY - 1)) === 0) this.counted(this.size);
    return index;
  }

  prefetch(lo: Int32Array, n: number): number {
    return this.table.prefetch(lo, n);
  }

  path(): number[] {
    throw new Error('internal: paths of a shared table are read through it (SharedTable.path)');
  }

  links(): Links {
    return { parents: new Int32Array(0), via: new Int32Array(0) };
  }

  dump(): StoreDump {
    throw new Error('internal: a shared table is not checkpointed (checkpoints are taken on one thread)');
  }

  load(): void {
    throw new Error('internal: a shared table is not checkpointed (checkpoints are taken on one thread)');
  }
}
