/**
 * ITF interchange: an accelcheck trace as an Informal Trace Format document (Apalache ADR-015,
 * https://apalache-mc.org/docs/adr/015adr-trace.html — what Apalache and Quint write and their
 * tools read), and back.
 *
 * Layout. The ITF states are the trace's initial state, then each step's state. When every state
 * is a record with the same keys, none starting with '#', those keys are the ITF `vars` (sorted)
 * and each ITF state holds them in the state's own key order; otherwise one variable, `state`,
 * holds each whole state and the top-level `#meta` says so (`"state-variable": "state"`). Each
 * state's `#meta` has its `index` and, after the first, the step's `action` label and its
 * `actor` when there is one. The top-level `#meta` has `format: "ITF"`, `format-description`
 * (the ADR), `source` (the model module, or the model's name), a human-readable `description`,
 * and `accelcheck`: every field of the trace other than `init` and `steps` (model, config,
 * strategy, seed, invariants, violation, …) as plain JSON, so that `fromItf(toItf(t))` is `t`.
 *
 * Values (ours → ITF):
 *   boolean, string      → the same JSON value
 *   integer (not -0)     → {"#bigint": "<decimal>"}, the exact value of the double
 *   array                → JSON array (an ITF list)
 *   record               → JSON object (an ITF record); a record with a key starting with '#'
 *                          (ITF reserves those) → {"#map": [["key", value], …]}, string keys
 *   null                 → {"#unserializable": "null"}
 *   other numbers        → {"#unserializable": String(n)} ("1.5", "1e-7", "-0")
 * ITF → ours, for files written elsewhere too: a JSON integer (the ADR allows ±(2^53 − 1)) and a
 * #bigint that a double holds exactly → number; #tup → array; #set → array sorted (null, booleans,
 * numbers, strings, arrays, records); #map → record when every key is a string, else an array of
 * [key, value] pairs; #unserializable in the forms above → null or the number. Anything else
 * (other #unserializable values, non-integer JSON numbers, unknown '#' forms) is an InputError
 * naming the state and the variable.
 */
import type { PlainValue } from '../model/types.js';
import { InputError, parseTrace } from './file.js';
import type { Trace, TraceStep } from './types.js';

export const ITF_SPEC = 'https://apalache-mc.org/docs/adr/015adr-trace.html';
/** By the ADR's convention, ITF files end with this. */
export const ITF_EXTENSION = '.itf.json';
/** The variable that holds each whole state when the states are not records with the same keys. */
const WHOLE = 'state';

export type ItfValue = boolean | string | number | ItfValue[] | ItfBigint | ItfTuple | ItfSet | ItfMap | ItfUnserializable | ItfRecord;
export type ItfBigint = { '#bigint': string };
export type ItfTuple = { '#tup': ItfValue[] };
export type ItfSet = { '#set': ItfValue[] };
export type ItfMap = { '#map': [ItfValue, ItfValue][] };
export type ItfUnserializable = { '#unserializable': string };
export type ItfRecord = { [field: string]: ItfValue };

export interface ItfStateMeta {
  index: number;
  /** The label of the step that reached this state. */
  action?: string;
  actor?: string;
}

export interface ItfState {
  '#meta'?: ItfStateMeta;
  [variable: string]: ItfValue | ItfStateMeta | undefined;
}

export interface ItfMeta {
  format?: string;
  'format-description'?: string;
  source?: string;
  description?: string;
  /** The variable holding each whole state, when the states are not split into variables. */
  'state-variable'?: string;
  /** The trace's fields other than `init` and `steps`. */
  accelcheck?: Omit<Trace, 'init' | 'steps'>;
  [key: string]: unknown;
}

