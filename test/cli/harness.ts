/**
 * Run the CLI in-process, capturing stdout, stderr and the exit code. Worker threads load this
 * module too (`cli(…, { workers: true })`), outside vitest: it must not import vitest.
 */
import { main } from '../../src/cli/main.js';
import type { Registry } from '../../src/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { grid } from '../engine/small-models.js';

export const testRegistry: Registry = {
  defaults: ['philosophers'],
  models: [
    {
      name: 'philosophers',
      description: 'calibration model',
      scenarios: [
        { name: 'n4', size: 'small', description: 'four', config: { n: 4 } },
        { name: 'n6', size: 'small', description: 'six', config: { n: 6 } },
        { name: 'n16', size: 'medium', description: 'sixteen', config: { n: 16 } },
      ],
      mutants: [],
      invariants: [{ name: 'forksConsistent', ref: 'calibration', statement: 'forks match their holders' }],
      build: (c) => philosophers(c.n as number),
    },
    {
      name: 'grid',
      description: 'two counters',
      scenarios: [{ name: 'plain', size: 'small', description: 'a and b up to 2', config: { checked: true } }],
      mutants: [{ name: 'unchecked', ref: 'T-1', description: 'drops the invariant', breaks: [] }],
      invariants: [{ name: 'sumBelow4', ref: 'T1', statement: 'a + b stays below 4' }],
      build: (c, mutant) => {
        if (typeof c.checked !== 'boolean') throw new Error(`setting 'checked' must be a boolean`);
        return grid(c.checked && mutant === null);
      },
    },
  ],
};

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}


/** The test registry under the name worker threads load it by (`check --workers`, with `workers: true` below). */
export const registry = testRegistry;

/** Run the CLI; `workers: true` lets `check` rebuild built-in models in worker threads (from this module). */
export async function cli(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; workers?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
  };
  const code = await main(argv, testRegistry, io, opts.workers ? { registryModule: import.meta.url } : {});
  return { code, stdout, stderr };
}
