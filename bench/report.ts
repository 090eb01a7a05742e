/** What the benchmark scripts share: their tables, their child runs, and how a script's main or child run ends. */
import { spawn, spawnSync } from 'node:child_process';

/** A table for the terminal: cells right-aligned, but for the first `left` columns (names). */
export function table(title: string, head: string[], body: string[][], left = 0): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

/** Run a script's main (or child) function: a failure prints its stack and sets exit code 1. */
export function run(task: () => Promise<void>): void {
  task().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}

/** A child run's result: the last line it printed, as JSON; `what` names the run when it failed. */
function resultOf<T>(stdout: string, status: number | null, signal: string | null, what: string): T {
  const line = stdout.trim().split('\n').pop();
  if (status !== 0 || !line) throw new Error(`${what} failed (exit ${status}${signal ? `, ${signal}` : ''})`);
  return JSON.parse(line) as T;
}

/** Run this node with `args` in a process of its own (so that its peak RSS is the run's), and give its result. */
export function runOnce<T>(args: string[], what: string): T {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return resultOf<T>(r.stdout ?? '', r.status, r.signal, what);
}

/**
 * Run `k` copies of this node with `args` at once, each a process of its own, and give their
 * results. For the machine's ceiling: k independent one-thread runs share the cores' caches,
 * memory bandwidth and the hypervisor's time as k parts of one search would, with no exchange
 * between them.
 */
export function together<T>(args: string[], k: number, what: string): Promise<T[]> {
  const one = (): Promise<T> =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', (code, signal) => {
        try {
          resolve(resultOf<T>(out, code, signal, `${what}, one of ${k} at once,`));
        } catch (e) {
          reject(e);
        }
      });
    });
  return Promise.all(Array.from({ length: k }, one));
}

/**
 * The most k parts could gain on this machine: k × one thread's time / the slowest of k
 * one-thread runs at once. One thread's time is the faster of its run alone and the fastest
 * run together (this VM's noise can make the run alone the slower).
 */
export function ceilingOf(aloneMs: number, togetherMs: readonly number[]): number {
  return (togetherMs.length * Math.min(aloneMs, ...togetherMs)) / Math.max(...togetherMs);
}