export interface ItfTrace {
  '#meta'?: ItfMeta;
  params?: string[];
  vars: string[];
  states: ItfState[];
  loop?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isItfPath = (path: string): boolean => path.endsWith(ITF_EXTENSION);

/** Does this parsed JSON look like an ITF document (rather than an accelcheck trace)? `fromItf` validates it. */
export function isItf(value: unknown): boolean {
  return isRecord(value) && ('states' in value || 'vars' in value || '#meta' in value);
}

export function toItfValue(v: PlainValue): ItfValue {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return { '#unserializable': '-0' };
    return Number.isInteger(v) ? { '#bigint': BigInt(v).toString() } : { '#unserializable': String(v) };
  }
  if (v === null) return { '#unserializable': 'null' };
  if (Array.isArray(v)) return v.map(toItfValue);
  const entries = Object.entries(v);
  if (entries.some(([k]) => k.startsWith('#'))) return { '#map': entries.map(([k, x]) => [k, toItfValue(x)]) };
  return Object.fromEntries(entries.map(([k, x]) => [k, toItfValue(x)]));
}

/** The sorted keys shared by every state, when all are records with the same keys and none starts with '#'. */
function variables(states: PlainValue[]): string[] | undefined {
  const keys = states.map((s) => (isRecord(s) ? Object.keys(s).sort() : undefined));
  const first = keys[0];
  if (first === undefined || first.some((k) => k.startsWith('#'))) return undefined;
  const same = keys.every((k) => k !== undefined && k.length === first.length && k.every((x, i) => x === first[i]));
  return same ? first : undefined;
}

function description(t: Trace): string {
  const n = t.steps.length;
  return `accelcheck counterexample, model ${t.model}: ${t.violation.kind} ${t.violation.name} after ${n} step${n === 1 ? '' : 's'}: ${t.violation.message}`;
}

export function toItf(trace: Trace): ItfTrace {
  const { init, steps, ...rest } = trace;
  const states = [init, ...steps.map((s) => s.state)];
  const vars = variables(states);
  return {
    '#meta': {
      format: 'ITF',
      'format-description': ITF_SPEC,
      source: trace.source ?? trace.model,
      description: description(trace),
      ...(vars ? {} : { 'state-variable': WHOLE }),
      accelcheck: structuredClone(rest),
    },
    vars: vars ?? [WHOLE],
    states: states.map((s, index) => {
      const step: TraceStep | undefined = steps[index - 1];
      const meta: ItfStateMeta = { index };
      if (step) meta.action = step.action;
      if (step?.actor !== undefined) meta.actor = step.actor;
      const values = vars ? Object.entries(s as Record<string, PlainValue>) : [[WHOLE, s] as const];
      return { '#meta': meta, ...Object.fromEntries(values.map(([k, v]) => [k, toItfValue(v)])) };
    }),
  };
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** A total order on plain values, for the elements of an ITF set. */
function compare(a: PlainValue, b: PlainValue): number {
  const rank = (v: PlainValue) => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : Array.isArray(v) ? 4 : 5);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (Array.isArray(a)) {
    const bs = b as PlainValue[];
    for (let i = 0; i < Math.min(a.length, bs.length); i++) {
      const c = compare(a[i], bs[i]);
      if (c !== 0) return c;
    }
    return a.length - bs.length;
  }
  if (isRecord(a)) {
    const entries = (r: Record<string, PlainValue>): PlainValue => Object.keys(r).sort().map((k) => [k, r[k]]);
    return compare(entries(a), entries(b as Record<string, PlainValue>));
  }
  const [x, y] = [a, b] as (number | string | boolean)[];
  return x < y ? -1 : x > y ? 1 : 0;
}

const INTEGER = /^-?[0-9]+$/;

