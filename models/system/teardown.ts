/**
 * Guest-initiated teardown of the accelerated connection, protocol.md §2(g) G1, step by step:
 *
 *   1–2 guestRemove          netfront detaches the hooks, the plugin writes Closing
 *   3   backendSeesClosing   dom0 writes Closing
 *   4   frontendStopsFastPath the guest stops the fast path, unmaps the VI's hardware page, writes Closed
 *   5   backendSeesClosed, then cleanup_vnic one step at a time, in this order (the control
 *       machine below), then dom0 writes Closed:
 *         a fwd          remove the guest MAC from the forwarding table (no more learning)
 *         b flush        efx_vi_reset: flush the VI's DMA queues
 *           clearBt      clear the guest's buffer-table entries
 *           unmapBufs    device-unmap the guest's buffer pages
 *         c ungrantHw    end access to the hardware-page grant (crash a guest still mapping it)
 *           stopFilters  filter_shutdown
 *           killCallback unregister the event-queue callback
 *           freeVi       efx_vi_free
 *         d+e unmapShared unbind the event channels, unmap the control page
 *   6   frontendReleases     the guest ends access to and frees its control and buffer pages —
 *                            ignoring a failed end access and freeing anyway, as the code does
 *                            (C-4): safe only because dom0 unmapped everything before Closed
 *   7   the plugin's dtor writes Unknown (part of step 6 here).
 *
 * Each cleanup step is its own model step because dom0 runs cleanup_vnic while the NIC, the
 * other guest and the guest being torn down keep running; they cannot interleave with dom0's
 * own handlers for this guest (bend_mutex: no message handling during cleanup). Mutants change
 * the order (or drop a step); each mutant's order is its own machine built from the same rows.
 *
 * Two orders (`teardown`): 'as-built' is the above. 'drain' is the order that loses no packet:
 * step 1 stops only fast-path TX (the guest keeps polling its VI); at step 3 dom0 also clears the
 * forwarding context and stops the guest's filters, so new traffic takes the slow path; step 4
 * waits until the VI's rings are empty (the guest has polled every RX packet, the NIC has sent
 * every TX packet); only then does the guest unmap and dom0 flush and free (step 5, whose fwd
 * and stopFilters find nothing left to do).
 *
 * Choices where protocol.md leaves room:
 * - Event channels are not modelled (no isolation property depends on them): step d is part of e.
 * - A backend that sees Closed while still Connected (only an adversary writes Closed without
 *   Closing) moves to Closing before cleaning up; the code cleans up and stays Connected. Either
 *   way the connection is dead; isolation depends only on the cleanup order.
 */
import { action, machine, t, type Action, type Machine, type Transition } from '../../src/index.js';
import { clearBufferTable, commitClearRegister, flushBuffers, unmapBuffers, writeClearRegister } from './buffers.js';
import type { SystemMutant } from './config.js';
import { backendClosing, frontendClosing, moveBackend, moveFrontend } from './connect.js';
import { stopFilters } from './filters.js';
import { endAccess, freeFrame, unmap, type Layout } from './grants.js';
import { at } from './packets.js';
import { domOf, runnable, type CleanupStep, type SystemState } from './state.js';
import type { SystemConfig } from './config.js';
import { freeVi, killCallback, ungrantHardware } from './vi.js';

/** cleanup_vnic as the code orders it (G1 step 5, a–e). */
export const CLEANUP_ORDER: readonly CleanupStep[] = [
  'fwd', 'flush', 'clearBt', 'unmapBufs', 'ungrantHw', 'stopFilters', 'killCallback', 'freeVi', 'unmapShared',
];

