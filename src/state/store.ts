/**
 * The state store: a set of 64-bit fingerprints (open addressing, linear probing, typed arrays)
 * and, per stored state in discovery order, the index of its parent and the action instance that
 * reached it. Traces are rebuilt from these links by re-running the model (TLC's approach), so
 * no state is kept as an object.
 */
import { freshInt32 } from './fresh.js';

const MAX_LOAD = 0.75;

/** The least power-of-two capacity from `cap` on that holds `states` within the load factor. */
function capacityFor(states: number, cap = 1 << 10): number {
  while (cap * MAX_LOAD < states) cap *= 2;
  return cap;
}

/**
 * What the search needs of a seen-set: the exact `StateStore` below, or the bitstate store
 * (state/bitstate.ts), which keeps k bits per state and may take a new state for a seen one.
 */
export interface SeenSet {
  /** States stored, in discovery order (their indexes are 0 … size - 1). */
  readonly size: number;
  /** Bytes held (the set and the parent links). */
  readonly bytes: number;
  has(lo: number, hi: number): boolean;
  /** Store unless (taken as) present: the new index, or -1. */
  add(lo: number, hi: number, parent: number, via: number): number;
  /** Touch the set where the first `n` fingerprints (halves in `lo`, `hi`) go, so that their cache lines load in parallel. */
  prefetch(lo: Int32Array, n: number, hi?: Int32Array): number;
  path(index: number): number[];
  /** The parent links of the states stored, by index (copies). */
  links(): Links;
  /** The whole store as arrays (for a checkpoint); `table` is the set itself (not a copy). */
  dump(): StoreDump;
  /** Take the contents of a dump of a store of the same kind and geometry (resuming a checkpoint). */
  load(dump: StoreDump): void;
}

/** A store's contents: its set (fingerprint slots, or bit array) and the parent links of its `size` states. */
export interface StoreDump extends Links {
  table: Int32Array;
  size: number;
}

/** Room for `n` links at least, holding `from`'s. */
function withRoom(from: Int32Array, n: number): Int32Array {
  const a = new Int32Array(Math.max(1024, n * 2));
  a.set(from);
  return a;
}

/**
 * What both stores (this exact one and the bitstate one) keep beside their set: every state's
 * parent link, by index, and what is derived from them. `table` is the set itself.
 */
export abstract class LinkedStore {
  /** Parent links (see Links); read by `pathAcross`. */
  parents: Int32Array;
  via: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.parents = new Int32Array(capacity);
    this.via = new Int32Array(capacity);
  }

  protected abstract get table(): Int32Array;

  /** Give the next index to a state reached from `parent` by `via`. */
  protected link(parent: number, via: number): number {
    const index = this.size++;
    if (index >= this.parents.length) {
      this.parents = withRoom(this.parents, this.parents.length);
      this.via = withRoom(this.via, this.via.length);
    }
    this.parents[index] = parent;
    this.via[index] = via;
    return index;
  }

  /** The path of action instances from an initial state to state `index`. */
  path(index: number): number[] {
    return pathAcross([this], index);
  }

  /** A copy of the parent links, one per stored state. */
  links(): Links {
    return { parents: this.parents.slice(0, this.size), via: this.via.slice(0, this.size) };
  }

  dump(): StoreDump {
    return { table: this.table, size: this.size, ...this.links() };
  }

  /** Take a dump's parent links, with room to grow (after the set was checked against the dump). */
  protected loadLinks(d: StoreDump): void {
    if (d.parents.length !== d.size || d.via.length !== d.size) throw new RangeError('store dump: one parent link per state');
    this.parents = withRoom(d.parents, d.size);
    this.via = withRoom(d.via, d.size);
    this.size = d.size;
  }

  /** Bytes held: the set and the parent links. */
  get bytes(): number {
    return this.table.byteLength + this.parents.byteLength + this.via.byteLength;
  }
}

/** Parent links: state i was first reached from state `parents[i]` (-1: an initial state) by instance `via[i]`. */
export interface Links {
  parents: Int32Array;
  via: Int32Array;
}