/** Decode one ITF value; `fail` reports a problem where the caller is (state and variable). */
export function fromItfValue(v: unknown, fail: (problem: string) => never): PlainValue {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(`${v} is not an ITF integer (plain JSON integers are within ±(2^53 − 1); others are {"#bigint": "…"})`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => fromItfValue(x, fail));
  if (!isRecord(v)) return fail(`${show(v)} is not an ITF value`);
  const keys = Object.keys(v);
  const tag = keys.find((k) => k.startsWith('#'));
  if (tag === undefined) return Object.fromEntries(keys.map((k) => [k, fromItfValue(v[k], fail)]));
  if (keys.length !== 1) return fail(`${show(v)} mixes ${tag} with other fields`);
  const body = v[tag];
  const list = (): PlainValue[] => (Array.isArray(body) ? body.map((x) => fromItfValue(x, fail)) : fail(`${tag} must hold an array, got ${show(body)}`));
  switch (tag) {
    case '#bigint': {
      if (typeof body !== 'string' || !INTEGER.test(body)) return fail(`bad #bigint ${show(body)} (expected a decimal integer string)`);
      const n = Number(body) + 0; // + 0: "-0" is 0
      if (!Number.isFinite(n) || BigInt(n) !== BigInt(body)) return fail(`#bigint ${body} does not fit a JavaScript number exactly`);
      return n;
    }
    case '#tup':
      return list();
    case '#set':
      return list().sort(compare);
    case '#map': {
      const pairs = list().map((p) => (Array.isArray(p) && p.length === 2 ? (p as [PlainValue, PlainValue]) : fail(`#map entry ${show(p)} is not a [key, value] pair`)));
      return pairs.every(([k]) => typeof k === 'string') ? Object.fromEntries(pairs) : pairs;
    }
    case '#unserializable': {
      if (body === 'null') return null;
      const n = typeof body === 'string' ? Number(body) : NaN;
      if (String(n) === body || body === '-0') return n;
      return fail(`${show(v)} has no accelcheck value`);
    }
    default:
      return fail(`unknown ITF form ${tag} in ${show(v)}`);
  }
}

/** An ITF document as a trace; InputError naming the problem (and the state) when it is not one we can replay. */
export function fromItf(value: unknown, where: string): Trace {
  const fail = (problem: string): never => {
    throw new InputError(`${where}: ${problem}`);
  };
  if (!isRecord(value)) return fail('not an ITF trace (expected a JSON object)');
  const { states, vars } = value;
  if (!Array.isArray(states)) return fail('not an ITF trace: no "states" array');
  if (!Array.isArray(vars) || !vars.every((x) => typeof x === 'string')) return fail('ITF field "vars" must be an array of variable names');
  if (states.length === 0) return fail('the ITF trace has no states');
  states.forEach((s: unknown, i) => {
    if (!isRecord(s)) fail(`state ${i} is not a record of variables`);
    const missing = (vars as string[]).find((x) => !Object.hasOwn(s as object, x));
    if (missing !== undefined) fail(`state ${i} has no value for variable "${missing}"`);
  });
  const meta = isRecord(value['#meta']) ? value['#meta'] : {};
  if (!isRecord(meta.accelcheck)) throw new InputError(`${where} is an ITF trace without accelcheck metadata (model and step actions): cannot replay it`);
  const whole = meta['state-variable'];
  if (whole !== undefined && (typeof whole !== 'string' || !vars.includes(whole))) fail(`#meta "state-variable" ${show(whole)} is not one of the variables`);
  const decoded = (states as Record<string, unknown>[]).map((s, i) => {
    const at = (x: string) => (problem: string): never => fail(`state ${i}, variable "${x}": ${problem}`);
    if (typeof whole === 'string') return fromItfValue(s[whole], at(whole));
    const names = Object.keys(s).filter((k) => vars.includes(k));
    return Object.fromEntries(names.map((x) => [x, fromItfValue(s[x], at(x))]));
  });
  const steps = decoded.slice(1).map((state, k): TraceStep => {
    const m = (states[k + 1] as Record<string, unknown>)['#meta'];
    const { action, actor } = isRecord(m) ? m : ({} as Record<string, unknown>);
    if (typeof action !== 'string') fail(`state ${k + 1} has no "#meta.action" (the label of the step that reached it): cannot replay it`);
    if (actor !== undefined && typeof actor !== 'string') fail(`state ${k + 1}: "#meta.actor" must be a string`);
    return actor === undefined ? { action: action as string, state } : { action: action as string, state, actor: actor as string };
  });
  const { violation, ...rest } = meta.accelcheck;
  return parseTrace({ ...rest, init: decoded[0], steps, violation }, where);
}