/** The order a mutant runs cleanup_vnic in. */
export function cleanupOrder(mutant: SystemMutant | null): CleanupStep[] {
  const order = [...CLEANUP_ORDER];
  const moveBefore = (step: CleanupStep, before: CleanupStep): CleanupStep[] => {
    const rest = order.filter((x) => x !== step);
    rest.splice(rest.indexOf(before), 0, step);
    return rest;
  };
  switch (mutant) {
    case 'unmap-before-clear':
      return moveBefore('unmapBufs', 'flush');
    case 'skip-flush':
      return order.filter((x) => x !== 'flush');
    case 'free-vi-before-ungrant':
      return moveBefore('ungrantHw', 'unmapShared');
    case 'free-vi-before-callback':
      return moveBefore('killCallback', 'unmapShared');
    case 'teardown-skips-filters':
      return order.filter((x) => x !== 'stopFilters');
    case 'free-vi-before-filters':
      return moveBefore('stopFilters', 'unmapShared');
    default:
      return order;
  }
}

export type CleanupState = 'idle' | CleanupStep;
export type CleanupEvent = 'start' | CleanupStep | 'clearBt-done';

/**
 * The cleanup_vnic machine for an order: idle → first step → … → last step → idle, each step's
 * row labelled with the step. With the unlocked clear of H-11, clearing loops through the
 * register write and its commit until no entry is left.
 */
export function cleanupMachine(order: readonly CleanupStep[], unlockedClear = false): Machine<CleanupState, CleanupEvent> {
  const rows: Transition<CleanupState, CleanupEvent>[] = [t('idle', 'start', order[0])];
  order.forEach((step, k) => {
    const next: CleanupState = k + 1 < order.length ? order[k + 1] : 'idle';
    if (step === 'clearBt' && unlockedClear) {
      rows.push(t('clearBt', 'clearBt', 'commitBt'), t('commitBt', 'commitBt', 'clearBt'), t('clearBt', 'clearBt-done', next));
    } else {
      rows.push(t(step, step, next));
    }
  });
  return machine<CleanupState, CleanupEvent>('system: cleanup_vnic', 'idle', rows);
}

/** The code's cleanup_vnic machine (the diagram's). */
export const cleanupVnic = cleanupMachine(CLEANUP_ORDER);

/** Step 6 (and M-3's early version): end access to the control and buffer pages, free them whatever end access says (C-4). */
function releasePages(s: SystemState, i: number): void {
  const d = domOf(i);
  s.grants[d].forEach((g, ref) => {
    if (g === null) return;
    endAccess(s, d, ref); // -EBUSY ignored
    if (s.frames[g.frame] === d) freeFrame(s, g.frame);
  });
}

/** One cleanup step; returns the event it took. */
function runStep(s: SystemState, i: number, step: CleanupStep, mutant: SystemMutant | null): CleanupEvent {
  const be = s.backends[i];
  switch (step) {
    case 'fwd':
      be.fwdCtx = false;
      break;
    case 'flush':
      flushBuffers(s, i);
      break;
    case 'clearBt':
      if (mutant !== 'unlocked-bt-clear') clearBufferTable(s, i);
      else if (!writeClearRegister(s, i)) return 'clearBt-done';
      break;
    case 'commitBt':
      commitClearRegister(s, i);
      break;
    case 'unmapBufs':
      unmapBuffers(s, i);
      break;
    case 'ungrantHw':
      ungrantHardware(s, i, mutant);
      break;
    case 'stopFilters':
      stopFilters(s, i);
      break;
    case 'killCallback':
      killCallback(s, i);
      break;
    case 'freeVi':
      freeVi(s, i);
      break;
    case 'unmapShared':
      for (const m of s.maps.filter((x) => x.by === 0 && x.granter === domOf(i) && !x.device)) unmap(s, m);
      be.vnic = false;
      break;
  }
  return step;
}

/** VI v's rings still hold packets. */
const ringsBusy = (s: SystemState, v: number): boolean => s.packets.some((p) => p.at === at.viRx(v) || p.at === at.viTx(v));

/**
 * G1 step 4 (and mutant M-16): the guest stops the fast path. The packets it handed to the VI and
 * never saw completed stay in the TX ring; M-16 also re-queues each on netfront's TX ring.
 */
