/**
 * A worker thread of a parallel check: one part of the partitioned search (part.ts; the main
 * thread is part 0). It is told its part and its peers' ports once ('init'), then runs searches
 * ('run': a model source and the options), reporting each ('done') and handing over its parent
 * links when the main thread rebuilds a trace ('links'). Before a handoff it may be asked to load
 * a model and run it briefly ('warm'), with no answer. Failures are reported as messages, never
 * thrown at the main thread.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { prepare } from '../check.js';
import { explorers } from '../registry.js';
import type { Model } from '../../model/types.js';
import type { Progress } from '../types.js';
import type { SeenSet } from '../../state/store.js';
import { abort, Aborted, Exchange } from './exchange.js';
import { partitionedBfs, partReport } from './part.js';
import { sharedBfs, sharedReport } from './shared-bfs.js';
import { Codec } from '../../state/codec.js';
import { PROGRESS_FIELDS, type FromWorker, type ToWorker } from './protocol.js';
import { loadSource, type ModelSource } from './source.js';
import { DEFAULT_SHARD_SEED, shardModel } from '../shard.js';

const port = parentPort!;
let part = 0;
let parts = 1;
let peers: (MessagePort | null)[] = [];
let control: Int32Array = new Int32Array(0);
let progress: Float64Array = new Float64Array(0);
/** Models built, by source (a check of several scenarios reuses its workers). */
const models = new Map<string, Promise<Model>>();
/** The last run's store, until its links are asked for or the next run starts. */
let lastStore: SeenSet | null = null;

const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      ({ part, parts } = m);
      peers = m.ports;
      control = new Int32Array(m.control);
      progress = new Float64Array(m.progress);
      post({ type: 'ready' });
      return;
    case 'run':
      lastStore = null;
      run(m).catch((e: unknown) => {
        // Wake the other parts at once: the main thread may be waiting in its own part, deaf to messages.
        if (!(e instanceof Aborted)) abort(control);
        post({ type: 'failed', id: m.id, aborted: e instanceof Aborted, error: describe(e) });
      });
      return;
    case 'warm':
      void warm(m);
      return;
    case 'links': {
      const links = lastStore ? lastStore.links() : { parents: new Int32Array(0), via: new Int32Array(0) };
      lastStore = null;
      post({ type: 'links', links }, [links.parents.buffer as ArrayBuffer, links.via.buffer as ArrayBuffer]);
      return;
    }
  }
});

function describe(e: unknown): { name: string; message: string; stack?: string } {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

/** The model of a source, loaded once. */
function modelOf(source: ModelSource): Promise<Model> {
  const key = JSON.stringify(source);
  let model = models.get(key);
  if (!model) models.set(key, (model = loadSource(source)));
  return model;
}

/**
 * A warm-up search stops at this many states or this long, whichever comes first: enough for V8
 * to compile the model's hot code (its runners, codecs, the store's), and short of the handoff.
 */
const WARM_STATES = 20_000;
const WARM_MS = 100;

/** Thrown to end a warm-up search on time. */
class Warmed extends Error {}

/**
 * Load a model ahead of its run and search a little of it, results thrown away: the run that
 * follows (a handoff's) then starts with compiled code. Failures are left for the run to report.
 */
async function warm(m: Extract<ToWorker, { type: 'warm' }>): Promise<void> {
  try {
    const { cm, init } = prepare(await modelOf(m.source), m.options);
    const enough = (): never => {
      throw new Warmed();
    };
    explorers.bfs(cm, { deadlock: m.options.deadlock, symmetry: m.options.symmetry, maxStates: WARM_STATES, onProgress: enough, progressEveryMs: WARM_MS }, init);
  } catch {
    // Warmed, or a failure the run reports.
  }
}

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const model = modelOf(m.source);
  // A shard's model is permuted the same way as on the main thread (explore/shard.ts).
  const shard = m.options.shard;
  const built = shard ? shardModel(await model, { ...shard, seed: shard.seed ?? DEFAULT_SHARD_SEED }) : await model;
  // Progress goes to the shared block, where the main thread reads it (it is busy with its own part).
  const at = part * PROGRESS_FIELDS;
  const onProgress = (p: Progress): void => {
    progress[at] = p.states;
    progress[at + 1] = p.transitions;
    progress[at + 2] = p.depth;
    progress[at + 3] = p.queue;
    progress[at + 4] = p.elapsedMs;
  };
  const { cm, init } = prepare(built, m.options);
  if (m.shared) {
    const run = sharedBfs(cm, { ...m.options, onProgress, progressEveryMs: 500 }, new Exchange(part, parts, peers, control, new Codec()), m.shared);
    post({ type: 'done', id: m.id, report: sharedReport(cm, run) });
    return;
  }
  const r = partitionedBfs(cm, { ...m.options, onProgress, progressEveryMs: 500 }, init, (codec) => new Exchange(part, parts, peers, control, codec), m.memoryShare, m.prefix);
  const { search } = r;
  const store = search.store;
  const report = partReport(cm, search, r, r.prefixStates, m.options.sketch === true);
  lastStore = store;
  post({ type: 'done', id: m.id, report });
}
