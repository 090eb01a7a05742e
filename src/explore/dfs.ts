/**
 * Exhaustive depth-first search: successors are explored in instance order, deepest first.
 * Traces follow the search tree, so they are valid but not necessarily shortest. With a depth
 * bound, a state first met deep is not re-explored when met again shallower, so a bounded DFS
 * may miss states; it then reports complete: false.
 */
import { ByteStack } from '../state/queue.js';
import { Search } from './search.js';
import type { Explorer } from './registry.js';

export const dfs: Explorer = (cm, options, s0) => {
  const stack = new ByteStack();
  const search = new Search(cm, options, () => stack.length, () => stack.bytes);
  const codec = search.codec;
  const s0Index = search.addInitial(s0);
  if (s0Index < 0) return { search, queuePeakBytes: 0 };
  stack.push(codec.encoder.buf, 0, codec.length, s0Index, 0, codec.tid);
  // The new successors of the state being expanded, pushed once it is done (in reverse order, so
  // the first enabled instance is explored first): their bytes back to back in `pendingBytes`.
  let pendingBytes = new Uint8Array(1024);
  let pendingEnd = 0;
  const pendingEnds: number[] = [];
  const pendingIndex: number[] = [];
  const pendingTemplate: number[] = [];
  const onNew = (nextIndex: number, bytes: Uint8Array, start: number, len: number, template: number) => {
    if (pendingEnd + len > pendingBytes.length) {
      const bigger = new Uint8Array(Math.max(pendingBytes.length * 2, pendingEnd + len));
      bigger.set(pendingBytes.subarray(0, pendingEnd));
      pendingBytes = bigger;
    }
    pendingBytes.set(bytes.subarray(start, start + len), pendingEnd);
    pendingEnd += len;
    pendingEnds.push(pendingEnd);
    pendingIndex.push(nextIndex);
    pendingTemplate.push(template);
  };
  const templates = codec.templates;
  while (stack.length > 0) {
    stack.pop();
    const t = templates[stack.outTemplate];
    const s = t.decode(stack.out, stack.outStart, stack.outEnd) as never; // not frozen: see bfs.ts
    const index = stack.outIndex;
    const depth = stack.outDepth;
    const atBound = depth >= search.maxDepth;
    pendingEnd = 0;
    pendingEnds.length = 0;
    pendingIndex.length = 0;
    pendingTemplate.length = 0;
    if (!search.expand(s, t, index, depth, onNew, !atBound)) break;
    for (let k = pendingEnds.length - 1; k >= 0; k--) {
      const start = k > 0 ? pendingEnds[k - 1] : 0;
      stack.push(pendingBytes, start, pendingEnds[k] - start, pendingIndex[k], depth + 1, pendingTemplate[k]);
    }
  }
  return { search, queuePeakBytes: stack.peakBytes };
};
