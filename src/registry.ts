/**
 * What a collection of built-in models offers the CLI: models with named scenarios, mutants and
 * invariant descriptions. The engine defines the shape; `models/index.ts` fills it (the engine
 * never imports models).
 */
import type { Machine } from './fsm/machine.js';
import type { Model, PlainValue } from './model/types.js';

export type ScenarioSize = 'small' | 'medium' | 'large';

/** Settings of a scenario: plain values, each overridable with `--set key=value`. */
export type Config = Record<string, PlainValue>;

export interface ScenarioInfo {
  name: string;
  size: ScenarioSize;
  description: string;
  config: Config;
}

export interface MutantInfo {
  /** Option name, e.g. `hello-reply-before-hello`. */
  name: string;
  /** protocol.md reference, e.g. `H-13` or `M-9`. */
  ref: string;
  description: string;
  /** Invariants expected to catch it. */
  breaks: string[];
  /** The scenario that exposes it, used when `--mutant` is given without `--scenario` (default: the model's default scenario). */
  scenario?: string;
  /** Settings it needs on top of the scenario (e.g. a teardown order), applied before the user's `--set`. */
  set?: Config;
}

export interface InvariantInfo {
  name: string;
  /** protocol.md reference, e.g. `S9`. */
  ref: string;
  statement: string;
}

export interface ModelEntry {
  name: string;
  description: string;
  /** The first `small` scenario is the model's default. */
  scenarios: ScenarioInfo[];
  mutants: MutantInfo[];
  invariants: InvariantInfo[];
  /** Each component's control machine (typescript-fsm table), for `accelcheck diagram`. */
  machines?: Machine<string, string>[];
  /** Build the model for a scenario's config; `mutant` (a MutantInfo name or null) re-introduces one bug. */
  build(config: Config, mutant: string | null): Model;
}

export interface Registry {
  models: ModelEntry[];
  /** Model names `accelcheck check` runs with no MODEL (every small scenario of each). */
  defaults: string[];
}
