/**
 * Scenario settings shared by the models: each setting documented and checked, so that a bad
 * `--set` or a stale trace's configuration is refused with a line naming the key and what it
 * takes. The ranges keep state spaces finite.
 */
import type { MutantInfo } from '../src/index.js';

export interface Setting {
  doc: string;
  /** Why `v` is wrong, or undefined when it is fine. */
  check(v: unknown): string | undefined;
}

export const int = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `an integer from ${min} to ${max}`;

export const bool = (v: unknown) => (typeof v === 'boolean' ? undefined : 'true or false');

/** One of a few strings. */
export const oneOf = (...values: string[]) => (v: unknown) =>
  typeof v === 'string' && values.includes(v) ? undefined : values.map((x) => `'${x}'`).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The defaults overridden by `raw`, every key known and every value valid; throws naming the first bad one. */
export function validateSettings<C extends object>(raw: Record<string, unknown>, defaults: C, settings: Record<keyof C, Setting>): C {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('config must be a record of settings');
  for (const key of Object.keys(raw)) {
    if (!(key in settings)) throw new Error(`unknown setting '${key}' (settings: ${Object.keys(settings).join(', ')})`);
  }
  const cfg = { ...defaults, ...raw } as C;
  for (const [key, setting] of Object.entries(settings) as [keyof C, Setting][]) {
    const why = setting.check(cfg[key]);
    if (why) throw new Error(`setting '${String(key)}' must be ${why}, got ${JSON.stringify(cfg[key])}`);
  }
  return cfg;
}

/** A mutant name from `catalogue`, or null; throws naming the known ones. */
export function validateMutantName<M extends string>(mutant: string | null, catalogue: readonly (MutantInfo & { name: M })[]): M | null {
  if (mutant === null) return null;
  const known = catalogue.find((m) => m.name === mutant);
  if (!known) throw new Error(`unknown mutant '${mutant}' (mutants: ${catalogue.map((m) => m.name).join(', ')})`);
  return known.name;
}
