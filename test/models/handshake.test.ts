/**
 * The accelerator handshake model (models/xenbus) as a user meets it through the registry:
 * check each small scenario, catch each mutant with its invariants, see the FSM tables refuse
 * illegal control transitions. State counts and shortest traces are pinned.
 */
import { describe, expect, it } from 'vitest';
import { action, check, defineModel, IllegalTransitionError, type Model } from '../../src/index.js';
import { registry } from '../../models/index.js';
import { itExhaustsSmallScenarios } from '../support/scenarios.js';
import { backendAccelstate, backendHwState } from '../../models/xenbus/backend.js';
import { DEFAULT_CONFIG, SETTINGS } from '../../models/xenbus/config.js';
import { frontendAccelstate, frontendActions, frontendMsgState } from '../../models/xenbus/frontend.js';
import type { HandshakeState } from '../../models/xenbus/state.js';

const entry = registry.models.find((m) => m.name === 'handshake')!;
const small = entry.scenarios.filter((s) => s.size === 'small');
const build = (scenario: string, mutant: string | null = null, overrides: Record<string, unknown> = {}): Model<HandshakeState> => {
  const sc = entry.scenarios.find((s) => s.name === scenario)!;
  return entry.build({ ...sc.config, ...(overrides as Record<string, never>) }, mutant) as Model<HandshakeState>;
};

/** Observed with BFS; a change means the model changed. */
const PINNED: Record<string, { states: number; depth: number }> = {
  default: { states: 1380, depth: 23 },
  adversarial: { states: 241953, depth: 27 },
  reconnect: { states: 9719, depth: 29 },
};

/** The first small scenario (in registry order) that catches each mutant, and its shortest trace. */
const CAUGHT: Record<string, { scenario: string; steps: number }> = {
  'hello-reply-before-hello': { scenario: 'adversarial', steps: 6 },
  'mapbuf-before-setup': { scenario: 'adversarial', steps: 8 },
  'mapbuf-unchecked': { scenario: 'adversarial', steps: 8 },
  'fastpath-before-last-mapbuf': { scenario: 'default', steps: 11 },
  'fastpath-ignores-netdev': { scenario: 'default', steps: 15 },
  'forwarding-at-setup': { scenario: 'default', steps: 5 },
  'free-on-closing': { scenario: 'default', steps: 6 },
  'skip-filter-shutdown': { scenario: 'default', steps: 11 },
};

describe('handshake: the correct model', () => {
  itExhaustsSmallScenarios(entry, PINNED, build);

  it('default: the count is stable from run to run and the same under DFS', () => {
    const first = check(build('default'), { strategy: 'bfs' });
    const again = check(build('default'), { strategy: 'bfs' });
    const dfs = check(build('default'), { strategy: 'dfs' });
    expect([again.states, again.transitions]).toEqual([first.states, first.transitions]);
    expect(dfs).toMatchObject({ ok: true, complete: true, states: first.states, transitions: first.transitions });
  });

  it('reports the L2 gap when asked: dom0 remove waits forever for a frontend whose states it missed (6 steps)', () => {
    const r = check(build('default', null, { reportRemoveHang: true }));
    expect(r.violation?.kind).toBe('deadlock');
    const steps = r.violation!.trace.steps;
    // The link flap is spent only because a deadlock needs every step disabled.
    expect(steps.map((s) => s.action)).toEqual(['backendProbe', 'linkChange', 'frontendProbe', 'backendRemove', 'frontendRemove', 'frontendRemoved']);
    const last = steps[steps.length - 1].state as HandshakeState;
    expect(last.fe).toBeNull();
    expect(last.be).toMatchObject({ state: 'Closing', removing: 'wait', seen: 'Unknown' });
    expect(last.xs.front).toBe('Unknown');
  });
});

