/** The exact fingerprint store: growth keeps every fingerprint and index; fresh tables are zeroed. */
import { describe, expect, it } from 'vitest';
import { freshInt32 } from '../../src/state/fresh.js';
import { StateStore } from '../../src/state/store.js';

/** Fingerprint halves of the i-th test state (never the empty slot (0, 0)). */
const lo = (i: number): number => Math.imul(i + 1, 0x9e3779b1) | 0;
const hi = (i: number): number => Math.imul(i + 7, 0x85ebca6b) ^ i;

describe('StateStore', () => {
  it('keeps every fingerprint, index and link across its rehashes', () => {
    const store = new StateStore(16);
    const n = 50_000; // from 1,024 slots: six doublings
    for (let i = 0; i < n; i++) expect(store.add(lo(i), hi(i), i - 1, i % 5)).toBe(i);
    expect(store.size).toBe(n);
    for (let i = 0; i < n; i++) {
      expect(store.has(lo(i), hi(i))).toBe(true);
      expect(store.add(lo(i), hi(i), 0, 0)).toBe(-1);
    }
    expect(store.has(lo(n), hi(n))).toBe(false);
    expect(store.path(3)).toEqual([1, 2, 3]);
    expect(store.dump().table.length).toBe(2 * 131_072);
  });

  it('reserves room at once, keeping what it holds, and then grows no more until past it', () => {
    const store = new StateStore(16);
    for (let i = 0; i < 500; i++) store.add(lo(i), hi(i), -1, -1);
    store.reserve(50_000);
    const table = store.dump().table;
    expect(table.length).toBe(2 * 131_072);
    for (let i = 0; i < 500; i++) expect(store.has(lo(i), hi(i))).toBe(true);
    for (let i = 500; i < 50_000; i++) expect(store.add(lo(i), hi(i), -1, -1)).toBe(i);
    expect(store.dump().table).toBe(table);
    store.reserve(10);
    expect(store.dump().table).toBe(table);
  });
});

describe('freshInt32', () => {
  it('gives a zeroed array of the length asked', () => {
    const a = freshInt32(1 << 20);
    expect(a.length).toBe(1 << 20);
    expect(a.every((w) => w === 0)).toBe(true);
  });
});
