/**
 * Merging the results of several runs — the shards of a swarm (explore/shard.ts), or any runs of
 * the same targets — into one verdict per group of runs of the same model, scenario, mutant and
 * configuration that checked the same properties (the same invariants, deadlocks or not: a run
 * of a subset proves nothing of the rest), and formatting it for people. Pure: results in, a
 * report value out; reading the files and writing the traces is the CLI's (cli/merge.ts).
 *
 * Per group: violated when any run found a violation, with one counterexample per (kind, name) —
 * the shortest; complete when some run was complete and exhaustive (an exact run no bound
 * stopped, or a bitstate run whose omission is negligible); otherwise not exhaustive, with the
 * states summed over the runs and the union of their states estimated from their sketches. A
 * group's shards must agree on their count; a missing shard is reported, not an error.
 */
import type { ChalkInstance } from 'chalk';
import type { CheckResult, ShardInfo } from '../explore/types.js';
import type { PlainValue } from '../model/types.js';
import { HyperLogLog, relativeError } from '../state/sketch.js';
import { InputError } from '../trace/file.js';
import type { Trace, ViolationKind } from '../trace/types.js';
import { violationTitle } from './result.js';
import { count } from './style.js';

/** A `--json` result as the CLI prints it, with where it was read. */
export interface MergeInput {
  /** `file:line`, for messages. */
  where: string;
  result: CheckResult & { scenario?: string | null; mutant?: string | null };
}

export interface MergedCounterexample {
  kind: ViolationKind;
  name: string;
  message: string;
  /** Steps of the shortest trace of this kind and name. */
  steps: number;
  /** Where the kept trace was read, and its shard. */
  from: string;
  shard?: ShardInfo;
  /** How many runs found one of this kind and name, and the indexes of the shards among them. */
  foundBy: number;
  shards: number[];
  trace: Trace;
}

export interface MergedGroup {
  /** `model/scenario`, or the model's name. */
  title: string;
  model: string;
  scenario: string | null;
  mutant: string | null;
  config: PlainValue;
  /** What the group's runs checked: their invariants (sorted) and whether deadlocks were reported. */
  checked: { invariants: string[]; deadlock: boolean };
  /**
   * When other groups are of the same model, scenario, mutant and configuration but checked
   * other properties: how this one differs (e.g. "no deadlock check", "invariants a, b"); else null.
   */
  variant: string | null;
  verdict: 'violated' | 'complete' | 'not exhaustive';
  runs: number;
  /** The shards among the runs: their count, the indexes present and missing, and their seeds; null when no run was a shard. */
  shards: { count: number; present: number[]; missing: number[]; seeds: number[] } | null;
  /** Runs that were not shards. */
  unsharded: number;
  /** Distinct states: summed over the runs (a state several runs stored counts several times). */
  statesSummed: number;
  /** With verdict complete: the states of the exhaustive run, where the exhaustive run was read. */
  exhaustive?: { states: number; from: string; shard?: ShardInfo };
  /** The union of the runs' states, estimated from their sketches and kept between the largest run and the sum (null when a run carries none). */
  union: { estimate: number; relativeError: number } | null;
  /** Runs without a sketch. */
  unsketched: number;
  counterexamples: MergedCounterexample[];
}

export interface MergeReport {
  ok: boolean;
  results: number;
  groups: MergedGroup[];
}

/** JSON with the keys of every record sorted: the same configuration, whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Whether a run explored every reachable state: complete, exhaustive search, no omission to speak of. */
function exhaustive(r: CheckResult): boolean {
  return r.ok && r.complete && r.strategy !== 'random' && (r.omission === undefined || r.omission.exhaustive);
}

/** Merge results (validated by the caller) into one report; throws InputError when a group's shards disagree on their count. */
export function mergeResults(inputs: readonly MergeInput[]): MergeReport {
  const byKey = new Map<string, MergeInput[]>();
  for (const input of inputs) {
    const key = canonical([targetOf(input.result), checkedOf(input.result)]);
    const group = byKey.get(key);
    if (group) group.push(input);
    else byKey.set(key, [input]);
  }
  const groups = [...byKey.values()].map(mergeGroup);
  // Groups of one target that checked different properties say how they differ.
  const targets = new Map<string, MergedGroup[]>();
  for (const g of groups) {
    const key = targetOf(g);
    targets.set(key, [...(targets.get(key) ?? []), g]);
  }
  for (const same of targets.values()) if (same.length > 1) for (const g of same) g.variant = variantOf(g.checked, same);
  return { ok: groups.every((g) => g.verdict !== 'violated'), results: inputs.length, groups };
}

