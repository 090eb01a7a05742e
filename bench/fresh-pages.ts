/**
 * Fresh-pages bench: why the fingerprint store writes its new tables before it probes them
 * (state/fresh.ts). Each task fills three 64 MiB open-addressing tables of 2^23 slots to 70 %
 * load, probing before each insert as the store does, in new memory each time: either as the
 * allocator gives it (`lazy`: the first probe of a page maps the shared zero page, the insert
 * then remaps it) or written with zeroes first (`written`, as `freshInt32` does).
 *
 * Each way runs alone, then as k tasks at once on worker threads of one process (as the parts
 * of a parallel search are), then as k processes at once. A remapped page makes the kernel flush
 * the TLB of every CPU the process runs on, so threads of one process slow each other down and
 * processes do not. Printed: milliseconds per task (the slowest, when several run at once), min
 * of `--reps` runs. Figures only, nothing asserted.
 *
 * Usage: fresh-pages [--threads K] [--reps R]
 */
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { freshInt32 } from '../src/state/fresh.js';
import { run, table, together } from './report.js';

type Way = 'lazy' | 'written';
const SLOTS = 1 << 23;
const TABLES = 3;

/** One task: fill TABLES new tables by probing; its time in milliseconds. */
function task(way: Way): number {
  const t = performance.now();
  let check = 0;
  for (let rep = 0; rep < TABLES; rep++) {
    const slots = way === 'lazy' ? new Int32Array(SLOTS * 2) : freshInt32(SLOTS * 2);
    const mask = SLOTS - 1;
    let x = 0x9e3779b1 + rep;
    for (let k = 0; k < SLOTS * 0.7; k++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      let i = x & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = x | 1;
      slots[2 * i + 1] = k;
    }
    check ^= slots[2];
  }
  if (check === 0.5) console.log(check); // keeps the tables observable
  return performance.now() - t;
}

/** k tasks at once on worker threads of this process; the slowest one's time. */
async function threads(way: Way, k: number): Promise<number> {
  const url = new URL(import.meta.url);
  const times = await Promise.all(
    Array.from({ length: k }, () => new Promise<number>((resolve, reject) => {
      const w = new Worker(url, { workerData: way });
      w.once('message', resolve);
      w.once('error', reject);
    })),
  );
  return Math.max(...times);
}

/** k tasks at once, each a process of its own (this file with `--child WAY`); the slowest one's time. */
async function processes(way: Way, k: number): Promise<number> {
  return Math.max(...(await together<number>([fileURLToPath(import.meta.url), '--child', way], k, `fresh-pages ${way}`)));
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: a positive integer, got ${args[i + 1]}`);
  return v;
}

async function main(args: string[]): Promise<void> {
  const k = option(args, '--threads', 2);
  const reps = option(args, '--reps', 3);
  const rows: string[][] = [];
  for (const way of ['lazy', 'written'] as const) {
    const best = { alone: Infinity, threads: Infinity, processes: Infinity };
    for (let r = 0; r < reps; r++) {
      best.alone = Math.min(best.alone, await processes(way, 1));
      best.threads = Math.min(best.threads, await threads(way, k));
      best.processes = Math.min(best.processes, await processes(way, k));
    }
    const f = (ms: number) => `${Math.round(ms)} ms`;
    const x = (ms: number) => `${(ms / best.alone).toFixed(2)}×`;
    rows.push([way, f(best.alone), f(best.threads), x(best.threads), f(best.processes), x(best.processes)]);
  }
  table(`${TABLES} tables of ${SLOTS.toLocaleString('en-US')} slots per task, min of ${reps}`, ['pages', 'alone', `${k} threads`, 'slowdown', `${k} processes`, 'slowdown'], rows, 1);
}

if (!isMainThread) parentPort!.postMessage(task(workerData as Way));
else if (process.argv[2] === '--child') console.log(task(process.argv[3] as Way));
else run(() => main(process.argv.slice(2)));
