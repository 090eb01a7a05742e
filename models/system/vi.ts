/**
 * sfc_netback's VI lifecycle (protocol.md §2(c); read against accel_solarflare.c and efx_vi.c):
 * accel_setup on the HELLO-REPLY — efx_vi_alloc (VI with owner id, event-queue callback
 * registered), filter bookkeeping, the VI's hardware page granted to the guest — and the three
 * parts of accel_shutdown that release the VI: end access to the hardware-page grants (crashing
 * a guest that still maps them, `ungrant_or_crash`), kill the event-queue callback, free the VI.
 * The order of those releases is teardown.ts's; this file says what each does.
 *
 * hw_state (NONE → ALLOC → FILTER → HWINFO) is not a separate variable here: it is what the
 * bend holds (`vi`, `filterState`, `hwRef`), and its table is checked in the handshake model.
 * The mutants reorder the releases, which a strict hw_state table would refuse as errors; here
 * they must run so the invariants can judge their consequences.
 *
 * Choices where protocol.md leaves room (or says "inferred"):
 * - Owner id = VI instance + 1: never 0, different for every VI (the code uses the event-queue
 *   instance and a FIXME says it must not be 0; H-12). The mutants give owner 0 or one shared id.
 * - accel_setup fails (backend Closing, hw_state NONE, max_pages already stored as in the code)
 *   when no VI or no dom0 grant reference is free, and — with `allocMayFail` — whenever the
 *   resource driver chooses to fail (out of memory, event queue allocation).
 * - The crash of a guest that still maps a hardware page is one atomic step (S6 note): from then
 *   on the guest takes no step; its mappings stay (Xen tears them down only when the domain is
 *   destroyed, which is not modelled), and the grant dom0 could not end stays in dom0's table,
 *   leaked — dom0's table has one spare reference for it. Crashing an honest guest (one that did
 *   unmap at G1 step 4) would be a protocol error and throws.
 */
import { action, type Action } from '../../src/index.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { backendClosing } from './connect.js';
import { endAccess, forceEndAccess, freeRef, grantAccess, hwFrame, type Layout } from './grants.js';
import { allocVi, freeViIndex, releaseVi, viAt } from './nic.js';
import { domOf, guestOf, type SystemState } from './state.js';

/** Owner id of VI v's DMA queues. */
function ownerId(v: number, mutant: SystemMutant | null): number {
  if (mutant === 'owner-id-zero') return 0;
  if (mutant === 'shared-owner-id') return 1;
  return v + 1;
}

/** The HELLO-REPLY may be handled: backend Connected with its vnic, no VI yet, the guest still Connected. */
function helloReplyPending(s: SystemState, i: number): boolean {
  const be = s.backends[i];
  return be.state === 'Connected' && be.vnic && be.vi < 0 && be.cleanup === 'idle' && s.frontends[i].state === 'Connected';
}

const resourcesFree = (s: SystemState, i: number): boolean => freeViIndex(s, s.backends[i].host) >= 0 && freeRef(s, 0) >= 0;

/** accel_setup: VI + callback (ALLOC), filter state (FILTER), hardware page granted (HWINFO); SETHW sent, then the forwarding context. */
function accelSetup(s: SystemState, i: number, cfg: SystemConfig, l: Layout, mutant: SystemMutant | null): void {
  const be = s.backends[i];
  const v = freeViIndex(s, be.host);
  const ref = freeRef(s, 0);
  be.maxPages = Math.min(cfg.bufferPages, be.quota);
  allocVi(s, v, domOf(i), ownerId(v, mutant));
  viAt(s, v).callback = true;
  be.vi = v;
  be.filterState = true;
  if (!grantAccess(s, 0, ref, domOf(i), hwFrame(v))) throw new Error(`dom0 could not grant VI ${v}'s hardware page`);
  be.hwRef = ref;
  be.fwdCtx = cfg.learning === 'after-sethw'; // else once the buffers are mapped (buffers.ts)
}

export function viActions(cfg: SystemConfig, l: Layout, mutant: SystemMutant | null): Action<SystemState>[] {
  const guests = Array.from({ length: l.guests }, (_, i) => i);
  const dom0 = { actor: 'dom0' };
  return [
    action<SystemState, number>(
      'backendAccelSetup',
      guests,
      (s, i) => helloReplyPending(s, i) && resourcesFree(s, i),
      (s, i) => accelSetup(s, i, cfg, l, mutant),
      dom0,
    ),
    action<SystemState, number>(
      'backendSetupFails',
      guests,
      (s, i) => helloReplyPending(s, i) && (cfg.allocMayFail || !resourcesFree(s, i)),
      (s, i) => {
        const be = s.backends[i];
        be.maxPages = Math.min(cfg.bufferPages, be.quota); // stored before efx_vi_alloc fails
        backendClosing(s, i);
      },
      dom0,
    ),
  ];
}

/** accel_shutdown, HWINFO undone: end access to the hardware-page grant; a guest still mapping it is crashed. */
export function ungrantHardware(s: SystemState, i: number, mutant: SystemMutant | null): void {
  const be = s.backends[i];
  if (be.hwRef < 0) return;
  const ref = be.hwRef;
  be.hwRef = -1;
  if (mutant === 'ungrant-without-crash') return forceEndAccess(s, 0, ref);
  if (endAccess(s, 0, ref)) return;
  // ungrant_or_crash: SCHEDOP_remote_shutdown(crash) of every domain still mapping it; the reference leaks.
  for (const m of s.maps) {
    if (m.granter !== 0 || m.ref !== ref) continue;
    const g = s.guests[guestOf(m.by)];
    if (g.honest) throw new Error(`sfc_netback crashed guest${m.by}, an honest guest: it still mapped VI ${be.vi}'s hardware page at cleanup`);
    g.crashed = true;
  }
}

/** accel_shutdown, ALLOC undone, first half: the event-queue callback is unregistered. */
export function killCallback(s: SystemState, i: number): void {
  const v = s.backends[i].vi;
  if (v >= 0) viAt(s, v).callback = false;
}

/** accel_shutdown, ALLOC undone, second half: efx_vi_free (the bend keeps its stale index until cleanup ends). */
export function freeVi(s: SystemState, i: number): void {
  const v = s.backends[i].vi;
  if (v >= 0 && viAt(s, v).state !== 'free') releaseVi(s, v);
}
