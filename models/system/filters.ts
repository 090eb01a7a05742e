/**
 * Filter programming by sfc_netback (protocol.md §2(e); read against accel_fwd.c and
 * accel_solarflare.c): learning a filter from slow-path traffic, the duplicate check, the
 * per-guest limit with eviction, removal on a FASTPATH request, and filter_shutdown at teardown.
 *
 * Learning: dom0's driverlink RX hook sees a packet on the slow path (it matched no hardware
 * filter, or is still queued from before the filter existed) whose destination MAC has a
 * forwarding entry with a non-NULL context (set after SETHW, cleared first at teardown, G1 5a):
 * dom0 inserts a filter {flow} → that guest's VI, unless the flow already has one in the
 * guest's table. When the guest holds `filterLimit` filters, a victim is evicted first. If the
 * NIC refuses (table full) the flow stays on the slow path, still correct.
 *
 * Choices where protocol.md leaves room:
 * - The victim is chosen from the TSC in the code; here it is any of the guest's filters (a
 *   parameter), which covers every choice the TSC could make.
 * - Flows are per guest (each guest's own local IP and ports). dom0 learns whatever flow a packet
 *   to the guest's MAC carries, so a flow of another guest can be claimed (C-3, S11).
 * - Falcon's filters match (IP, port, protocol) only; with `macFilters` (later NICs) they also
 *   match the destination MAC, which is the MAC of the guest the filter was learned for. When two
 *   filters match, the NIC takes the first in table order.
 * - FASTPATH REMOVE looks the flow up in the *sender's* table only. The MAC comparison of C-2,
 *   which makes the request almost always fail in the code, is left out (removal succeeds): it
 *   can only keep one of the sender's own filters alive, which isolation does not depend on.
 * - A duplicate slow-path packet for a flow that already has a filter changes nothing: the step
 *   exists (a self-loop) so that M-17, which drops the check, has something to act on.
 */
import { action, type Action } from '../../src/index.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { insertFilter, removeFilter, type Filter } from './nic.js';
import { domOf, type SystemState } from './state.js';

/** Global id of guest i's flow f. */
export const flowOf = (cfg: SystemConfig, i: number, f: number): number => i * cfg.flows + f;

function insertSorted(xs: number[], x: number): number[] {
  return [...xs, x].sort((a, b) => a - b);
}

/**
 * A slow-path packet on `flow`, addressed to guest i's MAC, reaches dom0's RX hook; `victim` is
 * the filter evicted if the guest is at its limit. The flow is whatever the packet carries: dom0
 * does not check that the (IP, port) is the guest's (the hijack traffic of packets.ts uses that).
 */
export function learn(s: SystemState, cfg: SystemConfig, i: number, flow: number, victim: number, mutant: SystemMutant | null): void {
  const be = s.backends[i];
  if (!be.fwdCtx) return; // no forwarding context: no learning
  if (be.filters.includes(flow) && mutant !== 'no-duplicate-filter-check') return; // already filtered
  if (be.filters.length >= be.filterLimit && mutant !== 'filter-limit-unchecked') {
    const gone = be.filters[victim];
    removeFilter(s, be.host, gone, be.vi);
    be.filters = be.filters.filter((_, k) => k !== victim);
  }
  if (insertFilter(s, be.host, { flow, vi: be.vi, dom: domOf(i) }, cfg.filterSlots)) be.filters = insertSorted(be.filters, flow);
  // else: the NIC refused; bookkeeping rolled back, the flow stays on the slow path.
}

/** The eviction choice matters only when learning happens, the guest is at its limit and the flow is new. */
function evicts(s: SystemState, i: number, flow: number, mutant: SystemMutant | null): boolean {
  const be = s.backends[i];
  const dup = be.filters.includes(flow) && mutant !== 'no-duplicate-filter-check';
  return be.fwdCtx && !dup && be.filters.length >= be.filterLimit && mutant !== 'filter-limit-unchecked';
}

/** `victim` is a meaningful choice for learning `flow` for guest i: an existing filter when one is evicted, else 0. */
export function victimChoice(s: SystemState, i: number, flow: number, victim: number, mutant: SystemMutant | null): boolean {
  return evicts(s, i, flow, mutant) ? victim < s.backends[i].filters.length : victim === 0;
}

/**
 * Learning from abstract traffic, for scenarios without packets: at any time some slow-path
 * packet for any of the guest's flows may pass dom0's RX hook. With packets (datapath.ts) only
 * the scenario's packets teach dom0.
 */
export function filterActions(cfg: SystemConfig, mutant: SystemMutant | null): Action<SystemState>[] {
  if (cfg.traffic.trim() !== '') return [];
  const params: [number, number, number][] = [];
  for (let i = 0; i < cfg.guests; i++) for (let f = 0; f < cfg.flows; f++) for (let v = 0; v < cfg.maxFilters; v++) params.push([i, f, v]);
  return [
    action<SystemState, [number, number, number]>(
      'learnFilter',
      params,
      (s, [i, f, victim]) => s.backends[i].fwdCtx && victimChoice(s, i, flowOf(cfg, i, f), victim, mutant),
      (s, [i, f, victim]) => learn(s, cfg, i, flowOf(cfg, i, f), victim, mutant),
      { actor: 'dom0' },
    ),
  ];
}

/** The filter of host h's NIC a packet on `flow` to `dstMac` matches (the first in table order), or undefined. */
export function matchFilter(s: SystemState, h: number, flow: number, dstMac: number, macFilters: boolean): Filter | undefined {
  return s.nics[h].filters.find((f) => f.flow === flow && (!macFilters || f.dom === dstMac));
}

/** FASTPATH {REMOVE, flow} from guest i: drop the filter if it is one of the guest's own. */
export function fastpathRemove(s: SystemState, i: number, flow: number): void {
  const be = s.backends[i];
  if (be.vi < 0 || !be.filterState || !be.filters.includes(flow)) return;
  removeFilter(s, be.host, flow, be.vi);
  be.filters = be.filters.filter((x) => x !== flow);
}

/** filter_shutdown (accel_shutdown, FILTER undone): stop every hardware filter of guest i, free the bookkeeping. */
export function stopFilters(s: SystemState, i: number): void {
  const be = s.backends[i];
  for (const flow of be.filters) removeFilter(s, be.host, flow, be.vi);
  be.filters = [];
  be.filterState = false;
}
