/**
 * The worker threads of parallel checks, on the main thread's side: started once, wired to each
 * other (a MessagePort per pair, one shared control block), and reused by every check run with
 * them until `close`. A run is sent to all workers and ends when each has reported; a worker
 * that fails aborts the others (they stop waiting at once) and makes the pool unusable.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Links } from '../../state/store.js';
import type { Progress } from '../types.js';
import { abort, controlWords } from './exchange.js';
import type { FromWorker, PartOptions, PartReport, ToWorker } from './protocol.js';
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
  private nextId = 1;
  private failure: Error | null = null;
  /** What the workers say, one listener at a time (a run, or a links request). */
  private listener: ((part: number, m: FromWorker) => void) | null = null;
  private closed = false;

  private constructor(readonly size: number) {
    this.control = new Int32Array(new SharedArrayBuffer(4 * controlWords(size)));
    this.workers = [];
    for (let i = 0; i < size; i++) {
      const w = spawn();
      w.on('message', (m: FromWorker) => this.listener?.(i, m));
      w.on('error', (e) => this.fail(new WorkerError(`worker ${i} failed: ${e.message}`, e.name, e.stack)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new WorkerError(`worker ${i} exited (code ${code})`, 'Error'));
      });
      this.workers.push(w);
    }
  }

  /** Start `size` workers (at least 2) and wire them to each other. */
  static async open(size: number): Promise<WorkerPool> {
    const pool = new WorkerPool(size);
    const ports: (MessagePort | null)[][] = Array.from({ length: size }, () => Array<MessagePort | null>(size).fill(null));
    for (let a = 0; a < size; a++) {
      for (let b = a + 1; b < size; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a][b] = port1;
        ports[b][a] = port2;
      }
    }
    await pool.all((i) => {
      const mine = ports[i];
      pool.post(i, { type: 'init', part: i, parts: size, ports: mine, control: pool.control.buffer as SharedArrayBuffer }, mine.filter((p): p is MessagePort => p !== null));
    }, (m) => m.type === 'ready');
    return pool;
  }

  private post(i: number, m: ToWorker, transfer: MessagePort[] = []): void {
    this.workers[i].postMessage(m, transfer);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    abort(this.control);
    this.listener?.(-1, { type: 'failed', id: 0, aborted: false, error: { name: (e as WorkerError).kind ?? e.name, message: e.message } });
  }

  /**
   * Send something to every worker and collect one answer from each (those `accept` takes); a
   * failure, or a worker's report of one, rejects. `other` sees the rest (progress).
   */
  private all<T extends FromWorker>(send: (i: number) => void, accept: (m: FromWorker) => m is T, other?: (part: number, m: FromWorker) => void): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('internal: the worker pool is closed'));
    return new Promise<T[]>((resolve, reject) => {
      const answers: (T | undefined)[] = Array(this.size).fill(undefined);
      let left = this.size;
      this.listener = (part, m) => {
        if (m.type === 'failed') {
          // Keep the first real failure: the others are the aborts it caused.
          if (!m.aborted) {
            if (!this.failure) {
              this.failure = new WorkerError(m.error.message, m.error.name, m.error.stack);
              abort(this.control);
            }
            this.listener = null;
            reject(this.failure);
          }
          return;
        }
        if (accept(m)) {
          if (answers[part] === undefined) left--;
          answers[part] = m;
          if (left === 0) {
            this.listener = null;
            resolve(answers as T[]);
          }
          return;
        }
        other?.(part, m);
      };
      for (let i = 0; i < this.size; i++) send(i);
    });
  }

  /** Run one partitioned search on every worker; resolves with each part's report. */
  async run(source: ModelSource, options: PartOptions, memoryShare: number, onProgress?: (part: number, p: Progress) => void): Promise<PartReport[]> {
    const id = this.nextId++;
    const done = await this.all(
      (i) => this.post(i, { type: 'run', id, source, options, progress: onProgress !== undefined, memoryShare }),
      (m): m is Extract<FromWorker, { type: 'done' }> => m.type === 'done' && m.id === id,
      (part, m) => {
        if (m.type === 'progress' && m.id === id) onProgress?.(part, m.progress);
      },
    );
    return done.map((m) => m.report);
  }

  /** Every part's parent links from the last run (to rebuild a trace). */
  async links(): Promise<Links[]> {
    const got = await this.all(
      (i) => this.post(i, { type: 'links' }),
      (m): m is Extract<FromWorker, { type: 'links' }> => m.type === 'links',
    );
    return got.map((m) => m.links);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    abort(this.control);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
