/** A trace for people: each step with its actor and only the fields it changed. */
import type { ChalkInstance } from 'chalk';
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
  if (c.before === undefined) return `${style.cyan(c.path)} ${style.green('+')} ${brief(c.after)}`;
  if (c.after === undefined) return `${style.cyan(c.path)} ${style.red('removed')} (was ${brief(c.before)})`;
  return `${style.cyan(c.path)}: ${style.dim(brief(c.before, 40))} → ${style.bold(brief(c.after, 60))}`;
}

/** Lines of a trace: step number, action, actor, then the changed fields indented. */
export function formatSteps(steps: StepView[], style: ChalkInstance, indent = '  '): string[] {
  const lines: string[] = [`${indent}${style.dim('0')}  ${style.dim('initial state')}`];
  const width = String(steps.length).length;
  for (const st of steps) {
    const actor = st.actor ? style.magenta(` [${st.actor}]`) : '';
    lines.push(`${indent}${style.dim(String(st.index).padStart(width))}  ${style.yellow(st.action)}${actor}`);
    if (st.changes.length === 0) lines.push(`${indent}${' '.repeat(width + 2)}${style.dim('(no change)')}`);
    for (const c of st.changes) lines.push(`${indent}${' '.repeat(width + 4)}${formatChange(c, style)}`);
  }
  return lines;
}
