/**
 * sfc_netback, dom0's accelerator plugin for one vif (protocol.md §2(a) A, C backend table, D,
 * §2(c), §2(g) G1 step 5; read against sfc_netback/accel_xenbus.c and accel_msg.c), plus the
 * two dom0-side happenings it reacts to: the physical port going down/up (NETUPDOWN) and filter
 * learning from slow-path traffic (accel_fwd.c). Two control machines, each declared once: the
 * backend accelstate and `hw_state` NONE → ALLOC → FILTER → HWINFO.
 *
 * Choices where protocol.md leaves room:
 * - `Unknown` stands for "no bend" (before probe, after remove). Probe is one step: publish
 *   accel-frontend, register the watch (last seen Unknown, as the code initialises it), write
 *   Initialising.
 * - accel_setup runs in the HELLO-REPLY handler, so NONE → ALLOC → FILTER → HWINFO happens in one
 *   step, still walking the table event by event; accel_shutdown walks it back the same way.
 *   With `viExhausted`, efx_vi_alloc may fail: hw_state stays NONE, max_pages is already stored
 *   (as in the code), the backend goes Closing.
 * - cleanup_vnic is one step (under bend_mutex): forwarding entry, buffers (flush, buffer table,
 *   device unmaps), accel_shutdown, event channels, shared pages. Ending a hardware-page grant
 *   the guest still maps crashes the guest (ungrant_or_crash); doing so to an honest guest throws.
 * - remove is two steps: start (removing, Closing, read the frontend state to decide whether to
 *   wait) and finish (the wait is over: cleanup if needed, Unknown, accel-frontend removed, bend
 *   freed). The accelstate watch keeps running in between.
 * - Filters are a count; learning needs the forwarding context (set after SETHW) and a free slot.
 * - A message the handler rejects with -EPROTO is consumed and nothing changes (the rest of the
 *   batch waits for the next pass, which the model allows at any time).
 */
import { action, machine, t, type Action } from '../../src/index.js';
import { canReply, canSend, isPowerOfTwo, type XenbusState } from './channel.js';
import type { HandshakeConfig, HandshakeMutant } from './config.js';
import type { HandshakeState } from './state.js';

export type BackendEvent = 'probe' | 'front-init' | 'setup' | 'close' | 'closed' | 'gone';

/** sfc_netback accelstate: the documented Dom0 transitions plus probe and the end of remove. */
export const backendAccelstate = machine<XenbusState, BackendEvent>('sfc_netback accelstate', 'Unknown', [
  t('Unknown', 'probe', 'Initialising'),
  t('Closed', 'front-init', 'Initialising'),
  t('Initialising', 'setup', 'Connected'),
  t('Initialising', 'close', 'Closing'),
  t('Connected', 'close', 'Closing'),
  t('Closed', 'close', 'Closing'),
  t('Closing', 'closed', 'Closed'),
  t('Closing', 'gone', 'Unknown'),
  t('Closed', 'gone', 'Unknown'),
]);

export type HwState = 'NONE' | 'ALLOC' | 'FILTER' | 'HWINFO';
export type HwEvent = 'alloc' | 'filter' | 'hwinfo' | 'ungrant' | 'unfilter' | 'free';

/** hw_state (§2(c)): up by accel_setup, down in reverse by accel_shutdown. */
export const backendHwState = machine<HwState, HwEvent>('sfc_netback hw_state', 'NONE', [
  t('NONE', 'alloc', 'ALLOC'),
  t('ALLOC', 'filter', 'FILTER'),
  t('FILTER', 'hwinfo', 'HWINFO'),
  t('HWINFO', 'ungrant', 'FILTER'),
  t('FILTER', 'unfilter', 'ALLOC'),
  t('ALLOC', 'free', 'NONE'),
]);

/** The bend: control states and the plain data beside them. */
export type Backend = {
  state: XenbusState;
  /** bend->frontend_state: the frontend accelstate the watch handled last. */
  seen: XenbusState;
  /** remove in progress: 'wait' until Closed, or 'nowait' (the frontend was Closed/Unknown). */
  removing: 'no' | 'wait' | 'nowait';
  /** vnic_is_setup: shared pages mapped, event channels bound, forwarding entry added. */
  vnic: boolean;
  helloSent: boolean;
  hw: HwState;
  /** The dom0 quota (limits/max-buf-pages); constant. */
  quota: number;
  /** bend->max_pages, from the HELLO-REPLY, clamped to the quota. */
  maxPages: number;
  /** Guest buffer pages device-mapped and in the buffer table. */
  mapped: number;
  /** The forwarding-table entry has this bend as context: filter learning is on. */
  fwdCtx: boolean;
  /** Live hardware filters steering to this guest's VI. */
  filters: number;
};

