/**
 * Runs the calibration model in SPIN (shared/bench/calibration.md: one process, each action one
 * d_step, breadth-first) and parses what pan prints.
 *
 * Build (timed as compileMs: `spin -a` plus gcc), in a fresh directory under os.tmpdir():
 *   gcc -O2 -DBFS -DSAFETY -DNOCLAIM -DNOFAIR -DNOREDUCE -DMEMLIM=<MB> -DVECTORSZ=1024
 *   -O2         the optimisation level SPIN's documentation uses for pan.
 *   -DBFS       single-core breadth-first search (not -DBFS_PAR), like our engine's BFS.
 *   -DSAFETY    safety search only (no cycle detection), as ours.
 *   -DNOCLAIM   no never claim; -DNOFAIR no weak-fairness code.
 *   -DNOREDUCE  no partial-order reduction, so SPIN explores the full state graph as we do (with
 *               one process it would reduce nothing, but this makes the equality a guarantee).
 *   -DMEMLIM    SPIN's own allocation limit in MB (the caller passes ~80% of free memory).
 *   -DVECTORSZ=1024  SPIN's default; the state vector is 2N+16 bytes, far below it, and
 *               stored states take their actual size, so the value does not change memory.
 *   No compression (-DCOLLAPSE, -DHC4) and no bitstate: full state vectors, as SPIN stores by default.
 * Run (timed as runMs, the wall time of the pan process alone):
 *   ./pan -E -n -m100000 -w<k>   (deadlock search: the same without -E)
 *   -E          do not report invalid end states: SPIN's deadlock check, off for the full count.
 *   -n          do not list unreached code (output only; the search is unchanged).
 *   -m100000    depth bound far above the model's depth (N), so nothing is truncated.
 *   -w<k>       hash table of 2^k slots; by default the caller sizes it so 2^k ≥ expected
 *               states (SPIN's own advice); without it pan uses its BFS default, -w24 (128 MB).
 * Peak RSS of pan comes from `/usr/bin/time -v` when present, else from polling VmHWM in /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { philosophersPromela } from './philosophers.js';

export const GCC_FLAGS = ['-O2', '-DBFS', '-DSAFETY', '-DNOCLAIM', '-DNOFAIR', '-DNOREDUCE', '-DVECTORSZ=1024'];
export const PAN_FLAGS = ['-E', '-n', '-m100000'];

export type SpinStatus = { ok: true; spin: string; gcc: string } | { ok: false; reason: string };

function version(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}

let status: SpinStatus | undefined;

/** Is SPIN usable? When spin or gcc is missing, tries `apt-get install` once (as root). */
export function spinStatus(): SpinStatus {
  if (status) return status;
  let spin = version('spin', ['-V']);
  let gcc = version('gcc', ['--version']);
  if ((!spin || !gcc) && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const pkgs = [...(spin ? [] : ['spin']), ...(gcc ? [] : ['gcc'])];
    process.stderr.write(`installing ${pkgs.join(' ')} with apt-get…\n`);
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', ...pkgs], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    spin = version('spin', ['-V']);
    gcc = version('gcc', ['--version']);
  }
  status = spin && gcc ? { ok: true, spin, gcc } : { ok: false, reason: `${spin ? 'gcc' : 'spin'} not found${process.getuid?.() === 0 ? ' (apt-get install failed)' : ''}` };
  return status;
}

export interface PanBuild {
  n: number;
  dir: string;
  compileMs: number;
  gccFlags: string[];
}

/** Write the model for n philosophers into a fresh temp dir, run `spin -a` and compile pan. */
export function buildPan(n: number, memlimMB: number): PanBuild {
  const dir = mkdtempSync(join(tmpdir(), `accelcheck-spin-${n}-`));
  writeFileSync(join(dir, 'philosophers.pml'), philosophersPromela(n));
  const gccFlags = [...GCC_FLAGS, `-DMEMLIM=${memlimMB}`];
  const started = performance.now();
  for (const [cmd, args] of [['spin', ['-a', 'philosophers.pml']], ['gcc', [...gccFlags, '-o', 'pan', 'pan.c']]] as const) {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`${cmd} failed: ${r.error?.message || r.stderr.trim() || r.stdout.trim()}`);
  }
  return { n, dir, compileMs: performance.now() - started, gccFlags };
}

export function removeBuild(b: PanBuild): void {
  rmSync(b.dir, { recursive: true, force: true });
}

interface Exec {
  stdout: string;
  wallMs: number;
  peakRssKB?: number;
}

const TIME = '/usr/bin/time';

