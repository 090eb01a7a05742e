/**
 * expectModel: `toHoldInvariants` and `toViolate` run `check` or `simulate` on a model and reject
 * with the readable report `accelcheck check` prints, after writing the counterexample's trace
 * file (named by `traceFileName`). See the module comment in index.ts.
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Chalk } from 'chalk';
import { check, OptionError } from '../explore/check.js';
import { simulate } from '../explore/simulate.js';
import type { CheckResult, Violation } from '../explore/types.js';
import { compile } from '../model/compile.js';
import { isModel } from '../model/define.js';
import type { Model } from '../model/types.js';
import { formatResult, violationTitle } from '../report/result.js';
import { count } from '../report/style.js';
import { writeJsonFile } from '../trace/file.js';

const plain = new Chalk({ level: 0 });

export interface RunOptions {
  /** `bfs` (default, shortest counterexamples), `dfs`, or `random` (seeded walks: `simulate`). */
  strategy?: 'bfs' | 'dfs' | 'random';
  maxStates?: number;
  /** For `random`, the length of each walk (default 100). */
  maxDepth?: number;
  /** Check only these invariants. */
  invariants?: readonly string[];
  /** Report states with no enabled action that are not terminal (default true). */
  deadlock?: boolean;
  /** `random` only: the seed (default 1). */
  seed?: number;
  /** `random` only: the number of walks (default 1000). */
  walks?: number;
  /** `bfs`/`dfs`: shorten the counterexample by delta debugging (`random` always shrinks). */
  minimize?: boolean;
  /** Where a counterexample's trace file goes (default `accelcheck-traces` under the working directory). */
  traceDir?: string;
}

export interface HoldOptions extends RunOptions {
  /** Accept an exhaustive run that a bound stopped (`complete: false`); by default it fails. */
  allowIncomplete?: boolean;
}

export interface ExpectModelOptions {
  /**
   * The module whose default export is this model (a path, relative to the working directory):
   * recorded in the trace, so `accelcheck replay` finds the model without `--model`.
   */
  source?: string;
}

export interface ModelAssertions {
  /** Resolves with the result when no invariant is violated (and the run is complete). */
  toHoldInvariants(options?: HoldOptions): Promise<CheckResult>;
  /** Resolves with the violation the run finds (of `name` when given). */
  toViolate(name?: string, options?: RunOptions): Promise<Violation>;
  toViolate(options: RunOptions): Promise<Violation>;
}

const RUN_KEYS = ['strategy', 'maxStates', 'maxDepth', 'invariants', 'deadlock', 'seed', 'walks', 'minimize', 'traceDir'];

function validate(options: unknown, keys: string[]): RunOptions & HoldOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new OptionError(`options must be an object, got ${JSON.stringify(options)}`);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new OptionError(`unknown option '${k}' (options: ${keys.join(', ')})`);
  }
  if (o.strategy !== undefined && o.strategy !== 'bfs' && o.strategy !== 'dfs' && o.strategy !== 'random') {
    throw new OptionError(`strategy must be 'bfs', 'dfs' or 'random', got ${JSON.stringify(o.strategy)}`);
  }
  if (o.strategy !== 'random') {
    for (const k of ['seed', 'walks']) {
      if (o[k] !== undefined) throw new OptionError(`${k} applies only to strategy 'random'`);
    }
  }
  if (o.strategy === 'random' && o.minimize !== undefined) throw new OptionError(`minimize applies to 'bfs' and 'dfs'; strategy 'random' always shrinks`);
  for (const k of ['deadlock', 'allowIncomplete', 'minimize']) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new OptionError(`${k} must be true or false, got ${JSON.stringify(o[k])}`);
  }
  if (o.traceDir !== undefined && (typeof o.traceDir !== 'string' || o.traceDir === '')) throw new OptionError('traceDir must be a non-empty path');
  if (o.invariants !== undefined && (!Array.isArray(o.invariants) || o.invariants.some((x) => typeof x !== 'string'))) {
    throw new OptionError('invariants must be an array of invariant names');
  }
  return o as RunOptions & HoldOptions;
}

/** A file name from a model's and a violation's names: letters, digits, `.`, `_` and `-` only. */
export function traceFileName(model: string, violation: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_') || '_';
  return `${clean(model)}.${clean(violation)}.trace.json`;
}

/** A path for a command line: relative to the working directory when inside it, quoted when needed. */
function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const p = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

function mutantOf(model: Model): string | null {
  const c = model.config;
  return c !== null && typeof c === 'object' && !Array.isArray(c) && typeof c.mutant === 'string' ? c.mutant : null;
}

function coverage(r: CheckResult): string {
  if (r.strategy === 'random') return `random walks (${count(r.walks ?? 0)} walks, seed ${r.seed}), not exhaustive`;
  return r.complete ? 'complete: the whole reachable space' : `incomplete: stopped by ${r.bound ?? 'a bound'}`;
}

function figures(r: CheckResult): string {
  return `${count(r.states)} states, ${count(r.transitions)} transitions, depth ${r.depth}`;
}

class Runner<S> implements ModelAssertions {
  private readonly source: string | undefined;