function move(s: HandshakeState, event: BackendEvent): void {
  const be = s.be!;
  be.state = backendAccelstate.next(be.state, event);
  s.xs.back = be.state;
}

function setClosing(s: HandshakeState): void {
  if (s.be!.state !== 'Closing') move(s, 'close');
}

/** Map the guest's shared pages, initialise them, add the forwarding entry, say HELLO at once. */
function setupVnic(s: HandshakeState, mutant: HandshakeMutant | null): boolean {
  const be = s.be!;
  const shared = s.shared;
  if (shared === null) return false; // no grants / event channels published: setup fails
  Object.assign(shared, { toFront: [], toBack: [], netDevUp: s.dom0.linkUp, netUpDown: false });
  be.vnic = true;
  if (mutant === 'forwarding-at-setup') be.fwdCtx = true;
  if (mutant !== 'hello-reply-before-hello') sendHello(s);
  return true;
}

function sendHello(s: HandshakeState): void {
  s.shared!.toFront.push({ id: 'HELLO', maxPages: s.be!.quota });
  s.be!.helloSent = true;
}

/** accel_shutdown, falling through from wherever hw_state is. */
function accelShutdown(s: HandshakeState, mutant: HandshakeMutant | null): void {
  const be = s.be!;
  if (be.hw === 'HWINFO') {
    if (s.fe !== null && s.fe.vi && !s.guest.crashed) {
      // ungrant_or_crash: the guest still maps a hardware page.
      if (s.guest.honest) throw new Error('sfc_netback crashed an honest guest: it still mapped the VI pages at cleanup');
      s.guest.crashed = true;
    }
    be.hw = backendHwState.next(be.hw, 'ungrant');
  }
  if (be.hw === 'FILTER') {
    if (mutant !== 'skip-filter-shutdown') be.filters = 0;
    be.hw = backendHwState.next(be.hw, 'unfilter');
  }
  if (be.hw === 'ALLOC') be.hw = backendHwState.next(be.hw, 'free');
}

/** cleanup_vnic (G1 step 5): forwarding entry, buffers, hardware, event channels, shared pages. */
function cleanupVnic(s: HandshakeState, mutant: HandshakeMutant | null): void {
  const be = s.be!;
  be.fwdCtx = false;
  be.mapped = 0;
  accelShutdown(s, mutant);
  Object.assign(be, { vnic: false, helloSent: false, maxPages: 0 });
}

/** netback_accel_frontend_changed: the backend table of §2(a) C. */
function frontendChanged(s: HandshakeState, mutant: HandshakeMutant | null): void {
  const be = s.be!;
  const front = s.xs.front;
  be.seen = front;
  switch (front) {
    case 'Initialising':
      if (be.state === 'Closed' && be.removing === 'no') move(s, 'front-init');
      break;
    case 'Connected':
      if (be.state === 'Initialising') move(s, !be.vnic && setupVnic(s, mutant) ? 'setup' : 'close');
      break;
    case 'Closing':
      if (be.state !== 'Closed' && be.state !== 'Closing') move(s, 'close');
      break;
    case 'Unknown':
    case 'Closed':
      if (be.vnic) cleanupVnic(s, mutant);
      if (be.state === 'Closing') move(s, 'closed');
      break;
  }
}

/** process_rx_msg for the message at the head of the domU→dom0 queue (the accel_setup-succeeds branch). */
function receive(s: HandshakeState, cfg: HandshakeConfig, mutant: HandshakeMutant | null): void {
  const be = s.be!;
  const shared = s.shared!;
  const msg = shared.toBack.shift()!;
  switch (msg.id) {
    case 'HELLO_REPLY':
      if (be.hw !== 'NONE') return; // -EPROTO: already done
      be.maxPages = Math.min(msg.pages, be.quota);
      for (const e of ['alloc', 'filter', 'hwinfo'] as const) be.hw = backendHwState.next(be.hw, e);
      if (!canReply(shared.toFront, cfg.fifoCapacity)) {
        for (const e of ['ungrant', 'unfilter', 'free'] as const) be.hw = backendHwState.next(be.hw, e);
        return setClosing(s); // SETHW could not be queued: setup undone, fatal
      }
      shared.toFront.push({ id: 'SETHW' });
      be.fwdCtx = true; // filter learning starts only now
      return;
    case 'MAPBUF': {
      if (be.hw === 'NONE' && mutant !== 'mapbuf-before-setup') return; // -EPROTO
      const ok = mutant === 'mapbuf-unchecked'
        || (isPowerOfTwo(msg.pages) && msg.pages <= cfg.maxPagesPerMsg && be.mapped + msg.pages <= be.maxPages);
      if (ok) be.mapped += msg.pages;
      if (!canReply(shared.toFront, cfg.fifoCapacity)) return setClosing(s); // cannot tell the guest: fatal
      shared.toFront.push({ id: 'MAPBUF_REPLY', offset: msg.offset, pages: msg.pages, error: !ok });
      return;
    }
    case 'FASTPATH':
      if (be.hw === 'NONE') return; // -EPROTO
      if (be.filters > 0) be.filters -= 1;
      return;
    case 'BOGUS':
      return; // unknown id: -EPROTO
  }
}

