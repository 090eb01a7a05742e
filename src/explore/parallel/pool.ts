/**
 * The threads of parallel checks, on the main thread's side. A pool of N parts is the main thread
 * (part 0) and N − 1 worker threads (parts 1 … N − 1), started once, wired to each other (a
 * MessagePort per pair, one shared control block, one block of progress figures), and reused by
 * every check run with it until `close`. A run is started on the workers, the main thread runs
 * its own part meanwhile (blocking: it is one of the N), and the run ends when each worker has
 * reported. A part that fails (a worker, or this thread's) aborts the others (they stop waiting at
 * once) and makes the pool unusable: the aborted run is left behind in the control block and ports.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Codec } from '../../state/codec.js';
import type { Links } from '../../state/store.js';
import type { Progress } from '../types.js';
import { abort, Aborted, controlWords, Exchange } from './exchange.js';
import type { Prefix } from './part.js';
import type { SharedStart } from './shared-bfs.js';
import { PROGRESS_FIELDS, type FromWorker, type PartOptions, type PartReport, type ToWorker } from './protocol.js';
import type { ModelSource } from './source.js';

/** A worker failed: its error, as it reported it. */
export class WorkerError extends Error {
  override name = 'WorkerError';
  constructor(
    message: string,
    /** The error's name in the worker (InputError, OptionError, ModelError, …). */
    readonly kind: string,
    readonly workerStack?: string,
  ) {
    super(message);
  }
}

