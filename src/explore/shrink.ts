/**
 * Shorter counterexamples by delta debugging over the action list (Zeller's ddmin, one-sided):
 * remove a chunk of steps, re-execute the rest from the state before the chunk — skipping
 * steps that are no longer enabled — and keep the candidate when it still shows the same
 * finding. Chunks halve from half the walk down to single steps; the result is 1-minimal (no
 * single step can be taken out). fast-check's walk arbitrary shrinks through the same
 * candidates, and `check --minimize` runs them to a fixpoint here.
 */
import type { WalkRun, Walker, Target } from './walk.js';
import { sameFinding } from './walk.js';

/** A shorter walk and the chunk size that produced it (where the next round starts). */
export interface Candidate<S> {
  run: WalkRun<S>;
  size: number;
}

/** The steps a walk re-executes to show its finding: its path, and the step that throws, if one does. */
export function stepsOf<S>(run: WalkRun<S>): number[] {
  const t = run.finding?.throwing;
  return t === undefined ? run.path : [...run.path, t];
}

/** Candidates strictly shorter than `run`, largest chunks first, starting at chunk size `size`. */
export function* shorter<S>(walker: Walker<S>, run: WalkRun<S>, size = Math.floor(run.path.length / 2)): Generator<Candidate<S>> {
  const steps = stepsOf(run);
  const k = run.path.length;
  for (let n = Math.min(size, k); n >= 1; n = Math.floor(n / 2)) {
    for (let i = 0; i + n <= k; i += n) {
      const rest = walker.rerun(run.states[i], steps.slice(i + n), i);
      if (i + rest.path.length >= k) continue;
      const candidate: WalkRun<S> = { path: [...run.path.slice(0, i), ...rest.path], states: [...run.states.slice(0, i), ...rest.states] };
      if (rest.finding) candidate.finding = rest.finding;
      yield { run: candidate, size: n };
    }
  }
}

/** Shorten `run` while it still shows `target`; returns the shortest found and the candidates tried. */
export function minimize<S>(walker: Walker<S>, run: WalkRun<S>, target: Target): { run: WalkRun<S>; tried: number; rounds: number } {
  let best = run;
  let size = Math.floor(run.path.length / 2);
  let tried = 0;
  let rounds = 0;
  for (;;) {
    let found: Candidate<S> | undefined;
    for (const c of shorter(walker, best, size)) {
      tried++;
      if (sameFinding(c.run.finding, target)) {
        found = c;
        break;
      }
    }
    if (!found) return { run: best, tried, rounds };
    rounds++;
    best = found.run;
    size = found.size;
  }
}
