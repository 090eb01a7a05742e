/** `accelcheck check` and `accelcheck simulate`: run each target, report, write the first trace. */
import { dirname, relative, resolve } from 'node:path';
import { check } from '../explore/check.js';
import { bitArraysWithin, checkParallel, defaultWorkers, HANDOFF_FRONTIER, HANDOFF_STATES, MAX_WORKERS } from '../explore/parallel/check-parallel.js';
import { WorkerPool } from '../explore/parallel/pool.js';
import { parseShard, shardStrategy } from '../explore/shard.js';
import { simulate } from '../explore/simulate.js';
import type { CheckResult, ExploreOptions } from '../explore/types.js';
import type { Registry } from '../registry.js';
import { formatProgress, formatResult } from '../report/result.js';
import { styleFor } from '../report/style.js';
import { InputError, writeTrace } from '../trace/file.js';
import type { Checkpoint } from '../state/checkpoint.js';
import { readCheckpoint, writeCheckpoint } from '../state/checkpoint-file.js';
import { intOption, type Parsed } from './args.js';
import type { Io } from './io.js';
import { resolveTargets, type Target } from './resolve.js';

export async function runCommand(command: 'check' | 'simulate', args: Parsed, io: Io, registry: Registry, registryModule?: string): Promise<number> {
  const v = args.values;
  if (args.positionals.length > 1) throw new InputError(`${command}: expected at most one MODEL, got ${args.positionals.join(' ')}`);
  const strategy = v.strategy as string | undefined;
  if (strategy !== undefined && strategy !== 'bfs' && strategy !== 'dfs') throw new InputError(`--strategy must be bfs or dfs, got '${strategy}'`);
  const explore: ExploreOptions = {
    maxStates: intOption(v, 'max-states', 1),
    maxDepth: intOption(v, 'max-depth', 0),
    deadlock: !v['no-deadlock'],
    invariants: v.invariant as string[] | undefined,
  };
  // check only (not declared for simulate): the bitstate store's 2^bits bits, the memory limit in MB, symmetry reduction.
  const storage = { bitstate: intOption(v, 'bitstate', 10, 36), memoryMB: intOption(v, 'memory', 1), symmetry: v.symmetry === true };
  // check: a checkpoint to write when a bound stops the run, or one to go on from (one thread, BFS).
  const checkpointPath = v.checkpoint as string | undefined;
  const resumePath = v.resume as string | undefined;
  const checkpoints = checkpointPath !== undefined || resumePath !== undefined;
  if (checkpoints && v.workers !== undefined && v.workers !== '1') throw new InputError('--checkpoint and --resume run on one thread: leave out --workers (or give --workers 1)');
  // check: parts (this thread and workers) for BFS (default: the machine's cores, once a search is large, and no more
  // parts than the memory limit holds bit arrays for); DFS runs on one thread.
  const fit = storage.bitstate !== undefined && storage.memoryMB !== undefined ? Math.max(1, bitArraysWithin(storage.bitstate, storage.memoryMB)) : MAX_WORKERS;
  const workers = command === 'check' && !checkpoints ? (intOption(v, 'workers', 1, MAX_WORKERS) ?? Math.min(defaultWorkers(), fit)) : 1;
  const seed = intOption(v, 'seed', 0, 0xffffffff);
  // --shard I/N: this run is part I of a swarm of N (explore/shard.ts); check's --seed seeds its diversification.
  const shard = shardOption(v.shard as string | undefined);
  if (command === 'check' && seed !== undefined && !shard) throw new InputError('check: --seed diversifies a --shard; without --shard, check has nothing to seed');
  const walks = intOption(v, 'walks', 1);
  const path = v.path as string | undefined;
  if (path !== undefined && !/^\d+(:\d+)*$/.test(path)) throw new InputError(`--path must be fast-check's counterexample path, like 12:0:3, got '${path}'`);
  const out = v.out as string | undefined;
  const targets = await resolveTargets(
    registry,
    { model: args.positionals[0], scenario: v.scenario as string | undefined, mutant: v.mutant as string | undefined, sets: v.set as string[] | undefined, registryModule },
    io.cwd,
  );
  if (checkpoints && targets.length !== 1) throw new InputError(`--checkpoint and --resume take one run: name the model and scenario (this command runs ${targets.length})`);
  const resume = resumePath !== undefined ? readCheckpoint(resolve(io.cwd, resumePath)) : undefined;
  // Validate invariant names against every target before running anything.
  for (const t of targets) {
    for (const name of explore.invariants ?? []) {
      if (!t.model.invariants.some((i) => i.name === name)) {
        throw new InputError(`${t.title} has no invariant '${name}' (invariants: ${t.model.invariants.map((i) => i.name).join(', ') || 'none'})`);
      }
    }
  }
  const style = styleFor(io.stdout, io.env);
  const errStyle = styleFor(io.stderr, io.env);
  let found = false;
  let written = false;
  // One pool of worker threads for every target of the command, started on first use (near a handoff).
  let pool: WorkerPool | undefined;
  try {
    for (const t of targets) {
      const onProgress = v.quiet ? undefined : (p: Parameters<NonNullable<ExploreOptions['onProgress']>>[0]) => io.stderr.write(`${formatProgress(p, errStyle)}\n`);
      const source = sourceFor(t, out, io.cwd);
      let checkpoint: Checkpoint | undefined;
      const checkOptions = {
        ...explore,
        ...storage,
        strategy: strategy as 'bfs' | 'dfs' | undefined,
        minimize: v.minimize === true,
        onProgress,
        shard: shard && { ...shard, seed },
        resume,
        onCheckpoint: checkpointPath !== undefined ? (c: Checkpoint) => (checkpoint = c) : undefined,
      };
      // BFS on worker threads; DFS (and a shard that searches depth-first) stays on this one.
      const parallel = command === 'check' && workers > 1 && (strategy ?? (shard ? shardStrategy(storage) : 'bfs')) === 'bfs' && t.origin !== undefined;
      // --workers N: N parts from the first state. By default, the machine's cores once the search is
      // large (HANDOFF_STATES): smaller runs are faster on one thread, and start no worker.
      const openPool = () => (pool ??= WorkerPool.launch(workers));
      const handoff = v.workers === undefined ? { handoffAt: HANDOFF_STATES, handoffFrontier: HANDOFF_FRONTIER } : {};
      const result: CheckResult =
        parallel
          ? await checkParallel(t.model, { ...checkOptions, workers, source: t.origin, pool: openPool, ...handoff }, { source })
          : command === 'check'
          ? { ...check(t.model, checkOptions, { source }), workers: 1 }
          : simulate(t.model, { ...explore, seed, walks, path, shrink: !v['no-shrink'], swarm: !v['no-swarm'], onProgress, shard }, { source });
      if (checkpoint) {
        writeCheckpoint(resolve(io.cwd, checkpointPath!), checkpoint);
        if (!v.quiet) {
          io.stderr.write(
            `checkpoint written to ${checkpointPath} (${checkpoint.at.states} states stored, ${checkpoint.at.frontier} to expand) · go on: the same command with --resume ${checkpointPath} and a larger --memory or --max-states\n`,
          );
        }
      } else if (checkpointPath !== undefined && !v.quiet && result.ok) {
        io.stderr.write(`no bound stopped the run: no checkpoint written to ${checkpointPath}\n`);
      }
      let tracePath: string | undefined;
      if (result.violation) {
        found = true;
        if (out && !written) {
          writeTrace(resolve(io.cwd, out), result.violation.trace);
          written = true;
          tracePath = out;
        }
      }
      if (v.json) {
        io.stdout.write(`${JSON.stringify({ ...result, scenario: t.scenario ?? null, mutant: t.mutant })}\n`);
      } else {
        const reproduce = command === 'simulate' && result.violation ? reproduceCommand(t, v, result, io.cwd) : undefined;
        const title = shard ? `${t.title} (shard ${shard.index}/${shard.count})` : t.title;
        io.stdout.write(`${formatResult(result, { title, mutant: t.mutant }, style, { tracePath, replayHint: tracePath ? `accelcheck replay ${tracePath}` : undefined, reproduce })}\n`);
      }
    }
  } finally {
    await pool?.close();
  }
  if (out && !found && !v.quiet) io.stderr.write(`no violation: nothing written to ${out}\n`);
  return found ? 1 : 0;
}