/** Run a command, measuring its wall time and peak RSS (via /usr/bin/time -v, else /proc polling). */
function execMeasured(cmd: string, args: string[], cwd: string): Promise<Exec> {
  const timeFile = join(cwd, 'time.txt');
  const useTime = existsSync(TIME);
  const [file, argv] = useTime ? [TIME, ['-o', timeFile, '-v', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKB: number | undefined;
    const poll = useTime ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKB = Number(m[1]);
      } catch { /* exited between polls */ }
    }, 20);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (poll) clearInterval(poll);
      if (useTime) {
        const t = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(t);
        if (m) hwmKB = Number(m[1]);
      }
      if (!/states, stored/.test(stdout)) reject(new Error(`${cmd} exited ${code}: ${(stderr || stdout).trim().slice(0, 500)}`));
      else resolve({ stdout, wallMs, peakRssKB: hwmKB });
    });
  });
}

export interface PanRun {
  /** "states, stored": equals trace(M^N) for this model. */
  states: number;
  /** "transitions (= stored+matched)": our transition count + 1 (the initial state is one stored arrival). */
  transitions: number;
  depth: number;
  stateVectorBytes: number;
  /** Wall time of the pan process (ms), excluding compilation. */
  runMs: number;
  /** pan's own "elapsed time" (3 significant digits). */
  panSeconds: number;
  /** "total actual memory usage" (MB): states, queue and hash table as SPIN counts them. */
  memoryMB: number;
  /** "actual memory usage for states" (MB): stored states and BFS queue, without the hash table. */
  statesMemoryMB: number;
  hashTableMB: number;
  hashBits: number;
  peakRssMB?: number;
  /** Set when pan stopped at an invalid end state (deadlock search only). */
  invalidEndDepth?: number;
  complete: boolean;
  flags: string[];
}

function num(out: string, re: RegExp, what: string): number {
  const m = re.exec(out);
  if (!m) throw new Error(`pan output has no ${what}`);
  return Number(m[1]);
}

/** Run pan: the full count (deadlock false: -E) or the deadlock search. */
export async function runPan(b: PanBuild, opts: { deadlock?: boolean; hashBits?: number } = {}): Promise<PanRun> {
  const flags = [...PAN_FLAGS.filter((f) => !(opts.deadlock && f === '-E')), ...(opts.hashBits ? [`-w${opts.hashBits}`] : [])];
  const r = await execMeasured('./pan', flags, b.dir);
  const out = r.stdout;
  if (/out of memory|VECTORSZ too small/.test(out)) throw new Error(`pan: ${out.trim().split('\n').slice(0, 3).join(' ')}`);
  const end = /invalid end state \(at depth (\d+)\)/.exec(out);
  const hash = /([\d.]+)\s+memory used for hash table \(-w(\d+)\)/.exec(out);
  return {
    states: num(out, /([\d.e+]+) states, stored/, 'states stored'),
    transitions: num(out, /([\d.e+]+) transitions \(= stored\+matched\)/, 'transitions'),
    depth: num(out, /depth reached (\d+)/, 'depth'),
    stateVectorBytes: num(out, /State-vector (\d+) byte/, 'state vector'),
    runMs: r.wallMs,
    panSeconds: num(out, /pan: elapsed time ([\d.e+-]+) seconds/, 'elapsed time'),
    memoryMB: num(out, /([\d.]+)\s+total actual memory usage/, 'total memory'),
    statesMemoryMB: num(out, /([\d.]+)\s+actual memory usage for states/, 'state memory'),
    hashTableMB: hash ? Number(hash[1]) : 0,
    hashBits: hash ? Number(hash[2]) : 0,
    peakRssMB: r.peakRssKB === undefined ? undefined : r.peakRssKB / 1024,
    invalidEndDepth: end ? Number(end[1]) : undefined,
    complete: !/Search not completed/.test(out),
    flags,
  };
}

// Standalone: `npx tsx bench/spin/run.ts 4 10 16` prints SPIN's counts for those N.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = spinStatus();
  if (!s.ok) {
    console.log(`SPIN not available: ${s.reason}`);
  } else {
    const ns = process.argv.slice(2).map(Number);
    for (const n of ns.length ? ns : [4, 10, 16]) {
      const b = buildPan(n, 4096);
      try {
        const r = await runPan(b);
        console.log(`N=${n}: ${r.states} states stored, ${r.transitions} transitions (stored+matched), depth ${r.depth}, ` +
          `${(r.runMs / 1000).toFixed(3)} s, ${r.memoryMB} MB (-w${r.hashBits}), compile ${(b.compileMs / 1000).toFixed(2)} s`);
      } finally {
        removeBuild(b);
      }
    }
  }
}
