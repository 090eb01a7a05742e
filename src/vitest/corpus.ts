/**
 * replayCorpus: one vitest test per trace file of a corpus directory, each checking what the
 * manifest (`expected.json`) says the trace does: reproduce its recorded violation (`replay`),
 * hold, or violate a named property (`outcomeOf`). See the module comment in index.ts for the
 * manifest's format.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Chalk } from 'chalk';
import { describe, it } from 'vitest';
import { buildEntry, findEntry, loadModule } from '../cli/resolve.js';
import { describeError } from '../model/compile.js';
import { isModel } from '../model/define.js';
import type { Model, PlainValue } from '../model/types.js';
import type { Config, ModelEntry, Registry } from '../registry.js';
import { violationTitle } from '../report/result.js';
import { sameState } from '../state/encode.js';
import { readTrace } from '../trace/file.js';
import { outcomeOf, type Outcome } from '../trace/outcome.js';
import { replay } from '../trace/replay.js';
import type { Trace } from '../trace/types.js';

const plain = new Chalk({ level: 0 });

export interface CorpusOptions {
  /** Built-in models (e.g. `registry` from `accelcheck/models`), rebuilt from a trace's config. */
  registry?: Registry;
  /** Models by name: a model, or a registry entry (needed for a manifest `set`). Looked up first. */
  models?: Record<string, Model | ModelEntry>;
  /** The manifest's file name in the corpus directory (default `expected.json`). */
  manifest?: string;
  /** The name of the describe block (default `accelcheck corpus DIR`). */
  title?: string;
}

export interface CorpusCase {
  /** The test's name. */
  title: string;
  /** The trace file, relative to the corpus directory with `/` separators (as in the manifest). */
  file: string;
  /** Absolute path of the trace file. */
  path: string;
  /** `recorded` (the default: strict replay reproduces the recorded violation), `holds` or `violates NAME`. */
  expect: string;
  set?: Config;
  why?: string;
  /** 1-based index of the manifest entry, when the case comes from one. */
  entry?: number;
  /** Why the case cannot run (a bad manifest entry): it fails with this message. */
  problem?: string;
}

const TRACE_FILE = /\.(trace|itf)\.json$/;
const ENTRY_KEYS = ['file', 'expect', 'set', 'why'];

function traceFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => {
      const p = join(dir, d.name);
      if (d.isDirectory()) return traceFiles(root, p);
      return d.isFile() && TRACE_FILE.test(d.name) ? [relative(root, p).split(sep).join('/')] : [];
    });
}

