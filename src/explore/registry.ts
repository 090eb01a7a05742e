/** Explorers by name: a new strategy is one file and one line here. */
import type { CompiledModel } from '../model/compile.js';
import { bfs } from './bfs.js';
import { dfs } from './dfs.js';
import type { Search } from './search.js';
import type { ExploreOptions } from './types.js';
import type { ByteFifo } from '../state/queue.js';

/** Where a BFS stopped to hand its search over (`handoffAt`): the frontier (the next level's states, from index `index`) and that level's depth. */
export interface Handoff {
  queue: ByteFifo;
  index: number;
  level: number;
}

export type Explorer = <S>(cm: CompiledModel<S>, options: ExploreOptions, init: S) => { search: Search<S>; queuePeakBytes: number; handoff?: Handoff };

export const explorers: Record<string, Explorer> = { bfs, dfs };
