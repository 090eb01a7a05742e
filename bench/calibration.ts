/**
 * Calibration benchmark (shared/bench/calibration.md): the dining-philosophers model for
 * N = 10, 14, 16, 18, in our engine and in SPIN on the same machine, in the same run.
 *
 * Ours: each N runs `check(philosophers(N), { strategy: 'bfs', deadlock: false })` in a fresh
 * child node process (this file with `--child N`), so peak RSS (getrusage maxRSS of the child)
 * belongs to that run alone. Seconds are the engine's durationMs (search only, not node start-up).
 * Bytes per state: peak RSS / states (includes node's start-up RSS, printed as "RSS before", so it
 * is high at small N),
 * and the engine's own (store + peak queue) / states.
 * SPIN: bench/spin/run.ts (flags and their reasons are in its header). Seconds are the wall time
 * of the pan process (compile time is reported apart); memory is pan's "total actual memory
 * usage" and the peak RSS of pan. Ratios are ours/SPIN: > 1 means faster for states/s,
 * < 1 means leaner for bytes/state (engine store+queue against SPIN's total actual memory,
 * and RSS against RSS).
 * Checks: our states and SPIN's states equal trace(M^N) (bench/closed-form.ts), our transitions
 * equal SPIN's minus one (SPIN counts the initial state as a stored arrival), and BFS with
 * deadlock checking stops at the deadlock after exactly N steps. A mismatch is printed loudly and
 * the exit code is 1. Timings are figures only, never asserted.
 *
 * Usage: calibration [--quick] [--json] [--no-spin] [--no-ceiling] [--spin-w auto|default|<k>] [--workers 1,2]
 *   --quick    N = 10, 14 only (the deadlock line then uses N = 14)
 *   --json     one JSON document on stdout instead of tables
 *   --no-spin  our figures only
 *   --spin-w   SPIN hash table: auto (2^k ≥ expected states, the default), default (pan's -w24), or k
 *   --workers  our worker counts, comma-separated (default 1,2): each N runs once per count, and
 *              the speed-up column is states/s over the first count's
 * N = 18 is skipped when free memory is below 4 GB.
 *
 * The machine's ceiling: for each worker count k > 1 (N ≥ 14), k independent one-thread runs at
 * once, each in its own process — perfectly divided work with no exchange at all. Each is slower
 * than one alone when the cores share caches and memory bandwidth (or the hypervisor's time), so
 * `ceilingOf` (report.ts) is the most any k-part search could gain here; "of ceiling" is our
 * k-part speed-up over it (`--no-ceiling` skips these runs).
 */
