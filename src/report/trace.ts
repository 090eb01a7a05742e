/** A trace for people: each step with its actor and only the fields it changed; a whole state as an aligned tree. */
import { Chalk, type ChalkInstance } from 'chalk';
import type { PlainValue } from '../model/types.js';
import { diff, type Change } from '../trace/diff.js';
import type { Trace } from '../trace/types.js';
import { brief } from './style.js';

export interface StepView {
  index: number;
  action: string;
  actor?: string;
  changes: Change[];
}

export function stepsOf(trace: Trace): StepView[] {
  let prev: PlainValue = trace.init;
  return trace.steps.map((st, i) => {
    const view: StepView = { index: i + 1, action: st.action, changes: diff(prev, st.state) };
    if (st.actor !== undefined) view.actor = st.actor;
    prev = st.state;
    return view;
  });
}

export function formatChange(c: Change, style: ChalkInstance): string {
  if (c.before === undefined) return `${style.cyan(c.path)} ${style.green('+')} ${brief(c.after, 120)}`;
  if (c.after === undefined) return `${style.cyan(c.path)} ${style.red('removed')} (was ${brief(c.before)})`;
  return `${style.cyan(c.path)}: ${style.dim(brief(c.before, 40))} → ${style.bold(brief(c.after, 100))}`;
}

/**
 * Lines of a trace, one block per step: its number, who took it (a column, when the model names
 * actors) and its action, then the fields it changed, indented:
 *
 *      5  guest1     frontendMapbuf(0)
 *           backends[0].fwdCtx: false → true
 */
export function formatSteps(steps: StepView[], style: ChalkInstance, indent = '  '): string[] {
  const width = String(steps.length).length;
  const actorWidth = Math.max(0, ...steps.map((st) => st.actor?.length ?? 0));
  const actorColumn = (actor: string | undefined): string => (actorWidth === 0 ? '' : `${style.magenta((actor ?? '').padEnd(actorWidth))}  `);
  const under = `${indent}${' '.repeat(width + 4)}`;
  const lines: string[] = [`${indent}${style.dim('0'.padStart(width))}  ${style.dim('initial state')}`];
  for (const st of steps) {
    lines.push(`${indent}${style.dim(String(st.index).padStart(width))}  ${actorColumn(st.actor)}${style.yellow(st.action)}`);
    if (st.changes.length === 0) lines.push(`${under}${style.dim('(no change)')}`);
    for (const c of st.changes) lines.push(`${under}${formatChange(c, style)}`);
  }
  return lines;
}

const plain = new Chalk({ level: 0 });

const isRecord = (v: PlainValue): v is { [key: string]: PlainValue } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key as written in the tree and in inline records: bare when it is an identifier. */
const keyText = (k: string): string => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

/** A value on one line: JSON with bare keys and spaces, coloured by type. */
function inline(v: PlainValue, st: ChalkInstance): string {
  if (v === null) return st.dim('null');
  if (typeof v === 'string') return st.green(JSON.stringify(v));
  if (typeof v === 'number') return st.yellow(String(v));
  if (typeof v === 'boolean') return st.magenta(String(v));
  if (Array.isArray(v)) return `[${v.map((x) => inline(x, st)).join(', ')}]`;
  const keys = Object.keys(v);
  return keys.length === 0 ? '{}' : `{ ${keys.map((k) => `${keyText(k)}: ${inline(v[k], st)}`).join(', ')} }`;
}

/**
 * A whole state as an aligned tree: a record's fields and an array's elements (`[k]`) one per
 * line, their values aligned; a value that fits in `width` columns stays on its line, a larger
 * one opens a subtree.
 *
 *   backends
 *     [0]
 *       state     "Connected"
 *       bufs      [{ ref: 1, granter: 1, frame: 3, bt: 0, mapped: true }]
 */
export function formatState(state: PlainValue, style: ChalkInstance, indent = '  ', width = 100): string[] {
  const lines: string[] = [];
  const node = (v: PlainValue, pad: string): void => {
    const entries: [string, PlainValue][] = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x]) : isRecord(v) ? Object.entries(v).map(([k, x]) => [keyText(k), x]) : [];
    const labelWidth = Math.max(0, ...entries.map(([label]) => label.length));
    for (const [label, x] of entries) {
      const text = inline(x, plain);
      const composite = typeof x === 'object' && x !== null;
      const empty = composite && (Array.isArray(x) ? x.length === 0 : Object.keys(x).length === 0);
      if (!composite || empty || pad.length + labelWidth + 2 + text.length <= width) {
        lines.push(`${pad}${style.cyan(label.padEnd(labelWidth))}  ${inline(x, style)}`);
      } else {
        lines.push(`${pad}${style.cyan(label)}`);
        node(x, `${pad}  `);
      }
    }
  };
  if (typeof state === 'object' && state !== null) node(state, indent);
  else lines.push(`${indent}${inline(state, style)}`);
  return lines;
}
