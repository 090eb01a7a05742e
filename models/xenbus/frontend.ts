/**
 * sfc_netfront, the guest's accelerator plugin (protocol.md §2(a) B, C frontend table, D; read
 * against sfc_netfront/accel_xenbus.c and accel_msg.c). Two control machines, each declared once:
 * the plugin's own accelstate (published to `device/vif/<n>/accelstate`) and `msg_state`
 * NONE → HELLO → HW. Every control change goes through `.next()`, so a step the table does not
 * allow is reported as an `error` finding.
 *
 * Choices where protocol.md leaves room:
 * - `Unknown` stands for "no vnic" (key absent). Probe creates the vnic and writes Initialising
 *   in one step (the code writes it unless the watch already moved the state; both orders end
 *   in the same place). The dtor writes Unknown from whatever state the vnic is in (the code does
 *   so unconditionally); the documented DomU transition set is the rest of the table.
 * - The watch handler is one atomic step (it runs under vnic_mutex). Its re-read of the backend
 *   state after writing Initialising therefore always sees Initialising.
 * - The message pass is split into steps: one received message per step (dom0 may enqueue
 *   concurrently), then, once the incoming queue is drained, one step sending as many MAPBUF
 *   requests as the send rule allows (vnic_send_buffer_requests). dom0 cannot interleave inside
 *   that send loop in the model. In the code it can: the loop only looks at the domU→dom0 queue,
 *   so replies may pile up in dom0→domU, and a reply that does not fit makes dom0 close the
 *   connection (inferred; needs more MAPBUFs in flight than the queue has slots). The NETUPDOWN
 *   aflag, checked at the start of a pass, is its own step.
 * - BUG_ON: a guest that crashes on a message from its (trusted) backend while it has done
 *   nothing wrong is a protocol error and throws; after the guest misbehaved, the BUG_ON simply
 *   crashes it (it only hurts itself).
 * - `frontend_ready`/`backend_netdev_up` are reset when the dom0 shared state is removed (the VI
 *   destructor; inferred), and re-read from the control page at HELLO.
 * - Buffer pages: only counts. `pages` = min(guestPages, HELLO max_pages); chunks are the largest
 *   power of two ≤ what is left, capped at maxPagesPerMsg (as the code does).
 */
import { action, machine, t, type Action } from '../../src/index.js';
import { canReply, canSend, freshSharedPages, pow2AtMost, type XenbusState } from './channel.js';
import type { HandshakeConfig, HandshakeMutant } from './config.js';
import { guestAlive, type HandshakeState } from './state.js';

export type FrontendEvent = 'probe' | 'reinit' | 'connect' | 'close' | 'closed' | 'dtor';

/** sfc_netfront accelstate: the documented DomU transitions plus probe and dtor. */
export const frontendAccelstate = machine<XenbusState, FrontendEvent>('sfc_netfront accelstate', 'Unknown', [
  t('Unknown', 'probe', 'Initialising'),
  t('Closed', 'reinit', 'Initialising'),
  t('Connected', 'reinit', 'Initialising'), // the code writes Initialising from any state; these two
  t('Closing', 'reinit', 'Initialising'), //   are reached only after the guest misbehaved
  t('Initialising', 'connect', 'Connected'),
  t('Initialising', 'close', 'Closing'),
  t('Connected', 'close', 'Closing'),
  t('Closed', 'close', 'Closing'), // set_closing writes Closing from anywhere; reached only after misbehaviour
  t('Initialising', 'closed', 'Closed'),
  t('Connected', 'closed', 'Closed'),
  t('Closing', 'closed', 'Closed'),
  t('Initialising', 'dtor', 'Unknown'),
  t('Connected', 'dtor', 'Unknown'),
  t('Closing', 'dtor', 'Unknown'),
  t('Closed', 'dtor', 'Unknown'),
]);

export type MsgState = 'NONE' | 'HELLO' | 'HW';
export type MsgEvent = 'hello' | 'sethw' | 'mapbuf-reply' | 'reset';

/** msg_state; the self-loop on HW says MAPBUF replies are legal only there (the BUG_ONs of accel_msg.c). */
export const frontendMsgState = machine<MsgState, MsgEvent>('sfc_netfront msg_state', 'NONE', [
  t('NONE', 'hello', 'HELLO'),
  t('HELLO', 'sethw', 'HW'),
  t('HW', 'mapbuf-reply', 'HW'),
  t('HELLO', 'reset', 'NONE'),
  t('HW', 'reset', 'NONE'),
]);

