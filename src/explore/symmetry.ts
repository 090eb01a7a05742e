/**
 * Symmetry reduction's two companions.
 *
 * `concretize`: with symmetry on, the store holds representatives and its parent links name the
 * instance taken from a representative, whose successor was then canonicalised. Those instance
 * labels need not fit the concrete run (a step of guest 2 in the representative may be guest 1's
 * in the state the model really reaches), so a trace is not rebuilt by re-running the stored
 * path from init. Instead the path is followed in lock-step: r₀ = canon(init), r_{k+1} =
 * canon(succ(r_k, j_k)) is the stored path; the concrete run starts at c₀ = init and, at each
 * step, takes the instance j'_k (j_k itself first, then the others in order) enabled in c_k with
 * canon(succ(c_k, j'_k)) = r_{k+1}. Such an instance exists when the representative is a
 * symmetry of the model (c_k = π(r_k) for some π, and π(j_k) is it); if none does, the
 * representative is not one, and that is reported. The final step of a step property or of a
 * step that throws is matched the same way, by the finding it shows. The result is a real
 * concrete run of the model — it replays like any other trace — of the same length as the
 * stored path, so BFS traces stay shortest.
 *
 * `checkSymmetry`: a debugging aid that explores the concrete (unreduced) space and tests what
 * soundness needs of a representative function on every state met: idempotence, the same
 * invariant and terminal verdicts on s and canon(s), and the same successors up to canon.
 */
import { compile, isTerminal, successor, violatedState, type CompiledModel } from '../model/compile.js';
import type { Model } from '../model/types.js';
import { clone } from '../state/clone.js';
import { Encoder } from '../state/encode.js';
import type { Finding } from './search.js';
import { sameFinding, Walker, type WalkRun } from './walk.js';

/** The representative's symmetry does not hold: no concrete step matches the stored one. */
export class SymmetryError extends Error {
  override name = 'SymmetryError';
}

/** A string key of a value's canonical encoding (equal values, equal keys). */
export function keyOf(encoder: Encoder, v: unknown): string {
  const len = encoder.encode(v);
  return Buffer.from(encoder.buf.buffer, encoder.buf.byteOffset, len).toString('latin1');
}

/**
 * The concrete run (from `init`) that follows the stored path of representatives `path`, ending
 * with the finding `f` (whose `then` or `throwing` instance was taken from the last representative).
 */
export function concretize<S>(cm: CompiledModel<S>, init: S, path: readonly number[], f: Finding, deadlock: boolean): WalkRun<S> {
  const canon = cm.model.symmetry!;
  const encoder = new Encoder();
  const key = (s: S): string => keyOf(encoder, canon(clone(s)));
  const walker = new Walker(cm, deadlock);
  const n = cm.instances.length;
  let rep = canon(clone(init));
  let c = init;
  const cpath: number[] = [];
  const states: S[] = [init];
  for (let k = 0; k < path.length; k++) {
    const j = path[k];
    rep = canon(successor(cm, rep, j));
    const target = keyOf(encoder, rep);
    let found = -1;
    let next: S | undefined;
    for (let t = 0; t < n && found < 0; t++) {
      const jj = t === 0 ? j : t <= j ? t - 1 : t; // j first, then the others in order
      if (walker.isEnabled(c, jj, k) !== true) continue;
      const candidate = successor(cm, c, jj);
      if (key(candidate) === target) {
        found = jj;
        next = candidate;
      }
    }
    if (found < 0) {
      throw new SymmetryError(
        `model ${cm.model.name}: symmetry is not a symmetry of the model: after ${cpath.length} steps of the rebuilt trace, no step from the concrete state reaches the class of ${cm.instances[j].label}'s successor in its representative`,
      );
    }
    cpath.push(found);
    states.push(next!);
    c = next!;
  }
  const at = cpath.length;
  const target = { kind: f.kind, name: f.name };
  const last = f.then ?? f.throwing;
  if (last === undefined) {
    // A state property, a deadlock, or a throw in an invariant or in `terminal`: shown by the state itself.
    const run = walker.rerun(init, cpath, 0, false);
    if (run.path.length === at && run.finding && run.finding.kind === f.kind && (f.kind === 'error' || sameFinding(run.finding, target))) {
      return run;
    }
    throw new SymmetryError(`model ${cm.model.name}: symmetry changes a verdict: the ${f.kind} ${f.name} found on a representative does not show in the concrete state of the rebuilt trace`);
  }
  // A step property or a step that throws, taken from the last state: the matching concrete step.
  for (let t = 0; t < n; t++) {
    const jj = t === 0 ? last : t <= last ? t - 1 : t;
    const en = walker.isEnabled(c, jj, at);
    let finding: Finding | undefined;
    if (en === false) continue;
    if (en !== true) finding = en;
    else finding = walker.step(c, jj, at).finding;
    if (!finding || finding.kind !== f.kind) continue;
    if ((finding.throwing !== undefined) !== (f.throwing !== undefined)) continue;
    if (f.kind === 'invariant' && finding.name !== f.name) continue;
    const step = finding.then ?? finding.throwing;
    return { path: step !== undefined && finding.then !== undefined ? [...cpath, step] : cpath, states, finding };
  }
  throw new SymmetryError(`model ${cm.model.name}: symmetry changes a verdict: the ${f.kind} ${f.name} found on a representative shows in no step of the concrete state of the rebuilt trace`);
}

