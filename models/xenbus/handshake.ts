/**
 * The accelerator handshake (issue "First Xen model: the accelerator handshake"): sfc_netback
 * and sfc_netfront for one vif, attaching, negotiating over xenstore and the message FIFOs
 * (HELLO, HELLO-REPLY, SETHW, MAPBUF and replies), running with the fast path on, and tearing
 * down from either end (protocol.md §2(a), §2(g) G1, G3, G4). Optionally the guest is the
 * adversary of §3.0.
 *
 * Terminal states (no enabled step is fine there):
 * - closed: the frontend has no vnic (or a vnic left Closed with no shared state after a failed
 *   connection — the guest then runs on the slow path) and the bend is gone, or Closed or
 *   Initialising (waiting for a guest plugin that will not come) with nothing set up;
 * - connected and idle: both ends Connected, hardware set up, frontend_ready, queues empty;
 * - anything after the guest misbehaved or crashed: a guest that stops answering leaves dom0
 *   waiting without bound (remove's wait is unbounded by design, L2), which is liveness, not safety;
 * - dom0's remove hung on a frontend it never saw (isRemoveHang), unless `reportRemoveHang`.
 * Any other state with no enabled step is a deadlock of the honest protocol.
 *
 * Finding (L2, not a safety property): with an honest guest, dom0 removing the vif while the guest
 * plugin is probed and removed again (Initialising, then Unknown, both written before dom0's watch
 * runs) leaves netback_accel_remove waiting forever: it read Initialising and waits for Closed,
 * and its watch sees only Unknown, the value bend->frontend_state starts with, so it ignores it.
 * `--set reportRemoveHang=true` reports it as a deadlock (6 steps).
 */
import { defineModel, type Invariant, type Model } from '../../src/index.js';
import { adversaryActions } from './adversary.js';
import { backendActions } from './backend.js';
import type { HandshakeConfig, HandshakeMutant } from './config.js';
import { frontendActions } from './frontend.js';
import type { HandshakeState } from './state.js';

function initialState(cfg: HandshakeConfig): HandshakeState {
  const guestTears = cfg.teardown === 'guest' || cfg.teardown === 'either';
  const dom0Tears = cfg.teardown === 'dom0' || cfg.teardown === 'either';
  return {
    xs: { front: 'Unknown', back: 'Unknown', accelFrontend: false },
    shared: null,
    fe: null,
    be: null,
    guest: {
      honest: true,
      crashed: false,
      budget: cfg.adversarial ? cfg.adversaryBudget : 0,
      loads: 1 + cfg.reconnects,
      removals: guestTears ? 1 + cfg.reconnects : 0,
    },
    dom0: { probes: 1, removals: dom0Tears ? 1 : 0, linkUp: true, flaps: cfg.linkFlaps },
  };
}

/**
 * dom0's remove waits for Closed, but the frontend came and went (Initialising → Unknown) between
 * two runs of dom0's watch, which therefore only ever read Unknown — the value it starts from — and
 * ignores it as a repeat. Nothing will move the backend to Closed: remove hangs although both ends
 * answered (an L2 gap the model found; see the header). Counted as an end state unless
 * `reportRemoveHang` is set, so the default scenarios check safety.
 */
export function isRemoveHang(s: HandshakeState): boolean {
  const be = s.be;
  return s.fe === null && be !== null && be.removing === 'wait' && be.state === 'Closing' && s.xs.front === be.seen;
}

/** Legitimate end states (see the header). */
export function isTerminal(s: HandshakeState, cfg: HandshakeConfig): boolean {
  if (!s.guest.honest || s.guest.crashed) return true;
  const { fe, be, shared } = s;
  const frontQuiet = fe === null || (fe.state === 'Closed' && !fe.domU && !fe.removing);
  const backQuiet = be === null || ((be.state === 'Closed' || be.state === 'Initialising') && !be.vnic && be.removing === 'no');
  if (frontQuiet && backQuiet) return true;
  if (!cfg.reportRemoveHang && isRemoveHang(s)) return true;
  return fe !== null && fe.state === 'Connected' && fe.frontendReady
    && be !== null && be.state === 'Connected' && be.hw === 'HWINFO'
    && shared !== null && shared.toFront.length === 0 && shared.toBack.length === 0 && !shared.netUpDown;
}

export interface HandshakeOptions {
  mutant: HandshakeMutant | null;
  /** The properties to check (invariants/handshake.ts); models/index.ts joins them. */
  invariants: readonly Invariant<HandshakeState>[];
}

/** The model for a validated configuration (see config.ts); `mutant` re-introduces one bug. */
export function handshake(cfg: HandshakeConfig, options: HandshakeOptions): Model<HandshakeState> {
  const { mutant, invariants } = options;
  return defineModel<HandshakeState>({
    name: 'handshake',
    config: { ...cfg, mutant },
    init: () => initialState(cfg),
    actions: [...backendActions(cfg, mutant), ...frontendActions(cfg, mutant), ...adversaryActions(cfg)],
    invariants,
    terminal: (s) => isTerminal(s, cfg),
  });
}
