/**
 * The shared table of a parallel BFS (state/shared-table.ts) and its frontier chunks
 * (explore/parallel/frontier.ts), on one thread: what is stored, which link a state keeps
 * whatever order its parents come in, growth, and paths read back by fingerprint.
 */
import { describe, expect, it } from 'vitest';
import { allocateTable, BEFORE, INITIAL, norm, OLDER, PartSet, SharedTable, SLOT_WORDS, slotsFor, GROW_AT } from '../../src/state/shared-table.js';
import { BLOCK_STATES, blockEnd, blocksOf, blockStart, FrontierOut, RECORD_HEAD } from '../../src/explore/parallel/frontier.js';

const table = (slots = 1024): SharedTable => new SharedTable(allocateTable(slots));

describe('the shared table', () => {
  it('stores a fingerprint once, and finds it', () => {
    const t = table();
    expect(t.add(5, 7, 1, 3, 0, 0)).toBe(true);
    expect(t.add(5, 7, 1, 4, 0, 0)).toBe(false);
    expect(t.has(5, 7)).toBe(true);
    expect(t.has(5, 8)).toBe(false);
    // Same low half (same home slot), another state: probed past.
    expect(t.add(5, 9, 1, 3, 0, 0)).toBe(true);
    expect(t.has(5, 9)).toBe(true);
  });

  it('stores the high halves 0 and BUSY flipped (norm), so an empty or claimed slot is never taken for a state', () => {
    expect(norm(0)).toBe(1);
    expect(norm(0x7fffffff)).toBe(0x7ffffffe);
    expect(norm(12345)).toBe(12345);
    const t = table();
    expect(t.add(42, norm(0), 0, INITIAL, 0, 0)).toBe(true);
    expect(t.has(42, 0)).toBe(true);
    expect(t.path(42, 0, () => [])).toEqual([]);
  });

  it('a state keeps the least (parent fingerprint, instance) of its level, in whatever order they come', () => {
    // Parents (pHi, pLo, via) in three orders; the least is (1, 9, 0) by the high half first.
    const candidates: [number, number, number][] = [[3, 1, 7], [1, 9, 0], [1, 9, 2], [-5 >>> 0, 0, 1], [2, 0, 0]];
    const orders = [candidates, [...candidates].reverse(), [candidates[2], candidates[0], candidates[4], candidates[1], candidates[3]]];
    for (const order of orders) {
      const t = table();
      t.add(100, 200, 0, INITIAL, 0, 0);
      for (const [pHi, pLo, via] of order) {
        t.add(pLo, norm(pHi), 3, 0, 100, 200); // the parents, at depth 3
        t.add(11, 22, 4, via, pLo, norm(pHi));
      }
      const a = t.find(11, 22);
      expect([t.slots[a + 5], t.slots[a + 4], t.slots[a + 3]]).toEqual([1, 9, 0]);
    }
  });

  it('a state stored at an earlier depth keeps its link', () => {
    const t = table();
    t.add(11, 22, 2, 5, 50, 60);
    t.add(11, 22, 3, 0, 1, 1);
    const a = t.find(11, 22);
    expect([t.slots[a + 3], t.slots[a + 4], t.slots[a + 5]]).toEqual([5, 50, 60]);
  });

  it('moves into a larger table slot range by slot range, links and all', () => {
    const t = table(1024);
    const n = Math.floor(1024 * GROW_AT);
    for (let i = 1; i <= n; i++) t.add(i * 7919, norm(i), i % 5, i, i + 1, norm(i + 2));
    const big = new SharedTable(allocateTable(2048, true));
    t.moveInto(big, 0, 300);
    t.moveInto(big, 300, 1024);
    for (let i = 1; i <= n; i++) {
      const a = big.find(i * 7919, norm(i));
      expect(a).toBeGreaterThanOrEqual(0);
      expect([big.slots[a + 2] >>> 1, big.slots[a + 3], big.slots[a + 4], big.slots[a + 5]]).toEqual([i % 5, i, i + 1, norm(i + 2)]);
    }
    let count = 0;
    big.forEachFingerprint(() => count++);
    expect(count).toBe(n);
  });

  it('reads a path back by fingerprints, into the store of a handoff', () => {
    const t = table();
    t.add(1, 1, 0, OLDER, 0, 0);
    t.add(2, 2, 3, BEFORE, 17, 0); // on the handoff's frontier: its index there is 17
    t.add(3, 3, 4, 8, 2, 2);
    t.add(4, 4, 5, 9, 3, 3);
    expect(t.path(4, 4, (i) => [i, i])).toEqual([17, 17, 8, 9]);
    expect(() => t.path(5, 5, () => [])).toThrow(/no state of fingerprint/);
    t.add(6, 6, 1, 2, 1, 1);
    expect(() => t.path(6, 6, () => [])).toThrow(/off its frontier/);
  });

  it('sizes: a power of two of slots, room at the load limit, six words a slot', () => {
    expect(slotsFor(0)).toBe(1 << 16);
    expect(slotsFor(100_000)).toBe(1 << 18);
    expect(slotsFor(100_000) * GROW_AT).toBeGreaterThanOrEqual(100_000);
    expect(allocateTable(1024).length).toBe(1024 * SLOT_WORDS);
    expect(() => allocateTable(1000)).toThrow(/power-of-two/);
  });

  it("a part's view stores at the depth and from the parent it is given, and counts", () => {
    const t = table();
    const counts: number[] = [];
    const set = new PartSet(t, (n) => counts.push(n));
    set.from(9, 10, 4);
    expect(set.add(1, 0, -1, 6)).toBe(0);
    expect([set.lastLo, set.lastHi]).toEqual([1, 1]);
    expect(set.add(1, 0, -1, 6)).toBe(-1);
    for (let i = 2; i <= 1024; i++) set.add(i, i, -1, 0);
    expect(set.size).toBe(1024);
    expect(counts).toEqual([1024]);
    const a = t.find(1, 1);
    expect([t.slots[a + 2] >>> 1, t.slots[a + 3], t.slots[a + 4], t.slots[a + 5]]).toEqual([4, 6, 9, 10]);
  });
});