/** What a run (or a group of runs) was of: model, scenario, mutant, configuration, as one key. */
function targetOf(r: { model: string; scenario?: string | null; mutant?: string | null; config: PlainValue }): string {
  return canonical([r.model, r.scenario ?? null, r.mutant ?? null, r.config]);
}

/** What a run checked (results of earlier versions, without `deadlock`, reported deadlocks). */
function checkedOf(r: MergeInput['result']): MergedGroup['checked'] {
  return { invariants: [...r.invariants].sort(), deadlock: r.deadlock ?? true };
}

/** How the properties a group checked differ from its namesakes': what it left out, or which invariants it checked. */
function variantOf(checked: MergedGroup['checked'], same: readonly MergedGroup[]): string {
  const parts: string[] = [];
  if (same.some((g) => g.checked.invariants.join('\u0000') !== checked.invariants.join('\u0000'))) {
    const n = checked.invariants.length;
    parts.push(n === 0 ? 'no invariants' : n <= 3 ? `invariant${n === 1 ? '' : 's'} ${checked.invariants.join(', ')}` : `${n} invariants`);
  }
  if (!checked.deadlock) parts.push('no deadlock check');
  else if (same.some((g) => !g.checked.deadlock)) parts.push('deadlocks checked');
  return parts.join(', ');
}

