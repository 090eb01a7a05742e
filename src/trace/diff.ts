/** The fields that differ between two plain-data states, as paths like `vi[1].owner`. */
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

function join(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

export function diff(before: PlainValue, after: PlainValue, path = '', out: Change[] = []): Change[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ path: p, before: before[i] });
      else if (i >= before.length) out.push({ path: p, after: after[i] });
      else diff(before[i], after[i], p, out);
    }
  } else if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) {
      const p = join(path, k);
      if (!(k in after)) out.push({ path: p, before: before[k] });
      else if (!(k in before)) out.push({ path: p, after: after[k] });
      else diff(before[k], after[k], p, out);
    }
  } else if (!Object.is(before, after) && JSON.stringify(before) !== JSON.stringify(after)) {
    out.push({ path: path || '(state)', before, after });
  }
  return out;
}