describe('handshake: mutants', () => {
  for (const m of entry.mutants) {
    it(`${m.name} (${m.ref}) is caught by ${m.breaks.join(' or ')} with a short trace`, () => {
      const caughtIn: { scenario: string; steps: number }[] = [];
      for (const sc of small) {
        const r = check(build(sc.name, m.name), { strategy: 'bfs' });
        if (r.ok) continue;
        const v = r.violation!;
        expect(v.kind, `${sc.name}: ${v.message}`).toBe('invariant');
        expect(m.breaks).toContain(v.name);
        expect(v.trace.steps.length).toBeLessThanOrEqual(25);
        expect(v.trace.config).toMatchObject({ mutant: m.name });
        caughtIn.push({ scenario: sc.name, steps: v.trace.steps.length });
      }
      expect(caughtIn[0]).toEqual(CAUGHT[m.name]);
    });

    it(`${m.name}: each invariant it names catches it on its own`, () => {
      for (const name of m.breaks) {
        const hits = small.filter((sc) => {
          const r = check(build(sc.name, m.name), { strategy: 'bfs', invariants: [name] });
          return r.violation?.kind === 'invariant' && r.violation.name === name;
        });
        expect(hits.length, `${name} never catches ${m.name}`).toBeGreaterThan(0);
      }
    });
  }

  it('every invariant has teeth: each is named by at least one mutant', () => {
    const named = new Set(entry.mutants.flatMap((m) => m.breaks));
    expect(entry.invariants.map((i) => i.name).filter((n) => !named.has(n))).toEqual([]);
    expect([...named].filter((n) => !entry.invariants.some((i) => i.name === n))).toEqual([]);
  });
});

describe('handshake: control state machines', () => {
  it('each table rejects a transition it does not declare', () => {
    expect(() => frontendAccelstate.next('Unknown', 'connect')).toThrow(IllegalTransitionError);
    expect(() => frontendMsgState.next('NONE', 'sethw')).toThrow(/no transition for event 'sethw' in state 'NONE'/);
    expect(() => backendAccelstate.next('Connected', 'closed')).toThrow(IllegalTransitionError);
    expect(() => backendHwState.next('NONE', 'hwinfo')).toThrow(IllegalTransitionError);
    expect(frontendMsgState.can('HW', 'mapbuf-reply')).toBe(true);
    expect(frontendMsgState.can('HELLO', 'mapbuf-reply')).toBe(false);
    expect(backendHwState.next('FILTER', 'hwinfo')).toBe('HWINFO');
  });

  it('the engine reports a step that breaks a table as an error finding, with its trace', () => {
    const model = defineModel<{ hw: string }>({
      name: 'hw-shutdown-twice',
      init: () => ({ hw: 'ALLOC' }),
      actions: [action('free', () => true, (s) => void (s.hw = backendHwState.next(s.hw as 'ALLOC', 'free')))],
      terminal: () => true,
    });
    const r = check(model);
    expect(r.violation?.kind).toBe('error');
    expect(r.violation?.message).toMatch(/sfc_netback hw_state: no transition for event 'free' in state 'NONE'/);
    expect(r.violation?.trace.steps.map((s) => s.action)).toEqual(['free']);
  });

  it("the frontend's BUG_ON on a message from dom0 is an error for an honest guest, a crash for a misbehaving one", () => {
    const receive = frontendActions(DEFAULT_CONFIG, null).find((a) => a.name === 'frontendReceive')!;
    const state = (honest: boolean): HandshakeState => ({
      xs: { front: 'Connected', back: 'Connected', accelFrontend: true },
      shared: { toFront: [{ id: 'SETHW' }], toBack: [], netDevUp: true, netUpDown: false },
      fe: {
        state: 'Connected', seen: 'Connected', removing: false, domU: true, dom0: true, msg: 'NONE', vi: false,
        pages: 0, requested: 0, posted: 0, frontendReady: false, backendNetdevUp: false, fastPath: false,
      },
      be: null,
      guest: { honest, crashed: false, budget: 0, loads: 0, removals: 0 },
      dom0: { probes: 0, removals: 0, linkUp: true, flaps: 0 },
    });
    expect(receive.guard(state(true), undefined)).toBe(true);
    expect(() => receive.effect(state(true), undefined)).toThrow(/BUG_ON: SETHW in msg_state NONE/);
    const liar = state(false);
    receive.effect(liar, undefined);
    expect(liar.guest.crashed).toBe(true);
  });
});

