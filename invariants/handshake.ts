/**
 * Properties of the accelerator handshake (models/xenbus), grouped by the claim they defend:
 * protocol order (S9), quotas (S10), filters on live VIs (S7), pages pinned while dom0 maps them
 * (S3) and resources released after teardown (S14). Each is a record with a name, a one-line
 * statement in the paper's terms and its protocol.md §3 reference.
 *
 * Trust (§3.0): dom0-side properties must hold whatever the guest does. Guest-side properties
 * (fast-path conditions) hold the guest to its own protocol only while it has not misbehaved
 * and not crashed — a lying guest can confuse itself, which is no one else's safety problem.
 *
 * Not listed as invariants, because the model enforces them by construction and no mutant could
 * break them without first tripping the FSM tables (an `error` finding): the frontend handles
 * HELLO only in msg_state NONE, SETHW only in HELLO, MAPBUF replies only in HW (msg_state table;
 * an honest guest hitting one of those BUG_ONs throws), and dom0 accepts a HELLO-REPLY only in
 * hw_state NONE (hw_state table + the -EPROTO guard).
 */
import { invariant, stepInvariant, type Invariant } from '../src/index.js';
import type { HandshakeState } from '../models/xenbus/state.js';

type S = HandshakeState;

/** The guest is held to its own protocol: honest, alive, with a vnic. */
const guestAccountable = (s: S): boolean => s.guest.honest && !s.guest.crashed && s.fe !== null;

const ended = (x: string): boolean => x === 'Closed' || x === 'Unknown';

export const helloReplyAfterHello = stepInvariant<S>(
  'S9.hello-reply-after-hello',
  (before, after) => !(before.be && after.be && before.be.hw === 'NONE' && after.be.hw !== 'NONE') || before.be.helloSent,
  {
    ref: 'S9',
    statement: 'dom0 accepts a HELLO-REPLY (allocates the VI, leaves hw_state NONE) only after it sent HELLO',
    explain: (before, after, step) =>
      `${step.label} took dom0's hw_state ${before.be?.hw} → ${after.be?.hw} (VI allocated for the HELLO-REPLY) with helloSent=${before.be?.helloSent}: dom0 never sent HELLO`,
  },
);

export const mapbufAfterSetup = stepInvariant<S>(
  'S9.mapbuf-after-setup',
  (before, after) => !(before.be && after.be && after.be.mapped > before.be.mapped) || before.be.hw !== 'NONE',
  {
    ref: 'S9',
    statement: 'dom0 maps guest buffer pages for a MAPBUF only when hw_state ≠ NONE',
    explain: (before, after, step) => `${step.label} mapped ${before.be?.mapped} → ${after.be?.mapped} buffer pages with dom0's hw_state ${before.be?.hw} (no VI set up)`,
  },
);

export const bufferQuota = invariant<S>(
  'S10.buffer-quota',
  (s) => s.be === null || (s.be.mapped <= s.be.maxPages && s.be.maxPages <= s.be.quota),
  {
    ref: 'S10',
    statement: 'per guest, mapped buffer pages ≤ negotiated max_pages ≤ dom0 quota',
    explain: (s) => `dom0 maps ${s.be?.mapped} buffer pages of the guest, max_pages ${s.be?.maxPages}, quota ${s.be?.quota}`,
  },
);

export const fastpathNeedsReady = invariant<S>(
  'S9.fastpath-needs-ready',
  (s) => {
    if (!guestAccountable(s) || !s.fe!.fastPath) return true;
    const fe = s.fe!;
    return fe.frontendReady && fe.backendNetdevUp && fe.vi && fe.posted === fe.pages;
  },
  {
    ref: 'S9',
    statement: 'the guest enables the fast path only if frontend_ready ∧ backend_netdev_up ∧ VI initialised, with every buffer page posted',
    explain: (s) => {
      const fe = s.fe!;
      return `fast path on with frontend_ready=${fe.frontendReady} backend_netdev_up=${fe.backendNetdevUp} vi=${fe.vi} posted ${fe.posted}/${fe.pages} pages`;
    },
  },
);

