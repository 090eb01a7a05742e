/**
 * The handshake model's state: one plain record joining the channel (xenstore keys, shared
 * pages), the two plugin instances and what the environment may still do. Each component
 * file owns its part; this file only names the whole, so invariants can be written over it.
 *
 * Environment budgets (how many probes, removals, link flaps, adversarial actions remain) are
 * counters that only go down, so every run is finite and states stay canonical.
 */
import type { SharedPages, Xenstore } from './channel.js';
import type { Backend } from './backend.js';
import type { Frontend } from './frontend.js';

/** The guest as a whole (its kernel, netfront and, when adversarial, whatever it chooses to do). */
export type Guest = {
  /** No misbehaving action taken yet: the guest-side invariants hold the guest to its own protocol only while this is true. */
  honest: boolean;
  /** The guest crashed (its own BUG_ON after misbehaving, or killed by dom0): it takes no further step. */
  crashed: boolean;
  /** Misbehaving actions left (0 for an honest scenario). */
  budget: number;
  /** Times netfront may still load sfc_netfront for this vif (1 + reconnects). */
  loads: number;
  /** Plugin removals (remove / suspend) the guest may still initiate. */
  removals: number;
};

/** dom0's environment: the toolstack, the driverlink port. */
export type Dom0 = {
  /** sfc_netback may still be probed for this vif (once). */
  probes: number;
  /** Backend removals (vif removal, plugin unload, NIC unplug) that may still happen. */
  removals: number;
  /** The physical port is up with carrier. */
  linkUp: boolean;
  /** Link changes left. */
  flaps: number;
};

export type HandshakeState = {
  xs: Xenstore;
  /** The guest's control + message pages; null while the guest holds no domU shared state. */
  shared: SharedPages | null;
  /** sfc_netfront's vnic for this vif; null while the plugin is not attached. */
  fe: Frontend | null;
  /** sfc_netback's bend for this vif; null before probe and after remove. */
  be: Backend | null;
  guest: Guest;
  dom0: Dom0;
};

/** The guest can still take steps. */
export function guestAlive(s: HandshakeState): boolean {
  return !s.guest.crashed;
}
