/**
 * Exhaustive breadth-first search. States are found in order of distance from the initial
 * state, so the first violation found has a shortest trace. The frontier holds encoded states
 * only; a state's index is its position in discovery order, which is also its queue order.
 */
import { decode } from '../state/encode.js';
import { ByteFifo } from '../state/queue.js';
import { Search } from './search.js';
import type { Explorer } from './registry.js';

export const bfs: Explorer = (cm, options, s0) => {
  const queue = new ByteFifo();
  const search = new Search(cm, options, () => queue.length);
  if (search.addInitial(s0) < 0) return { search, queuePeakBytes: 0 };
  queue.push(search.encoder.buf, search.encodedLength);
  const onNew = () => queue.push(search.encoder.buf, search.encodedLength);
  let index = 0;
  let depth = 0;
  let levelEnd = 1; // index of the first state of the next level
  while (queue.length > 0) {
    if (index === levelEnd) {
      depth++;
      levelEnd = search.store.size;
    }
    queue.pop();
    const s = decode(queue.out, queue.outStart, queue.outEnd, false) as never;
    const atBound = depth >= search.maxDepth;
    if (!search.expand(s, index, depth, onNew, !atBound)) break;
    index++;
  }
  return { search, queuePeakBytes: queue.peakBytes };
};
