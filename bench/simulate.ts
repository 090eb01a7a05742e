/**
 * Random exploration throughput: accelcheck's `simulate` (the fast-check walk arbitrary, steps
 * drawn among enabled actions, swarm testing) against fast-check's own `fc.commands` +
 * `fc.modelRun` on the same models, where every action instance is a Command whose `check` is
 * the guard (a command drawn while disabled is skipped: generated but not run). Both run the
 * same number of walks of at most 100 steps, check every invariant after each step, and count
 * the steps actually taken. Figures only (walks/s, steps/s, mean walk length, and for
 * fc.commands the share of drawn commands that were disabled).
 *
 * Usage: simulate [--walks N] [--json]     (default 2000 walks per model)
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { simulate, type Model } from '../src/index.js';
import { compile, successor, violatedState, violatedStep } from '../src/model/compile.js';
import { buildEntry } from '../src/cli/resolve.js';
import { registry } from '../models/index.js';

const { values } = parseArgs({ options: { walks: { type: 'string' }, json: { type: 'boolean' } } });
const walks = Number(values.walks ?? 2000);
const MAX = 100;

function scenario(model: string, name: string): Model {
  const entry = registry.models.find((m) => m.name === model)!;
  return buildEntry(entry, entry.scenarios.find((s) => s.name === name)!.config, null, `${model}/${name}`);
}

interface Figures {
  walks: number;
  steps: number;
  ms: number;
  disabledShare?: number;
  violation?: string;
}

function ours(model: Model): Figures {
  const r = simulate(model, { seed: 1, walks, maxDepth: MAX, deadlock: false });
  return { walks: r.walks!, steps: r.transitions, ms: r.durationMs, ...(r.violation ? { violation: r.violation.name } : {}) };
}

function commands(model: Model): Figures {
  const cm = compile(model);
  const init = cm.model.init();
  let steps = 0;
  let drawn = 0;
  let runs = 0;
  type Real = { s: unknown };
  class Step implements fc.Command<object, Real> {
    constructor(readonly j: number) {}
    check(_m: object): boolean {
      // fast-check calls check with the model only; the real state is reached through `current`.
      drawn++;
      const inst = cm.instances[this.j];
      return inst.action.guard(current.s, inst.param) === true;
    }
    run(_m: object, r: Real): void {
      const next = successor(cm, r.s, this.j);
      const broken = violatedStep(cm, r.s, next, this.j) ?? violatedState(cm, next);
      r.s = next;
      steps++;
      if (broken) throw new Error(`invariant ${broken.name} violated`);
    }
    toString(): string {
      return cm.instances[this.j].label;
    }
  }
  let current: Real = { s: init };
  const all = cm.instances.map((_, j) => fc.constant(new Step(j)));
  const started = performance.now();
  let violation: string | undefined;
  try {
    fc.assert(
      fc.property(fc.commands(all, { maxCommands: MAX, size: 'max' }), (cmds) => {
        runs++;
        current = { s: init };
        fc.modelRun(() => ({ model: {}, real: current }), cmds);
      }),
      { seed: 1, numRuns: walks, endOnFailure: true },
    );
  } catch (e) {
    violation = String((e as Error).message.match(/invariant (\S+) violated/)?.[1] ?? 'error');
  }
  return { walks: runs, steps, ms: Math.round(performance.now() - started), disabledShare: drawn ? 1 - steps / drawn : 0, ...(violation ? { violation } : {}) };
}

const models: [string, string][] = [
  ['handshake', 'default'],
  ['handshake', 'adversarial'],
  ['system', 'default'],
  ['system', 'migrate'],
  ['system', 'wide'],
];
const rows: { model: string; ours: Figures; commands: Figures }[] = [];
for (const [m, s] of models) {
  const model = scenario(m, s);
  rows.push({ model: `${m}/${s}`, ours: ours(model), commands: commands(model) });
}
if (values.json) console.log(JSON.stringify(rows, null, 2));
else {
  const line = (f: Figures): string =>
    `${Math.round((f.walks * 1000) / f.ms).toLocaleString('en')} walks/s, ${Math.round((f.steps * 1000) / f.ms).toLocaleString('en')} steps/s, ${(f.steps / f.walks).toFixed(1)} steps/walk${f.disabledShare !== undefined ? `, ${(f.disabledShare * 100).toFixed(0)}% of drawn commands disabled` : ''}${f.violation ? `, found ${f.violation}` : ''}`;
  console.log(`${walks} walks of at most ${MAX} steps, seed 1\n`);
  for (const r of rows) {
    console.log(`${r.model}`);
    console.log(`  accelcheck simulate        ${line(r.ours)}`);
    console.log(`  fc.commands + fc.modelRun  ${line(r.commands)}`);
  }
}