describe('the frontier chunks', () => {
  it('blocks of states in order, a new chunk when one is full, and records that read back', () => {
    const out = new FrontierOut();
    const words = new Int32Array(64);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      words[0] = i;
      out.push(words, 0, 4 + (i % 3) * 4, i % 7, i, -i | 0);
    }
    expect(out.count).toBe(n);
    const chunks = out.level.map((id) => out.chunks[id]);
    expect(chunks.length).toBeGreaterThan(1);
    let i = 0;
    for (const c of chunks) {
      for (let b = 0; b < blocksOf(c); b++) {
        let inBlock = 0;
        for (let at = blockStart(c, b); at < blockEnd(c, b); inBlock++, i++) {
          expect([c[at], c[at + 1], c[at + 2], c[at + 3], c[at + RECORD_HEAD]]).toEqual([4 + (i % 3) * 4, i % 7, i, -i | 0, i]);
          at += RECORD_HEAD + ((c[at] + 3) >> 2);
        }
        expect(inBlock).toBeLessThanOrEqual(BLOCK_STATES);
      }
    }
    expect(i).toBe(n);
  });

  it("reuses a level's chunks two levels on, once every part has read them", () => {
    const out = new FrontierOut();
    const words = new Int32Array(2048);
    const fill = (): void => {
      for (let i = 0; i < 2000; i++) out.push(words, 0, 8000, 0, i, i);
    };
    fill();
    const first = [...out.level];
    out.turn();
    fill();
    expect(out.level.some((id) => first.includes(id))).toBe(false);
    out.turn();
    fill();
    expect(out.level.every((id) => first.includes(id))).toBe(true);
    expect(out.takeFresh().length).toBe(first.length * 2);
  });

  it("takes a grown-out table's memory as chunks (views into it), told of to the peers when first used", () => {
    const out = new FrontierOut();
    const region = new Int32Array(new SharedArrayBuffer(4 * (3 * (1 << 18) + 100)));
    expect(out.donate(region.subarray(50))).toBe(3 * (1 << 20));
    expect(out.takeFresh()).toEqual([]);
    const words = new Int32Array(4);
    words[0] = 99;
    out.push(words, 0, 4, 1, 2, 3);
    const fresh = out.takeFresh();
    expect(fresh).toHaveLength(1);
    const c = fresh[0].chunk;
    expect(c.buffer).toBe(region.buffer);
    expect(c[blockStart(c, 0) + RECORD_HEAD]).toBe(99);
    expect(region[50 + blockStart(c, 0) + RECORD_HEAD + 2 * (1 << 18)]).toBe(99);
    expect(out.peakBytes).toBe(1 << 20);
  });

  it('a record larger than a chunk gets a chunk of its own', () => {
    const out = new FrontierOut();
    const big = new Int32Array(300_000);
    big[0] = 77;
    out.push(big, 0, 1_200_000, 2, 5, 6);
    const c = out.chunks[out.level[0]];
    expect(blocksOf(c)).toBe(1);
    expect(c[blockStart(c, 0) + RECORD_HEAD]).toBe(77);
  });
});