function mergeGroup(inputs: MergeInput[]): MergedGroup {
  const first = inputs[0].result;
  const scenario = first.scenario ?? null;
  const mutant = first.mutant ?? null;
  const title = scenario ? `${first.model}/${scenario}` : first.model;

  // Shards: one count per group.
  const sharded = inputs.filter((i) => i.result.shard !== undefined);
  let shards: MergedGroup['shards'] = null;
  if (sharded.length) {
    const n = sharded[0].result.shard!.count;
    const other = sharded.find((i) => i.result.shard!.count !== n);
    if (other) {
      const s = other.result.shard!;
      throw new InputError(`${other.where}: shard ${s.index}/${s.count} of ${title}, but ${sharded[0].where} is a shard of ${n}: one group's shards must share their count`);
    }
    const present = [...new Set(sharded.map((i) => i.result.shard!.index))].sort((a, b) => a - b);
    const missing: number[] = [];
    for (let k = 1, j = 0; k <= n; k++) {
      if (present[j] === k) j++;
      else missing.push(k);
    }
    const seeds = [...new Set(sharded.map((i) => i.result.shard!.seed))].sort((a, b) => a - b);
    shards = { count: n, present, missing, seeds };
  }

  // Counterexamples: the shortest of each (kind, name); ties go to the run read first.
  const found = new Map<string, MergedCounterexample>();
  for (const { where, result } of inputs) {
    const v = result.violation;
    if (!v) continue;
    const key = `${v.kind}\u0000${v.name}`;
    const steps = v.trace.steps.length;
    const known = found.get(key);
    const index = result.shard?.index;
    if (known) {
      known.foundBy++;
      if (index !== undefined && !known.shards.includes(index)) known.shards.push(index);
      if (steps >= known.steps) continue;
    }
    found.set(key, {
      kind: v.kind,
      name: v.name,
      message: v.message,
      steps,
      from: where,
      ...(result.shard ? { shard: result.shard } : {}),
      foundBy: known ? known.foundBy : 1,
      shards: known ? known.shards : index !== undefined ? [index] : [],
      trace: v.trace,
    });
  }
  const counterexamples = [...found.values()].sort((a, b) => a.steps - b.steps || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  for (const c of counterexamples) c.shards.sort((a, b) => a - b);

  const full = inputs.find((i) => exhaustive(i.result));
  const sketched = inputs.filter((i) => i.result.sketch !== undefined);
  let union: MergedGroup['union'] = null;
  if (sketched.length === inputs.length) {
    const sketches = sketched.map((i) => HyperLogLog.fromJSON(i.result.sketch));
    const precision = Math.min(...sketches.map((s) => s.precision));
    const all = new HyperLogLog(precision);
    for (const s of sketches) {
      if (s.precision !== precision) throw new InputError(`${title}: the runs' sketches have different precisions (${s.precision} and ${precision})`);
      all.merge(s);
    }
    // A union holds at least the largest run's states and at most their sum: the estimate is kept within those.
    const most = Math.max(...inputs.map((i) => i.result.states));
    const sum = inputs.reduce((n, i) => n + i.result.states, 0);
    union = { estimate: Math.min(sum, Math.max(most, Math.round(all.estimate()))), relativeError: relativeError(precision) };
  }

  return {
    title,
    model: first.model,
    scenario,
    mutant,
    config: first.config,
    checked: checkedOf(first),
    variant: null,
    verdict: counterexamples.length ? 'violated' : full ? 'complete' : 'not exhaustive',
    runs: inputs.length,
    shards,
    unsharded: inputs.length - sharded.length,
    statesSummed: inputs.reduce((n, i) => n + i.result.states, 0),
    ...(full ? { exhaustive: { states: full.result.states, from: full.where, ...(full.result.shard ? { shard: full.result.shard } : {}) } } : {}),
    union,
    unsketched: inputs.length - sketched.length,
    counterexamples,
  };
}

/** 1, 2, 3, 5, 7, 8 → "1–3, 5, 7, 8". */
export function ranges(xs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j - i >= 2 ? `${xs[i]}–${xs[j]}` : j > i ? `${xs[i]}, ${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Where each counterexample was written, by counterexample (absent: not written). */
export type Written = ReadonlyMap<MergedCounterexample, string>;

/** The merged verdict for people: a line per group, a line per counterexample, a summary line. */
export function formatMerge(report: MergeReport, files: number, style: ChalkInstance, written: Written = new Map()): string {
  const lines: string[] = [];
  for (const g of report.groups) {
    const mutant = g.mutant ? style.magenta(` [mutant ${g.mutant}]`) : '';
    const figures: string[] = [];
    if (g.shards) {
      const s = g.shards;
      const present = `shard${s.present.length === 1 ? '' : 's'} ${ranges(s.present)} of ${s.count}`;
      figures.push(s.missing.length ? `${present}, ${style.yellow(`missing ${ranges(s.missing)}`)}` : present);
      if (s.seeds.length > 1) figures.push(`seeds ${s.seeds.join(', ')}`);
    }
    figures.push(`${g.runs} run${g.runs === 1 ? '' : 's'}${g.unsharded && g.shards ? ` (${g.unsharded} not a shard)` : ''}`);
    const states = `${count(g.statesSummed)} states summed`;
    const union = g.union
      ? `≈${count(g.union.estimate)} distinct (union estimate, ±${(g.union.relativeError * 100).toFixed(1)} %)`
      : `union unknown (${g.unsketched} run${g.unsketched === 1 ? '' : 's'} without a sketch)`;
    const head = `${style.bold(g.title)}${mutant}${g.variant ? style.cyan(` (${g.variant})`) : ''}`;
    if (g.verdict === 'violated') {
      const n = g.counterexamples.length;
      lines.push(`${style.red('✘')} ${head}: ${style.red('violated')} · ${n} counterexample${n === 1 ? '' : 's'} · ${figures.join(' · ')}`);
      for (const c of g.counterexamples) {
        const by = c.shards.length ? `found by ${c.foundBy} run${c.foundBy === 1 ? '' : 's'} (shard${c.shards.length === 1 ? '' : 's'} ${ranges(c.shards)})` : `found by ${c.foundBy} run${c.foundBy === 1 ? '' : 's'}`;
        const kept = c.shard ? `shortest from shard ${c.shard.index}/${c.shard.count}` : `shortest from ${c.from}`;
        const file = written.get(c);
        const where = file ? ` → ${file} · replay: accelcheck replay ${file}` : '';
        lines.push(`  ${style.red(violationTitle(c, style))} after ${c.steps} step${c.steps === 1 ? '' : 's'} · ${by}, ${kept}${where}`);
      }
    } else if (g.verdict === 'complete') {
      const x = g.exhaustive!;
      const by = x.shard ? `shard ${x.shard.index}/${x.shard.count}` : x.from;
      lines.push(`${style.green('✔')} ${head}: no violation · ${style.green('complete')} (${by} explored all ${count(x.states)} states) · ${figures.join(' · ')}`);
    } else {
      lines.push(`${style.green('✔')} ${head}: no violation · ${style.yellow('not exhaustive')} · ${figures.join(' · ')} · ${states}, ${union}`);
    }
  }
  const tally = (v: MergedGroup['verdict']) => report.groups.filter((g) => g.verdict === v).length;
  const verdicts = [`${tally('violated')} violated`, `${tally('complete')} complete`, `${tally('not exhaustive')} not exhaustive`];
  const gaps = report.groups.filter((g) => g.shards?.missing.length).length;
  lines.push(
    style.dim(
      `merged ${report.results} result${report.results === 1 ? '' : 's'} from ${files} file${files === 1 ? '' : 's'} into ${report.groups.length} group${report.groups.length === 1 ? '' : 's'}: ${verdicts.join(', ')}${gaps ? ` · shards missing in ${gaps}` : ''}`,
    ),
  );
  if (!report.ok && written.size === 0) lines.push(style.dim('  (--out DIR writes each counterexample as a trace file to replay)'));
  return lines.join('\n');
}
