/** `accelcheck list`: what is built in — models, scenarios, invariants, mutants. */
import type { Registry } from '../registry.js';
import { styleFor } from '../report/style.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';

export function listCommand(args: Parsed, io: Io, registry: Registry): number {
  const models = registry.models;
  if (args.values.json) {
    const doc = {
      models: models.map((m) => m.name),
      scenarios: models.flatMap((m) => m.scenarios.map((s) => ({ name: s.name, model: m.name, size: s.size, description: s.description, config: s.config }))),
      invariants: models.flatMap((m) => m.invariants.map((i) => ({ name: i.name, model: m.name, ref: i.ref, statement: i.statement }))),
      mutants: models.flatMap((m) => m.mutants.map((x) => ({ name: x.name, model: m.name, ref: x.ref, breaks: x.breaks, description: x.description, scenario: x.scenario ?? null }))),
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const st = styleFor(io.stdout, io.env);
  const lines: string[] = [];
  for (const m of models) {
    const isDefault = registry.defaults.includes(m.name) ? st.dim(' (default)') : '';
    lines.push(`${st.bold(m.name)}${isDefault} — ${m.description}`);
    lines.push('  scenarios:');
    for (const s of m.scenarios) {
      const settings = Object.entries(s.config).map(([k, val]) => `${k}=${JSON.stringify(val)}`).join(' ');
      lines.push(`    ${st.cyan(s.name.padEnd(16))} ${s.size.padEnd(6)} ${s.description}`);
      if (settings) lines.push(`    ${' '.repeat(24)}${st.dim(settings)}`);
    }
    if (m.invariants.length) {
      lines.push('  invariants:');
      for (const i of m.invariants) lines.push(`    ${st.green(i.name)} ${st.dim(`[${i.ref}]`)} ${i.statement}`);
    }
    if (m.mutants.length) {
      lines.push('  mutants:');
      for (const x of m.mutants) lines.push(`    ${st.magenta(x.name)} ${st.dim(`[${x.ref}]`)} ${x.description} ${st.dim(`— breaks ${x.breaks.join(', ')}${x.scenario ? ` (scenario ${x.scenario})` : ''}`)}`);
    }
    lines.push('');
  }
  io.stdout.write(lines.join('\n'));
  return 0;
}
