/**
 * Bitstate bench: the exact fingerprint store against bitstate hashing (--bitstate 27 and 30)
 * on the calibration model (philosophers N = 14 and 16, deadlock false) and system/default.
 * Each run is a BFS `check` in a child node process of its own (this file with `--child`), so
 * that one store's type feedback and garbage do not slow the next. Printed per run: states,
 * seconds (the engine's durationMs), states/s, bytes per state ((store + peak queue) / states,
 * and the store's share alone) and the expected number of missed states (bitstate; for the
 * exact store, the fingerprint collision probability n²/2⁶⁵ instead). Figures only, nothing
 * asserted, except that a bitstate run never finds more states than the exact one.
 *
 * Usage: bitstate [--json]
 */
import { runOnce } from './report.js';
import { fileURLToPath } from 'node:url';
import { check, type Model } from '../src/index.js';
import { buildEntry } from '../src/cli/resolve.js';
import { philosophers } from '../models/calibration/philosophers.js';
import { registry } from '../models/index.js';

interface Row {
  target: string;
  store: string;
  states: number;
  transitions: number;
  durationMs: number;
  complete: boolean;
  storeBytes: number;
  queuePeakBytes: number;
  expectedMissed?: number;
  probabilityAnyMissed?: number;
  hashFactor?: number;
  collisionProbability?: number;
}

const TARGETS = ['philosophers-14', 'philosophers-16', 'system-default'];
const STORES: (number | undefined)[] = [undefined, 27, 30];

function build(target: string): { model: Model; deadlock: boolean } {
  if (target.startsWith('philosophers-')) return { model: philosophers(Number(target.slice(13))) as Model, deadlock: false };
  const entry = registry.models.find((m) => m.name === 'system')!;
  const scenario = target.slice('system-'.length);
  const config = entry.scenarios.find((s) => s.name === scenario)!.config;
  return { model: buildEntry(entry, { ...config }, null, `system/${scenario}`) as Model, deadlock: true };
}

function child(target: string, bits: number | undefined): void {
  const { model, deadlock } = build(target);
  const r = check(model, { strategy: 'bfs', deadlock, bitstate: bits });
  const row: Row = {
    target,
    store: bits === undefined ? 'exact' : `bitstate 2^${bits}`,
    states: r.states,
    transitions: r.transitions,
    durationMs: r.durationMs,
    complete: r.complete,
    storeBytes: r.memory!.storeBytes,
    queuePeakBytes: r.memory!.queuePeakBytes,
    collisionProbability: r.collisionProbability,
  };
  if (r.omission) {
    row.expectedMissed = r.omission.expectedMissed;
    row.probabilityAnyMissed = r.omission.probabilityAnyMissed;
    row.hashFactor = r.omission.hashFactor;
  }
  if (!r.ok) throw new Error(`${target}: unexpected violation ${r.violation!.name}`);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

function runChild(target: string, bits: number | undefined): Row {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', target, bits === undefined ? 'exact' : String(bits)];
  return runOnce<Row>(args, `child ${target} ${bits ?? 'exact'}`);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padEnd(n) : s.padStart(n);
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    child(argv[1], argv[2] === 'exact' ? undefined : Number(argv[2]));
    return;
  }
  const rows: Row[] = [];
  let bad = false;
  for (const target of TARGETS) {
    let exact: Row | undefined;
    for (const bits of STORES) {
      const row = runChild(target, bits);
      rows.push(row);
      if (bits === undefined) exact = row;
      else if (exact && row.states > exact.states) {
        process.stderr.write(`MISMATCH: ${target} ${row.store} found ${row.states} states, more than the exact store's ${exact.states}\n`);
        bad = true;
      }
    }
  }
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const head = ['target', 'store', 'states', 'seconds', 'states/s', 'bytes/state', 'store B/state', 'hash factor', 'expected missed', 'P(any missed)'];
    const widths = [16, 14, 10, 8, 10, 12, 14, 12, 16, 14];
    process.stdout.write(`${head.map((h, i) => pad(h, widths[i], i < 2)).join('  ')}\n`);
    for (const r of rows) {
      const cells = [
        r.target,
        r.store,
        r.states.toLocaleString('en-US'),
        (r.durationMs / 1000).toFixed(2),
        Math.round((r.states * 1000) / Math.max(1, r.durationMs)).toLocaleString('en-US'),
        ((r.storeBytes + r.queuePeakBytes) / r.states).toFixed(1),
        (r.storeBytes / r.states).toFixed(1),
        r.hashFactor === undefined ? '—' : Math.round(r.hashFactor).toLocaleString('en-US'),
        r.expectedMissed === undefined ? '—' : r.expectedMissed.toExponential(2),
        r.probabilityAnyMissed === undefined ? `(fp ${r.collisionProbability!.toExponential(1)})` : r.probabilityAnyMissed.toExponential(2),
      ];
      process.stdout.write(`${cells.map((c, i) => pad(c, widths[i], i < 2)).join('  ')}\n`);
    }
    process.stdout.write('bytes/state: (store + peak queue) / states; store B/state: the store alone (bitstate: the whole 2^BITS-bit array + 8 bytes of links).\n');
    process.stdout.write('expected missed: states taken as seen by a bitstate false positive (not those reachable only through them); exact store: fingerprint collision probability.\n');
  }
  if (bad) process.exitCode = 1;
}

main();