import { ceilingOf, run, runOnce, table, together } from './report.js';
import { cpus, freemem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { check, checkParallel, WorkerPool } from '../src/index.js';
import { philosophers } from '../models/calibration/philosophers.js';
import { philosophersStateCount } from './closed-form.js';
import { buildPan, PAN_FLAGS, removeBuild, runPan, spinStatus, type PanRun } from './spin/run.js';

interface Ours {
  n: number;
  workers: number;
  states: number;
  transitions: number;
  depth: number;
  durationMs: number;
  complete: boolean;
  storeBytes: number;
  queuePeakBytes: number;
  peakRssMB: number;
  /** RSS of the child after start-up and imports, before the search: node's own share. */
  baselineRssMB: number;
  deadlockSteps?: number;
  violation?: string;
  /** With workers: each part's time waiting for the others (ms), and the states it expanded ahead meanwhile. */
  waitedMs?: number[];
  expandedAhead?: number[];
}

/** Child mode: one run, one JSON line on stdout. With workers > 1, the pool starts before the clock does. */
async function child(n: number, deadlock: boolean, workers: number): Promise<void> {
  const baselineRssMB = process.memoryUsage().rss / (1024 * 1024);
  const pool = workers > 1 ? await WorkerPool.open(workers) : undefined;
  const source = { module: fileURLToPath(new URL('../models/calibration/philosophers.js', import.meta.url)), export: 'philosophers', args: [n] };
  const r = pool ? await checkParallel(philosophers(n), { strategy: 'bfs', deadlock, source, pool }) : check(philosophers(n), { strategy: 'bfs', deadlock });
  await pool?.close();
  const out: Ours = {
    n,
    workers,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    durationMs: r.durationMs,
    complete: r.complete,
    storeBytes: r.memory?.storeBytes ?? 0,
    queuePeakBytes: r.memory?.queuePeakBytes ?? 0,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    baselineRssMB,
  };
  if (r.parts) {
    out.waitedMs = r.parts.map((p) => p.waitedMs);
    out.expandedAhead = r.parts.map((p) => p.expandedAhead);
  }
  if (r.violation) {
    out.violation = r.violation.kind === r.violation.name ? r.violation.kind : `${r.violation.kind} ${r.violation.name}`;
    out.deadlockSteps = r.violation.trace.steps.length;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const childArgs = (n: number, deadlock: boolean, workers: number): string[] => [...process.execArgv, fileURLToPath(import.meta.url), deadlock ? '--child-deadlock' : '--child', String(n), String(workers)];

const runChild = (n: number, deadlock: boolean, workers: number): Ours => runOnce<Ours>(childArgs(n, deadlock, workers), `child for N=${n}`);

const problems: string[] = [];
function mismatch(msg: string): void {
  problems.push(msg);
  process.stderr.write(`\n!!!!!!!! MISMATCH: ${msg} !!!!!!!!\n\n`);
}
const note = (msg: string) => process.stderr.write(`${msg}\n`);

type OursRun = Ours & { statesPerSec: number; rssBytesPerState: number; engineBytesPerState: number };

interface Row {
  n: number;
  expected: number;
  /** Our runs, one per number of workers. */
  ours: OursRun[];
  oursError?: string;
  spin?: PanRun & { compileMs: number; gccFlags: string[]; statesPerSec: number; rssBytesPerState?: number; memBytesPerState: number };
  spinError?: string;
  /** Per worker count k > 1: k one-thread runs at once (their durations), and the speed-up they bound. */
  ceiling?: { workers: number; togetherMs: number[]; ceiling: number }[];
  /** Per our run (same order): ours / SPIN. */
  ratio?: { workers: number; statesPerSec: number; engineBytesPerState: number; rssBytesPerState?: number }[];
}

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const wIdx = argv.indexOf('--spin-w');
  const spinW = wIdx >= 0 ? argv[wIdx + 1] ?? 'auto' : 'auto';
  if (!/^(auto|default|\d+)$/.test(spinW)) throw new Error(`--spin-w: auto, default or a number of bits, got '${spinW}'`);
  const MB = 1024 * 1024;
  const freeMB = Math.floor(freemem() / MB);
  const ns = quick ? [10, 14] : [10, 14, 16, 18];
  if (ns.includes(18) && freeMB < 4096) {
    ns.pop();
    note(`N=18 skipped: ${freeMB} MB free memory (< 4 GB)`);
  }
  const deadlockN = Math.min(16, ns[ns.length - 1]);
  const wIdx2 = argv.indexOf('--workers');
  const workerCounts = (wIdx2 >= 0 ? argv[wIdx2 + 1] ?? '' : '1,2').split(',').map(Number);
  if (!workerCounts.every((w) => Number.isInteger(w) && w >= 1)) throw new Error(`--workers: a comma-separated list of worker counts, got '${argv[wIdx2 + 1]}'`);

  const noCeiling = argv.includes('--no-ceiling');
  const spin = argv.includes('--no-spin') ? undefined : spinStatus();
  if (spin && !spin.ok) note(`SPIN not available: ${spin.reason}`);
  const useSpin = spin?.ok === true;
  const memlimMB = Math.max(1024, Math.floor(freeMB * 0.8));
  const hashBits = (expected: number): number | undefined =>
    spinW === 'default' ? undefined : spinW === 'auto' ? Math.max(10, Math.ceil(Math.log2(expected))) : Number(spinW);

  const rows: Row[] = [];
  let spinDeadlock: PanRun | undefined;
  let spinDeadlockError: string | undefined;
  for (const n of ns) {
    const expected = Number(philosophersStateCount(n));
    const row: Row = { n, expected, ours: [] };
    rows.push(row);
    for (const workers of workerCounts) {
      note(`N=${n}: ours, ${workers} worker${workers > 1 ? 's' : ''}…`);
      try {
        const o = runChild(n, false, workers);
        row.ours.push({
          ...o,
          statesPerSec: o.states / (o.durationMs / 1000),
          rssBytesPerState: (o.peakRssMB * MB) / o.states,
          engineBytesPerState: (o.storeBytes + o.queuePeakBytes) / o.states,
        });
        if (o.states !== expected) mismatch(`ours N=${n}, ${workers} workers: ${o.states} states, closed form trace(M^${n}) = ${expected}`);
        if (!o.complete) mismatch(`ours N=${n}, ${workers} workers: run not complete`);
        if (o.transitions !== row.ours[0].transitions) mismatch(`ours N=${n}: ${o.transitions} transitions with ${workers} workers, ${row.ours[0].transitions} with ${row.ours[0].workers}`);
      } catch (e) {
        row.oursError = (e as Error).message;
        problems.push(row.oursError);
        note(`ours N=${n} crashed: ${row.oursError}`);
      }
    }
    const alone = row.ours.find((o) => o.workers === 1);
    if (!noCeiling && alone && n >= 14) {
      row.ceiling = [];
      for (const k of workerCounts.filter((w) => w > 1)) {
        note(`N=${n}: the machine's ceiling, ${k} one-thread runs at once…`);
        try {
          const togetherMs = (await together<Ours>(childArgs(n, false, 1), k, `child for N=${n}`)).map((o) => o.durationMs);
          row.ceiling.push({ workers: k, togetherMs, ceiling: ceilingOf(alone.durationMs, togetherMs) });
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
    }
    if (!useSpin) continue;
    note(`N=${n}: SPIN…`);
    try {
      const b = buildPan(n, memlimMB);
      try {
        const s = await runPan(b, { hashBits: hashBits(expected) });
        row.spin = {
          ...s,
          compileMs: b.compileMs,
          gccFlags: b.gccFlags,
          statesPerSec: s.states / (s.runMs / 1000),
          rssBytesPerState: s.peakRssMB === undefined ? undefined : (s.peakRssMB * MB) / s.states,
          memBytesPerState: (s.memoryMB * MB) / s.states,
        };
        if (s.states !== expected) mismatch(`SPIN N=${n}: ${s.states} states stored, closed form = ${expected}`);
        if (row.ours[0] && row.ours[0].transitions !== s.transitions - 1) {
          mismatch(`N=${n}: ours ${row.ours[0].transitions} transitions, SPIN ${s.transitions} - 1 = ${s.transitions - 1}`);
        }
        if (n === deadlockN) spinDeadlock = await runPan(b, { deadlock: true, hashBits: hashBits(expected) });
      } finally {
        removeBuild(b);
      }
    } catch (e) {
      row.spinError = (e as Error).message;
      if (n === deadlockN) spinDeadlockError = row.spinError;
      note(`SPIN N=${n} failed: ${row.spinError}`);
    }
    const spinRun = row.spin;
    if (spinRun) {
      row.ratio = row.ours.map((o) => ({
        workers: o.workers,
        statesPerSec: o.statesPerSec / spinRun.statesPerSec,
        engineBytesPerState: o.engineBytesPerState / spinRun.memBytesPerState,
        rssBytesPerState: spinRun.rssBytesPerState === undefined ? undefined : o.rssBytesPerState / spinRun.rssBytesPerState,
      }));
    }
  }

  const deadlocks: Ours[] = [];
  let deadlockError: string | undefined;
  for (const workers of workerCounts) {
    note(`deadlock search N=${deadlockN}: ours, ${workers} worker${workers > 1 ? 's' : ''}…`);
    try {
      const d = runChild(deadlockN, true, workers);
      deadlocks.push(d);
      if (d.deadlockSteps !== deadlockN || !d.violation?.startsWith('deadlock')) {
        mismatch(`deadlock search N=${deadlockN}, ${workers} workers: ${d.violation ?? 'no violation'} after ${d.deadlockSteps ?? '-'} steps (expected deadlock after ${deadlockN})`);
      }
    } catch (e) {
      deadlockError = (e as Error).message;
      problems.push(deadlockError);
    }
  }
  if (spinDeadlock && spinDeadlock.invalidEndDepth !== deadlockN) {
    mismatch(`SPIN deadlock search N=${deadlockN}: invalid end state at depth ${spinDeadlock.invalidEndDepth ?? '-'}`);
  }

  const env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    freeMemoryMB: freeMB,
    spin: spin === undefined ? 'not run (--no-spin)' : spin.ok ? spin.spin : `not available: ${spin.reason}`,
    gcc: spin?.ok ? spin.gcc : undefined,
    gccFlags: rows.find((r) => r.spin)?.spin?.gccFlags,
    panFlags: !spin?.ok ? undefined : `${PAN_FLAGS.join(' ')} -w<k> (k per row: ${spinW === 'auto' ? '2^k ≥ expected states' : spinW === 'default' ? 'pan default' : spinW})`,
  };
  if (json) {
    const dl = { n: deadlockN, ours: deadlockError ? { error: deadlockError } : deadlocks, spin: spinDeadlock ?? (spinDeadlockError ? { error: spinDeadlockError } : undefined) };
    process.stdout.write(`${JSON.stringify({ env, rows, deadlock: dl, problems }, null, 2)}\n`);
  } else {
    printTables(env, rows, deadlockN, deadlocks, deadlockError, spinDeadlock);
  }
  if (problems.length) process.exitCode = 1;
}

// ---- output ----

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const sec = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 3 : 1);
const mb = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
const ratio = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(2));

function printTables(env: Record<string, unknown>, rows: Row[], dn: number, dls: Ours[], dlError: string | undefined, sd: PanRun | undefined): void {
  console.log(`accelcheck calibration benchmark: dining philosophers, BFS, no deadlock check`);
  console.log(`node ${env.node}, ${env.cpu} (${env.cores} cores), SPIN: ${env.spin}`);
  const ours = rows.flatMap((r): { r: Row; o: OursRun | undefined }[] => (r.ours.length ? r.ours.map((o) => ({ r, o })) : [{ r, o: undefined }]));
  table('ours (fresh node process per run; seconds = engine durationMs; with workers, the pool starts before the clock)',
    ['N', 'workers', 'states', 'closed form', 'transitions', 's', 'states/s', 'speed-up', 'RSS before MB', 'peak RSS MB', 'B/state RSS', 'B/state engine', 'waited s (per part)', 'expanded ahead'],
    ours.map(({ r, o }) => o
      ? [String(r.n), String(o.workers), int(o.states), int(r.expected), int(o.transitions), sec(o.durationMs), int(o.statesPerSec),
        ratio(o.statesPerSec / r.ours[0].statesPerSec), mb(o.baselineRssMB), mb(o.peakRssMB), int(o.rssBytesPerState), int(o.engineBytesPerState),
        o.waitedMs ? o.waitedMs.map((w) => (w / 1000).toFixed(2)).join(' / ') : '-', o.expandedAhead ? int(o.expandedAhead.reduce((a, b) => a + b, 0)) : '-']
      : [String(r.n), '-', `crashed: ${r.oursError}`]));
  const ceilings = rows.flatMap((r) => (r.ceiling ?? []).map((c) => ({ r, c, o: r.ours.find((o) => o.workers === c.workers) })));
  if (ceilings.length) {
    table("the machine's ceiling (k one-thread runs at once, each its own process: the most k parts could gain here)",
      ['N', 'k', 'one alone s', 'k together s', 'ceiling', `ours with k`, 'speed-up', 'of ceiling'],
      ceilings.map(({ r, c, o }) => {
        const alone = r.ours.find((x) => x.workers === 1)!;
        const speedup = o ? o.statesPerSec / alone.statesPerSec : undefined;
        return [String(r.n), String(c.workers), sec(alone.durationMs), c.togetherMs.map(sec).join(' / '), ratio(c.ceiling),
          o ? sec(o.durationMs) : '-', ratio(speedup), speedup === undefined ? '-' : `${Math.round((100 * speedup) / c.ceiling)} %`];
      }));
  }
  if (rows.some((r) => r.spin || r.spinError)) {
    table('SPIN (s = wall time of pan; memory = pan "total actual memory usage")',
      ['N', 'states', 'transitions', 'compile s', 's', 'pan s', 'states/s', 'memory MB', 'hash', 'peak RSS MB', 'B/state mem', 'B/state RSS'],
      rows.map((r) => r.spin
        ? [String(r.n), int(r.spin.states), int(r.spin.transitions), sec(r.spin.compileMs), sec(r.spin.runMs), String(r.spin.panSeconds),
          int(r.spin.statesPerSec), mb(r.spin.memoryMB), `-w${r.spin.hashBits}`, mb(r.spin.peakRssMB), int(r.spin.memBytesPerState),
          r.spin.rssBytesPerState === undefined ? 'n/a' : int(r.spin.rssBytesPerState)]
        : [String(r.n), `failed: ${r.spinError ?? '-'}`]));
    table('ours / SPIN (states/s: > 1 is faster; bytes/state: < 1 is leaner)',
      ['N', 'workers', 'states/s', 'B/state engine/mem', 'B/state RSS/RSS'],
      rows.flatMap((r) => (r.ratio ?? []).map((q) => [String(r.n), String(q.workers), ratio(q.statesPerSec), ratio(q.engineBytesPerState), ratio(q.rssBytesPerState)])));
    console.log(`\ngcc ${(env.gccFlags as string[] | undefined)?.join(' ') ?? ''} -o pan pan.c\n./pan ${env.panFlags}`);
  }
  console.log(`\ndeadlock search N=${dn} (BFS, deadlock on):`);
  for (const dl of dls) {
    console.log(`  ours, ${dl.workers} worker${dl.workers > 1 ? 's' : ''}: ${dl.violation ?? 'no violation'}, ${dl.deadlockSteps ?? '-'} steps in the trace (must be ${dn}), ` +
      `${int(dl.states)} states stored, ${sec(dl.durationMs)} s`);
  }
  if (dlError) console.log(`  ours: crashed: ${dlError}`);
  if (sd) {
    console.log(`  SPIN: invalid end state at depth ${sd.invalidEndDepth ?? '-'}, ${int(sd.states)} states stored, ${sec(sd.runMs)} s`);
  }
}

const argv = process.argv.slice(2);
const ci = argv.findIndex((a) => a === '--child' || a === '--child-deadlock');
run(ci >= 0 ? () => child(Number(argv[ci + 1]), argv[ci] === '--child-deadlock', Number(argv[ci + 2] ?? 1)) : () => main(argv));
