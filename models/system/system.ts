/**
 * The whole system of the paper on one host, for the isolation claim ("no guest ever reaches
 * another guest's memory"): Xen's grant tables (grants.ts), the Solarflare NIC with its VIs,
 * buffer table, filter table and DMA (nic.ts), sfc_netback's VI lifecycle (vi.ts), buffer-table
 * programming (buffers.ts) and filter learning (filters.ts), the abstracted accel handshake
 * (connect.ts), the G1 teardown step by step (teardown.ts), and guest1 as the §3.0 adversary
 * (adversary.ts). One host, one or two guests, one or two VIs; sizes come from the scenario.
 *
 * Terminal states (no enabled step is fine there): every guest is either crashed, has
 * misbehaved (a guest that stops answering leaves dom0 waiting without bound — liveness, not
 * safety), is connected with its backend, or is done (no vnic, backend Closed or still waiting
 * in Initialising for a plugin that will not come), with no cleanup in progress. Anything else
 * with no enabled step is a deadlock of the honest protocol.
 */
import { defineModel, type Invariant, type Machine, type Model } from '../../src/index.js';
import { adversaryActions } from './adversary.js';
import { bufferActions } from './buffers.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { backendAccelstate, connectActions, frontendAccelstate } from './connect.js';
import { filterActions } from './filters.js';
import { grantEntry, initialFrames, initialGrants, layout, type Layout } from './grants.js';
import { freshNic, nicActions, viLifecycle } from './nic.js';
import type { SystemState } from './state.js';
import { cleanupVnic, teardownActions } from './teardown.js';
import { viActions } from './vi.js';

/** Every component's control machine, for `accelcheck diagram`. */
export const systemMachines: Machine<string, string>[] = [frontendAccelstate, backendAccelstate, cleanupVnic, viLifecycle, grantEntry];

function removes(cfg: SystemConfig, i: number): boolean {
  return cfg.teardown === 'both' || cfg.teardown === `guest${i + 1}`;
}

export function initialState(cfg: SystemConfig, l: Layout): SystemState {
  const guests = Array.from({ length: cfg.guests }, (_, i) => i);
  return {
    frames: initialFrames(l),
    grants: initialGrants(l),
    maps: [],
    nic: freshNic(cfg.vis, cfg.bufferEntries),
    backends: guests.map(() => ({
      state: 'Initialising', cleanup: 'idle', vnic: false, vi: -1, filterState: false, hwRef: -1,
      quota: cfg.dom0Quota, filterLimit: cfg.maxFilters, maxPages: 0, bufs: [], filters: [], fwdCtx: false,
    })),
    frontends: guests.map(() => ({ state: 'Unknown', vi: -1, maxPages: 0, sent: 0, bufs: [] })),
    guests: guests.map((i) => {
      const adversary = cfg.adversarial && i === 0;
      return { honest: true, crashed: false, budget: adversary ? cfg.adversaryBudget : 0, connects: 1, removals: removes(cfg, i) ? 1 : 0 };
    }),
  };
}

/** Legitimate end states (see the header). */
export function isTerminal(s: SystemState): boolean {
  return s.guests.every((g, i) => {
    if (g.crashed || !g.honest) return true;
    const fe = s.frontends[i];
    const be = s.backends[i];
    if (be.cleanup !== 'idle') return false;
    if (fe.state === 'Connected' && be.state === 'Connected') return true;
    return fe.state === 'Unknown' && (be.state === 'Closed' || be.state === 'Initialising');
  });
}

export interface SystemOptions {
  mutant: SystemMutant | null;
  /** The properties to check (invariants/isolation.ts); models/index.ts joins them. */
  invariants: readonly Invariant<SystemState>[];
}

/** The model for a validated configuration (see config.ts); `mutant` re-introduces one bug. */
export function system(cfg: SystemConfig, options: SystemOptions): Model<SystemState> {
  const { mutant, invariants } = options;
  const l = layout(cfg.guests, cfg.vis, cfg.bufferPages);
  return defineModel<SystemState>({
    name: 'system',
    config: { ...cfg, mutant },
    init: () => initialState(cfg, l),
    actions: [
      ...connectActions(cfg, l, mutant),
      ...viActions(cfg, l, mutant),
      ...bufferActions(l, mutant),
      ...nicActions(l),
      ...filterActions(cfg, mutant),
      ...teardownActions(l, mutant),
      ...adversaryActions(cfg, l, mutant),
    ],
    invariants,
    terminal: isTerminal,
  });
}
