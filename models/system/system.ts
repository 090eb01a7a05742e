/**
 * The whole system of the paper: Xen's grant tables (grants.ts), one Solarflare NIC per host
 * with its VIs, buffer table, filter table and DMA (nic.ts), sfc_netback's VI lifecycle (vi.ts),
 * buffer-table programming (buffers.ts) and filter learning (filters.ts), the abstracted accel
 * handshake (connect.ts), the G1 teardown step by step in the order as built or draining
 * (teardown.ts), guest1 as the §3.0 adversary (adversary.ts), packets with identities moving on
 * the fast and slow paths (packets.ts, datapath.ts), and guest1's migration between two hosts
 * (migration.ts). Sizes and options come from the scenario (config.ts).
 *
 * Terminal states (no enabled step is fine there): some guest has crashed or misbehaved (a guest
 * that stops answering leaves dom0 waiting without bound — liveness, not safety); or every
 * packet is delivered or dropped, no guest is mid-migration or has a LOCALMAC to handle, and
 * each guest is connected with its backend, or done (no vnic; its bend Closed, still waiting in
 * Initialising, or absent on a host without the plugin) with no cleanup in progress. Anything
 * else with no enabled step is a deadlock of the honest protocol.
 */
import { defineModel, type Invariant, type Machine, type Model } from '../../src/index.js';
import { adversaryActions } from './adversary.js';
import { bufferActions } from './buffers.js';
import { homeHost, removes, type SystemConfig, type SystemMutant } from './config.js';
import { backendAccelstate, connectActions, frontendAccelstate } from './connect.js';
import { datapathActions } from './datapath.js';
import { filterActions, flowOf } from './filters.js';
import { grantEntry, initialFrames, initialGrants, layout, type Layout } from './grants.js';
import { freshBackend, guestMigration, migrationActions } from './migration.js';
import { freshNic, nicActions, viLifecycle } from './nic.js';
import { initialPackets, isFinal, packetPath, packetSpecs, type PacketSpec } from './packets.js';
import type { SystemState } from './state.js';
import { cleanupVnic, teardownActions } from './teardown.js';
import { systemSymmetry } from './symmetry.js';
import { viActions } from './vi.js';

/** Every component's control machine, for `accelcheck diagram`. */
export const systemMachines: Machine<string, string>[] = [frontendAccelstate, backendAccelstate, cleanupVnic, viLifecycle, grantEntry, guestMigration, packetPath];

/** The packets of the scenario (packets.ts). */
export const scenarioPackets = (cfg: SystemConfig): PacketSpec[] => packetSpecs(cfg.traffic, (i) => flowOf(cfg, i, 0));

export function initialState(cfg: SystemConfig, l: Layout): SystemState {
  const guests = Array.from({ length: cfg.guests }, (_, i) => i);
  return {
    frames: initialFrames(l),
    grants: initialGrants(l),
    maps: [],
    nics: Array.from({ length: cfg.hosts }, () => freshNic(cfg.vis, cfg.bufferEntries)),
    backends: guests.map((i) => freshBackend(cfg, homeHost(cfg, i))),
    frontends: guests.map(() => ({ state: 'Unknown', vi: -1, maxPages: 0, sent: 0, bufs: [] })),
    guests: guests.map((i) => {
      const adversary = cfg.adversarial && i === 0;
      return {
        honest: true, crashed: false, budget: adversary ? cfg.adversaryBudget : 0, connects: 1, removals: removes(cfg, i) ? 1 : 0,
        host: homeHost(cfg, i), migration: 'home', migrations: i === 0 ? cfg.migrations : 0, fastpath: [], localmac: [],
      };
    }),
    packets: initialPackets(scenarioPackets(cfg)),
  };
}

/** Legitimate end states (see the header). */
export function isTerminal(s: SystemState): boolean {
  if (s.guests.some((g) => g.crashed || !g.honest)) return true;
  if (!s.packets.every(isFinal)) return false;
  return s.guests.every((g, i) => {
    const fe = s.frontends[i];
    const be = s.backends[i];
    if (be.cleanup !== 'idle' || g.migration !== 'home' || g.localmac.length > 0) return false;
    if (fe.state === 'Connected' && be.state === 'Connected') return true;
    return fe.state === 'Unknown' && (be.state === 'Closed' || be.state === 'Initialising' || be.state === 'Unknown');
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
  const l = layout(cfg.guests, cfg.hosts, cfg.vis, cfg.bufferPages);
  return defineModel<SystemState>({
    name: 'system',
    config: { ...cfg, mutant },
    init: () => initialState(cfg, l),
    actions: [
      ...connectActions(cfg, l, mutant),
      ...viActions(cfg, l, mutant),
      ...bufferActions(cfg, l, mutant),
      ...nicActions(l, cfg.dma),
      ...filterActions(cfg, mutant),
      ...teardownActions(cfg, l, mutant),
      ...adversaryActions(cfg, l, mutant),
      ...datapathActions(cfg, scenarioPackets(cfg), mutant),
      ...migrationActions(cfg, mutant),
    ],
    invariants,
    terminal: isTerminal,
    // Interchangeable guests (those the scenario configures alike) and packets (symmetry.ts).
    symmetry: systemSymmetry(cfg, l, scenarioPackets(cfg)),
  });
}
