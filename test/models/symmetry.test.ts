/**
 * Symmetry reduction of the system model (models/system/symmetry.ts) and of the calibration
 * model: the representative passes the engine's own soundness test (checkSymmetry) where a
 * scenario has a symmetry, that test fails on representatives that are wrong in the ways one
 * could get them wrong, the reduced state counts are pinned, the lazy comparison agrees with the
 * image it stands for, and every mutant is still caught — with a trace that replays — when
 * states are stored as representatives.
 */
import { describe, expect, it } from 'vitest';
import { check, checkSymmetry, defineModel, replay, type Model } from '../../src/index.js';
import { registry } from '../../models/index.js';
import { philosophers } from '../../models/calibration/philosophers.js';
import { validateConfig, type SystemConfig } from '../../models/system/config.js';
import { layout, type Layout } from '../../models/system/grants.js';
import type { SystemState } from '../../models/system/state.js';
import { scenarioPackets } from '../../models/system/system.js';
import { compareImage, compareStates, identity, image, renaming, symmetryGroup, type GroupElement } from '../../models/system/symmetry.js';

const entry = registry.models.find((m) => m.name === 'system')!;
const configOf = (scenario: string, set: Record<string, string | number | boolean> = {}): SystemConfig =>
  validateConfig({ ...entry.scenarios.find((s) => s.name === scenario)!.config, ...set });
const build = (scenario: string, mutant: string | null = null, set: Record<string, string | number | boolean> = {}): Model<SystemState> =>
  entry.build(
    { ...entry.scenarios.find((s) => s.name === scenario)!.config, ...(entry.mutants.find((m) => m.name === mutant)?.set ?? {}), ...set },
    mutant,
  ) as Model<SystemState>;
const layoutOf = (cfg: SystemConfig): Layout => layout(cfg.guests, cfg.hosts, cfg.vis, cfg.bufferPages);

/** Two guests on one host, each receiving one packet from a remote host: the swap must rename the packets too. */
const TWO_RECEIVERS = { dma: false, vis: 2, flows: 1, removes: 'none', traffic: 'remote>guest1,remote>guest2' };

/** Reduced counts (BFS with symmetry: true); the unreduced ones are pinned in system.test.ts. */
const REDUCED: Record<string, { states: number; depth: number; group: GroupElement[] }> = {
  default: { states: 88359, depth: 38, group: [{ perm: [1, 0], packets: [] }] },
  crowded: { states: 35621, depth: 38, group: [{ perm: [1, 0], packets: [] }] },
  migrate: { states: 2455, depth: 28, group: [{ perm: [0], packets: [1, 0, 2] }] },
  'migrate-plain': { states: 2171, depth: 28, group: [{ perm: [0], packets: [1, 0, 2] }] },
  'local-traffic': { states: 21853, depth: 46, group: [{ perm: [0, 1], packets: [1, 0] }] },
  hijack: { states: 2568, depth: 19, group: [{ perm: [0, 1], packets: [0, 2, 1] }] },
};

/** States reachable from init, breadth-first, at most `max` (plain BFS over the model's own actions). */
function reachable(model: Model<SystemState>, max: number): SystemState[] {
  const init = model.init();
  const seen = new Set([canonicalJson(init)]);
  const out = [init];
  for (let head = 0; head < out.length && out.length < max; head++) {
    for (const a of model.actions) {
      for (const p of a.domain ?? [undefined]) {
        if (!a.guard(out[head], p)) continue;
        const draft = structuredClone(out[head]);
        const next = (a.effect(draft, p) ?? draft) as SystemState;
        const key = canonicalJson(next);
        if (!seen.has(key) && out.length < max) {
          seen.add(key);
          out.push(next);
        }
      }
    }
  }
  return out;
}

