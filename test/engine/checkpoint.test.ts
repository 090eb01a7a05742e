/**
 * Checkpoints (state/checkpoint.ts, explore/bfs.ts): a BFS stopped by the state bound or the
 * memory limit hands over a checkpoint; resuming it, once or many times, ends exactly as the
 * uninterrupted run (states, transitions, depth, the same counterexample); a checkpoint of
 * another run, or a damaged file, is refused with one line naming why.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, replay, type CheckOptions, type CheckResult, type Model } from '../../src/index.js';
import { buildEntry } from '../../src/cli/resolve.js';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/state/checkpoint.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { registry } from '../../models/index.js';
import { cli } from '../cli/harness.js';
import { scratch } from '../support/scratch.js';

const roundTrip = (c: Checkpoint): Checkpoint => decodeCheckpoint(Buffer.concat(encodeCheckpoint(c)));
const figures = (r: CheckResult) => ({ ok: r.ok, states: r.states, transitions: r.transitions, depth: r.depth, complete: r.complete });
const steps = (r: CheckResult) => r.violation?.trace.steps.map((s) => s.action);

/** Run `model` in slices of `slice` states, each resuming the last one's checkpoint (through its bytes). */
function inSlices(model: Model, options: CheckOptions, slice: number): { result: CheckResult; slices: number } {
  let resume: Checkpoint | undefined;
  for (let k = 1; ; k++) {
    let taken: Checkpoint | undefined;
    const result = check(model, { ...options, maxStates: k * slice, resume, onCheckpoint: (c) => (taken = c) });
    if (!taken) return { result, slices: k };
    expect(result).toMatchObject({ complete: false, bound: 'max-states', checkpointed: true });
    resume = roundTrip(taken);
  }
}

function system(scenario: string, mutant: string | null = null): Model {
  const entry = registry.models.find((m) => m.name === 'system')!;
  const set = entry.mutants.find((m) => m.name === mutant)?.set ?? {};
  return buildEntry(entry, { ...entry.scenarios.find((s) => s.name === scenario)!.config, ...set }, mutant, scenario);
}

describe('resuming ends as the uninterrupted run', () => {
  it('philosophers(12) in slices of 5,000 states: every state and transition, once', () => {
    const full = check(philosophers(12), { deadlock: false });
    const { result, slices } = inSlices(philosophers(12), { deadlock: false }, 5000);
    expect(slices).toBe(8);
    expect(figures(result)).toEqual(figures(full));
    expect(result.resumed!.states).toBe(35000);
  });

  it('the deadlock of philosophers(10), found after two resumes, is the same shortest trace', () => {
    const full = check(philosophers(10));
    const { result } = inSlices(philosophers(10), {}, 2000);
    expect(result.violation!.kind).toBe('deadlock');
    expect(steps(result)).toEqual(steps(full));
  });

  it('a system mutant found after resuming: the same invariant and trace, which replays', () => {
    const model = system('migrate', 'drain-keeps-filters');
    const full = check(model);
    const { result, slices } = inSlices(model, {}, 400);
    expect(slices).toBeGreaterThan(1);
    expect(result.violation!.name).toBe(full.violation!.name);
    expect(steps(result)).toEqual(steps(full));
    expect(replay(model, result.violation!.trace).status).toBe('reproduced');
  });

  it('with symmetry and with a bitstate store', () => {
    for (const options of [{ symmetry: true }, { bitstate: 20 }] as CheckOptions[]) {
      const full = check(philosophers(10), { deadlock: false, ...options });
      const { result } = inSlices(philosophers(10), { deadlock: false, ...options }, 100);
      expect(figures(result)).toEqual(figures(full));
    }
  });

  it('a memory limit hands over a checkpoint too', () => {
    let taken: Checkpoint | undefined;
    const r = check(philosophers(14), { deadlock: false, memoryMB: 1, onCheckpoint: (c) => (taken = c) });
    expect(r).toMatchObject({ bound: 'memory', checkpointed: true });
    const full = check(philosophers(14), { deadlock: false });
    expect(figures(check(philosophers(14), { deadlock: false, resume: roundTrip(taken!) }))).toEqual(figures(full));
  });

  it('a run that no bound stops hands over nothing', () => {
    let taken: Checkpoint | undefined;
    const r = check(philosophers(5), { deadlock: false, onCheckpoint: (c) => (taken = c) });
    expect(r.checkpointed).toBe(false);
    expect(taken).toBeUndefined();
  });
});