  constructor(
    private readonly model: Model<S>,
    opts: ExpectModelOptions,
  ) {
    if (opts.source !== undefined && (typeof opts.source !== 'string' || opts.source === '')) throw new OptionError('source must be a path to the module');
    this.source = opts.source === undefined ? undefined : resolve(opts.source);
  }

  private run(o: RunOptions): { result: CheckResult; traceDir: string } {
    const traceDir = resolve(o.traceDir ?? 'accelcheck-traces');
    const context = this.source ? { source: relative(traceDir, this.source) || this.source } : {};
    const explore = { maxStates: o.maxStates, maxDepth: o.maxDepth, invariants: o.invariants, deadlock: o.deadlock };
    const result =
      o.strategy === 'random'
        ? simulate(this.model, { ...explore, seed: o.seed, walks: o.walks }, context)
        : check(this.model, { ...explore, strategy: o.strategy, minimize: o.minimize }, context);
    return { result, traceDir };
  }

  /** Write the violation's trace; returns the message lines that say where and how to replay it. */
  private report(result: CheckResult, traceDir: string): string {
    const v = result.violation!;
    mkdirSync(traceDir, { recursive: true });
    const file = join(traceDir, traceFileName(this.model.name, v.name));
    writeJsonFile(file, v.trace);
    const shown = shellPath(file);
    const text = formatResult(result, { title: this.model.name, mutant: mutantOf(this.model) }, plain, {
      tracePath: shown,
      replayHint: `npx accelcheck replay ${shown}`,
    });
    if (this.source) return text;
    // Without the model's module, the replay command works only for a built-in model: say what else it needs.
    const note = `  (a model that is not built in needs --model PATH: npx accelcheck replay ${shown} --model PATH, where PATH is the module whose default export is ${this.model.name})`;
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  trace written to '));
    lines.splice(at < 0 ? lines.length : at + 1, 0, note);
    return lines.join('\n');
  }

  async toHoldInvariants(options?: HoldOptions): Promise<CheckResult> {
    const o = validate(options, [...RUN_KEYS, 'allowIncomplete']);
    const { result, traceDir } = this.run(o);
    if (result.violation) throw new Error(this.report(result, traceDir));
    if (!result.complete && result.strategy !== 'random' && !o.allowIncomplete) {
      const limit = result.bound === 'max-states' ? `maxStates: ${o.maxStates}` : result.bound === 'max-depth' ? `maxDepth: ${o.maxDepth}` : 'a bound';
      throw new Error(
        `${this.model.name} ${result.strategy}: no violation found, but the run is incomplete: stopped by ${result.bound ?? 'a bound'} (${limit}) ` +
          `after ${figures(result)}, so it proves nothing beyond them. Raise the bound, or pass allowIncomplete: true to accept a bounded run.`,
      );
    }
    return result;
  }

  async toViolate(nameOrOptions?: string | RunOptions, maybeOptions?: RunOptions): Promise<Violation> {
    let name: string | undefined;
    let options: RunOptions | undefined;
    if (typeof nameOrOptions === 'object' && nameOrOptions !== null) {
      if (maybeOptions !== undefined) throw new OptionError('toViolate(name, options): the name comes first');
      options = nameOrOptions;
    } else {
      if (nameOrOptions !== undefined && (typeof nameOrOptions !== 'string' || nameOrOptions === '')) {
        throw new OptionError(`toViolate: the name must be an invariant's name, 'deadlock' or a step label, got ${JSON.stringify(nameOrOptions)}`);
      }
      name = nameOrOptions;
      options = maybeOptions;
    }
    const o = validate(options, RUN_KEYS);
    if (name !== undefined && isModel(this.model)) this.knownName(name);
    const { result, traceDir } = this.run(o);
    const wanted = name === undefined ? 'an invariant (or deadlock, or error)' : name;
    const v = result.violation;
    if (!v) {
      throw new Error(`expected ${this.model.name} to violate ${wanted}, but ${result.strategy} found no violation: ${figures(result)}; ${coverage(result)}`);
    }
    if (name !== undefined && v.name !== name) {
      const alone =
        o.invariants === undefined && this.model.invariants.some((i) => i.name === name) ? ` (pass invariants: ['${name}'] to look for it alone)` : '';
      throw new Error(`expected ${this.model.name} to violate ${name}, but the run found ${violationTitle(v, plain)} first${alone}:\n${this.report(result, traceDir)}`);
    }
    return v;
  }

  /** A name toViolate can match: an invariant, `deadlock`, or where an error is reported. */
  private knownName(name: string): void {
    if (name === 'deadlock' || name === 'init' || name === 'terminal') return;
    if (this.model.invariants.some((i) => i.name === name)) return;
    let labels: string[];
    try {
      labels = [...compile(this.model).byLabel.keys()];
    } catch {
      return; // check reports a model it cannot compile
    }
    if (labels.includes(name)) return;
    const invs = this.model.invariants.map((i) => i.name).join(', ') || 'none';
    throw new OptionError(`model ${this.model.name} has no invariant, deadlock or step named '${name}' (invariants: ${invs})`);
  }
}

/** Assertions about a model: `await expectModel(m).toHoldInvariants()`, `await expectModel(m).toViolate('inv')`. */
export function expectModel<S>(model: Model<S>, options: ExpectModelOptions = {}): ModelAssertions {
  return new Runner(model, options);
}