/** How to start the worker script: compiled JavaScript as it is, TypeScript sources (tests, tsx) through tsx. */
function spawn(): Worker {
  const here = import.meta.url;
  const script = new URL(`./worker${extname(fileURLToPath(here))}`, here);
  if (!script.pathname.endsWith('.ts')) return new Worker(script);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(script.href)}, ${JSON.stringify(script.href)}))`;
  return new Worker(boot, { eval: true });
}

export class WorkerPool {
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  /** Per part: the latest progress figures (states, transitions, depth, queue, elapsed ms), written by each part. */
  readonly progress: Float64Array;
  /** The main thread's ends of its ports to the workers (index: part). */
  private readonly ports: (MessagePort | null)[];
  private nextId = 1;
  private failure: Error | null = null;
  /** This thread's part failed and aborted a run (see `abort`). */
  private aborted = false;
  /** What the workers say, one listener at a time (a run, or a links request). */
  private listener: ((part: number, m: FromWorker) => void) | null = null;
  private closed = false;

  private constructor(
    /** Parts: the main thread and the workers. */
    readonly size: number,
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(4 * controlWords(size)));
    this.progress = new Float64Array(new SharedArrayBuffer(8 * PROGRESS_FIELDS * size));
    this.ports = Array<MessagePort | null>(size).fill(null);
    this.workers = [];
    for (let part = 1; part < size; part++) {
      const w = spawn();
      w.on('message', (m: FromWorker) => this.listener?.(part, m));
      w.on('error', (e) => this.fail(new WorkerError(`worker ${part} failed: ${e.message}`, e.name, e.stack)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new WorkerError(`worker ${part} exited (code ${code})`, 'Error'));
      });
      this.workers.push(w);
    }
  }

  /** Start `size − 1` workers (size ≥ 2 parts, counting this thread) and wire the parts to each other. */
  static async open(size: number): Promise<WorkerPool> {
    const pool = WorkerPool.launch(size);
    await pool.ready;
    return pool;
  }

  /**
   * Start the workers and return at once: they start up on the other cores while this thread
   * goes on (a search it runs meanwhile does not let it take their answers, so it cannot await
   * them). `ready` settles once every worker has answered; `warm` may be sent before.
   */
  static launch(size: number): WorkerPool {
    if (!Number.isInteger(size) || size < 2) throw new RangeError(`a worker pool has at least 2 parts (this thread and a worker), got ${size}`);
    const pool = new WorkerPool(size);
    const ports: (MessagePort | null)[][] = Array.from({ length: size }, () => Array<MessagePort | null>(size).fill(null));
    for (let a = 0; a < size; a++) {
      for (let b = a + 1; b < size; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a][b] = port1;
        ports[b][a] = port2;
      }
    }
    ports[0].forEach((p, i) => (pool.ports[i] = p));
    const answered = pool.all(
      (i) => {
        const mine = ports[i];
        const control = pool.control.buffer as SharedArrayBuffer;
        const progress = pool.progress.buffer as SharedArrayBuffer;
        pool.post(i, { type: 'init', part: i, parts: size, ports: mine, control, progress }, mine.filter((p): p is MessagePort => p !== null));
      },
      (m) => m.type === 'ready',
    );
    // The workers that did start would keep the process alive.
    pool.ready = answered.then(
      () => undefined,
      async (e: unknown) => {
        await pool.close();
        throw e;
      },
    );
    // Settled by whoever awaits it; a pool launched and never used must not fail the process.
    pool.ready.catch(() => undefined);
    return pool;
  }

  /** Settles once every worker is up and wired (see `launch`). */
  ready: Promise<void> = Promise.resolve();

  /**
   * Have the workers load a model and run it briefly, on their own, before a run of it is handed
   * to them (a handoff): they then start that run with the model loaded and its code compiled, as
   * this thread's is. Nothing is answered; a failure here shows again in the run.
   */
  warm(source: ModelSource, options: PartOptions): void {
    if (this.failure || this.closed || this.aborted) return;
    for (let part = 1; part < this.size; part++) this.post(part, { type: 'warm', source, options });
  }

  /** Part 0's exchange (this thread's), for a run's codec. */
  exchange(codec: Codec): Exchange {
    return new Exchange(0, this.size, this.ports, this.control, codec);
  }

  private post(part: number, m: ToWorker, transfer: MessagePort[] = []): void {
    this.workers[part - 1].postMessage(m, transfer);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    abort(this.control);
    this.listener?.(-1, { type: 'failed', id: 0, aborted: false, error: { name: (e as WorkerError).kind ?? e.name, message: e.message } });
  }

  /** Stop every part's waiting (this thread's part failed); the pool takes no further run. */
  abort(): void {
    this.aborted = true;
    abort(this.control);
  }

  /**
   * Send something to every worker and collect one answer from each (those `accept` takes); a
   * failure, or a worker's report of one, rejects. A worker that an abort stopped answers too:
   * once every worker has answered, the run rejects (with an Aborted when no worker failed, so
   * that this thread's own failure is the one reported). Throws at once when the pool cannot
   * take a run (failed, aborted or closed), before this thread starts its part.
   */
  private all<T extends FromWorker>(send: (part: number) => void, accept: (m: FromWorker) => m is T): Promise<T[]> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('internal: the worker pool is closed');
    if (this.aborted) throw new Error('the worker pool was aborted by a failed run: open another');
    return new Promise<T[]>((resolve, reject) => {
      const answers: (T | undefined)[] = Array(this.size - 1).fill(undefined);
      const answered: boolean[] = Array(this.size - 1).fill(false);
      let left = this.size - 1;
      let stopped = false;
      this.listener = (part, m) => {
        if (m.type === 'failed' && !m.aborted) {
          // Keep the first real failure: the others are the aborts it caused.
          if (!this.failure) {
            this.failure = new WorkerError(m.error.message, m.error.name, m.error.stack);
            abort(this.control);
          }
          this.listener = null;
          reject(this.failure);
          return;
        }
        if (m.type === 'failed') stopped = true;
        else if (accept(m)) answers[part - 1] = m;
        else return;
        if (!answered[part - 1]) {
          answered[part - 1] = true;
          left--;
        }
        if (left === 0) {
          this.listener = null;
          if (stopped) reject(new Aborted('the run was aborted'));
          else resolve(answers as T[]);
        }
      };
      for (let part = 1; part < this.size; part++) send(part);
    });
  }

  /**
   * Start one partitioned search on every worker (parts 1 …); resolves with their reports once
   * they are done. This thread runs part 0 meanwhile (see check-parallel.ts).
   */
  start(source: ModelSource, options: PartOptions, memoryShare: number, prefix?: Prefix, shared?: SharedStart): Promise<PartReport[]> {
    const id = this.nextId++;
    this.progress.fill(0);
    return this.all(
      (part) => this.post(part, { type: 'run', id, source, options, memoryShare, ...(prefix ? { prefix } : {}), ...(shared ? { shared } : {}) }),
      (m): m is Extract<FromWorker, { type: 'done' }> => m.type === 'done' && m.id === id,
    ).then((done) => done.map((m) => m.report));
  }

  /** The workers' parent links from the last run (to rebuild a trace). */
  async links(): Promise<Links[]> {
    const got = await this.all(
      (part) => this.post(part, { type: 'links' }),
      (m): m is Extract<FromWorker, { type: 'links' }> => m.type === 'links',
    );
    return got.map((m) => m.links);
  }

  /** The parts' latest progress figures. */
  figures(part: number): Progress {
    const f = this.progress.subarray(part * PROGRESS_FIELDS, (part + 1) * PROGRESS_FIELDS);
    return { states: f[0], transitions: f[1], depth: f[2], queue: f[3], elapsedMs: f[4], statesPerSecond: f[4] > 0 ? Math.round((f[0] * 1000) / f[4]) : 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    abort(this.control);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