function stopFastPath(s: SystemState, i: number, mutant: SystemMutant | null): void {
  const fe = s.frontends[i];
  if (mutant === 'resend-pending-tx' && fe.vi >= 0) {
    const tx = at.viTx(fe.vi);
    for (const p of s.packets.filter((x) => x.at === tx)) s.packets.push({ ...p, at: at.netfrontTx(i), owed: true });
  }
  for (const m of s.maps.filter((x) => x.by === domOf(i) && x.granter === 0)) unmap(s, m);
  fe.vi = -1;
  fe.bufs = [];
}

export function teardownActions(cfg: SystemConfig, l: Layout, mutant: SystemMutant | null): Action<SystemState>[] {
  const drain = cfg.teardown === 'drain';
  const guests = Array.from({ length: l.guests }, (_, i) => i);
  const guest = { actor: (i: number) => `guest${i + 1}` };
  const dom0 = { actor: 'dom0' };
  const order = cleanupOrder(mutant);
  const cleanup = cleanupMachine(order, mutant === 'unlocked-bt-clear');
  const steps: CleanupStep[] = mutant === 'unlocked-bt-clear' ? [...order, 'commitBt'] : order;

  const actions: Action<SystemState>[] = [
    action<SystemState, number>(
      'guestRemove',
      guests,
      (s, i) => runnable(s, i) && s.guests[i].removals > 0 && s.frontends[i].state === 'Connected',
      (s, i) => {
        s.guests[i].removals -= 1;
        frontendClosing(s, i);
      },
      guest,
    ),
    action<SystemState, number>(
      'backendSeesClosing',
      guests,
      (s, i) => {
        const be = s.backends[i];
        return s.frontends[i].state === 'Closing' && (be.state === 'Initialising' || be.state === 'Connected') && be.cleanup === 'idle';
      },
      (s, i) => {
        backendClosing(s, i);
        if (!drain || mutant === 'drain-keeps-filters') return;
        s.backends[i].fwdCtx = false; // no more learning …
        stopFilters(s, i); // … and new traffic takes the slow path
      },
      dom0,
    ),
    action<SystemState, number>(
      'frontendStopsFastPath',
      guests,
      (s, i) => {
        const fe = s.frontends[i];
        if (!runnable(s, i) || s.backends[i].state !== 'Closing' || (fe.state !== 'Connected' && fe.state !== 'Closing')) return false;
        return !drain || fe.vi < 0 || !ringsBusy(s, fe.vi);
      },
      (s, i) => {
        stopFastPath(s, i, mutant);
        if (mutant === 'frees-pages-on-closing') releasePages(s, i);
        moveFrontend(s, i, 'closed');
      },
      guest,
    ),
    action<SystemState, number>(
      'backendSeesClosed',
      guests,
      (s, i) => {
        const be = s.backends[i];
        return s.frontends[i].state === 'Closed' && (be.state === 'Connected' || be.state === 'Closing') && be.cleanup === 'idle';
      },
      (s, i) => {
        const be = s.backends[i];
        backendClosing(s, i);
        if (!be.vnic) return moveBackend(s, i, 'closed');
        if (mutant === 'closed-before-cleanup') moveBackend(s, i, 'closed');
        be.cleanup = cleanup.next('idle', 'start');
      },
      dom0,
    ),
  ];
  for (const step of steps) {
    actions.push(action<SystemState, number>(
      `cleanup.${step}`,
      guests,
      (s, i) => s.backends[i].cleanup === step,
      (s, i) => {
        const be = s.backends[i];
        be.cleanup = cleanup.next(step, runStep(s, i, step, mutant));
        if (be.cleanup !== 'idle') return;
        Object.assign(be, { vi: -1, hwRef: -1, maxPages: 0 });
        if (be.state === 'Closing') moveBackend(s, i, 'closed');
      },
      dom0,
    ));
  }
  actions.push(action<SystemState, number>(
    'frontendReleases',
    guests,
    (s, i) => runnable(s, i) && s.frontends[i].state === 'Closed' && s.backends[i].state === 'Closed',
    (s, i) => {
      releasePages(s, i);
      Object.assign(s.frontends[i], { vi: -1, maxPages: 0, sent: 0, bufs: [] });
      moveFrontend(s, i, 'dtor');
    },
    guest,
  ));
  return actions;
}
