/**
 * From command-line words to models to run: a built-in model (with scenario, mutant and
 * `--set` overrides) or a user's module. Every mistake is an InputError naming what is wrong
 * and what would be right.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError } from '../model/compile.js';
import { defineModel, isModel } from '../model/define.js';
import type { Model, PlainValue } from '../model/types.js';
import type { Config, ModelEntry, Registry, ScenarioInfo } from '../registry.js';
import { InputError } from '../trace/file.js';
import type { ModelSource } from '../explore/parallel/source.js';

export interface Target {
  /** `model/scenario`, or the file path for a user's plain model. */
  title: string;
  model: Model;
  scenario?: string;
  mutant: string | null;
  /** Absolute path of a user's module. */
  source?: string;
  /** Where a worker thread rebuilds the model from (undefined: nowhere, the run stays on one thread). */
  origin?: ModelSource;
}

export interface Selection {
  model?: string;
  scenario?: string;
  mutant?: string;
  sets?: string[];
  /** The module (path or file URL) that exports the registry as `registry`, so worker threads can rebuild its models. */
  registryModule?: string;
}

const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || MODULE_EXTENSIONS.includes(extname(s));
}

function isEntry(v: unknown): v is ModelEntry {
  const e = v as ModelEntry;
  return typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.build === 'function' && Array.isArray(e.scenarios);
}

const names = (xs: { name: string }[]): string => xs.map((x) => x.name).join(', ') || 'none';

/** Import a module by absolute path: TypeScript through tsx (no build step), JavaScript as it is. */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (extname(path).endsWith('ts')) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/** Import a user's module (TypeScript through tsx, no build step) and return its default export. */
export async function loadModule(spec: string, cwd: string): Promise<{ value: Model | ModelEntry; path: string }> {
  const path = resolve(cwd, spec);
  if (!existsSync(path)) throw new InputError(`no such model file: ${spec}`);
  const ext = extname(path);
  if (!MODULE_EXTENSIONS.includes(ext)) throw new InputError(`${spec}: a model module must be ${MODULE_EXTENSIONS.join(', ')}`);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (e) {
    throw new InputError(`cannot load ${spec}: ${describeError(e).split('\n')[0]}`);
  }
  let value = mod.default;
  // A CommonJS or transpiled module may wrap the default export once more.
  if (!isModel(value) && !isEntry(value) && value && typeof value === 'object' && 'default' in value) value = (value as { default: unknown }).default;
  if (!isModel(value) && !isEntry(value)) {
    throw new InputError(`${spec} does not export a model: its default export must be defineModel({ name, init, actions, … })`);
  }
  return { value, path };
}

function parseSet(raw: string): [string, PlainValue] {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new InputError(`--set expects key=value, got '${raw}'`);
  const key = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1).trim();
  let value: PlainValue;
  try {
    value = JSON.parse(text) as PlainValue;
  } catch {
    value = text;
  }
  return [key, value];
}

/** The scenario's config with `--set` overrides, each checked against the setting's type. */
function configure(entry: ModelEntry, scenario: ScenarioInfo, sets: string[]): Config {
  const config: Config = { ...scenario.config };
  for (const raw of sets) {
    const [key, value] = parseSet(raw);
    if (!(key in scenario.config)) {
      throw new InputError(`unknown setting '${key}' for ${entry.name}/${scenario.name} (settings: ${Object.keys(scenario.config).join(', ') || 'none'})`);
    }
    const old = scenario.config[key];
    if (old !== null && typeof old !== typeof value) {
      throw new InputError(`setting '${key}' of ${entry.name}/${scenario.name} takes a ${typeof old}, got ${JSON.stringify(value)}`);
    }
    config[key] = value;
  }
  return config;
}

/** Build a model from an entry, turning a rejected configuration into an InputError. */
export function buildEntry(entry: ModelEntry, config: Config, mutant: string | null, where: string): Model {
  let model: unknown;
  try {
    model = entry.build(config, mutant);
  } catch (e) {
    throw new InputError(`${where}: ${describeError(e)}`);
  }
  if (!isModel(model)) throw new InputError(`${where}: build() did not return a model`);
  // The trace must carry what rebuilds this model: the settings and the mutant.
  return defineModel({ ...model, config: { ...config, mutant } });
}