/** The vnic: control states and the plain data beside them. */
export type Frontend = {
  state: XenbusState;
  /** vnic->backend_state: the backend accelstate the watch handled last (a repeat is ignored). */
  seen: XenbusState;
  removing: boolean;
  /** domU_state_is_setup: shared pages and buffer memory allocated and granted, event channels bound. */
  domU: boolean;
  /** dom0_state_is_setup: message processing on. */
  dom0: boolean;
  msg: MsgState;
  /** The VI's queue, event-queue and doorbell pages are mapped (SETHW handled). */
  vi: boolean;
  /** bufpages.max_pages, from HELLO. */
  pages: number;
  /** bufpages.page_reqs: pages already asked for in MAPBUF requests. */
  requested: number;
  /** Pages whose MAPBUF reply came back and were posted to the pools. */
  posted: number;
  frontendReady: boolean;
  backendNetdevUp: boolean;
  /** tx_enabled / poll_enabled. */
  fastPath: boolean;
};

function newVnic(): Frontend {
  return {
    state: 'Unknown', seen: 'Unknown', removing: false, domU: false, dom0: false, msg: 'NONE', vi: false,
    pages: 0, requested: 0, posted: 0, frontendReady: false, backendNetdevUp: false, fastPath: false,
  };
}

function move(s: HandshakeState, event: FrontendEvent): void {
  const fe = s.fe!;
  fe.state = frontendAccelstate.next(fe.state, event);
  s.xs.front = fe.state;
}

/** BUG_ON in the guest: a protocol error if the guest did nothing wrong, its own crash otherwise. */
function bugOn(s: HandshakeState, what: string): void {
  if (s.guest.honest) throw new Error(`sfc_netfront BUG_ON: ${what} (an honest guest crashed on a message from dom0)`);
  s.guest.crashed = true;
}

function setupDomU(s: HandshakeState): void {
  const fe = s.fe!;
  s.shared = freshSharedPages();
  fe.domU = true;
  if (fe.msg !== 'NONE') fe.msg = frontendMsgState.next(fe.msg, 'reset');
  Object.assign(fe, { pages: 0, requested: 0, posted: 0, frontendReady: false, backendNetdevUp: false });
}

/** Ends access to and frees the shared pages and every buffer page. */
function removeDomU(s: HandshakeState): void {
  s.shared = null;
  s.fe!.domU = false;
}

/** Stops the fast path, then unmaps the VI's pages. */
function removeDom0(s: HandshakeState): void {
  Object.assign(s.fe!, { fastPath: false, vi: false, frontendReady: false, backendNetdevUp: false, dom0: false });
}

function setClosing(s: HandshakeState): void {
  if (s.fe!.state !== 'Closing') move(s, 'close');
}

/** netfront_accel_backend_accel_changed: the frontend table of §2(a) C. */
function backendChanged(s: HandshakeState, mutant: HandshakeMutant | null): void {
  const fe = s.fe!;
  const backend = s.xs.back;
  fe.seen = backend;
  switch (backend) {
    case 'Initialising':
      if (fe.domU) removeDomU(s); // a Closed may have been missed
      if (fe.state !== 'Initialising') move(s, 'reinit');
      if (!fe.removing) {
        setupDomU(s);
        move(s, 'connect');
      }
      break;
    case 'Connected':
      if (fe.domU && !fe.dom0) fe.dom0 = true; // VI uninitialised, a message pass queued
      break;
    case 'Closing':
      if (fe.dom0) removeDom0(s);
      if (mutant === 'free-on-closing' && fe.domU) removeDomU(s);
      if (fe.state !== 'Closed') move(s, 'closed');
      break;
    case 'Unknown':
    case 'Closed':
      if (fe.domU) removeDomU(s);
      break;
  }
}