/** JSON with record keys sorted: equal settings give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `mutant=null, teardown=drain`: settings as `--set` takes them. */
function describeSet(set: Config): string {
  return Object.entries(set)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /^[A-Za-z_][\w.-]*$/.test(v) && !['true', 'false', 'null'].includes(v) ? v : JSON.stringify(v)}`)
    .join(', ');
}

function expectationText(expect: string, set: Config | undefined): string {
  const what = expect === 'recorded' ? 'reproduces its recorded violation' : expect;
  return set && Object.keys(set).length ? `${what} with ${describeSet(set)}` : what;
}

/**
 * The cases of a corpus: one per trace file (its recorded violation), changed and extended by
 * the manifest. Never throws for a bad manifest: its entries become failing cases.
 */
export function corpusCases(dir: string, options: CorpusOptions = {}): CorpusCase[] {
  const root = resolve(dir);
  const manifestName = options.manifest ?? 'expected.json';
  const manifestPath = join(root, manifestName);
  const broken = (title: string, problem: string, extra: Partial<CorpusCase> = {}): CorpusCase => ({
    title,
    file: extra.file ?? manifestName,
    path: extra.path ?? manifestPath,
    expect: extra.expect ?? 'recorded',
    problem,
    ...(extra.entry !== undefined ? { entry: extra.entry } : {}),
  });
  let files: string[];
  try {
    if (!statSync(root).isDirectory()) return [broken(dir, `${dir} is not a directory`)];
    files = traceFiles(root);
  } catch (e) {
    return [broken(dir, `cannot read the corpus ${dir}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`)];
  }
  const problems: CorpusCase[] = [];
  const entries: { file: string; expect: string; set?: Config; why?: string; entry: number }[] = [];
  if (existsSync(manifestPath)) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (e) {
      value = undefined;
      problems.push(broken(manifestName, `${manifestPath} is not valid JSON: ${describeError(e)}`));
    }
    if (value !== undefined && !Array.isArray(value)) {
      problems.push(broken(manifestName, `${manifestPath} must be an array of { "file", "expect", "set"?, "why"? } entries`));
    } else if (Array.isArray(value)) {
      const seen = new Map<string, number>();
      value.forEach((raw: unknown, i) => {
        const n = i + 1;
        const e = raw as Record<string, unknown>;
        const named = typeof e === 'object' && e !== null && typeof e.file === 'string' ? ` (${e.file})` : '';
        const bad = (why: string) => problems.push(broken(`${manifestName} entry ${n}${named}`, `${manifestName} entry ${n}${named}: ${why}`, { entry: n }));
        if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad('must be an object { "file", "expect", "set"?, "why"? }');
        const unknown = Object.keys(e).filter((k) => !ENTRY_KEYS.includes(k));
        if (unknown.length) return bad(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (keys: ${ENTRY_KEYS.join(', ')})`);
        if (typeof e.file !== 'string' || e.file === '') return bad('"file" must be the path of a trace file, relative to the corpus directory');
        if (!files.includes(e.file)) return bad(`no trace file "${e.file}" in ${dir}`);
        if (typeof e.expect !== 'string' || !/^(holds|violates \S.*)$/.test(e.expect.trim())) {
          return bad(`"expect" must be "holds" or "violates NAME", got ${JSON.stringify(e.expect)}`);
        }
        if (e.set !== undefined && (typeof e.set !== 'object' || e.set === null || Array.isArray(e.set))) return bad('"set" must be an object of settings');
        if (e.why !== undefined && typeof e.why !== 'string') return bad('"why" must be a string');
        const key = `${e.file}\n${canonical(e.set ?? {})}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) return bad(`entry ${earlier} already says what ${e.file} does with these settings`);
        seen.set(key, n);
        const entry: (typeof entries)[number] = { file: e.file, expect: e.expect.trim().replace(/^violates\s+/, 'violates '), entry: n };
        if (e.set !== undefined) entry.set = e.set as Config;
        if (e.why !== undefined) entry.why = e.why as string;
        entries.push(entry);
      });
    }
  }
  const cases: CorpusCase[] = [];
  for (const file of files) {
    const mine = entries.filter((e) => e.file === file);
    const replacing = mine.filter((e) => !e.set || Object.keys(e.set).length === 0);
    const base = replacing.length ? [] : [{ file, expect: 'recorded' } as (typeof entries)[number]];
    for (const e of [...base, ...mine]) {
      const c: CorpusCase = {
        title: e.expect === 'recorded' && !e.set ? file : `${file} ${expectationText(e.expect, e.set)}`,
        file,
        path: join(root, ...file.split('/')),
        expect: e.expect,
      };
      if (e.set) c.set = e.set;
      if (e.why) c.why = e.why;
      if (e.entry) c.entry = e.entry;
      cases.push(c);
    }
  }
  return [...problems, ...cases];
}

const isRecord = (v: unknown): v is Record<string, PlainValue> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The model a trace runs against, with a case's settings applied. */
async function modelFor(trace: Trace, c: CorpusCase, options: CorpusOptions): Promise<Model> {
  let value: Model | ModelEntry | undefined;
  if (options.models && Object.hasOwn(options.models, trace.model)) value = options.models[trace.model];
  else if (trace.source !== undefined) value = (await loadModule(resolve(dirname(c.path), trace.source), '/')).value;
  else {
    const entry = options.registry && findEntry(options.registry, trace.model);
    if (!entry) {
      const known = [...(options.registry?.models.map((m) => m.name) ?? []), ...Object.keys(options.models ?? {})];
      throw new Error(`unknown model '${trace.model}' (known: ${known.join(', ') || 'none'}; pass it in options.models, or options.registry)`);
    }
    value = entry;
  }
  const set = c.set ?? {};
  if (isModel(value)) {
    if (Object.keys(set).length) throw new Error(`"set" needs a model with settings (a registry entry), but ${trace.model} is a plain model`);
    return value;
  }
  if (typeof value !== 'object' || value === null || typeof (value as ModelEntry).build !== 'function') {
    throw new Error(`options.models.${trace.model} is neither a model nor a registry entry`);
  }
  const entry = value as ModelEntry;
  const recorded = isRecord(trace.config) ? trace.config : {};
  const { mutant: recordedMutant = null, ...settings } = recorded;
  let mutant = typeof recordedMutant === 'string' ? recordedMutant : null;
  for (const [key, v] of Object.entries(set)) {
    if (key === 'mutant') {
      if (v !== null && typeof v !== 'string') throw new Error(`"set": mutant must be a mutant's name or null, got ${JSON.stringify(v)}`);
      if (v !== null && !entry.mutants.some((m) => m.name === v)) {
        throw new Error(`"set": model ${entry.name} has no mutant '${v}' (mutants: ${entry.mutants.map((m) => m.name).join(', ') || 'none'})`);
      }
      mutant = v;
    } else {
      if (!(key in settings)) throw new Error(`"set": the trace's configuration has no setting '${key}' (settings: ${Object.keys(settings).join(', ') || 'none'})`);
      settings[key] = v;
    }
  }
  return buildEntry(entry, settings, mutant, `model ${entry.name} with the trace's configuration${Object.keys(set).length ? ` and ${describeSet(set)}` : ''}`);
}

