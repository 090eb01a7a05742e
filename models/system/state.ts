/**
 * The system model's state: one plain record for one host (Xen, dom0 with sfc_netback, the
 * Solarflare NIC) and its guests. Each component file owns its part (grants.ts the frames,
 * grant tables and mappings; nic.ts the NIC; connect.ts, vi.ts, buffers.ts, filters.ts and
 * teardown.ts the two plugins); this file only names the whole, so invariants can be read over it.
 *
 * Identities. Domain 0 is dom0; guest i (array index i, 0 … guests-1, at most 3) is domain
 * i + 1 ("guest1", "guest2", "guest3") and its MAC is i + 1 too. Frames are machine pages,
 * numbered 0 … frameCount-1: first one hardware page per VI of every host (its TX/RX descriptor
 * rings, event queue and doorbell, granted to the guest as one page), then per guest, in guest
 * order, its control page followed by its buffer pages (the layout is grants.ts's). Buffer ids
 * index a NIC's buffer table. Flows are the (local IP, port, protocol) tuples dom0 may learn
 * filters for; flow ids are global and each guest has its own block (guest i's flow f is
 * i·flows + f). Packet ids index the scenario's traffic. symmetry.ts renames all of these
 * together when it permutes guests.
 *
 * Canonical form: sets are sorted arrays (mappings, filters, buffer ids), absent things are -1
 * or null, budgets only go down. No history is kept: the invariants judge the current state,
 * and step invariants the difference between two states.
 *
 * Hosts and migration. Each host has one NIC (`nics[h]`) and its own dom0; a guest lives on
 * `guests[i].host` and has one backend record, on that host (`backends[i].host`): the bend on
 * the old host is gone (teardown to completion, G2 step 1) before the guest resumes elsewhere
 * and a new one is probed there (migration.ts).
 *
 * Packets (packets.ts, datapath.ts) have identities and locations: `packets[k]` is a packet of
 * the scenario's traffic, its static part (source, destination, MACs, flow) in the layout and
 * only where it is and whether someone owes its delivery in the state.
 */
import type { Grant, Mapping } from './grants.js';
import type { Nic } from './nic.js';

export type XenbusState = 'Unknown' | 'Initialising' | 'Connected' | 'Closing' | 'Closed';

/** The steps of cleanup_vnic (protocol.md §2(g) G1 step 5), named in teardown.ts. */
export type CleanupStep =
  | 'fwd'
  | 'flush'
  | 'clearBt'
  | 'commitBt'
  | 'unmapBufs'
  | 'ungrantHw'
  | 'stopFilters'
  | 'killCallback'
  | 'freeVi'
  | 'unmapShared';

/** One guest buffer page dom0 holds for the NIC: the grant it device-mapped and the buffer-table entry it wrote. */
export type MappedBuffer = {
  /** Grant reference in the guest's table; -1 for a frame mapped without a grant (mutant M-10). */
  ref: number;
  /** Domain whose grant (or frame) it is. */
  granter: number;
  frame: number;
  /** Buffer-table entry written for it; -1 once cleared. */
  bt: number;
  /** dom0 still holds the device mapping. */
  mapped: boolean;
};

/** sfc_netback's bend for one guest, reduced to what isolation depends on. */
export type Backend = {
  /** The host whose dom0 runs it (the guest's host). */
  host: number;
  /** 'Unknown' on a host without an accelerated NIC: no plugin, no accel-frontend key (G2 4b). */
  state: XenbusState;
  /** cleanup_vnic in progress: the step to run next ('idle' when not cleaning up). */
  cleanup: 'idle' | CleanupStep;
  /** vnic_is_setup: the control page is mapped, event channels bound, forwarding entry added. */
  vnic: boolean;
  /** The VI allocated for this guest (hw_state ≥ ALLOC), -1 for none (hw_state NONE). */
  vi: number;
  /** Filter bookkeeping allocated (hw_state ≥ FILTER). */
  filterState: boolean;
  /** dom0 grant reference of the VI's hardware page (hw_state HWINFO), -1 for none. */
  hwRef: number;
  /** dom0's per-guest buffer-page quota (limits/max-buf-pages); constant. */
  quota: number;
  /** dom0's per-guest filter limit (limits/max-filters); constant. */
  filterLimit: number;
  /** Negotiated max_pages (min of the guest's ask and the dom0 quota); 0 before the HELLO-REPLY. */
  maxPages: number;
  /** Guest pages dom0 device-mapped for MAPBUF, sorted by buffer id. */
  bufs: MappedBuffer[];
  /** Flows with a live filter, as in the bend's filter table (sorted). */
  filters: number[];
  /** The forwarding-table entry for the guest's MAC has this bend as context: filter learning is on. */
  fwdCtx: boolean;
};

/** sfc_netfront's vnic for one guest. */
export type Frontend = {
  state: XenbusState;
  /** The VI whose hardware page the guest mapped at SETHW (it writes that VI's rings and doorbell), -1 for none. */
  vi: number;
  maxPages: number;
  /** Buffer pages sent in MAPBUF requests so far. */
  sent: number;
  /** Buffer ids from MAPBUF replies (sorted): what the guest names in its descriptors. */
  bufs: number[];
};

/** The guest as a whole: its kernel and, when adversarial, whatever it chooses to do. */
export type Guest = {
  /** No misbehaving step taken yet. */
  honest: boolean;
  /** dom0 crashed it (SCHEDOP_remote_shutdown): its vCPUs never run again, it takes no further step. */
  crashed: boolean;
  /** Misbehaving steps left (0 for an honest guest). */
  budget: number;
  /** Times the accel plugin may still connect (one in this half of the issue). */
  connects: number;
  /** Teardowns (plugin remove) the guest may still start. */
  removals: number;
  /** The host it runs on; while it migrates, the host it left, until it resumes elsewhere. */
  host: number;
  /** Where it is in a migration (migration.ts). */
  migration: MigrationState;
  /** Migrations it may still make. */
  migrations: number;
  /** Its fast-path table: destination MACs it sends on the fast path (0 stands for every remote host's MAC), sorted. */
  fastpath: number[];
  /** LOCALMAC messages dom0 queued for it and it has not handled yet (the MACs they name), sorted. */
  localmac: number[];
};

export type MigrationState = 'home' | 'suspending' | 'suspended';

/** One packet of the scenario's traffic (packets.ts names the locations). */
export type Packet = {
  /** Its index in the scenario's traffic; a duplicate (mutant M-16) has the same id. */
  id: number;
  /** Source and destination MAC (a guest's domain id; 0 for a remote host): fixed, kept so invariants can read them. */
  srcMac: number;
  dstMac: number;
  at: string;
  /** Accepted and not yet handed on: a host or a guest's netdev took it and owes its delivery. */
  owed: boolean;
};

export type SystemState = {
  /** Owner domain of each frame; -1 once freed back to Xen (it may then go to any domain). */
  frames: number[];
  /** grants[d][r]: entry r of domain d's grant table, null when free. */
  grants: (Grant | null)[][];
  /** Every live foreign mapping (Xen's maptrack), sorted. */
  maps: Mapping[];
  /** One NIC per host. */
  nics: Nic[];
  backends: Backend[];
  frontends: Frontend[];
  guests: Guest[];
  packets: Packet[];
};

/** Domain id of guest index i. */
export const domOf = (i: number): number => i + 1;

/** Guest index of domain d (d ≥ 1). */
export const guestOf = (d: number): number => d - 1;

/** The guest can still take steps: not crashed, not suspended for migration. */
export const runnable = (s: SystemState, i: number): boolean => !s.guests[i].crashed && s.guests[i].migration !== 'suspended';
