/**
 * One walk through a model, step by step: which instances are enabled, the successor, and the
 * first finding along the way (a broken step or state property, a deadlock, a step that throws
 * or leaves something that is not plain data). Random walks, fast-check's walk arbitrary,
 * shrinking and `--minimize` all go through here, so they agree on what a walk finds — and
 * agree with the exhaustive explorers and with replay.
 */
import { isTerminal, StepError, successor, violatedState, violatedStep, type CompiledModel } from '../model/compile.js';
import { Encoder, PlainDataError } from '../state/encode.js';
import type { Finding } from './search.js';

/** A walk: the instances taken, the states visited (states[0] is the start), and its finding. */
export interface WalkRun<S> {
  path: number[];
  states: S[];
  finding?: Finding;
}

/** What a shortened walk must still show: the same kind of finding, of the same property or step. */
export interface Target {
  kind: Finding['kind'];
  name: string;
}

export const sameFinding = (f: Finding | undefined, t: Target): boolean => f !== undefined && f.kind === t.kind && f.name === t.name;

export class Walker<S> {
  /** The instances enabled in the state last passed to `enabled`, `count` of them. */
  readonly list: Int32Array;
  private readonly encoder = new Encoder();

  constructor(
    readonly cm: CompiledModel<S>,
    private readonly deadlock: boolean,
    /** Called with each new state's encoding (words, length), e.g. to count distinct states. */
    private readonly onEncoded?: (words: Int32Array, length: number) => void,
  ) {
    this.list = new Int32Array(cm.instances.length);
  }

  /** The finding in the initial state, if any (a broken state invariant, or one that throws). */
  atStart(s: S): Finding | undefined {
    return this.encodeOrFind(s, 0, undefined, 'init') ?? this.stateFinding(s, 0);
  }

  /** Fill `list` with the instances enabled in `s`; returns their number, or a finding when a guard throws. */
  enabled(s: S, at: number): number | Finding {
    const { instances } = this.cm;
    let count = 0;
    for (let j = 0; j < instances.length; j++) {
      const inst = instances[j];
      try {
        if (inst.action.guard(s, inst.param) === true) this.list[count++] = j;
      } catch (e) {
        return errorFinding(new StepError('guard', inst.label, e), at, { throwing: j });
      }
    }
    return count;
  }

  /** Whether instance `j` is enabled in `s`, or the finding when its guard throws. */
  isEnabled(s: S, j: number, at: number): boolean | Finding {
    const inst = this.cm.instances[j];
    try {
      return inst.action.guard(s, inst.param) === true;
    } catch (e) {
      return errorFinding(new StepError('guard', inst.label, e), at, { throwing: j });
    }
  }

  /** No instance is enabled in `s` (the `at`-th state): a deadlock unless terminal or not reported. */
  stuck(s: S, at: number): Finding | undefined {
    if (!this.deadlock) return undefined;
    try {
      if (isTerminal(this.cm, s)) return undefined;
    } catch (e) {
      return errorFinding(e, at, {});
    }
    return { kind: 'deadlock', name: 'deadlock', message: 'no action is enabled and the state is not terminal', at };
  }

  /**
   * Take the enabled instance `j` from `s`, the `at`-th state of the walk. Returns the next state
   * and the finding it shows (the walk ends there), or just the finding when the step throws.
   */
  step(s: S, j: number, at: number): { next?: S; finding?: Finding } {
    let next: S;
    try {
      next = successor(this.cm, s, j);
    } catch (e) {
      return { finding: errorFinding(e, at, { throwing: j }) };
    }
    const bad = this.encodeOrFind(next, at, j, this.cm.instances[j].label);
    if (bad) return { finding: bad };
    try {
      const broken = violatedStep(this.cm, s, next, j);
      if (broken) return { next, finding: { kind: 'invariant', name: broken.name, message: `step invariant ${broken.name} violated`, property: broken, at, then: j } };
    } catch (e) {
      return { next, finding: errorFinding(e, at + 1, {}) };
    }
    return { next, finding: this.stateFinding(next, at + 1) };
  }

  /**
   * Re-execute `instances` from `start` (the `at`-th state of a longer walk), stopping at the first
   * finding. An instance that is not enabled is skipped (`skipDisabled`) or ends the walk. When
   * all are taken without a finding, the end state is checked for a deadlock.
   */
  rerun(start: S, instances: readonly number[], at = 0, skipDisabled = true): WalkRun<S> {
    const run: WalkRun<S> = { path: [], states: [start] };
    let s = start;
    for (const j of instances) {
      const en = this.isEnabled(s, j, at + run.path.length);
      if (en !== true) {
        if (en === false && skipDisabled) continue;
        if (en !== false) run.finding = en;
        return run;
      }
      const { next, finding } = this.step(s, j, at + run.path.length);
      if (next === undefined) {
        run.finding = finding;
        return run;
      }
      run.path.push(j);
      run.states.push(next);
      s = next;
      if (finding) {
        run.finding = finding;
        return run;
      }
    }
    const count = this.enabled(s, at + run.path.length);
    if (typeof count !== 'number') run.finding = count;
    else if (count === 0) run.finding = this.stuck(s, at + run.path.length);
    return run;
  }

  private stateFinding(s: S, at: number): Finding | undefined {
    try {
      const broken = violatedState(this.cm, s);
      return broken ? { kind: 'invariant', name: broken.name, message: `invariant ${broken.name} violated`, property: broken, at } : undefined;
    } catch (e) {
      return errorFinding(e, at, {});
    }
  }

  private encodeOrFind(s: S, at: number, via: number | undefined, label: string): Finding | undefined {
    try {
      const len = this.encoder.encode(s);
      this.onEncoded?.(this.encoder.words, len);
      return undefined;
    } catch (e) {
      if (!(e instanceof PlainDataError)) throw e;
      return { kind: 'error', name: label, message: `state after ${label} is not plain data: ${e.message}`, at, throwing: via };
    }
  }
}

function errorFinding(e: unknown, at: number, extra: Partial<Finding>): Finding {
  const err = e instanceof StepError ? e : new StepError('effect', 'model', e);
  return { kind: 'error', name: err.label, message: err.message, at, ...extra };
}