function targetFor(entry: ModelEntry, scenario: ScenarioInfo, sel: Selection, source?: string): Target {
  const mutant = sel.mutant ?? null;
  if (mutant !== null && !entry.mutants.some((m) => m.name === mutant)) {
    throw new InputError(`unknown mutant '${mutant}' for model ${entry.name} (mutants: ${names(entry.mutants)})`);
  }
  // A mutant may need settings on top of its scenario (its `set`); the user's --set still wins.
  const needs = entry.mutants.find((m) => m.name === mutant)?.set ?? {};
  const config = configure(entry, { ...scenario, config: { ...scenario.config, ...needs } }, sel.sets ?? []);
  const title = `${entry.name}/${scenario.name}`;
  const t: Target = { title, model: buildEntry(entry, config, mutant, title), scenario: scenario.name, mutant };
  if (source) t.source = source;
  if (source) t.origin = { module: source, config, mutant };
  else if (sel.registryModule) t.origin = { module: sel.registryModule, export: 'registry', model: entry.name, config, mutant };
  return t;
}

function pickScenario(entry: ModelEntry, name: string | undefined, mutant?: string): ScenarioInfo {
  if (entry.scenarios.length === 0) throw new InputError(`model ${entry.name} has no scenarios`);
  // A mutant that needs a particular scenario to show (e.g. an adversarial guest) brings it along.
  name ??= entry.mutants.find((m) => m.name === mutant)?.scenario;
  if (name === undefined) return entry.scenarios.find((s) => s.size === 'small') ?? entry.scenarios[0];
  const s = entry.scenarios.find((x) => x.name === name);
  if (!s) throw new InputError(`unknown scenario '${name}' for model ${entry.name} (scenarios: ${names(entry.scenarios)})`);
  return s;
}

export function findEntry(registry: Registry, name: string): ModelEntry | undefined {
  return registry.models.find((m) => m.name === name);
}

/** The runs a `check`/`simulate` command line asks for. */
export async function resolveTargets(registry: Registry, sel: Selection, cwd: string): Promise<Target[]> {
  if (sel.model === undefined) {
    if (sel.scenario !== undefined) {
      const owners = registry.models.filter((m) => m.scenarios.some((s) => s.name === sel.scenario));
      if (owners.length === 0) {
        const all = registry.models.flatMap((m) => m.scenarios.map((s) => `${m.name}/${s.name}`));
        throw new InputError(`unknown scenario '${sel.scenario}' (scenarios: ${all.join(', ')})`);
      }
      if (owners.length > 1) throw new InputError(`scenario '${sel.scenario}' exists in several models (${names(owners)}): name the model`);
      return [targetFor(owners[0], pickScenario(owners[0], sel.scenario), sel)];
    }
    if (sel.mutant !== undefined) {
      const owner = registry.models.find((m) => m.mutants.some((x) => x.name === sel.mutant));
      if (!owner) {
        const all = registry.models.flatMap((m) => m.mutants.map((x) => x.name));
        throw new InputError(`unknown mutant '${sel.mutant}' (mutants: ${all.join(', ') || 'none'})`);
      }
      return [targetFor(owner, pickScenario(owner, undefined, sel.mutant), sel)];
    }
    const targets: Target[] = [];
    for (const name of registry.defaults) {
      const entry = findEntry(registry, name);
      if (!entry) throw new Error(`internal: default model '${name}' is not registered`);
      for (const s of entry.scenarios.filter((x) => x.size === 'small')) targets.push(targetFor(entry, s, sel));
    }
    return targets;
  }
  if (looksLikePath(sel.model)) {
    const { value, path } = await loadModule(sel.model, cwd);
    if (isEntry(value)) return [targetFor(value, pickScenario(value, sel.scenario, sel.mutant), sel, path)];
    for (const [flag, given] of [['--scenario', sel.scenario], ['--mutant', sel.mutant], ['--set', sel.sets?.length ? 'x' : undefined]] as const) {
      if (given !== undefined) throw new InputError(`${flag} needs a model with scenarios; ${sel.model} exports a plain model`);
    }
    return [{ title: sel.model, model: value, mutant: null, source: path, origin: { module: path } }];
  }
  const entry = findEntry(registry, sel.model);
  if (!entry) {
    throw new InputError(`unknown model '${sel.model}' (built-in: ${names(registry.models)}; or a path to a .ts/.mjs module)`);
  }
  return [targetFor(entry, pickScenario(entry, sel.scenario, sel.mutant), sel)];
}
