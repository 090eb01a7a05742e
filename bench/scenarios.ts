/**
 * Xen scenarios benchmark: every built-in scenario of the handshake and system models, with one
 * part (this thread) and with two (this thread and a worker, from the first state), with symmetry
 * reduction where the scenario declares one; and how the system model grows with guests, VIs and
 * packets. Each run is a BFS `check` in a child node process of its own (this file with `--child`),
 * so that peak RSS belongs to that run. Printed per run: states, transitions, depth, seconds (the
 * engine's durationMs), states/s, engine bytes per state ((store + peak queues) / states) and peak
 * RSS. Large scenarios (for random walks and bounded runs) are bounded by --max-states. Figures
 * only; the one check is that a run with two parts finds the states, transitions and verdict of
 * one (exit 1 otherwise).
 *
 * For the medium scenarios, also the machine's ceiling (bench/report.ts): two one-thread runs of
 * the scenario at once, each its own process. It bounds what two parts could gain here, and
 * "of ceiling" is the two-part speed-up over it.
 *
 * Usage: scenarios [--quick] [--json] [--bound N] [--no-ceiling]
 *   --quick       small scenarios only, and the growth table
 *   --bound       the state bound for large scenarios (default 300000)
 *   --no-ceiling  skip the runs at once
 */
import { ceilingOf, run, runOnce, table, together } from './report.js';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { check, checkParallel, type CheckResult, type Config } from '../src/index.js';
import { buildEntry } from '../src/cli/resolve.js';
import { registry } from '../models/index.js';

interface Job {
  model: string;
  scenario: string;
  size: string;
  /** Settings on top of the scenario's (the growth table). */
  set?: Config;
  workers: number;
  symmetry: boolean;
  maxStates?: number;
}

interface Run extends Job {
  states: number;
  transitions: number;
  depth: number;
  durationMs: number;
  complete: boolean;
  verdict: string;
  engineBytesPerState: number;
  peakRssMB: number;
}

const REGISTRY = fileURLToPath(new URL('../models/index.js', import.meta.url));

