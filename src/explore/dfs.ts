/**
 * Exhaustive depth-first search: successors are explored in instance order, deepest first.
 * Traces follow the search tree, so they are valid but not necessarily shortest. With a depth
 * bound, a state first met deep is not re-explored when met again shallower, so a bounded DFS
 * may miss states; it then reports complete: false.
 */
import { decode } from '../state/encode.js';
import { ByteStack } from '../state/queue.js';
import { Search } from './search.js';
import type { Explorer } from './registry.js';

export const dfs: Explorer = (cm, options, s0) => {
  const stack = new ByteStack();
  const search = new Search(cm, options, () => stack.length);
  const s0Index = search.addInitial(s0);
  if (s0Index < 0) return { search, queuePeakBytes: 0 };
  stack.push(search.encoder.buf, search.encodedLength, s0Index, 0);
  const pending: { bytes: Uint8Array; index: number }[] = [];
  const onNew = (_: unknown, nextIndex: number) => {
    pending.push({ bytes: search.encoder.buf.slice(0, search.encodedLength), index: nextIndex });
  };
  while (stack.length > 0) {
    stack.pop();
    const s = decode(stack.out, stack.outStart, stack.outEnd, true) as never;
    const index = stack.outIndex;
    const depth = stack.outDepth;
    const atBound = depth >= search.maxDepth;
    pending.length = 0;
    if (!search.expand(s, index, depth, onNew, !atBound)) break;
    // Push in reverse so the first enabled instance is explored first.
    for (let k = pending.length - 1; k >= 0; k--) {
      const p = pending[k];
      stack.push(p.bytes, p.bytes.length, p.index, depth + 1);
    }
  }
  return { search, queuePeakBytes: stack.peakBytes };
};