/** `--shard I/N`, 1-based as vitest's and playwright's. */
function shardOption(raw: string | undefined): { index: number; count: number } | undefined {
  if (raw === undefined) return undefined;
  const shard = parseShard(raw);
  if (!shard) throw new InputError(`--shard must be I/N with 1 ≤ I ≤ N (e.g. 2/4), got '${raw}'`);
  return shard;
}

/** The command line that goes straight to a simulate finding: the same target, seed and fast-check path. */
function reproduceCommand(t: Target, v: Parsed['values'], r: CheckResult, cwd: string): string {
  const quote = (x: string): string => (/^[\w./:=,@+-]+$/.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`);
  const parts = ['accelcheck', 'simulate', t.source ? relative(cwd, t.source) || t.source : t.title.split('/')[0]];
  if (t.scenario) parts.push('--scenario', t.scenario);
  if (t.mutant) parts.push('--mutant', t.mutant);
  for (const s of (v.set as string[] | undefined) ?? []) parts.push('--set', s);
  for (const i of (v.invariant as string[] | undefined) ?? []) parts.push('--invariant', i);
  if (v['max-depth'] !== undefined) parts.push('--max-depth', String(v['max-depth']));
  if (v['no-deadlock']) parts.push('--no-deadlock');
  if (v['no-swarm']) parts.push('--no-swarm');
  parts.push('--seed', String(r.seed));
  if (r.path) parts.push('--path', r.path);
  return parts.map(quote).join(' ');
}

/** For a user's module: its path relative to where the trace file goes, so the pair can move together. */
function sourceFor(t: Target, out: string | undefined, cwd: string): string | undefined {
  if (!t.source) return undefined;
  const dir = out ? dirname(resolve(cwd, out)) : cwd;
  return relative(dir, t.source) || t.source;
}
