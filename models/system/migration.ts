/**
 * Live migration of guest1 (protocol.md §2(g) G2), in three steps:
 *
 *   migrateRequest  the toolstack asks guest1 to suspend: netfront's suspend starts the accel
 *                   teardown (G1, teardown.ts), as the plugin's remove does
 *   suspend         once the teardown has run to completion (frontend back to Unknown, the bend
 *                   Closed with cleanup_vnic done) and its PV rings are quiet, the domain is
 *                   suspended: it takes no step, and packets for it are lost to the network
 *   resume          it resumes on the other host: netfront reconnects to a new netback, a new bend
 *                   is probed there if that host has an accelerated NIC (G2 4a: a new handshake,
 *                   a fresh VI if one is free) or none if it has not (4b: slow path only); its
 *                   gratuitous ARP passes the new dom0's TX hook, which sends LOCALMAC for its MAC
 *                   to every accelerated guest on that host (G2 5)
 *
 * Choices where protocol.md leaves room:
 * - One bend record per guest: the old host's bend is gone (destroyed with the domain, G2 2) by
 *   the time the new one is probed. Under the M-13 mutant, which suspends without waiting for
 *   the teardown, resume still waits for the old cleanup to end, so the record is never shared.
 * - The suspend waits for the PV path to be quiet (datapath.ts): netfront's own discard of
 *   pending TX at reconnect belongs to PV migration, not to the accelerator.
 * - The arriving guest's own fast-path table is rebuilt when its vnic connects on the new host
 *   (connect.ts); guests left behind never had its MAC (it was local to them).
 */
import { action, machine, t, type Action } from '../../src/index.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { frontendClosing } from './connect.js';
import { insertSorted, pvBusy } from './datapath.js';
import { domOf, type Backend, type MigrationState, type SystemState } from './state.js';

export type MigrationEvent = 'request' | 'suspend' | 'resume';

/** A guest's migration: suspend requested, suspended, resumed on the other host. */
export const guestMigration = machine<MigrationState, MigrationEvent>('system: guest migration', 'home', [
  t('home', 'request', 'suspending'),
  t('suspending', 'suspend', 'suspended'),
  t('suspended', 'resume', 'home'),
]);

/** Host h has a Solarflare NIC with sfc_netback loaded. */
export const accelerated = (cfg: SystemConfig, h: number): boolean => h === 0 || cfg.secondHost === 'accel';

/** A bend as netback's probe creates it on host h (or the absent one of a host without the plugin). */
export function freshBackend(cfg: SystemConfig, h: number): Backend {
  return {
    host: h, state: accelerated(cfg, h) ? 'Initialising' : 'Unknown', cleanup: 'idle', vnic: false, vi: -1, filterState: false,
    hwRef: -1, quota: cfg.dom0Quota, filterLimit: cfg.maxFilters, maxPages: 0, bufs: [], filters: [], fwdCtx: false,
  };
}

/** The accelerated connection of guest i is gone at both ends (or never was). */
export function accelDown(s: SystemState, i: number): boolean {
  const be = s.backends[i];
  return s.frontends[i].state === 'Unknown' && be.cleanup === 'idle' && be.state !== 'Connected' && be.state !== 'Closing';
}

export function migrationActions(cfg: SystemConfig, mutant: SystemMutant | null): Action<SystemState>[] {
  if (cfg.migrations === 0) return [];
  const G = 0; // guest1 migrates
  const toolstack = { actor: 'toolstack' };
  return [
    action<SystemState>(
      'migrateRequest',
      (s) => {
        const g = s.guests[G];
        return g.migrations > 0 && g.migration === 'home' && !g.crashed && g.honest;
      },
      (s) => {
        const g = s.guests[G];
        g.migrations -= 1;
        g.migration = guestMigration.next(g.migration, 'request');
        frontendClosing(s, G); // netfront suspend = accel remove (G1 steps 1–2)
      },
      toolstack,
    ),
    action<SystemState>(
      'suspend',
      (s) => {
        const g = s.guests[G];
        if (g.migration !== 'suspending' || g.crashed) return false;
        if (mutant === 'suspend-without-teardown') return s.frontends[G].state !== 'Connected';
        return accelDown(s, G) && !pvBusy(s, G);
      },
      (s) => {
        const g = s.guests[G];
        g.migration = guestMigration.next(g.migration, 'suspend');
      },
      toolstack,
    ),
    action<SystemState>(
      'resume',
      (s) => s.guests[G].migration === 'suspended' && s.backends[G].cleanup === 'idle',
      (s) => {
        const g = s.guests[G];
        const to = 1 - g.host;
        g.migration = guestMigration.next(g.migration, 'resume');
        g.host = to;
        g.connects = 1;
        g.fastpath = [];
        g.localmac = [];
        s.backends[G] = freshBackend(cfg, to); // the frontend is Unknown already: its dtor ran at the end of the teardown
        if (!accelerated(cfg, to) || mutant === 'localmac-dropped') return;
        // The gratuitous ARP: LOCALMAC(MAC of guest1) to every accelerated guest on the new host.
        s.guests.forEach((other, m) => {
          if (m !== G && other.host === to && s.frontends[m].state === 'Connected') other.localmac = insertSorted(other.localmac, domOf(G));
        });
      },
      toolstack,
    ),
  ];
}
