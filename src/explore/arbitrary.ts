/**
 * A fast-check arbitrary of walks through a model: from the initial state, each step is drawn
 * among the actions *enabled* there (so no run is spent on disabled ones), until the walk
 * reaches its length bound, a state with no enabled action, or a finding (an invariant broken,
 * a deadlock, a step that throws) — the walk ends at its first finding. A walk shrinks by
 * delta debugging over its steps (explore/shrink.ts): each candidate is re-executed, so every
 * shrunk walk is a real walk of the model.
 *
 * `walks(model)` is for users' own property tests (`test.prop([walks(model)])(…)` with
 * @fast-check/vitest); `simulate` drives the same arbitrary with fast-check's runner.
 */
import fc from 'fast-check';
import type { CompiledModel } from '../model/compile.js';
import type { Model } from '../model/types.js';
import { prepare } from './check.js';
import type { Finding } from './search.js';
import { shorter } from './shrink.js';
import { Walker, type WalkRun } from './walk.js';

/** A walk, as users' properties see it. */
export interface Walk<S = unknown> {
  /** The step labels, `name(param)`, in order. */
  readonly actions: readonly string[];
  /** `states[0]` is the initial state, `states[k]` the state after `k` actions. */
  readonly states: readonly S[];
  /** The first invariant broken, deadlock or error along the walk; the walk ends there. */
  readonly violation?: { readonly kind: Finding['kind']; readonly name: string; readonly message: string };
}

export interface WalkOptions {
  /** Most steps in a walk (default 100). */
  maxSteps?: number;
  /** Check only these invariants (default all). */
  invariants?: readonly string[];
  /** Report states with no enabled action that the model does not call terminal (default true). */
  deadlock?: boolean;
  /** Each walk favours a random half of the actions (swarm testing; default true). */
  swarm?: boolean;
}

/** What a walk carries for the engine: its run, and where shrinking resumes. */
interface Context<S> {
  run: WalkRun<S>;
  size?: number;
}

/** The run behind a walk produced by a walk arbitrary (undefined for any other value). */
export function runOf<S>(walk: Walk<S>): WalkRun<S> | undefined {
  return runs.get(walk) as WalkRun<S> | undefined;
}

const runs = new WeakMap<object, WalkRun<unknown>>();

/** Shared by `walks` and `simulate`: the arbitrary over an already compiled model. */
export class WalkArbitrary<S> extends fc.Arbitrary<Walk<S>> {
  private readonly startFinding: Finding | undefined;
  /** The action (index in the model's list) of each instance. */
  private readonly actions: Int32Array;
  private readonly pool: Int32Array;

  constructor(
    private readonly cm: CompiledModel<S>,
    private readonly init: S,
    private readonly maxSteps: number,
    /** Walks taken by `generate` (their states may be counted through the walker's hook). */
    private readonly walker: Walker<S>,
    /** Re-executes shrink candidates. */
    private readonly replayer: Walker<S>,
    private readonly onWalk?: (run: WalkRun<S>) => void,
    private readonly swarm = true,
  ) {
    super();
    this.startFinding = walker.atStart(init);
    const index = new Map(cm.model.actions.map((a, i) => [a, i]));
    this.actions = Int32Array.from(cm.instances, (inst) => index.get(inst.action)!);
    this.pool = new Int32Array(cm.instances.length);
  }

  generate(mrng: fc.Random): fc.Value<Walk<S>> {
    const run: WalkRun<S> = { path: [], states: [this.init] };
    if (this.startFinding) run.finding = this.startFinding;
    const swarm = this.swarm ? this.drawSwarm(mrng) : undefined;
    let s = this.init;
    for (let d = 0; !run.finding; d++) {
      const count = this.walker.enabled(s, d);
      if (typeof count !== 'number') {
        run.finding = count;
        break;
      }
      if (count === 0) {
        const stuck = this.walker.stuck(s, d);
        if (stuck) run.finding = stuck;
        break;
      }
      if (d === this.maxSteps) break;
      const j = this.choose(mrng, count, swarm);
      const { next, finding } = this.walker.step(s, j, d);
      if (finding) run.finding = finding;
      if (next === undefined) break;
      run.path.push(j);
      run.states.push(next);
      s = next;
    }
    this.onWalk?.(run);
    return this.value({ run });
  }

