/**
 * The system model's state: one plain record for one host (Xen, dom0 with sfc_netback, the
 * Solarflare NIC) and its guests. Each component file owns its part (grants.ts the frames,
 * grant tables and mappings; nic.ts the NIC; connect.ts, vi.ts, buffers.ts, filters.ts and
 * teardown.ts the two plugins); this file only names the whole, so invariants can be read over it.
 *
 * Identities. Domain 0 is dom0; guest i (array index i) is domain i + 1 ("guest1", "guest2").
 * Frames are machine pages of the host, numbered 0 … frameCount-1: first one hardware page per
 * VI (its TX/RX descriptor rings, event queue and doorbell, granted to the guest as one page),
 * then per guest its control page followed by its buffer pages (the layout is grants.ts's).
 * Buffer ids index the NIC buffer table. Flows are the (local IP, port, protocol)
 * tuples dom0 may learn filters for; flow ids are global and each guest has its own.
 *
 * Canonical form: sets are sorted arrays (mappings, filters, buffer ids), absent things are -1
 * or null, budgets only go down. No history is kept: the invariants judge the current state,
 * and step invariants the difference between two states.
 *
 * Room for the second half of the issue (datapath, migration): packets will be an array of
 * `{ id, flow, dstGuest, at }` records with a bounded location (wire, default queue, bridge,
 * netfront ring, VI ring, guest stack, dropped(reason)); the RX DMA of nic.ts will then take
 * the packet a filter steers instead of "a packet arrives". Migration will group the host-local
 * parts (`frames`, `grants` of dom0, `maps`, `nic`, `backends`) under `hosts[h]` and give each
 * guest a `host`; the invariants go through small accessors so they can iterate over hosts.
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
  /** Teardowns (plugin remove / suspend) the guest may still start. */
  removals: number;
};

export type SystemState = {
  /** Owner domain of each frame; -1 once freed back to Xen (it may then go to any domain). */
  frames: number[];
  /** grants[d][r]: entry r of domain d's grant table, null when free. */
  grants: (Grant | null)[][];
  /** Every live foreign mapping (Xen's maptrack), sorted. */
  maps: Mapping[];
  nic: Nic;
  backends: Backend[];
  frontends: Frontend[];
  guests: Guest[];
};

/** Domain id of guest index i. */
export const domOf = (i: number): number => i + 1;

/** Guest index of domain d (d ≥ 1). */
export const guestOf = (d: number): number => d - 1;

/** The guest can still take steps. */
export const runnable = (s: SystemState, i: number): boolean => !s.guests[i].crashed;
