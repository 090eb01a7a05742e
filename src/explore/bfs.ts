/**
 * Exhaustive breadth-first search. States are found in order of distance from the initial
 * state, so the first violation found has a shortest trace. The frontier holds encoded states
 * only (with the id of the codec template that wrote each); a state's index is its position in
 * discovery order, which is also its queue order.
 */
import { ByteFifo } from '../state/queue.js';
import { Search } from './search.js';
import type { Explorer } from './registry.js';

export const bfs: Explorer = (cm, options, s0) => {
  const queue = new ByteFifo();
  const search = new Search(cm, options, () => queue.length, () => queue.bytes);
  const codec = search.codec;
  if (search.addInitial(s0) < 0) return { search, queuePeakBytes: 0 };
  queue.push(codec.encoder.words, 0, codec.length, codec.tid);
  const onNew = (_index: number, _bytes: Uint8Array, start: number, length: number, template: number) =>
    queue.push(codec.encoder.words, start, length, template);
  const templates = codec.templates;
  let index = 0;
  let depth = 0;
  let levelEnd = 1; // index of the first state of the next level
  while (queue.length > 0) {
    if (index === levelEnd) {
      depth++;
      levelEnd = search.store.size;
    }
    queue.pop();
    // Decoded by the template that wrote it. Not frozen: in V8 a frozen array is copied by
    // `slice` on a slow path (~45x slower) and even read element by element ~5x slower, and
    // Object.freeze itself costs ~40 ns an object, so freezing parents to catch guards that
    // modify their state would cost more than all the rest of the search.
    const t = templates[queue.outTemplate];
    const s = t.decode(queue.out, queue.outStart, queue.outEnd) as never;
    const atBound = depth >= search.maxDepth;
    if (!search.expand(s, t, index, depth, onNew, !atBound)) break;
    index++;
  }
  return { search, queuePeakBytes: queue.peakBytes };
};
