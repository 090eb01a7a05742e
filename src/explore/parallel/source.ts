/**
 * Where a worker thread gets its model. A model is code (guards, effects), which cannot be sent
 * to another thread, so each worker rebuilds it from a module: a model's own module, or a
 * registry of built-in models with the scenario's settings and the mutant. The main thread
 * checks that every worker built the same model (its name, configuration and step labels).
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isModel } from '../../model/define.js';
import type { Model, PlainValue } from '../../model/types.js';
import { describeError } from '../../model/compile.js';
import type { Config, ModelEntry, Registry } from '../../registry.js';
import { buildEntry, findEntry, importModule, loadModule } from '../../cli/resolve.js';
import { InputError } from '../../trace/file.js';

/** A module that rebuilds the model in another thread; plain data. */
export interface ModelSource {
  /** A module path (absolute, or relative to the current directory) or a `file:` URL. */
  module: string;
  /**
   * The export to use (default `default`): a model, a function returning one (called with
   * `args`), a model entry (with scenarios, built from `config` and `mutant`), or a registry
   * (`{ models, defaults }`, whose entry `model` is built).
   */
  export?: string;
  /** With a function export: its arguments. */
  args?: PlainValue[];
  /** With a registry export: the name of the model entry. */
  model?: string;
  /** With an entry or registry export: the settings and the mutant to build it with. */
  config?: Config;
  mutant?: string | null;
}

const isEntry = (v: unknown): v is ModelEntry =>
  typeof v === 'object' && v !== null && typeof (v as ModelEntry).build === 'function' && Array.isArray((v as ModelEntry).scenarios);
const isRegistry = (v: unknown): v is Registry =>
  typeof v === 'object' && v !== null && Array.isArray((v as Registry).models) && Array.isArray((v as Registry).defaults);

/** The module's path on disk. */
function pathOf(module: string): string {
  if (module.startsWith('file:')) return fileURLToPath(module);
  return isAbsolute(module) ? module : resolve(module);
}

/** Load and build the model a source names; every mistake is an InputError naming it. */
export async function loadSource(source: ModelSource): Promise<Model> {
  const path = pathOf(source.module);
  const name = source.export ?? 'default';
  let value: unknown;
  if (name === 'default') {
    value = (await loadModule(path, '/')).value;
  } else {
    const mod = await importModule(path);
    value = mod[name];
    if (value === undefined) throw new InputError(`${source.module} has no export '${name}'`);
  }
  if (typeof value === 'function' && !isModel(value)) {
    try {
      value = (value as (...a: PlainValue[]) => unknown)(...(source.args ?? []));
    } catch (e) {
      throw new InputError(`${source.module}: ${name}(${(source.args ?? []).map((a) => JSON.stringify(a)).join(', ')}) threw: ${describeError(e)}`);
    }
  }
  if (isRegistry(value)) {
    const entry = source.model === undefined ? undefined : findEntry(value, source.model);
    if (!entry) throw new InputError(`${source.module}: the registry has no model '${source.model}'`);
    value = entry;
  }
  if (isEntry(value)) return buildEntry(value, source.config ?? {}, source.mutant ?? null, `${value.name} (in a worker)`);
  if (!isModel(value)) throw new InputError(`${source.module}: export '${name}' is not a model, a model entry or a registry`);
  return value;
}