/** vnic_process_rx_msg for the message at the head of the dom0→domU queue. */
function receive(s: HandshakeState, cfg: HandshakeConfig, mutant: HandshakeMutant | null): void {
  const fe = s.fe!;
  const shared = s.shared!;
  const msg = shared.toFront.shift()!;
  switch (msg.id) {
    case 'HELLO': {
      if (!frontendMsgState.can(fe.msg, 'hello')) return bugOn(s, `HELLO in msg_state ${fe.msg}`);
      fe.backendNetdevUp = shared.netDevUp;
      fe.pages = msg.maxPages > 0 && msg.maxPages < cfg.guestPages ? msg.maxPages : cfg.guestPages;
      if (canReply(shared.toBack, cfg.fifoCapacity)) shared.toBack.push({ id: 'HELLO_REPLY', pages: fe.pages });
      fe.msg = frontendMsgState.next(fe.msg, 'hello');
      return;
    }
    case 'SETHW':
      if (!frontendMsgState.can(fe.msg, 'sethw')) return bugOn(s, `SETHW in msg_state ${fe.msg}`);
      fe.vi = true;
      fe.msg = frontendMsgState.next(fe.msg, 'sethw');
      return;
    case 'MAPBUF_REPLY': {
      if (!frontendMsgState.can(fe.msg, 'mapbuf-reply')) return bugOn(s, `MAPBUF reply in msg_state ${fe.msg}`);
      fe.msg = frontendMsgState.next(fe.msg, 'mapbuf-reply');
      if (msg.error) return setClosing(s); // -EIO: cannot accelerate
      fe.posted += msg.pages;
      const last = msg.offset + msg.pages === fe.pages;
      if (last || mutant === 'fastpath-before-last-mapbuf') {
        fe.frontendReady = true;
        if (fe.backendNetdevUp || mutant === 'fastpath-ignores-netdev') fe.fastPath = true;
      }
      return;
    }
  }
}

/** The NETUPDOWN aflag: netfront_accel_interface_up / _down. */
function netUpDown(s: HandshakeState): void {
  const fe = s.fe!;
  const shared = s.shared!;
  shared.netUpDown = false;
  if (shared.netDevUp && !fe.backendNetdevUp) {
    fe.backendNetdevUp = true;
    if (fe.frontendReady) fe.fastPath = true;
  } else if (!shared.netDevUp && fe.backendNetdevUp) {
    fe.backendNetdevUp = false;
    if (fe.frontendReady) fe.fastPath = false;
  }
}

/** vnic_send_buffer_requests: grant pages to dom0 and ask for them to be mapped, while the send rule allows. */
function requestBuffers(s: HandshakeState, cfg: HandshakeConfig): void {
  const fe = s.fe!;
  const toBack = s.shared!.toBack;
  while (fe.requested < fe.pages && canSend(toBack, cfg.fifoCapacity)) {
    const pages = Math.min(pow2AtMost(fe.pages - fe.requested), cfg.maxPagesPerMsg);
    toBack.push({ id: 'MAPBUF', offset: fe.requested, pages });
    fe.requested += pages;
  }
}

const live = (s: HandshakeState): boolean => s.fe !== null && guestAlive(s);
const talking = (s: HandshakeState): boolean => live(s) && s.fe!.dom0 && s.shared !== null;

export function frontendActions(cfg: HandshakeConfig, mutant: HandshakeMutant | null): Action<HandshakeState>[] {
  const actor = { actor: 'guest' };
  return [
    action<HandshakeState>('frontendProbe', (s) => s.fe === null && guestAlive(s) && s.xs.accelFrontend && s.guest.loads > 0, (s) => {
      s.fe = newVnic();
      s.guest.loads -= 1;
      move(s, 'probe');
    }, actor),
    action<HandshakeState>('frontendWatch', (s) => live(s) && s.xs.back !== s.fe!.seen, (s) => backendChanged(s, mutant), actor),
    action<HandshakeState>('frontendReceive', (s) => talking(s) && s.shared!.toFront.length > 0, (s) => receive(s, cfg, mutant), actor),
    action<HandshakeState>('frontendNetUpDown', (s) => talking(s) && s.shared!.netUpDown, netUpDown, actor),
    action<HandshakeState>(
      'frontendRequestBuffers',
      (s) => talking(s) && s.fe!.msg === 'HW' && s.fe!.requested < s.fe!.pages && s.shared!.toFront.length === 0 && canSend(s.shared!.toBack, cfg.fifoCapacity),
      (s) => requestBuffers(s, cfg),
      actor,
    ),
    // netfront calls the plugin's remove on device removal or suspend, or when accel-frontend disappears.
    action<HandshakeState>('frontendRemove', (s) => live(s) && !s.fe!.removing && (s.guest.removals > 0 || !s.xs.accelFrontend), (s) => {
      if (s.xs.accelFrontend) s.guest.removals -= 1;
      s.fe!.removing = true;
      if (s.fe!.state === 'Connected') move(s, 'close');
    }, actor),
    // The remove's wait ends once the domU state is gone; the dtor writes Unknown and frees the vnic.
    action<HandshakeState>('frontendRemoved', (s) => live(s) && s.fe!.removing && !s.fe!.domU, (s) => {
      move(s, 'dtor');
      s.fe = null;
    }, actor),
  ];
}
