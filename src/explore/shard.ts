/**
 * Swarm shards (SPIN's swarm verification): instead of one big run, N small ones, each
 * diversified so that together they cover more than any one of them — spread over CI jobs or
 * machines and merged afterwards (`accelcheck merge`). Everything here is a pure function of the
 * model and the shard (index, count, seed), so a worker thread that rebuilds the model gets the
 * very same shard.
 *
 * What differs between shards:
 * - check: the order of the model's actions and of each action's parameter domain, permuted by a
 *   PRNG seeded from (seed, index) (`shardModel`): it decides which successor a DFS dives into
 *   first, and which states of its last level a bounded BFS keeps. Step labels stay
 *   `name(param)`, so a shard's traces replay against the unpermuted model. With `bitstate`, the
 *   bit array's hash functions too (`shardHashSeed`), so shards take different states for seen
 *   ones. Shard 1 keeps the natural order and hash functions: it is the plain run.
 * - simulate: the seed of the walks (`shardSeed`), distinct for every index, so that shards never
 *   repeat each other's walks; a finding's seed and path still go straight back to it.
 *
 * The default search order of a shard (`shardStrategy`): DFS when the run has a budget of states
 * (`maxStates`, `bitstate`, `memoryMB`), BFS otherwise. Under a budget, DFS follows the permuted
 * order deep into different regions of the space, while BFS would spend each shard's budget on
 * the same first levels; without one, BFS covers the same states whatever the order (a depth
 * bound included: it keeps every state within the bound, a superset of what any DFS order keeps)
 * and its counterexamples are shortest.
 *
 * The count N does not enter the diversification: shard 2 of 4 and shard 2 of 8 are the same
 * run, so adding shards adds coverage without changing the others. N tells `merge` which shards
 * to expect.
 */
import { defineModel } from '../model/define.js';
import type { Action, Model } from '../model/types.js';
import { BitStateStore } from '../state/bitstate.js';
import type { SketchJson } from '../state/sketch.js';
import { HyperLogLog } from '../state/sketch.js';
import { StateStore, type SeenSet } from '../state/store.js';
import { rng, type Rng } from './random.js';
import type { CheckOptions, ShardInfo } from './types.js';

/** The seed of a shard when none is given (as for simulate). */
export const DEFAULT_SHARD_SEED = 1;

/** Most shards of one swarm (far above any CI matrix; keeps `I/N` arguments sane). */
export const MAX_SHARDS = 65536;

/** What is wrong with a shard (index, count, seed), or undefined when it is well formed. */
export function shardProblem(shard: ShardInfo): string | undefined {
  const { index, count, seed } = shard;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) return `shard count must be an integer from 1 to ${MAX_SHARDS}, got ${count}`;
  if (!Number.isInteger(index) || index < 1 || index > count) return `shard index must be an integer from 1 to ${count} (the count), got ${index}`;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return `shard seed must be an integer from 0 to 4294967295, got ${seed}`;
  return undefined;
}

/** `I/N` (1-based, as vitest's and playwright's --shard): the shard, or undefined when the text is not of that form. */
export function parseShard(text: string): { index: number; count: number } | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS || index < 1 || index > count) return undefined;
  return { index, count };
}

/** Fisher–Yates, in place. */
function shuffle<T>(xs: T[], r: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.below(i + 1);
    const x = xs[i];
    xs[i] = xs[j];
    xs[j] = x;
  }
  return xs;
}

/**
 * The model as shard `index` explores it: the same states, steps, labels and properties, with the
 * actions and each action's parameter domain in an order permuted by a PRNG seeded from
 * (seed, index). Shard 1 is the model itself. Deterministic: the same model and shard give the
 * same order on every machine and in every worker.
 */
export function shardModel<S>(model: Model<S>, shard: ShardInfo): Model<S> {
  const problem = shardProblem(shard);
  if (problem) throw new RangeError(problem);
  if (shard.index === 1) return model;
  const r = rng(shard.seed, shard.index);
  const actions: Action<S>[] = shuffle([...model.actions], r).map((a) =>
    a.domain === undefined || a.domain.length < 2 ? a : { ...a, domain: shuffle([...a.domain], r) },
  );
  return defineModel<S>({
    name: model.name,
    config: model.config,
    init: model.init,
    actions,
    invariants: model.invariants,
    terminal: model.terminal,
    ...(model.symmetry ? { symmetry: model.symmetry } : {}),
  });
}

/**
 * The seed of shard `index`'s random walks: seed + (index - 1)·φ mod 2^32 (φ = 0x9e3779b9, odd),
 * so distinct indexes always get distinct seeds, and shard 1 keeps the seed it was given.
 */
export function shardSeed(seed: number, index: number): number {
  return (seed + Math.imul(index - 1, 0x9e3779b9)) >>> 0;
}

/** The bitstate hash seed of a shard: 0 (the default hash functions) for shard 1, never 0 for the others. */
export function shardHashSeed(shard: ShardInfo): number {
  return shard.index === 1 ? 0 : shardSeed(shard.seed, shard.index) || 1;
}

/** The search order of a shard that asked for none (see the header): DFS under a budget of states, else BFS. */
export function shardStrategy(options: Pick<CheckOptions, 'maxStates' | 'bitstate' | 'memoryMB'>): 'bfs' | 'dfs' {
  return options.maxStates !== undefined || options.bitstate !== undefined || options.memoryMB !== undefined ? 'dfs' : 'bfs';
}

/** The options `check` runs shard `shard` with: the shard (seed filled in), its default strategy, its bitstate hash seed, and a sketch. */
export function shardCheckOptions(options: CheckOptions, shard: ShardInfo): CheckOptions {
  return { ...options, shard, strategy: options.strategy ?? shardStrategy(options), bitstateSeed: shardHashSeed(shard), sketch: true };
}

/**
 * A HyperLogLog of the fingerprints a store holds (state/sketch.ts): the exact store is walked
 * once, the bitstate store kept one on insertion (when asked for). Undefined for a store that
 * has none.
 */
export function sketchOfStore(store: SeenSet): SketchJson | undefined {
  if (store instanceof StateStore) {
    const sketch = new HyperLogLog();
    store.forEachFingerprint((lo, hi) => sketch.add(lo, hi));
    return sketch.toJSON();
  }
  if (store instanceof BitStateStore && store.sketch !== null) return store.sketch.toJSON();
  return undefined;
}