export const fastpathNeedsBackend = invariant<S>(
  'S9.fastpath-needs-backend',
  (s) => {
    if (!guestAccountable(s) || !s.fe!.fastPath) return true;
    const be = s.be;
    return be !== null && be.vnic && be.hw === 'HWINFO' && be.mapped === s.fe!.pages;
  },
  {
    ref: 'S9',
    statement: 'both ends agree: the guest fast-paths only while dom0 holds its VI (hw_state HWINFO) and has all its buffer pages mapped',
    explain: (s) => `guest fast path on; dom0 ${s.be ? `hw_state ${s.be.hw}, ${s.be.mapped}/${s.fe!.pages} pages mapped` : 'has no bend'}`,
  },
);

export const filtersNeedVi = invariant<S>(
  'S7.filters-need-vi',
  (s) => s.be === null || s.be.filters === 0 || s.be.hw === 'FILTER' || s.be.hw === 'HWINFO',
  {
    ref: 'S7',
    statement: 'a hardware filter steers to the guest only while its VI and filter state exist (hw_state FILTER or HWINFO)',
    explain: (s) => `${s.be?.filters} filter(s) still steer to the guest with dom0's hw_state ${s.be?.hw} (VI ${s.be?.hw === 'NONE' ? 'not allocated' : 'not set up'})`,
  },
);

export const pinnedWhileMapped = invariant<S>(
  'S3.pinned-while-mapped',
  (s) => {
    const be = s.be;
    if (be === null || (!be.vnic && be.mapped === 0)) return true;
    return s.fe !== null && s.fe.domU && s.shared !== null;
  },
  {
    ref: 'S3',
    statement: 'the guest does not end access to or free its shared or buffer pages while dom0 still maps them',
    explain: (s) => {
      const held = [s.be?.vnic && 'the shared control/message pages (vnic set up)', s.be?.mapped && `${s.be.mapped} buffer page(s)`].filter(Boolean).join(' and ');
      const gone = s.fe === null ? 'the guest plugin has detached (no vnic)' : !s.fe.domU ? 'the guest freed its domU shared state (domU_state_is_setup=false)' : 'the guest freed its shared pages';
      return `dom0 still maps ${held}, but ${gone}`;
    },
  },
);

export const releasedAfterTeardown = invariant<S>(
  'S14.released-after-teardown',
  (s) => {
    if (!ended(s.xs.front) || !ended(s.xs.back)) return true;
    const be = s.be;
    const dom0Clean = be === null || (!be.vnic && be.hw === 'NONE' && be.mapped === 0 && be.filters === 0 && !be.fwdCtx);
    const guestClean = !guestAccountable(s) || (!s.fe!.vi && !s.fe!.fastPath);
    return dom0Clean && guestClean;
  },
  {
    ref: 'S14',
    statement: 'once both accelstates are Closed/Unknown, nothing of the guest remains: no VI, buffer mappings, filters, forwarding context, shared-page mapping; the guest maps no VI page',
    explain: (s) => {
      const be = s.be;
      const d = be ? `dom0: vnic=${be.vnic} hw_state=${be.hw} mapped=${be.mapped} filters=${be.filters} fwdCtx=${be.fwdCtx}` : 'dom0: no bend';
      return `${d}; guest: vi=${s.fe?.vi ?? false} fastPath=${s.fe?.fastPath ?? false}`;
    },
  },
);

/** Every handshake property, dom0-side first. */
export const handshakeInvariants: readonly Invariant<S>[] = [
  helloReplyAfterHello,
  mapbufAfterSetup,
  bufferQuota,
  filtersNeedVi,
  pinnedWhileMapped,
  releasedAfterTeardown,
  fastpathNeedsReady,
  fastpathNeedsBackend,
];