/** JSON with every record's keys sorted: equal states, equal strings. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('system symmetry: the group of a scenario', () => {
  it('exchanges guests configured alike and packets of the same kind, and nothing else', () => {
    for (const [name, { group }] of Object.entries(REDUCED)) expect(symmetryGroup(configOf(name), scenarioPackets(configOf(name))), name).toEqual(group);
    // guest1 is the adversary, or the only guest; spoof's one packet names guest2 by MAC.
    for (const name of ['adversarial', 'vi-reuse', 'spoof', 'two-steps']) {
      expect(symmetryGroup(configOf(name), scenarioPackets(configOf(name))), name).toEqual([]);
      expect(build(name).symmetry, name).toBeUndefined();
    }
    // guest1 migrates; guest2 and guest3 on host2 exchange places, and so do the packets they send.
    expect(symmetryGroup(configOf('three-guests'), scenarioPackets(configOf('three-guests')))).toEqual([{ perm: [0, 2, 1], packets: [1, 0] }]);
    // Three guests alike: all six permutations (five without the identity).
    const three = configOf('default', { guests: 3, removes: 'all' });
    expect(symmetryGroup(three, [])).toHaveLength(5);
    // Not alike: a different host, a different removal, traffic that is not closed under the swap.
    expect(symmetryGroup(configOf('default', { guests: 3, removes: 'guest3' }), [])).toEqual([{ perm: [1, 0, 2], packets: [] }]);
    expect(symmetryGroup(configOf('default', { removes: 'guest1' }), [])).toEqual([]);
    const oneWay = configOf('default', { ...TWO_RECEIVERS, traffic: 'remote>guest1' });
    expect(symmetryGroup(oneWay, scenarioPackets(oneWay))).toEqual([]);
    const both = configOf('default', TWO_RECEIVERS);
    expect(symmetryGroup(both, scenarioPackets(both))).toEqual([{ perm: [1, 0], packets: [1, 0] }]);
  });

  it('the lazy comparison agrees with the image it stands for, and images are inverses of each other', () => {
    const cases: [string, SystemConfig, Model<SystemState>][] = [
      ['three-guests', configOf('three-guests'), build('three-guests')],
      ['three alike', configOf('default', { guests: 3, removes: 'all' }), build('default', null, { guests: 3, removes: 'all' })],
      ['duplicates (M-16)', configOf('migrate', { teardown: 'as-built' }), build('migrate', 'resend-pending-tx')],
    ];
    for (const [what, cfg, model] of cases) {
      const l = layoutOf(cfg);
      const specs = scenarioPackets(cfg);
      const id = identity(l, cfg.flows, specs.length);
      const states = reachable(model, 400);
      const group = symmetryGroup(cfg, specs);
      expect(group.length, what).toBeGreaterThan(0);
      for (const g of group) {
        const r = renaming(g, l, cfg.flows);
        const back = renaming({ perm: g.perm.map((_, i) => g.perm.indexOf(i)), packets: g.packets.map((_, k) => g.packets.indexOf(k)) }, l, cfg.flows);
        states.forEach((s, k) => {
          const t = image(s, r, id);
          expect(compareStates(image(t, back, id), s, id), what).toBe(0);
          for (const b of [s, t, states[(k * 7) % states.length]]) {
            expect(Math.sign(compareImage(s, r, b, id)), what).toBe(Math.sign(compareStates(t, b, id)));
          }
        });
      }
      // The order is total on these states: two compare equal exactly when they are equal.
      for (let k = 1; k < states.length; k++) {
        const a = states[k - 1];
        const b = states[(k * 13) % states.length];
        expect(compareStates(a, b, id) === 0, what).toBe(canonicalJson(a) === canonicalJson(b));
      }
    }
  });
});

describe('system symmetry: checkSymmetry', () => {
  for (const name of [...Object.keys(REDUCED), 'three-guests']) {
    it(`${name}: the representative is a sound symmetry on the first explored states`, () => {
      const r = checkSymmetry(build(name), { maxStates: 1500 });
      expect(r.problems.map((p) => `${p.kind}: ${p.message}`)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.classes).toBeLessThan(r.states);
    });
  }

  it('the guest swap that renames packets consistently is sound, and reduces', () => {
    const model = build('default', null, TWO_RECEIVERS);
    expect(checkSymmetry(model, { maxStates: 3000 })).toMatchObject({ ok: true, complete: true, states: 1296, classes: 654 });
    expect(check(model, { symmetry: true })).toMatchObject({ ok: true, complete: true, symmetry: true, states: 654 });
  });

  it('philosophers: the rotation is sound', () => {
    const r = checkSymmetry(philosophers(6));
    expect(r).toMatchObject({ ok: true, complete: true, problems: [] });
    expect(r.classes).toBeLessThan(r.states / 4);
  });

  /** The model with `wrong` as its representative: the lesser of the state and its image under `g`. */
  function withWrongSymmetry(model: Model<SystemState>, cfg: SystemConfig, g: GroupElement, mangle = (t: SystemState, _s: SystemState) => t): Model<SystemState> {
    const l = layoutOf(cfg);
    const id = identity(l, cfg.flows, scenarioPackets(cfg).length);
    const r = renaming(g, l, cfg.flows);
    return defineModel<SystemState>({
      ...model,
      symmetry: (s) => {
        const t = mangle(image(s, r, id), s);
        return compareStates(t, s, id) < 0 ? t : s;
      },
    });
  }

  it('has teeth: a swap of the adversary with an honest guest is reported', () => {
    const wrong = withWrongSymmetry(build('adversarial'), configOf('adversarial'), { perm: [1, 0], packets: [] });
    const r = checkSymmetry(wrong, { maxStates: 500 });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.kind)).toContain('successors');
  });

  it('has teeth: a swap that leaves the packets alone, or keeps their ids, is reported', () => {
    const cfg = configOf('default', TWO_RECEIVERS);
    const ignoresPackets = withWrongSymmetry(build('default', null, TWO_RECEIVERS), cfg, { perm: [1, 0], packets: [1, 0] }, (t, s) => ({ ...t, packets: s.packets }));
    expect(checkSymmetry(ignoresPackets, { maxStates: 1000 }).ok).toBe(false);
    const keepsIds = withWrongSymmetry(build('default', null, TWO_RECEIVERS), cfg, { perm: [1, 0], packets: [0, 1] });
    expect(checkSymmetry(keepsIds, { maxStates: 1000 }).ok).toBe(false);
  });

  it('has teeth: a swap in a scenario where guest1 migrates is reported', () => {
    const cfg = configOf('local-traffic');
    const wrong = withWrongSymmetry(build('local-traffic'), cfg, { perm: [1, 0], packets: [0, 1] });
    expect(checkSymmetry(wrong, { maxStates: 500 }).ok).toBe(false);
  });
});

describe('system symmetry: reduced runs', () => {
  for (const [name, { states, depth }] of Object.entries(REDUCED)) {
    it(`${name}: exhausted with symmetry in ${states} representatives`, () => {
      const r = check(build(name), { strategy: 'bfs', symmetry: true });
      expect(r.violation).toBeUndefined();
      expect(r).toMatchObject({ ok: true, complete: true, symmetry: true, states, depth });
    });
  }

  for (const m of entry.mutants) {
    const scenario = m.scenario ?? 'default';
    it(`${m.name} is still caught in ${scenario} with symmetry, by an invariant it names, and its trace replays`, () => {
      const model = build(scenario, m.name);
      const r = check(model, { strategy: 'bfs', symmetry: true });
      expect(r.symmetry).toBe(model.symmetry !== undefined);
      const v = r.violation!;
      expect(v, 'not caught').toBeDefined();
      expect(v.kind, v.message).toBe('invariant');
      expect(m.breaks).toContain(v.name);
      expect(replay(model, v.trace).status).toBe('reproduced');
    });
  }
});