/**
 * The path of action instances to state `ref` when the states are split among `parts.length`
 * parts (explore/parallel): state ref is index ⌊ref / parts⌋ of part ref mod parts, and parent
 * links hold such references. With one part, references are indexes.
 */
export function pathAcross(parts: readonly Links[], ref: number): number[] {
  const n = parts.length;
  const steps: number[] = [];
  for (let r = ref; ; ) {
    const links = parts[r % n];
    const i = Math.floor(r / n);
    const parent = links.parents[i];
    if (parent === -1) break;
    steps.push(links.via[i]);
    r = parent;
  }
  return steps.reverse();
}

export class StateStore extends LinkedStore implements SeenSet {
  /** Interleaved (lo, hi) fingerprint pairs; (0, 0) is an empty slot. */
  private slots: Int32Array;
  private mask: number;

  constructor(expectedStates = 1 << 16) {
    super(Math.max(1024, Math.min(expectedStates, 1 << 24)));
    const cap = capacityFor(expectedStates);
    this.slots = freshInt32(cap * 2);
    this.mask = cap - 1;
  }

  /** Is the fingerprint stored? */
  has(lo: number, hi: number): boolean {
    const slots = this.slots;
    let i = lo & this.mask;
    for (;;) {
      const a = slots[2 * i];
      const b = slots[2 * i + 1];
      if (a === 0 && b === 0) return false;
      if (a === lo && b === hi) return true;
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Store the fingerprint unless present. Returns the new state's index, or -1 when it was
   * already stored. `parent` is the index of the state it was reached from (-1 for an initial
   * state) and `via` the action instance that reached it.
   */
  add(lo: number, hi: number, parent: number, via: number): number {
    const slots = this.slots;
    let i = lo & this.mask;
    for (;;) {
      const a = slots[2 * i];
      const b = slots[2 * i + 1];
      if (a === 0 && b === 0) break;
      if (a === lo && b === hi) return -1;
      i = (i + 1) & this.mask;
    }
    slots[2 * i] = lo;
    slots[2 * i + 1] = hi;
    const index = this.link(parent, via);
    if (this.size > (this.mask + 1) * MAX_LOAD) this.rehash();
    return index;
  }

  /**
   * Read the home slot of each of the first `n` fingerprints (low halves in `lo`), so that their
   * cache lines, which are random and mostly not cached, load in parallel: the probes of `has`
   * and `add` that follow then hit the cache instead of waiting for memory one at a time.
   * Returns a value only so that the reads are not optimised away.
   */
  prefetch(lo: Int32Array, n: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let acc = 0;
    for (let k = 0; k < n; k++) acc ^= slots[(lo[k] & mask) << 1];
    return acc;
  }

  protected get table(): Int32Array {
    return this.slots;
  }

  load(d: StoreDump): void {
    const cap = d.table.length / 2;
    if (cap < 1024 || (cap & (cap - 1)) !== 0 || d.size > cap * MAX_LOAD) {
      throw new RangeError('store dump: a fingerprint table of a power-of-two capacity with room for its states');
    }
    this.loadLinks(d);
    this.slots = d.table;
    this.mask = cap - 1;
  }

  /** Visit every stored fingerprint, in slot order (once a run is over, e.g. to sketch the set). */
  forEachFingerprint(visit: (lo: number, hi: number) => void): void {
    const slots = this.slots;
    for (let j = 0; j < slots.length; j += 2) {
      if (slots[j] !== 0 || slots[j + 1] !== 0) visit(slots[j], slots[j + 1]);
    }
  }

  /** Make room for `states` states in all, at once (growing as `add` would, but in one step). */
  reserve(states: number): void {
    const cap = capacityFor(states, this.mask + 1);
    if (cap > this.mask + 1) this.rehash(cap);
  }

  private rehash(cap = (this.mask + 1) * 2): void {
    const old = this.slots;
    const slots = freshInt32(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const lo = old[j];
      const hi = old[j + 1];
      if (lo === 0 && hi === 0) continue;
      let i = lo & mask;
      while (slots[2 * i] !== 0 || slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = lo;
      slots[2 * i + 1] = hi;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
