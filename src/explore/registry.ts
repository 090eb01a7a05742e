/** Explorers by name: a new strategy is one file and one line here. */
import type { CompiledModel } from '../model/compile.js';
import { bfs } from './bfs.js';
import { dfs } from './dfs.js';
import type { Search } from './search.js';
import type { ExploreOptions } from './types.js';

export type Explorer = <S>(cm: CompiledModel<S>, options: ExploreOptions, init: S) => { search: Search<S>; queuePeakBytes: number };

export const explorers: Record<string, Explorer> = { bfs, dfs };
