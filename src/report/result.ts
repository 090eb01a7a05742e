/** Summaries of check and simulate results for people. */
import type { ChalkInstance } from 'chalk';
import type { CheckResult, Progress } from '../explore/types.js';
import { bytes, count, rate, seconds } from './style.js';
import { formatSteps, stepsOf } from './trace.js';

export interface RunLabel {
  /** e.g. `handshake/default` or a file path. */
  title: string;
  mutant?: string | null;
}

/** "invariant X violated", "deadlock" or "error in X". */
export function violationTitle(v: { kind: string; name: string }, style: ChalkInstance): string {
  return v.kind === 'invariant' ? `invariant ${style.bold(v.name)} violated` : v.kind === 'deadlock' ? 'deadlock' : `error in ${style.bold(v.name)}`;
}

export function formatResult(r: CheckResult, label: RunLabel, style: ChalkInstance, opts: { tracePath?: string; replayHint?: string; reproduce?: string } = {}): string {
  const lines: string[] = [];
  const mutant = label.mutant ? style.magenta(` [mutant ${label.mutant}]`) : '';
  // A resumed run's rate is of the states it found itself.
  const found = r.states - (r.resumed?.states ?? 0);
  const perSecond = r.durationMs > 0 ? (found * 1000) / r.durationMs : found;
  const figures = [
    `${count(r.states)} states`,
    `${count(r.transitions)} transitions`,
    `depth ${r.depth}`,
    seconds(r.durationMs),
    `${rate(perSecond)} states/s`,
  ];
  if (r.workers !== undefined && r.workers > 1) figures.push(`${r.workers} workers`);
  if (r.walks !== undefined) figures.push(`${count(r.walks)} walks, seed ${r.seed}`);
  const coverage = r.omission && r.complete && !r.omission.exhaustive
    ? style.yellow('explored graph complete, not exhaustive (bitstate)')
    : r.complete
    ? style.green('complete')
    : style.yellow(r.strategy === 'random' ? 'random walks (not exhaustive)' : r.bound ? `incomplete: stopped by ${r.bound}` : 'incomplete');
  if (r.ok) {
    lines.push(`${style.green('✔')} ${style.bold(label.title)}${mutant} ${r.strategy}: no violation · ${figures.join(' · ')} · ${coverage}`);
  } else {
    const v = r.violation!;
    const m = r.minimized;
    const shortened = m ? ` (${m.by === 'fast-check' ? 'shrunk by fast-check' : 'minimized'} from ${m.from})` : '';
    const after = `after ${v.trace.steps.length} step${v.trace.steps.length === 1 ? '' : 's'}${shortened}`;
    lines.push(`${style.red('✘')} ${style.bold(label.title)}${mutant} ${r.strategy}: ${style.red(violationTitle(v, style))} ${after} · ${figures.join(' · ')}`);
    if (v.statement || v.ref) lines.push(`  ${style.dim([v.ref, v.statement].filter(Boolean).join(' · '))}`);
    lines.push(`  ${v.message}`);
    lines.push(...formatSteps(stepsOf(v.trace), style, '  '));
    if (v.kind === 'error' && v.trace.violation.action) lines.push(`  ${style.red('→')} ${style.yellow(v.trace.violation.action)} throws`);
    if (opts.tracePath) lines.push(`  trace written to ${opts.tracePath}${opts.replayHint ? ` · replay: ${opts.replayHint}` : ''}`);
    if (opts.reproduce) lines.push(`  seed ${r.seed}${r.path ? `, fast-check path ${r.path}` : ''} · reproduce: ${opts.reproduce}`);
  }
  if (r.bound === 'memory' && r.memory?.limitBytes !== undefined) {
    const m = r.memory;
    lines.push(style.yellow(`  memory limit of ${bytes(m.limitBytes!)} reached (store ${bytes(m.storeBytes)}, queue ${bytes(m.queuePeakBytes)}, RSS ${bytes(m.rssBytes ?? 0)}): not every state was explored; raise --memory, or try --bitstate`));
  }
  if (r.omission && r.ok) {
    const o = r.omission;
    const what = `bitstate 2^${o.bits} bits × ${o.hashes}, hash factor ${o.hashFactor >= 100 ? count(o.hashFactor) : o.hashFactor.toFixed(1)}`;
    const p = o.probabilityAnyMissed < 1e-3 ? o.probabilityAnyMissed.toExponential(1) : o.probabilityAnyMissed.toPrecision(2);
    lines.push(o.exhaustive
      ? style.dim(`  ${what}: P(any state missed) ≈ ${p}, negligible`)
      : style.yellow(`  bitstate: up to ≈${approx(o.expectedMissed)} states may have been missed (P(any missed) ≈ ${p}), plus any reachable only through them · ${what}`));
  }
  if (r.resumed) lines.push(style.dim(`  resumed from a checkpoint of ${count(r.resumed.states)} states and ${count(r.resumed.transitions)} transitions (included above)`));
  if (r.symmetry !== undefined) {
    lines.push(style.dim(r.symmetry ? '  symmetry reduction: states counts symmetry classes (representatives)' : '  symmetry: this model (scenario) declares none, every state counted'));
  }
  if (r.parts) {
    const shares = r.parts.map((p) => `${count(p.states)}${p.waitedMs >= 100 ? ` (waited ${seconds(p.waitedMs)})` : ''}`);
    lines.push(style.dim(`  states per worker: ${shares.join(' · ')}`));
  }
  if (r.invariants.length) lines.push(style.dim(`  invariants checked (${r.invariants.length}): ${r.invariants.join(', ')}`));
  else lines.push(style.dim('  no invariants declared (deadlocks and errors only)'));
  if (r.memory && r.states > 1000) {
    lines.push(style.dim(`  store ${bytes(r.memory.storeBytes)}, queue peak ${bytes(r.memory.queuePeakBytes)}, ${r.memory.bytesPerState} bytes/state; fingerprint collision probability ≤ ${r.collisionProbability?.toExponential(1)}`));
  }
  return lines.join('\n');
}

/** An expected count: 3.2e-4, 0.42, 17, 1,234. */
function approx(n: number): string {
  return n < 0.01 ? n.toExponential(1) : n < 10 ? n.toFixed(2) : count(n);
}

/** One progress line (stderr), like TLC's. */
export function formatProgress(p: Progress, style: ChalkInstance): string {
  return style.dim(
    `  … ${count(p.states)} states · ${count(p.transitions)} transitions · depth ${p.depth} · queue ${count(p.queue)} · ${rate(p.statesPerSecond)} states/s · ${seconds(p.elapsedMs)}`,
  );
}