describe('registry', () => {
  it('runs the handshake by default and also offers the calibration model', () => {
    expect(registry.defaults).toEqual(['handshake', 'system']);
    expect(registry.models.map((m) => m.name)).toEqual(['handshake', 'philosophers', 'system']);
    expect(entry.scenarios.map((s) => [s.name, s.size])).toEqual([
      ['default', 'small'], ['adversarial', 'small'], ['reconnect', 'small'], ['wide', 'medium'],
    ]);
  });

  it('every handshake scenario sets every documented setting, so each can be overridden with --set', () => {
    for (const sc of entry.scenarios) expect(Object.keys(sc.config).sort()).toEqual(Object.keys(SETTINGS).sort());
    expect(Object.keys(DEFAULT_CONFIG).sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it('records the configuration and the mutant in the model', () => {
    const sc = entry.scenarios.find((s) => s.name === 'adversarial')!;
    expect(entry.build(sc.config, 'free-on-closing').config).toEqual({ ...sc.config, mutant: 'free-on-closing' });
    expect(entry.build(sc.config, null).config).toEqual({ ...sc.config, mutant: null });
  });

  it('rejects a bad configuration with an error naming the setting', () => {
    const base = { ...DEFAULT_CONFIG };
    expect(() => entry.build({ ...base, fifoSize: 4 }, null)).toThrow(/unknown setting 'fifoSize'/);
    expect(() => entry.build({ ...base, fifoCapacity: '4' }, null)).toThrow(/setting 'fifoCapacity'/);
    expect(() => entry.build({ ...base, maxPagesPerMsg: 3 }, null)).toThrow(/setting 'maxPagesPerMsg' must be a power of two/);
    expect(() => entry.build({ ...base, teardown: 'sometimes' }, null)).toThrow(/setting 'teardown'/);
    expect(() => entry.build({ ...base, adversaryBudget: 1.5 }, null)).toThrow(/setting 'adversaryBudget'/);
    expect(() => entry.build(base, 'no-such-bug')).toThrow(/unknown mutant 'no-such-bug'/);
  });

  it('describes every invariant with its reference and a statement, and every mutant with what it breaks', () => {
    const model = entry.build(DEFAULT_CONFIG, null);
    expect(entry.invariants.map((i) => i.name)).toEqual(model.invariants.map((i) => i.name));
    for (const inv of entry.invariants) {
      expect(inv.ref).toMatch(/^S\d+$/);
      expect(inv.name.startsWith(`${inv.ref}.`)).toBe(true);
      expect(inv.statement.length).toBeGreaterThan(20);
    }
    for (const m of entry.mutants) {
      expect(m.ref).toMatch(/^(H|C|M)-\d+$/);
      expect(m.breaks.length).toBeGreaterThan(0);
    }
  });

  it('builds the calibration model from n and rejects a non-integer n', () => {
    const phil = registry.models.find((m) => m.name === 'philosophers')!;
    expect(phil.scenarios.map((s) => [s.name, s.size, s.config.n])).toEqual([['n10', 'small', 10], ['n16', 'medium', 16], ['n18', 'large', 18]]);
    expect(phil.mutants).toEqual([]);
    expect(phil.build({ n: 10 }, null).config).toEqual({ n: 10 });
    expect(() => phil.build({ n: 2.5 }, null)).toThrow(/integer/);
    expect(() => phil.build({ n: 10, m: 1 }, null)).toThrow(/unknown setting 'm'/);
  });
});
