/** `accelcheck replay FILE`: re-execute a saved trace; exit 1 where the recorded violation shows again. */
import { dirname, resolve } from 'node:path';
import { isModel } from '../model/define.js';
import type { Model } from '../model/types.js';
import type { Config, Registry } from '../registry.js';
import { violationTitle } from '../report/result.js';
import { formatSteps } from '../report/trace.js';
import { styleFor } from '../report/style.js';
import { InputError, readTrace } from '../trace/file.js';
import { replay, type ReplayResult } from '../trace/replay.js';
import type { Trace } from '../trace/types.js';
import type { Parsed } from './args.js';
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
  const model = await modelOf(trace, file, args.values.model as string | undefined, registry, io.cwd);
  const result = replay(model, trace);
  if (args.values.json) {
    io.stdout.write(`${JSON.stringify({ file, ...result })}\n`);
    if (result.status === 'stale') io.stderr.write(`accelcheck: ${file} no longer applies: ${result.reason}\n`);
    return result.status === 'reproduced' ? 1 : 2;
  }
  io.stdout.write(formatReplay(result, file, styleFor(io.stdout, io.env)));
  if (result.status === 'stale') {
    io.stderr.write(`accelcheck: ${file} no longer applies: ${result.reason}\n`);
    return 2;
  }
  return 1;
}

function formatReplay(r: ReplayResult, file: string, st: ReturnType<typeof styleFor>): string {
  const lines = [`${st.bold('replay')} ${file} · model ${r.model} · every step enabled and on its recorded state`, ...formatSteps(r.steps, st)];
  if (r.status === 'reproduced') {
    const v = r.violation;
    lines.push(`${st.red('✘')} reproduced: ${st.red(violationTitle(v, st))} after ${r.steps.length} step${r.steps.length === 1 ? '' : 's'}`);
    if (v.ref || v.statement) lines.push(`  ${st.dim([v.ref, v.statement].filter(Boolean).join(' · '))}`);
    lines.push(`  ${v.message}`);
  } else {
    lines.push(`${st.yellow('!')} stale at step ${r.step}: ${r.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