describe('a checkpoint of another run, or not a checkpoint', () => {
  let taken: Checkpoint | undefined;
  check(philosophers(8), { deadlock: false, maxStates: 100, onCheckpoint: (c) => (taken = c) });
  const cp = taken!;

  it('another model, configuration, deadlock setting, symmetry, store or strategy', () => {
    expect(() => check(philosophers(7), { deadlock: false, resume: cp })).toThrow(/its config is \{"n":8\}, this run's is \{"n":7\}/);
    expect(() => check(philosophers(8), { resume: cp })).toThrow(/its deadlock is false/);
    expect(() => check(philosophers(8), { deadlock: false, symmetry: true, resume: cp })).toThrow(/its symmetry is false/);
    expect(() => check(philosophers(8), { deadlock: false, bitstate: 20, resume: cp })).toThrow(/its store is \{"kind":"exact"\}/);
    expect(() => check(philosophers(8), { deadlock: false, strategy: 'dfs', resume: cp })).toThrow(/taken and resumed by BFS/);
  });

  it('a checkpoint goes on once (the run takes its store over), and only with the shard it was taken of', () => {
    const again = roundTrip(cp);
    expect(check(philosophers(8), { deadlock: false, resume: again })).toMatchObject({ complete: true, states: 1154 });
    expect(() => check(philosophers(8), { deadlock: false, resume: again })).toThrow(/resumed already/);
    const shard = { index: 2, count: 4, seed: 7 };
    let sharded: Checkpoint | undefined;
    check(philosophers(8), { deadlock: false, strategy: 'bfs', shard, maxStates: 100, onCheckpoint: (c) => (sharded = c) });
    expect(() => check(philosophers(8), { deadlock: false, resume: roundTrip(sharded!) })).toThrow(/its shard is \{"index":2,"seed":7\}, this run's is null/);
    expect(check(philosophers(8), { deadlock: false, strategy: 'bfs', shard, resume: roundTrip(sharded!) })).toMatchObject({ complete: true, states: 1154 });
  });

  it('damaged, truncated, of another version, or something else entirely', () => {
    const bytes = Buffer.concat(encodeCheckpoint(cp));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5] ^= 0xff;
    expect(() => decodeCheckpoint(flipped)).toThrow(/damaged \(checksum mismatch\)/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 64))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(Buffer.from('{"format":"accelcheck-trace"}'))).toThrow(/not an accelcheck checkpoint/);
    const newer = Buffer.from(bytes.toString('latin1').replace('"version":1', '"version":9'), 'latin1');
    expect(() => decodeCheckpoint(newer)).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(newer)).toThrow(/version 9 is not supported/);
  });
});

describe('accelcheck check --checkpoint / --resume', () => {
  it('writes a checkpoint when the bound stops the run, and goes on from it', async () => {
    const dir = scratch();
    const a = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--max-states', '100', '--checkpoint', 'cp.bin'], { cwd: dir });
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/^checkpoint written to cp\.bin \(100 states stored, \d+ to expand\) · go on: the same command with --resume cp\.bin/m);
    const b = await cli(['check', 'philosophers', '--scenario', 'n6', '--no-deadlock', '--resume', 'cp.bin', '--json'], { cwd: dir });
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ states: 198, complete: true, resumed: { states: 100 } });
  });

  it('bad uses: exit 2, one line', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'junk.bin'), 'not a checkpoint at all');
    const cases: [string[], RegExp][] = [
      [['check', 'philosophers', '--resume', 'junk.bin'], /junk\.bin: not an accelcheck checkpoint/],
      [['check', 'philosophers', '--resume', 'missing.bin'], /cannot read checkpoint .*missing\.bin: ENOENT/],
      [['check', 'philosophers', '--checkpoint', 'cp.bin', '--workers', '2'], /run on one thread/],
      [['check', '--checkpoint', 'cp.bin'], /take one run: name the model and scenario/],
      [['check', 'philosophers', '--strategy', 'dfs', '--checkpoint', 'cp.bin'], /taken and resumed by BFS/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv, { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
  });
});