  /**
   * Swarm testing (Groce et al., ISSTA 2012): each walk favours a random half of the actions,
   * so that an always-enabled action (a remove, a crash) does not end every walk early. Steps
   * are drawn among the enabled instances of the favoured actions — any enabled instance when
   * none of those is enabled, so no walk stops for it.
   */
  private drawSwarm(mrng: fc.Random): Uint8Array {
    const n = this.cm.model.actions.length;
    const on = new Uint8Array(n);
    for (let a = 0; a < n; a++) on[a] = mrng.nextInt(0, 1);
    return on;
  }

  /** An enabled instance from `walker.list[0..count)`: a uniform action, then a uniform instance of it. */
  private choose(mrng: fc.Random, count: number, swarm: Uint8Array | undefined): number {
    const list = this.walker.list;
    if (count === 1) return list[0];
    const actions = this.actions;
    let pool = 0;
    let kinds = 0;
    for (const pass of swarm ? [true, false] : [false]) {
      pool = 0;
      kinds = 0;
      let last = -1;
      for (let i = 0; i < count; i++) {
        const a = actions[list[i]];
        if (pass && swarm![a] === 0) continue;
        this.pool[pool++] = list[i];
        if (a !== last) kinds++;
        last = a;
      }
      if (pool > 0) break;
    }
    // Instances of one action are contiguous and in order, so the k-th action's run is found by a scan.
    let k = kinds === 1 ? 0 : mrng.nextInt(0, kinds - 1);
    let from = 0;
    for (; k > 0; k--) {
      const a = actions[this.pool[from]];
      while (from < pool && actions[this.pool[from]] === a) from++;
    }
    let to = from;
    const a = actions[this.pool[from]];
    while (to < pool && actions[this.pool[to]] === a) to++;
    return this.pool[to - from === 1 ? from : from + mrng.nextInt(0, to - from - 1)];
  }

  canShrinkWithoutContext(value: unknown): value is Walk<S> {
    return false;
  }

  shrink(_value: Walk<S>, context: unknown): fc.Stream<fc.Value<Walk<S>>> {
    const ctx = context as Context<S> | undefined;
    if (!ctx?.run) return fc.Stream.nil();
    const self = this;
    function* candidates(): Generator<fc.Value<Walk<S>>> {
      for (const c of shorter(self.replayer, ctx!.run, ctx!.size)) yield self.value(c);
    }
    return new fc.Stream(candidates());
  }

  private value(ctx: Context<S>): fc.Value<Walk<S>> {
    return new fc.Value(this.walkOf(ctx.run), ctx);
  }

  private walkOf(run: WalkRun<S>): Walk<S> {
    const labels = run.path.map((j) => this.cm.instances[j].label);
    const f = run.finding;
    const walk: Walk<S> & { [fc.toStringMethod](): string } = {
      actions: labels,
      states: run.states,
      ...(f ? { violation: { kind: f.kind, name: f.name, message: f.message } } : {}),
      [fc.toStringMethod]: () => `walk(${labels.length} steps: ${labels.join(', ')})${f ? ` → ${f.kind === 'invariant' ? f.name : f.kind === 'deadlock' ? 'deadlock' : `error in ${f.name}`}` : ''}`,
    };
    runs.set(walk, run);
    return walk;
  }
}

/**
 * Walks of enabled actions through `model`, for fast-check properties. A walk that ends at a
 * finding carries it in `violation`; shrinking keeps each candidate a real walk of the model.
 */
export function walks<S>(model: Model<S>, options: WalkOptions = {}): fc.Arbitrary<Walk<S>> {
  const { cm, init } = prepare(model, { invariants: options.invariants, maxDepth: options.maxSteps });
  const deadlock = options.deadlock ?? true;
  return new WalkArbitrary(cm, init, options.maxSteps ?? 100, new Walker(cm, deadlock), new Walker(cm, deadlock), undefined, options.swarm ?? true);
}
