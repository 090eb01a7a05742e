/**
 * The accelerator handshake, abstracted into coarse steps (protocol.md §2(a) C–E). Its details —
 * coalescing xenstore watches, HELLO / HELLO-REPLY / SETHW over bounded FIFOs, msg_state,
 * hw_state, link flaps — are checked by the handshake model (models/xenbus); here only the
 * moments that create what isolation depends on remain:
 *
 *   frontendConnect   the guest plugin sets up its domU shared state: it grants its control
 *                     page to dom0 and writes Connected (§2(a) C frontend table, Initialising).
 *   backendSetupVnic  dom0's setup_vnic: it maps the control page, adds the guest MAC to the
 *                     forwarding table with a NULL context, sends HELLO; backend Connected.
 *   backendAccelSetup the HELLO-REPLY: accel_setup allocates the VI and its event-queue callback,
 *   (vi.ts)           the filter bookkeeping, grants the VI's hardware page to the guest, replies
 *                     SETHW and only then sets the forwarding context (filter learning on).
 *   frontendSetHw     the guest handles SETHW: it maps the VI's hardware page.
 *   frontendMapbuf    one MAPBUF round trip per buffer page (buffers.ts).
 *
 * The control machines are the two plugins' accelstates, reduced to the states these steps and
 * the G1 teardown (teardown.ts) use: frontend Unknown (no vnic: before connecting, and after
 * the dtor) → Connected → Closing → Closed → Unknown; backend Initialising (probed, waiting) →
 * Connected → Closing → Closed. Each guest connects once, and once more after it migrates.
 *
 * A host without an accelerated NIC has no sfc_netback: its bend stays 'Unknown' (no plugin, no
 * accel-frontend key, G2 4b), which no row leaves; the guest never connects there.
 *
 * Choices where protocol.md leaves room:
 * - HELLO and HELLO-REPLY are one step: the honest guest always answers, and an adversary's
 *   protocol-order tricks (HELLO-REPLY twice or early) are the handshake model's subject (S9).
 * - The HELLO-REPLY is handled only while the frontend is still Connected; a guest that went
 *   Closing first just tears down.
 * - SETHW is handled only while the backend is Connected; if dom0 already moved to Closing the
 *   guest tears down without mapping the VI (both orders occur in the code; isolation does not
 *   depend on which).
 */
import { action, machine, t, type Action } from '../../src/index.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { ctrlFrame, grantAccess, mapGrant, viOfFrame, type Layout } from './grants.js';
import { domOf, runnable, type SystemState, type XenbusState } from './state.js';

export type FrontendEvent = 'connect' | 'close' | 'closed' | 'dtor';

/** sfc_netfront accelstate as the system model uses it. */
export const frontendAccelstate = machine<XenbusState, FrontendEvent>('system: sfc_netfront accelstate', 'Unknown', [
  t('Unknown', 'connect', 'Connected'),
  t('Connected', 'close', 'Closing'),
  t('Connected', 'closed', 'Closed'),
  t('Closing', 'closed', 'Closed'),
  t('Closed', 'dtor', 'Unknown'),
]);

export type BackendEvent = 'setup' | 'close' | 'closed';

/** sfc_netback accelstate as the system model uses it (the documented Dom0 transitions it needs). */
export const backendAccelstate = machine<XenbusState, BackendEvent>('system: sfc_netback accelstate', 'Initialising', [
  t('Initialising', 'setup', 'Connected'),
  t('Initialising', 'close', 'Closing'),
  t('Connected', 'close', 'Closing'),
  t('Closing', 'closed', 'Closed'),
]);

export function moveFrontend(s: SystemState, i: number, event: FrontendEvent): void {
  const fe = s.frontends[i];
  fe.state = frontendAccelstate.next(fe.state, event);
}

export function moveBackend(s: SystemState, i: number, event: BackendEvent): void {
  const be = s.backends[i];
  be.state = backendAccelstate.next(be.state, event);
}

/** Frontend Closing unless it already is (-EIO, a failed mapping, or the guest's remove). */
export function frontendClosing(s: SystemState, i: number): void {
  if (s.frontends[i].state === 'Connected') moveFrontend(s, i, 'close');
}

/** Backend Closing unless it already is (a failed setup or the frontend's Closing). */
export function backendClosing(s: SystemState, i: number): void {
  const st = s.backends[i].state;
  if (st === 'Initialising' || st === 'Connected') moveBackend(s, i, 'close');
}

export function connectActions(cfg: SystemConfig, l: Layout, mutant: SystemMutant | null): Action<SystemState>[] {
  const guests = Array.from({ length: l.guests }, (_, i) => i);
  const guest = { actor: (i: number) => `guest${i + 1}` };
  const dom0 = { actor: 'dom0' };
  return [
    action<SystemState, number>(
      'frontendConnect',
      guests,
      (s, i) => {
        const g = s.guests[i];
        return runnable(s, i) && g.migration === 'home' && g.connects > 0 && s.frontends[i].state === 'Unknown' && s.backends[i].state === 'Initialising';
      },
      (s, i) => {
        const g = s.guests[i];
        g.connects -= 1;
        // A new vnic allocates its control and buffer pages: the frames it freed at its last teardown come back.
        for (let k = 0; k <= l.pages; k++) if (s.frames[ctrlFrame(l, i) + k] === -1) s.frames[ctrlFrame(l, i) + k] = domOf(i);
        if (!grantAccess(s, domOf(i), 0, 0, ctrlFrame(l, i))) throw new Error(`guest${i + 1} could not grant its control page`);
        // A new vnic's fast-path table: the guests now on other hosts, as their fast-path traffic taught it (datapath.ts).
        g.fastpath = s.guests.flatMap((o, m) => (m !== i && o.host !== g.host ? [domOf(m)] : []));
        g.localmac = [];
        moveFrontend(s, i, 'connect');
      },
      guest,
    ),
    action<SystemState, number>(
      'backendSetupVnic',
      guests,
      (s, i) => s.backends[i].state === 'Initialising' && s.frontends[i].state === 'Connected',
      (s, i) => {
        const be = s.backends[i];
        if (mapGrant(s, 0, domOf(i), 0, false) < 0) return backendClosing(s, i); // the grant is not there: setup fails
        be.vnic = true;
        if (mutant === 'forwarding-context-at-setup') be.fwdCtx = true;
        moveBackend(s, i, 'setup');
      },
      dom0,
    ),
    action<SystemState, number>(
      'frontendSetHw',
      guests,
      (s, i) => {
        const fe = s.frontends[i];
        const be = s.backends[i];
        return runnable(s, i) && fe.state === 'Connected' && fe.vi < 0 && be.state === 'Connected' && be.hwRef >= 0;
      },
      (s, i) => {
        const fe = s.frontends[i];
        const frame = mapGrant(s, domOf(i), 0, s.backends[i].hwRef, false);
        if (frame < 0) return frontendClosing(s, i); // mapping failure ⇒ Closing
        fe.vi = viOfFrame(l, frame);
        fe.maxPages = Math.min(cfg.bufferPages, s.backends[i].maxPages);
      },
      guest,
    ),
  ];
}
