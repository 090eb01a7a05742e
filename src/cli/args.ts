/** Command-line options: parsed and validated once, at the boundary. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../trace/file.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const common: Options = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

const run: Options = {
  ...common,
  scenario: { type: 'string' },
  mutant: { type: 'string' },
  set: { type: 'string', multiple: true },
  invariant: { type: 'string', multiple: true },
  'max-states': { type: 'string' },
  'max-depth': { type: 'string' },
  'no-deadlock': { type: 'boolean' },
  out: { type: 'string', short: 'o' },
};

export const commandOptions: Record<string, Options> = {
  check: {
    ...run,
    strategy: { type: 'string' },
    minimize: { type: 'boolean' },
    workers: { type: 'string' },
    bitstate: { type: 'string' },
    memory: { type: 'string' },
    symmetry: { type: 'boolean' },
    checkpoint: { type: 'string' },
    resume: { type: 'string' },
    shard: { type: 'string' },
    seed: { type: 'string' },
  },
  simulate: { ...run, seed: { type: 'string' }, walks: { type: 'string' }, path: { type: 'string' }, 'no-shrink': { type: 'boolean' }, 'no-swarm': { type: 'boolean' }, shard: { type: 'string' } },
  replay: { ...common, model: { type: 'string' }, step: { type: 'string' } },
  convert: { ...common },
  merge: { ...common, out: { type: 'string', short: 'o' } },
  list: { ...common },
  diagram: { ...common, out: { type: 'string', short: 'o' } },
};

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(command: string, argv: string[]): Parsed {
  const options = commandOptions[command];
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option '(.*)'$/, 'unknown option $1');
    throw new InputError(`${command}: ${msg.charAt(0).toLowerCase()}${msg.slice(1)}`);
  }
}

/** An integer option: `--max-states 1e6` and `--max-states 1_000_000` are accepted. */
export function intOption(values: Parsed['values'], name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(String(raw).replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError(`--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got '${raw}'`);
  }
  return n;
}

export const HELP = `accelcheck — model checking for the Xen accelerated network path

Usage:
  accelcheck check [MODEL] [options]      exhaustive search (BFS by default); no MODEL: every small default scenario
  accelcheck simulate [MODEL] [options]   seeded random walks, for spaces too large to exhaust
  accelcheck replay FILE [--model PATH]   re-execute a trace step by step; exits 1 at the recorded violation
  accelcheck convert IN OUT               between accelcheck traces and ITF (OUT ending .itf.json: to ITF)
  accelcheck list [--json]                models, scenarios, invariants and mutants
  accelcheck diagram [MODEL] [--out FILE] each component's control machine as Mermaid (Markdown)
  accelcheck merge FILE… [--out DIR]      one verdict from the --json results of shards (or any runs); DIR: counterexample traces

MODEL is a built-in model name or a path to a .ts/.mts/.js/.mjs module whose default export is a model.

Options (check, simulate):
  --scenario NAME        a named configuration of the model (see list)
  --mutant NAME          re-introduce one known bug (see list)
  --set key=value        override one scenario setting (repeatable)
  --invariant NAME       check only this invariant (repeatable)
  --strategy bfs|dfs     search order (check; default bfs: shortest counterexamples)
  --max-states N         stop after N distinct states (result: complete false)
  --max-depth N          do not go beyond N steps (simulate: walk length, default 100)
  --workers N            check (BFS): N parts, this thread and N − 1 worker threads (1–64); default: the machine's
                         cores take over once a search passes 250,000 states
  --bitstate BITS        check: keep states as 3 bits each in a 2^BITS-bit array (10–36; 30 = 128 MiB),
                         SPIN's supertrace: far less memory, but states may be missed (the estimate is printed)
  --memory MB            check: stop cleanly (complete false) when store + queue or the process RSS exceed MB
  --checkpoint FILE      check: when --memory or --max-states stops the BFS, write FILE to go on from (one thread)
  --resume FILE          check: go on from a checkpoint of the same model, scenario and settings (one thread)
  --symmetry             check: symmetry reduction over interchangeable guests (where the model declares it)
  --minimize             check: shorten the counterexample (delta debugging, each candidate re-executed)
  --seed N, --walks N    simulate: seed (default 1) and number of walks (default 1000)
  --shard I/N            run part I of a swarm of N (1 ≤ I ≤ N): check permutes the action order (and bitstate hashes;
                         DFS by default under --max-states/--bitstate/--memory; --seed N seeds it), simulate derives its
                         seed from (seed, I); --json then carries the shard and a sketch of the states, for merge
  --path P               simulate: replay fast-check's counterexample path P (printed with a finding)
  --no-shrink            simulate: keep the failing walk as found
  --no-swarm             simulate: draw among all enabled actions (default: each walk favours a random half)
  --no-deadlock          do not report states without enabled actions
  --out FILE             write the counterexample trace to FILE (FILE.itf.json: in ITF)
  --json                 one JSON result object per run on stdout (progress stays on stderr)
  --quiet                no progress lines
  --debug                stack traces for errors

Options (merge):
  --out DIR              write each distinct counterexample (shortest of each kind and name) as a trace file in DIR
  --json                 the merged verdict as one JSON object

Options (replay):
  --model PATH           the model module, for a trace of your own model
  --step K               print the whole state after step K (0: the initial state)
  --json                 the replay as one JSON object

Exit codes: 0 no violation, 1 violation found (replay: reproduced), 2 bad input or usage.`;
