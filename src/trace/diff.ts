/**
 * The fields that differ between two plain-data states, as paths like `vi[1].owner`: what
 * changed, not what moved.
 *
 * - Records are compared key by key, whatever their key order.
 * - An array whose elements are all records carrying an `id` (a number or a string) — the
 *   system model's `packets`, sorted sets of identified things — is compared by id:
 *   `packets[id=3].at`, `packets[id=4]` added, `packets[id=2]` removed. An insertion in the middle
 *   is then one change, not a change of every later element. Should an id occur twice (a
 *   duplicated packet), its copies are told apart by occurrence: `packets[id=2 #2]`. A pure
 *   reordering is reported once, as the order of the ids.
 * - Another array that only gained elements (the old one is a subsequence of the new) or only
 *   lost some reports just those, at their index in the array that has them (`maps[1] + {…}`).
 * - Anything else is compared position by position.
 */
import type { PlainValue } from '../model/types.js';

export interface Change {
  path: string;
  /** Absent when the field was added. */
  before?: PlainValue;
  /** Absent when the field was removed. */
  after?: PlainValue;
}

function isRecord(v: unknown): v is Record<string, PlainValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The path of field `key` of the value at `base`: `a.b`, or `a["odd key"]`. */
export function fieldPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

/** The path of the element with identity `id` of the array at `base`: `packets[id=3]`. */
export function idPath(base: string, id: string | number): string {
  return `${base}[id=${typeof id === 'string' ? JSON.stringify(id) : id}]`;
}

/** Deep equality of plain data, records whatever their key order. */
export function equalValues(a: PlainValue, b: PlainValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equalValues(x, b[i]));
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equalValues(a[k], b[k]));
  }
  return false;
}

type Id = string | number;

/** The identity of each element when every element is a record with a number or string `id`; else null. */
function identities(xs: PlainValue[]): Id[] | null {
  const ids: Id[] = [];
  for (const x of xs) {
    if (!isRecord(x)) return null;
    const id = x.id;
    if (typeof id !== 'number' && typeof id !== 'string') return null;
    ids.push(id);
  }
  return ids;
}

/**
 * Elements keyed by identity. An id that occurs more than once (in either array: a duplicated
 * packet is a finding, not a malformed state) keys its k-th occurrence as `id #k`, matched with
 * the k-th occurrence on the other side.
 */
function keyed(ids: Id[], repeated: Set<string>, base: string): { key: string; path: string }[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const k = JSON.stringify(id);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return repeated.has(k) ? { key: `${k}#${n}`, path: `${idPath(base, id).slice(0, -1)} #${n}]` } : { key: k, path: idPath(base, id) };
  });
}

function repeatedIds(...lists: Id[][]): Set<string> {
  const out = new Set<string>();
  for (const ids of lists) {
    const seen = new Set<string>();
    for (const id of ids) {
      const k = JSON.stringify(id);
      if (seen.has(k)) out.add(k);
      seen.add(k);
    }
  }
  return out;
}

function diffById(before: PlainValue[], after: PlainValue[], bIds: Id[], aIds: Id[], path: string, out: Change[]): void {
  const repeated = repeatedIds(bIds, aIds);
  const b = keyed(bIds, repeated, path);
  const a = keyed(aIds, repeated, path);
  const inAfter = new Map(a.map((e, j) => [e.key, j]));
  const inBefore = new Set(b.map((e) => e.key));
  const changesBefore = out.length;
  b.forEach((e, i) => {
    const j = inAfter.get(e.key);
    if (j === undefined) out.push({ path: e.path, before: before[i] });
    else diff(before[i], after[j], e.path, out);
  });
  a.forEach((e, j) => {
    if (!inBefore.has(e.key)) out.push({ path: e.path, after: after[j] });
  });
  // The same elements in another order: say so once (only when nothing else explains the difference).
  if (out.length === changesBefore) {
    const kept = b.filter((e) => inAfter.has(e.key));
    const order = a.filter((e) => inBefore.has(e.key));
    if (kept.some((e, i) => e.key !== order[i].key)) {
      out.push({ path: `${path || '(state)'} (order by id)`, before: kept.map((e) => bIds[b.indexOf(e)]), after: order.map((e) => aIds[a.indexOf(e)]) });
    }
  }
}

/** Indices of `long` not matched when `short` is read as a subsequence of it, or null when it is not one. */
function extraElements(short: PlainValue[], long: PlainValue[]): number[] | null {
  const extra: number[] = [];
  let j = 0;
  for (let i = 0; i < long.length; i++) {
    if (j < short.length && equalValues(long[i], short[j])) j++;
    else extra.push(i);
  }
  return j === short.length ? extra : null;
}

function diffArrays(before: PlainValue[], after: PlainValue[], path: string, out: Change[]): void {
  const bIds = identities(before);
  const aIds = bIds && identities(after);
  if (bIds && aIds && (bIds.length > 0 || aIds.length > 0)) return diffById(before, after, bIds, aIds, path, out);
  if (before.length < after.length) {
    const added = extraElements(before, after);
    if (added) {
      for (const i of added) out.push({ path: `${path}[${i}]`, after: after[i] });
      return;
    }
  } else if (before.length > after.length) {
    const removed = extraElements(after, before);
    if (removed) {
      for (const i of removed) out.push({ path: `${path}[${i}]`, before: before[i] });
      return;
    }
  }
  const n = Math.max(before.length, after.length);
  for (let i = 0; i < n; i++) {
    const p = `${path}[${i}]`;
    if (i >= after.length) out.push({ path: p, before: before[i] });
    else if (i >= before.length) out.push({ path: p, after: after[i] });
    else diff(before[i], after[i], p, out);
  }
}

export function diff(before: PlainValue, after: PlainValue, path = '', out: Change[] = []): Change[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(before, after, path, out);
  } else if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) {
      const p = fieldPath(path, k);
      if (!(k in after)) out.push({ path: p, before: before[k] });
      else if (!(k in before)) out.push({ path: p, after: after[k] });
      else diff(before[k], after[k], p, out);
    }
  } else if (!Object.is(before, after) && JSON.stringify(before) !== JSON.stringify(after)) {
    out.push({ path: path || '(state)', before, after });
  }
  return out;
}
