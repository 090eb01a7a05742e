/**
 * `accelcheck replay FILE`: re-execute a saved trace; exit 1 where the recorded violation shows
 * again, 2 when the trace no longer applies (stale). For people: each step with its actor and
 * what it changed, then the violated invariant — reference, statement and the values that break
 * it, computed on the replayed state. `--step K` prints the whole state after step K.
 *
 * `--json` prints one object for tools:
 *
 *   { file: string,                      // as given on the command line
 *     status: 'reproduced' | 'stale',
 *     model: string,
 *     steps: [{ index: number,           // 1-based; only the steps replayed
 *               action: string,          // the label, name(param)
 *               actor?: string,
 *               changes: [{ path: string, before?: value, after?: value }] }],  // before absent: added; after absent: removed
 *     violation?: { kind: 'invariant' | 'deadlock' | 'error', name: string,
 *                   message: string,     // as recorded
 *                   statement?: string, ref?: string,
 *                   values?: string,     // what breaks it, computed on the replayed state
 *                   action?: string,     // error: the step that throws
 *                   instances?: number, control?: string[] },  // deadlock: actions (none enabled), control states
 *     step?: number, reason?: string,    // stale: the step that no longer applies, and why
 *     state?: value,                     // --step K: the state after step K (absent if the replay stopped before K)
 *     init?: value }                     // --step 0 only: the initial state
 *
 * Full states are left out otherwise: a system-model trace carries a large state per step.
 */
import { dirname, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { isModel } from '../model/define.js';
import type { Model, PlainValue } from '../model/types.js';
import type { Config, Registry } from '../registry.js';
import { violationTitle } from '../report/result.js';
import { formatChange, formatState, formatSteps } from '../report/trace.js';
import { styleFor } from '../report/style.js';
import { InputError, readTrace } from '../trace/file.js';
import { replay, type ReplayResult, type ReplayStep } from '../trace/replay.js';
import type { Trace } from '../trace/types.js';
import { intOption, type Parsed } from './args.js';
import type { Io } from './io.js';
import { buildEntry, findEntry, loadModule } from './resolve.js';

/** The model a trace was recorded against, rebuilt from its name, config and mutant (or module). */
async function modelOf(trace: Trace, file: string, override: string | undefined, registry: Registry, cwd: string): Promise<Model> {
  const config = (trace.config ?? {}) as Config;
  const { mutant = null, ...settings } = typeof config === 'object' && !Array.isArray(config) ? config : ({} as Config);
  const fromEntry = (entry: Parameters<typeof buildEntry>[0]) =>
    buildEntry(entry, settings, typeof mutant === 'string' ? mutant : null, `${file}: the recorded configuration no longer fits model ${entry.name}`);
  if (override !== undefined || trace.source !== undefined) {
    const spec = override ?? resolve(dirname(resolve(cwd, file)), trace.source!);
    const { value } = await loadModule(spec, override !== undefined ? cwd : '/');
    return isModel(value) ? value : fromEntry(value);
  }
  const entry = findEntry(registry, trace.model);
  if (!entry) throw new InputError(`${file}: unknown model '${trace.model}' (built-in: ${registry.models.map((m) => m.name).join(', ')}; for your own model pass --model PATH)`);
  return fromEntry(entry);
}

export async function replayCommand(args: Parsed, io: Io, registry: Registry): Promise<number> {
  if (args.positionals.length !== 1) throw new InputError('replay: expected exactly one trace FILE');
  const file = args.positionals[0];
  const trace = readTrace(resolve(io.cwd, file));
  const at = intOption(args.values, 'step', 0, trace.steps.length);
  const model = await modelOf(trace, file, args.values.model as string | undefined, registry, io.cwd);
  const result = replay(model, trace);
  const code = result.status === 'reproduced' ? 1 : 2;
  if (args.values.json) {
    io.stdout.write(`${JSON.stringify(toJson(result, file, at))}\n`);
  } else {
    const st = styleFor(io.stdout, io.env);
    io.stdout.write(`${(at === undefined ? formatReplay(result, file, trace, st) : formatStep(result, file, trace, at, st)).join('\n')}\n`);
  }
  if (result.status === 'stale') io.stderr.write(`accelcheck: ${file} no longer applies: ${result.reason}\n`);
  return code;
}

/** The state after step `k` of a replay (0: the initial state), or undefined when the replay stopped before it. */
function stateAt(r: ReplayResult, k: number): { state: PlainValue; step?: ReplayStep } | undefined {
  if (k === 0) return { state: r.init };
  const step = r.steps[k - 1];
  return step && { state: step.state, step };
}

/** The `--json` document (shape in the comment at the top of this file). */
function toJson(r: ReplayResult, file: string, at: number | undefined): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    file,
    status: r.status,
    model: r.model,
    steps: r.steps.map(({ index, action, actor, changes }) => (actor === undefined ? { index, action, changes } : { index, action, actor, changes })),
  };
  if (r.status === 'reproduced') doc.violation = r.violation;
  else Object.assign(doc, { step: r.step, reason: r.reason });
  if (at !== undefined) {
    const s = stateAt(r, at);
    if (s) doc.state = s.state;
    if (at === 0) doc.init = r.init;
  }
  return doc;
}

