/**
 * `accelcheck merge FILE… [--json] [--out DIR]`: one verdict from the `--json` results of several
 * runs — the shards of a swarm spread over CI jobs (`--shard I/N`), or any runs — per group of
 * runs of one model, scenario, mutant and configuration, and overall (report/merge.ts). Exit 1
 * when any run found a violation, 0 otherwise; 2 on bad input.
 *
 * Each FILE holds the JSON result objects that `check --json` / `simulate --json` print, one per
 * line (a file holding one JSON document, an object or an array of them, is read too). Every
 * file is read and validated before anything is written: a file that cannot be read, a line that
 * is not JSON or not a result, shards of different counts in one group, are one line naming the
 * file and line, exit 2, and no trace file is written. Then, with `--out DIR`, the shortest
 * counterexample of each kind and name is written to DIR as a trace file `replay` reads.
 *
 * `--json` prints one object:
 *
 *   { ok: boolean, files: string[], results: number,
 *     groups: [{ title, model, scenario, mutant, config,
 *                verdict: 'violated' | 'complete' | 'not exhaustive',
 *                runs, unsharded,
 *                shards: { count, present: number[], missing: number[], seeds: number[] } | null,
 *                statesSummed, exhaustive?: { states, from, shard? },
 *                union: { estimate, relativeError } | null, unsketched,
 *                counterexamples: [{ kind, name, message, steps, from, shard?, foundBy, shards: number[],
 *                                    file?, replay? }] }] }
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { shardProblem } from '../explore/shard.js';
import type { CheckResult } from '../explore/types.js';
import { formatMerge, mergeResults, type MergedCounterexample, type MergeInput, type MergeReport } from '../report/merge.js';
import { styleFor } from '../report/style.js';
import { HyperLogLog } from '../state/sketch.js';
import { InputError, parseTrace, writeTrace } from '../trace/file.js';
import type { Trace } from '../trace/types.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';

export function mergeCommand(args: Parsed, io: Io): number {
  const files = [...new Set(args.positionals)];
  if (files.length === 0) throw new InputError('merge: expected one or more FILEs of --json results (e.g. accelcheck merge shard-*.json)');
  const inputs = files.flatMap((file) => readResults(file, io.cwd));
  const report = mergeResults(inputs);
  const out = args.values.out as string | undefined;
  const written = out ? writeCounterexamples(report, out, io.cwd) : new Map<MergedCounterexample, string>();
  if (out && written.size === 0 && !args.values.quiet) io.stderr.write(`no violation: nothing written to ${out}\n`);
  if (args.values.json) {
    io.stdout.write(`${JSON.stringify(toJson(report, files, written))}\n`);
  } else {
    io.stdout.write(`${formatMerge(report, files.length, styleFor(io.stdout, io.env), written)}\n`);
  }
  return report.ok ? 0 : 1;
}

/** The results in one file, each validated; the first problem is an InputError naming the file and line. */
function readResults(file: string, cwd: string): MergeInput[] {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const values: { where: string; value: unknown }[] = [];
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined;
  }
  if (whole !== undefined) {
    (Array.isArray(whole) ? whole : [whole]).forEach((value, i) => values.push({ where: Array.isArray(whole) ? `${file}[${i}]` : file, value }));
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${file}:${i + 1}`;
      try {
        values.push({ where, value: JSON.parse(line) });
      } catch (e) {
        throw new InputError(`${where}: not valid JSON (${(e as Error).message})`);
      }
    });
  }
  if (values.length === 0) throw new InputError(`${file}: no results (expected the output of check --json or simulate --json, one object per line)`);
  return values.map(({ where, value }) => ({ where, result: parseResult(value, where) }));
}

/** Validate one `--json` result object; throws InputError naming the first problem. */
function parseResult(value: unknown, where: string): MergeInput['result'] {
  const fail = (what: string): never => {
    throw new InputError(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a result object (expected the output of check --json or simulate --json)');
  const r = value as Record<string, unknown>;
  if (typeof r.ok !== 'boolean' || typeof r.model !== 'string' || typeof r.strategy !== 'string') {
    fail('not a check or simulate result (fields "ok", "model" and "strategy" expected)');
  }
  if (typeof r.states !== 'number' || !Number.isInteger(r.states) || r.states < 0) fail('field "states" must be a non-negative integer');
  if (typeof r.complete !== 'boolean') fail('field "complete" must be a boolean');
  if (!('config' in r)) fail('field "config" is missing');
  if (!Array.isArray(r.invariants) || !r.invariants.every((n) => typeof n === 'string')) fail('field "invariants" must be a list of invariant names');
  if (r.deadlock !== undefined && typeof r.deadlock !== 'boolean') fail('field "deadlock" must be a boolean');
  for (const k of ['scenario', 'mutant']) if (r[k] !== undefined && r[k] !== null && typeof r[k] !== 'string') fail(`field "${k}" must be a name or null`);
  if (r.shard !== undefined) {
    const s = r.shard as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) fail('field "shard" must be { index, count, seed }');
    const problem = shardProblem(s as unknown as NonNullable<CheckResult['shard']>);
    if (problem) fail(`field "shard": ${problem}`);
  }
  if (r.sketch !== undefined) {
    try {
      HyperLogLog.fromJSON(r.sketch);
    } catch (e) {
      fail(`field "sketch": ${(e as Error).message}`);
    }
  }
  if (r.omission !== undefined && (typeof r.omission !== 'object' || r.omission === null || typeof (r.omission as Record<string, unknown>).exhaustive !== 'boolean')) {
    fail('field "omission" must carry "exhaustive"');
  }
  const v = r.violation as Record<string, unknown> | undefined;
  if (r.ok && v !== undefined) fail('"ok" is true but the result has a violation');
  if (!r.ok) {
    if (typeof v !== 'object' || v === null) fail('"ok" is false but the result has no violation');
    parseTrace(v!.trace, `${where}: violation trace`);
    if (v!.kind !== (v!.trace as Trace).violation.kind || v!.name !== (v!.trace as Trace).violation.name) fail('the violation and its trace name different findings');
    if (typeof v!.message !== 'string') fail('violation has no "message"');
  }
  return r as unknown as MergeInput['result'];
}

/** A name for a file: letters, digits, `.`, `_`, `-`. */
function slug(s: string): string {
  return s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/**
 * Write each group's counterexamples into `dir` (created if need be), as
 * `<model>-<scenario>[.<mutant>].<kind or invariant>.trace.json`; returns where each went, as
 * `dir/name` for display. A trace of a user's model names its module relative to the trace file,
 * so that path is rebased from where the shard wrote it (taken to be the current directory) to `dir`.
 */
function writeCounterexamples(report: MergeReport, dir: string, cwd: string): Map<MergedCounterexample, string> {
  const written = new Map<MergedCounterexample, string>();
  const all = report.groups.flatMap((g) => g.counterexamples.map((c) => ({ g, c })));
  if (all.length === 0) return written;
  const absDir = resolve(cwd, dir);
  try {
    mkdirSync(absDir, { recursive: true });
  } catch (e) {
    throw new InputError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const used = new Set<string>();
  for (const { g, c } of all) {
    const what = c.kind === 'invariant' ? c.name : c.kind === 'deadlock' ? 'deadlock' : `error-${c.name}`;
    const base = `${slug(g.title.replace('/', '-'))}${g.mutant ? `.${slug(g.mutant)}` : ''}.${slug(what)}`;
    let name = `${base}.trace.json`;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}.trace.json`;
    used.add(name);
    let trace = c.trace;
    if (trace.source !== undefined) {
      const module = resolve(cwd, trace.source);
      if (existsSync(module)) trace = { ...trace, source: relative(dirname(join(absDir, name)), module) || module };
    }
    writeTrace(join(absDir, name), trace);
    written.set(c, join(dir, name));
  }
  return written;
}

function toJson(report: MergeReport, files: string[], written: ReadonlyMap<MergedCounterexample, string>): unknown {
  return {
    ok: report.ok,
    files,
    results: report.results,
    groups: report.groups.map((g) => ({
      ...g,
      // The traces themselves are in the files (or the inputs), not repeated here.
      counterexamples: g.counterexamples.map((found) => {
        const { trace: _trace, ...c } = found;
        const file = written.get(found);
        return file ? { ...c, file, replay: `accelcheck replay ${file}` } : c;
      }),
    })),
  };
}