const receiving = (s: HandshakeState): boolean => s.be !== null && s.be.vnic && s.shared !== null && s.shared.toBack.length > 0;

export function backendActions(cfg: HandshakeConfig, mutant: HandshakeMutant | null): Action<HandshakeState>[] {
  const actor = { actor: 'dom0' };
  const actions: Action<HandshakeState>[] = [
    action<HandshakeState>('backendProbe', (s) => s.be === null && s.dom0.probes > 0, (s) => {
      s.be = {
        state: 'Unknown', seen: 'Unknown', removing: 'no', vnic: false, helloSent: false, hw: 'NONE',
        quota: cfg.dom0Quota, maxPages: 0, mapped: 0, fwdCtx: false, filters: 0,
      };
      s.dom0.probes -= 1;
      s.xs.accelFrontend = true;
      move(s, 'probe');
    }, actor),
    action<HandshakeState>('backendWatch', (s) => s.be !== null && s.xs.front !== s.be.seen, (s) => frontendChanged(s, mutant), actor),
    action<HandshakeState>('backendReceive', receiving, (s) => receive(s, cfg, mutant), actor),
  ];
  if (cfg.viExhausted) {
    actions.push(action<HandshakeState>(
      'backendSetupFails',
      (s) => receiving(s) && s.shared!.toBack[0].id === 'HELLO_REPLY' && s.be!.hw === 'NONE',
      (s) => {
        const msg = s.shared!.toBack.shift()!;
        if (msg.id === 'HELLO_REPLY') s.be!.maxPages = Math.min(msg.pages, s.be!.quota);
        setClosing(s); // efx_vi_alloc found no free VI: hw_state stays NONE
      },
      actor,
    ));
  }
  if (mutant === 'hello-reply-before-hello') {
    actions.push(action<HandshakeState>(
      'backendSendHello',
      (s) => s.be !== null && s.be.vnic && !s.be.helloSent && s.shared !== null && canSend(s.shared.toFront, cfg.fifoCapacity),
      sendHello,
      actor,
    ));
  }
  actions.push(
    action<HandshakeState>('backendRemove', (s) => s.be !== null && s.be.removing === 'no' && s.dom0.removals > 0, (s) => {
      const be = s.be!;
      s.dom0.removals -= 1;
      be.removing = s.xs.front === 'Closed' || s.xs.front === 'Unknown' ? 'nowait' : 'wait';
      if (be.state !== 'Closing') move(s, 'close');
    }, actor),
    action<HandshakeState>(
      'backendRemoved',
      (s) => s.be !== null && (s.be.removing === 'nowait' || (s.be.removing === 'wait' && s.be.state === 'Closed')),
      (s) => {
        if (s.be!.vnic) cleanupVnic(s, mutant);
        move(s, 'gone');
        s.xs.accelFrontend = false;
        s.be = null;
      },
      actor,
    ),
    // The dom0 netdev notifier (NETDEV_UP/DOWN of the physical port).
    action<HandshakeState>('linkChange', (s) => s.dom0.flaps > 0, (s) => {
      s.dom0.flaps -= 1;
      s.dom0.linkUp = !s.dom0.linkUp;
      if (s.be !== null && s.be.vnic && s.shared !== null) {
        s.shared.netDevUp = s.dom0.linkUp;
        s.shared.netUpDown = true;
      }
    }, { actor: 'nic' }),
    // A slow-path packet to the guest's MAC with a forwarding context: dom0 inserts a filter.
    action<HandshakeState>('learnFilter', (s) => s.be !== null && s.be.fwdCtx && s.be.filters < cfg.maxFilters, (s) => {
      s.be!.filters += 1;
    }, actor),
  );
  return actions;
}
