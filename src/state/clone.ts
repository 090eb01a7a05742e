/**
 * Deep copy of a plain-data value: the draft an effect may mutate freely. Records are copied
 * with object spread and arrays with `slice`, which V8 does in one step keeping the hidden class
 * or element kind; only nested objects are then copied one by one.
 */
export function clone<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = v.slice();
    const n = out.length;
    for (let i = 0; i < n; i++) {
      const x = out[i];
      if (typeof x === 'object' && x !== null) out[i] = clone(x);
    }
    return out as T;
  }
  const out = { ...(v as Record<string, unknown>) };
  for (const k in out) {
    const x = out[k];
    if (typeof x === 'object' && x !== null) out[k] = clone(x);
  }
  return out as T;
}

/** Freeze a plain-data value in place, deeply (guards and invariants then cannot modify it). */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
