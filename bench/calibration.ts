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
 * Usage: calibration [--quick] [--json] [--no-spin] [--spin-w auto|default|<k>]
 *   --quick    N = 10, 14 only (the deadlock line then uses N = 14)
 *   --json     one JSON document on stdout instead of tables
 *   --no-spin  our figures only
 *   --spin-w   SPIN hash table: auto (2^k ≥ expected states, the default), default (pan's -w24), or k
 * N = 18 is skipped when free memory is below 4 GB.
 */
import { spawnSync } from 'node:child_process';
import { cpus, freemem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { check } from '../src/index.js';
import { philosophers } from '../models/calibration/philosophers.js';
import { philosophersStateCount } from './closed-form.js';
import { buildPan, PAN_FLAGS, removeBuild, runPan, spinStatus, type PanRun } from './spin/run.js';

interface Ours {
  n: number;
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
}

/** Child mode: one run, one JSON line on stdout. */
function child(n: number, deadlock: boolean): void {
  const baselineRssMB = process.memoryUsage().rss / (1024 * 1024);
  const r = check(philosophers(n), { strategy: 'bfs', deadlock });
  const out: Ours = {
    n,
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
  if (r.violation) {
    out.violation = r.violation.kind === r.violation.name ? r.violation.kind : `${r.violation.kind} ${r.violation.name}`;
    out.deadlockSteps = r.violation.trace.steps.length;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runChild(n: number, deadlock: boolean): Ours {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), deadlock ? '--child-deadlock' : '--child', String(n)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line) throw new Error(`child for N=${n} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
  return JSON.parse(line) as Ours;
}

const problems: string[] = [];
function mismatch(msg: string): void {
  problems.push(msg);
  process.stderr.write(`\n!!!!!!!! MISMATCH: ${msg} !!!!!!!!\n\n`);
}
const note = (msg: string) => process.stderr.write(`${msg}\n`);

interface Row {
  n: number;
  expected: number;
  ours?: Ours & { statesPerSec: number; rssBytesPerState: number; engineBytesPerState: number };
  oursError?: string;
  spin?: PanRun & { compileMs: number; gccFlags: string[]; statesPerSec: number; rssBytesPerState?: number; memBytesPerState: number };
  spinError?: string;
  ratio?: { statesPerSec: number; engineBytesPerState: number; rssBytesPerState?: number };
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
    const row: Row = { n, expected };
    rows.push(row);
    note(`N=${n}: ours…`);
    try {
      const o = runChild(n, false);
      row.ours = {
        ...o,
        statesPerSec: o.states / (o.durationMs / 1000),
        rssBytesPerState: (o.peakRssMB * MB) / o.states,
        engineBytesPerState: (o.storeBytes + o.queuePeakBytes) / o.states,
      };
      if (o.states !== expected) mismatch(`ours N=${n}: ${o.states} states, closed form trace(M^${n}) = ${expected}`);
      if (!o.complete) mismatch(`ours N=${n}: run not complete`);
    } catch (e) {
      row.oursError = (e as Error).message;
      problems.push(row.oursError);
      note(`ours N=${n} crashed: ${row.oursError}`);
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
        if (row.ours && row.ours.transitions !== s.transitions - 1) {
          mismatch(`N=${n}: ours ${row.ours.transitions} transitions, SPIN ${s.transitions} - 1 = ${s.transitions - 1}`);
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
    if (row.ours && row.spin) {
      row.ratio = {
        statesPerSec: row.ours.statesPerSec / row.spin.statesPerSec,
        engineBytesPerState: row.ours.engineBytesPerState / row.spin.memBytesPerState,
        rssBytesPerState: row.spin.rssBytesPerState === undefined ? undefined : row.ours.rssBytesPerState / row.spin.rssBytesPerState,
      };
    }
  }

  note(`deadlock search N=${deadlockN}: ours…`);
  let deadlock: Ours | undefined;
  let deadlockError: string | undefined;
  try {
    deadlock = runChild(deadlockN, true);
    if (deadlock.deadlockSteps !== deadlockN || !deadlock.violation?.startsWith('deadlock')) {
      mismatch(`deadlock search N=${deadlockN}: ${deadlock.violation ?? 'no violation'} after ${deadlock.deadlockSteps ?? '-'} steps (expected deadlock after ${deadlockN})`);
    }
  } catch (e) {
    deadlockError = (e as Error).message;
    problems.push(deadlockError);
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
    const dl = { n: deadlockN, ours: deadlock ?? { error: deadlockError }, spin: spinDeadlock ?? (spinDeadlockError ? { error: spinDeadlockError } : undefined) };
    process.stdout.write(`${JSON.stringify({ env, rows, deadlock: dl, problems }, null, 2)}\n`);
  } else {
    printTables(env, rows, deadlockN, deadlock, deadlockError, spinDeadlock);
  }
  if (problems.length) process.exitCode = 1;
}

// ---- output ----

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const sec = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 3 : 1);
const mb = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
const ratio = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(2));

function table(title: string, head: string[], body: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

function printTables(env: Record<string, unknown>, rows: Row[], dn: number, dl: Ours | undefined, dlError: string | undefined, sd: PanRun | undefined): void {
  console.log(`accelcheck calibration benchmark: dining philosophers, BFS, no deadlock check`);
  console.log(`node ${env.node}, ${env.cpu} (${env.cores} cores), SPIN: ${env.spin}`);
  table('ours (fresh node process per N; seconds = engine durationMs)',
    ['N', 'states', 'closed form', 'transitions', 's', 'states/s', 'RSS before MB', 'peak RSS MB', 'B/state RSS', 'B/state engine'],
    rows.map((r) => r.ours
      ? [String(r.n), int(r.ours.states), int(r.expected), int(r.ours.transitions), sec(r.ours.durationMs), int(r.ours.statesPerSec),
        mb(r.ours.baselineRssMB), mb(r.ours.peakRssMB), int(r.ours.rssBytesPerState), int(r.ours.engineBytesPerState)]
      : [String(r.n), `crashed: ${r.oursError}`]));
  if (rows.some((r) => r.spin || r.spinError)) {
    table('SPIN (s = wall time of pan; memory = pan "total actual memory usage")',
      ['N', 'states', 'transitions', 'compile s', 's', 'pan s', 'states/s', 'memory MB', 'hash', 'peak RSS MB', 'B/state mem', 'B/state RSS'],
      rows.map((r) => r.spin
        ? [String(r.n), int(r.spin.states), int(r.spin.transitions), sec(r.spin.compileMs), sec(r.spin.runMs), String(r.spin.panSeconds),
          int(r.spin.statesPerSec), mb(r.spin.memoryMB), `-w${r.spin.hashBits}`, mb(r.spin.peakRssMB), int(r.spin.memBytesPerState),
          r.spin.rssBytesPerState === undefined ? 'n/a' : int(r.spin.rssBytesPerState)]
        : [String(r.n), `failed: ${r.spinError ?? '-'}`]));
    table('ours / SPIN (states/s: > 1 is faster; bytes/state: < 1 is leaner)',
      ['N', 'states/s', 'B/state engine/mem', 'B/state RSS/RSS'],
      rows.map((r) => [String(r.n), ratio(r.ratio?.statesPerSec), ratio(r.ratio?.engineBytesPerState), ratio(r.ratio?.rssBytesPerState)]));
    console.log(`\ngcc ${(env.gccFlags as string[] | undefined)?.join(' ') ?? ''} -o pan pan.c\n./pan ${env.panFlags}`);
  }
  console.log(`\ndeadlock search N=${dn} (BFS, deadlock on):`);
  if (dl) {
    console.log(`  ours: ${dl.violation ?? 'no violation'}, ${dl.deadlockSteps ?? '-'} steps in the trace (must be ${dn}), ` +
      `${int(dl.states)} states stored, ${sec(dl.durationMs)} s`);
  } else {
    console.log(`  ours: crashed: ${dlError}`);
  }
  if (sd) {
    console.log(`  SPIN: invalid end state at depth ${sd.invalidEndDepth ?? '-'}, ${int(sd.states)} states stored, ${sec(sd.runMs)} s`);
  }
}

const argv = process.argv.slice(2);
const ci = argv.findIndex((a) => a === '--child' || a === '--child-deadlock');
if (ci >= 0) {
  child(Number(argv[ci + 1]), argv[ci] === '--child-deadlock');
} else {
  main(argv).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