function header(r: ReplayResult, file: string, trace: Trace, st: ChalkInstance): string {
  const config = trace.config as Record<string, unknown> | null;
  const mutant = config && typeof config === 'object' && typeof config.mutant === 'string' ? ` · mutant ${st.magenta(config.mutant)}` : '';
  const n = trace.steps.length;
  return `${st.bold('replay')} ${file} · model ${r.model}${mutant} · ${n} step${n === 1 ? '' : 's'}`;
}

/** The end of a replay: the violation reproduced (what, where from, the values that break it), or where the trace went stale. */
function outcome(r: ReplayResult, st: ChalkInstance): string[] {
  if (r.status === 'stale') return [`${st.yellow('!')} stale at step ${r.step}: ${r.reason}`];
  const v = r.violation;
  const n = r.steps.length;
  const lines = [`${st.red('✘')} reproduced: ${st.red(violationTitle(v, st))} after ${n} step${n === 1 ? '' : 's'}, each enabled and on its recorded state`];
  if (v.ref || v.statement) lines.push(`  ${st.dim([v.ref, v.statement].filter(Boolean).join(' · '))}`);
  if (v.kind === 'deadlock') {
    lines.push(`  ${st.bold('enabled:')} none (0 of ${v.instances} action${v.instances === 1 ? '' : 's'})`);
    lines.push(`  ${st.bold('control states:')} ${(v.control ?? []).join(' · ')}`);
  } else if (v.kind === 'error') {
    if (v.action) lines.push(`  ${st.red('→')} ${st.yellow(v.action)} throws (step ${n + 1})`);
    lines.push(`  ${st.bold('values:')} ${v.values ?? v.message}`);
  } else {
    lines.push(v.values ? `  ${st.bold('values:')} ${v.values}` : `  ${v.message}`);
  }
  return lines;
}

function formatReplay(r: ReplayResult, file: string, trace: Trace, st: ChalkInstance): string[] {
  return [header(r, file, trace, st), ...formatSteps(r.steps, st), ...outcome(r, st)];
}

/** `--step K`: the whole state after step K, headed by the step's action, actor and changes. */
function formatStep(r: ReplayResult, file: string, trace: Trace, k: number, st: ChalkInstance): string[] {
  const lines = [header(r, file, trace, st)];
  const s = stateAt(r, k);
  if (!s) {
    lines.push(`  state after step ${k}: not reached, the replay stopped at step ${r.status === 'stale' ? r.step : r.steps.length}`);
  } else if (!s.step) {
    lines.push(`${st.bold('initial state')} (step 0):`, ...formatState(s.state, st));
  } else {
    const actor = s.step.actor ? ` by ${st.magenta(s.step.actor)}` : '';
    lines.push(`${st.bold(`step ${k}`)} of ${trace.steps.length}: ${st.yellow(s.step.action)}${actor}`);
    lines.push(...(s.step.changes.length ? s.step.changes.map((c) => `  ${st.dim('changed')}  ${formatChange(c, st)}`) : [`  ${st.dim('(no change)')}`]));
    lines.push(`${st.bold(`state after step ${k}`)}:`, ...formatState(s.state, st));
  }
  return [...lines, ...outcome(r, st)];
}