async function child(job: Job): Promise<void> {
  const entry = registry.models.find((m) => m.name === job.model)!;
  const config = { ...entry.scenarios.find((s) => s.name === job.scenario)!.config, ...job.set };
  const model = buildEntry(entry, config, null, `${job.model}/${job.scenario}`);
  const options = { symmetry: job.symmetry, maxStates: job.maxStates };
  const r: CheckResult =
    job.workers > 1
      ? await checkParallel(model, { ...options, workers: job.workers, source: { module: REGISTRY, export: 'registry', model: job.model, config, mutant: null } })
      : check(model, options);
  const run: Run = {
    ...job,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    durationMs: r.durationMs,
    complete: r.complete,
    verdict: r.violation ? `${r.violation.kind} ${r.violation.name}` : 'holds',
    engineBytesPerState: r.memory ? (r.memory.storeBytes + r.memory.queuePeakBytes) / Math.max(r.states, 1) : 0,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

const childArgs = (job: Job): string[] => [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(job)];

const runChild = (job: Job): Run => runOnce<Run>(childArgs(job), `${job.model}/${job.scenario}`);

/** The growth series: the migrate scenario (guest1 migrating, host2 accelerated), one dimension at a time. */
const GROWTH: { dimension: string; value: string; set: Config }[] = [
  { dimension: 'packets', value: '1', set: { traffic: 'remote>guest1' } },
  { dimension: 'packets', value: '2', set: { traffic: 'remote>guest1,guest1>remote' } },
  { dimension: 'packets', value: '3', set: { traffic: 'remote>guest1,remote>guest1,guest1>remote' } },
  { dimension: 'guests', value: '1', set: { guests: 1, traffic: 'remote>guest1,guest1>remote' } },
  { dimension: 'guests', value: '2', set: { guests: 2, guest2Host: 2, traffic: 'remote>guest1,guest1>remote' } },
  { dimension: 'guests', value: '3', set: { guests: 3, guest2Host: 2, guest3Host: 2, traffic: 'remote>guest1,guest1>remote' } },
  { dimension: 'VIs', value: '1', set: { guests: 2, guest2Host: 2, vis: 1, traffic: 'remote>guest1,guest1>remote' } },
  { dimension: 'VIs', value: '2', set: { guests: 2, guest2Host: 2, vis: 2, traffic: 'remote>guest1,guest1>remote' } },
];

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const sec = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);


const row = (r: Run, first?: Run): string[] => [
  `${r.model}/${r.scenario}`,
  r.size,
  String(r.workers),
  r.symmetry ? 'on' : '-',
  int(r.states),
  int(r.transitions),
  String(r.depth),
  sec(r.durationMs),
  int(r.states / Math.max(r.durationMs / 1000, 1e-3)),
  first && first !== r ? (first.durationMs / Math.max(r.durationMs, 1)).toFixed(2) : '',
  int(r.engineBytesPerState),
  int(r.peakRssMB),
  r.complete ? r.verdict : `${r.verdict}, bounded`,
];

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const b = argv.indexOf('--bound');
  const bound = b >= 0 ? Number(argv[b + 1]) : 300_000;
  const problems: string[] = [];
  const runs: Run[][] = [];
  const noCeiling = argv.includes('--no-ceiling');
  /** Per medium scenario (and symmetry setting): two one-thread runs at once, and the ceiling of two parts. */
  const ceilings: { scenario: string; symmetry: boolean; aloneMs: number; togetherMs: number[]; ceiling: number; twoMs: number }[] = [];
  for (const entry of registry.models.filter((m) => m.name !== 'philosophers')) {
    for (const sc of entry.scenarios) {
      if (quick && sc.size !== 'small') continue;
      const symmetric = entry.name === 'system' && buildEntry(entry, sc.config, null, sc.name).symmetry !== undefined;
      const base: Omit<Job, 'workers' | 'symmetry'> = { model: entry.name, scenario: sc.name, size: sc.size, ...(sc.size === 'large' ? { maxStates: bound } : {}) };
      const jobs: Job[] = [{ ...base, workers: 1, symmetry: false }, { ...base, workers: 2, symmetry: false }];
      if (symmetric) jobs.push({ ...base, workers: 1, symmetry: true }, { ...base, workers: 2, symmetry: true });
      const group: Run[] = [];
      for (const job of jobs) {
        process.stderr.write(`${job.model}/${job.scenario}: ${job.workers} part${job.workers > 1 ? 's' : ''}${job.symmetry ? ', symmetry' : ''}…\n`);
        group.push(runChild(job));
      }
      for (const r of group.slice(1)) {
        const same = group.find((g) => g.symmetry === r.symmetry && g.workers === 1)!;
        if (r.complete && (r.states !== same.states || r.transitions !== same.transitions || r.verdict !== same.verdict)) {
          problems.push(`${r.model}/${r.scenario}: ${r.workers} parts found ${r.states} states, ${r.transitions} transitions, ${r.verdict}; one found ${same.states}, ${same.transitions}, ${same.verdict}`);
        }
      }
      runs.push(group);
      if (noCeiling || sc.size !== 'medium') continue;
      for (const one of group.filter((g) => g.workers === 1)) {
        const two = group.find((g) => g.workers === 2 && g.symmetry === one.symmetry)!;
        process.stderr.write(`${one.model}/${one.scenario}: the ceiling, two one-thread runs at once${one.symmetry ? ', symmetry' : ''}…\n`);
        const job: Job = { ...base, workers: 1, symmetry: one.symmetry };
        const togetherMs = (await together<Run>(childArgs(job), 2, `${job.model}/${job.scenario}`)).map((r) => r.durationMs);
        ceilings.push({ scenario: `${one.model}/${one.scenario}`, symmetry: one.symmetry, aloneMs: one.durationMs, togetherMs, ceiling: ceilingOf(one.durationMs, togetherMs), twoMs: two.durationMs });
      }
    }
  }
  const growth: (Run & { dimension: string; value: string })[] = [];
  for (const g of GROWTH) {
    process.stderr.write(`growth: ${g.dimension} = ${g.value}…\n`);
    growth.push({ ...runChild({ model: 'system', scenario: 'migrate', size: 'small', set: g.set, workers: 1, symmetry: false }), dimension: g.dimension, value: g.value });
  }
  const env = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  if (json) {
    process.stdout.write(`${JSON.stringify({ env, runs: runs.flat(), ceilings, growth, problems }, null, 2)}\n`);
  } else {
    console.log(`accelcheck scenarios benchmark · node ${env.node}, ${env.cpu} (${env.cores} cores) · BFS, every invariant, deadlocks on`);
    table('every scenario (parts: this thread and workers, from the first state; speed-up: time of the first row of its scenario / this row\'s)',
      ['scenario', 'size', 'parts', 'symmetry', 'states', 'transitions', 'depth', 's', 'states/s', 'speed-up', 'B/state', 'peak RSS MB', 'verdict'],
      runs.flatMap((group) => group.map((r) => row(r, group[0]))), 2);
    if (ceilings.length) {
      table("the machine's ceiling for two parts (two one-thread runs at once, each its own process)",
        ['scenario', 'symmetry', 'one alone s', 'two together s', 'ceiling', 'two parts s', 'speed-up', 'of ceiling'],
        ceilings.map((c) => {
          const speedup = c.aloneMs / c.twoMs;
          return [c.scenario, c.symmetry ? 'on' : '-', sec(c.aloneMs), c.togetherMs.map(sec).join(' / '), c.ceiling.toFixed(2), sec(c.twoMs), speedup.toFixed(2), `${Math.round((100 * speedup) / c.ceiling)} %`];
        }), 2);
    }
    table('growth: system/migrate (guest1 migrating to an accelerated host2), one dimension at a time, one thread',
      ['dimension', 'value', 'states', 'transitions', 'depth', 's', 'states/s', 'B/state', 'peak RSS MB'],
      growth.map((r) => [r.dimension, r.value, int(r.states), int(r.transitions), String(r.depth), sec(r.durationMs), int(r.states / Math.max(r.durationMs / 1000, 1e-3)), int(r.engineBytesPerState), int(r.peakRssMB)]), 2);
  }
  for (const p of problems) process.stderr.write(`MISMATCH: ${p}\n`);
  if (problems.length) process.exitCode = 1;
}

const argv = process.argv.slice(2);
const ci = argv.indexOf('--child');
run(ci >= 0 ? () => child(JSON.parse(argv[ci + 1]) as Job) : () => main(argv));