export interface SymmetryProblem {
  /** idempotent: canon(canon(s)) ≠ canon(s); verdict: an invariant or `terminal` judges s and canon(s) differently; successors: s and canon(s) do not have the same successors up to canon; throws: the representative threw. */
  kind: 'idempotent' | 'verdict' | 'successors' | 'throws';
  message: string;
  state: unknown;
}

export interface SymmetryCheck {
  ok: boolean;
  /** Concrete states explored. */
  states: number;
  /** Distinct representatives among them: the states a complete symmetric run should count. */
  classes: number;
  /** Whether the whole concrete space was explored (false when maxStates stopped it). */
  complete: boolean;
  problems: SymmetryProblem[];
}

/**
 * Explore `model`'s concrete state space breadth-first (no reduction, up to `maxStates`) and test
 * its representative function on every state: idempotent, the same invariant and terminal
 * verdicts, the same successors up to canon. Stops at `maxProblems` problems (default 10).
 * A debugging aid: slow (every state is kept as a string key), for small scenarios.
 */
export function checkSymmetry<S>(model: Model<S>, options: { maxStates?: number; maxProblems?: number } = {}): SymmetryCheck {
  const canon0 = model.symmetry;
  if (!canon0) throw new TypeError(`model ${model.name} declares no symmetry`);
  const canon = (s: S): S => canon0(clone(s));
  const cm = compile(model);
  const maxStates = options.maxStates ?? 1e6;
  const maxProblems = options.maxProblems ?? 10;
  const encoder = new Encoder();
  const key = (s: unknown): string => keyOf(encoder, s);
  const problems: SymmetryProblem[] = [];
  const problem = (kind: SymmetryProblem['kind'], message: string, state: unknown): void => {
    if (problems.length < maxProblems) problems.push({ kind, message, state: clone(state) });
  };
  const verdicts = (s: S): string => {
    const broken = violatedState(cm, s);
    let terminal = 'n/a';
    try {
      terminal = String(isTerminal(cm, s));
    } catch {
      terminal = 'throws';
    }
    return `${broken?.name ?? 'ok'}/${terminal}`;
  };
  const successorClasses = (s: S): string[] => {
    const out = new Set<string>();
    for (let j = 0; j < cm.instances.length; j++) {
      const inst = cm.instances[j];
      if (inst.action.guard(s, inst.param) !== true) continue;
      out.add(key(canon(successor(cm, s, j))));
    }
    return [...out].sort();
  };
  const seen = new Set<string>();
  const classes = new Set<string>();
  const queue: S[] = [model.init()];
  seen.add(key(queue[0]));
  let complete = true;
  for (let head = 0; head < queue.length && problems.length < maxProblems; head++) {
    const s = queue[head];
    let r: S;
    try {
      r = canon(s);
    } catch (e) {
      problem('throws', `the representative threw: ${String(e)}`, s);
      continue;
    }
    const rk = key(r);
    classes.add(rk);
    if (key(canon(r)) !== rk) problem('idempotent', 'canon(canon(s)) differs from canon(s)', s);
    try {
      const a = verdicts(s);
      const b = verdicts(r);
      if (a !== b) problem('verdict', `s gives ${a} (invariant/terminal), canon(s) gives ${b}`, s);
      const sa = successorClasses(s);
      const sb = successorClasses(r);
      if (sa.length !== sb.length || sa.some((x, i) => x !== sb[i])) {
        problem('successors', `s has ${sa.length} successor classes, canon(s) ${sb.length}, and they differ`, s);
      }
    } catch {
      // The model's own throws are findings of `check`, not symmetry problems.
    }
    for (let j = 0; j < cm.instances.length; j++) {
      const inst = cm.instances[j];
      let next: S;
      try {
        if (inst.action.guard(s, inst.param) !== true) continue;
        next = successor(cm, s, j);
      } catch {
        continue;
      }
      const k = key(next);
      if (seen.has(k)) continue;
      if (seen.size >= maxStates) {
        complete = false;
        continue;
      }
      seen.add(k);
      queue.push(next);
    }
  }
  if (problems.length >= maxProblems) complete = false;
  return { ok: problems.length === 0, states: seen.size, classes: classes.size, complete, problems };
}
