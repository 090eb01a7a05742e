/**
 * Exhaustive breadth-first search. States are found in order of distance from the initial
 * state, so the first violation found has a shortest trace. The frontier holds encoded states
 * only (with the id of the codec template that wrote each); a state's index is its position in
 * discovery order, which is also its queue order.
 *
 * Checkpoints (state/checkpoint.ts): a run that `resume`s one starts from its store and frontier
 * instead of the initial state. A run stopped by the state bound or the memory limit, with
 * `onCheckpoint`, hands over where it stood: the state it was expanding goes back to the head of
 * the frontier and its transitions are uncounted, so the resumed run expands it again (the
 * successors it had already filed are then found stored) and ends as an uninterrupted run would.
 */
import { ByteFifo } from '../state/queue.js';
import { Search } from './search.js';
import type { Explorer } from './registry.js';
import { checkpointRun, frontierOf, refill, releaseCheckpoint } from './resume.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint } from '../state/checkpoint.js';

export const bfs: Explorer = (cm, options, s0) => {
  const queue = new ByteFifo();
  const search = new Search(cm, options, () => queue.length, () => queue.bytes);
  const codec = search.codec;
  let index = 0;
  let depth = 0;
  let levelEnd = 1; // index of the first state of the next level
  const resume = options.resume;
  if (resume) {
    search.store.load(resume.store);
    search.transitions = resume.at.transitions;
    search.depth = resume.at.depth;
    refill(queue, codec, resume.frontier, resume.shapes);
    ({ next: index, level: depth, levelEnd } = resume.at);
    releaseCheckpoint(resume);
  } else {
    if (search.addInitial(s0) < 0) return { search, queuePeakBytes: 0 };
    queue.push(codec.encoder.words, 0, codec.length, codec.tid);
  }
  const onNew = (_index: number, _bytes: Uint8Array, start: number, length: number, template: number) =>
    queue.push(codec.encoder.words, start, length, template);
  const templates = codec.templates;
  const checkpoint = (at: Omit<Checkpoint['at'], 'states' | 'frontier'>): Checkpoint => {
    const frontier = frontierOf(queue);
    return {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      run: checkpointRun(cm, options, search.canon !== null),
      store: search.store.dump(),
      frontier: frontier.pieces,
      shapes: codec.templates.map((t) => t.shape),
      at: { ...at, states: search.store.size, frontier: frontier.count },
    };
  };
  let near = options.handoffNear;
  while (queue.length > 0) {
    if (index === levelEnd) {
      depth++;
      levelEnd = search.store.size;
      if (near !== undefined && search.store.size >= near.states) {
        near.then();
        near = undefined;
      }
      // Large enough for worker threads (explore/parallel): stop between levels, handing the live search over.
      if (options.handoffAt !== undefined && search.store.size >= options.handoffAt && queue.length >= (options.handoffFrontier ?? 0)) {
        return { search, queuePeakBytes: queue.peakBytes, handoff: { queue, index, level: depth } };
      }
    }
    queue.pop();
    // Decoded by the template that wrote it. Not frozen: in V8 a frozen array is copied by
    // `slice` on a slow path (~45x slower) and even read element by element ~5x slower, and
    // Object.freeze itself costs ~40 ns an object, so freezing parents to catch guards that
    // modify their state would cost more than all the rest of the search.
    const t = templates[queue.outTemplate];
    const s = t.decode(queue.out, queue.outStart, queue.outEnd) as never;
    const atBound = depth >= search.maxDepth;
    const before = search.transitions;
    if (!search.expand(s, t, index, depth, onNew, !atBound)) {
      const resumable = search.finding === undefined && (search.stoppedBy === 'max-states' || search.stoppedBy === 'memory');
      if (resumable && options.onCheckpoint) {
        queue.unpop();
        const peakBytes = queue.peakBytes;
        options.onCheckpoint(checkpoint({ transitions: before, depth: search.depth, next: index, level: depth, levelEnd }));
        return { search, queuePeakBytes: peakBytes };
      }
      break;
    }
    index++;
  }
  return { search, queuePeakBytes: queue.peakBytes };
};