function describeOutcome(o: Outcome, trace: Trace): string {
  if (o.outcome === 'violates') {
    const what = o.kind === 'invariant' ? o.name : o.kind === 'deadlock' ? 'deadlock' : `an error in ${o.name}`;
    const labels = trace.steps.map((s) => s.action);
    if (trace.violation.kind === 'error' && trace.violation.action !== undefined) labels.push(trace.violation.action);
    const path = labels
      .slice(0, o.step)
      .map((label, i) => `${i + 1} ${label}`)
      .join(' · ');
    return `it violates ${what} at step ${o.step}: ${o.message}${path ? `\n  steps: ${path}` : ''}`;
  }
  if (!o.cut) return `it holds: all ${o.applied} step${o.applied === 1 ? '' : 's'} apply and no invariant is violated`;
  return `it holds: the path is cut at step ${o.cut.step} (${o.cut.reason}) after ${o.applied} step${o.applied === 1 ? '' : 's'}, with no violation`;
}

/**
 * Check one case of a corpus. Resolves with a one-line account of what held; rejects with an
 * Error naming the file, the expectation, and the step and reason when the trace does not do
 * what is expected.
 */
export async function checkCorpusCase(c: CorpusCase, options: CorpusOptions = {}): Promise<string> {
  if (c.problem) throw new Error(c.problem);
  const expected = expectationText(c.expect, c.set);
  const fail = (what: string): never => {
    throw new Error(`${c.file}: expected to ${what}${c.why ? `\n  why it should: ${c.why}` : ''}`);
  };
  let trace: Trace;
  let model: Model;
  try {
    trace = readTrace(c.path);
    model = await modelFor(trace, c, options);
  } catch (e) {
    throw new Error(`${c.file} (${expected}): ${describeError(e)}`);
  }
  const changed = c.set !== undefined && !sameState(model.config, trace.config);
  const wanted = c.expect === 'recorded' ? trace.violation.name : c.expect.startsWith('violates ') ? c.expect.slice('violates '.length) : undefined;
  const setText = c.set && Object.keys(c.set).length ? ` with ${describeSet(c.set)}` : '';

  if (wanted !== undefined && !changed) {
    // Strict: every step enabled and on its recorded state, the violation where it was recorded.
    const r = replay(model, trace);
    if (r.status === 'stale') {
      const reason = r.reason.replace(new RegExp(`^step ${r.step}:? `), '');
      return fail(
        `violate ${wanted}, but the trace is stale at step ${r.step}: ${reason}\n` +
          `  (after a deliberate model change, write the trace again, or say in the manifest what it does now)`,
      );
    }
    if (r.violation.name !== wanted) {
      return fail(`violate ${wanted}, but the trace records and reproduces ${violationTitle(r.violation, plain)} at step ${r.steps.length}`);
    }
    return `reproduces ${violationTitle(r.violation, plain)} at step ${r.steps.length}`;
  }

  const o = outcomeOf(model, trace);
  if (wanted !== undefined) {
    if (o.outcome === 'violates' && o.name === wanted) return `violates ${wanted} at step ${o.step}${setText}`;
    return fail(`violate ${wanted}${setText}, but ${describeOutcome(o, trace)}`);
  }
  if (o.outcome === 'violates') return fail(`hold${setText}, but ${describeOutcome(o, trace)}`);
  return describeOutcome(o, trace).replace(/^it /, '');
}

/**
 * Register one vitest test per trace file (and per manifest entry) under `dir`; see the module
 * comment for the manifest. Call it at the top level of a test file or inside a `describe`.
 */
export function replayCorpus(dir: string, options: CorpusOptions = {}): void {
  const cases = corpusCases(dir, options);
  const shown = relative(process.cwd(), resolve(dir)) || '.';
  describe(options.title ?? `accelcheck corpus ${shown}`, () => {
    if (cases.length === 0) {
      it('has trace files', () => {
        throw new Error(`no *.trace.json or *.itf.json file under ${dir}`);
      });
    }
    for (const c of cases) {
      it(c.title, async () => {
        await checkCorpusCase(c, options);
      });
    }
  });
}
