/**
 * How the system-model invariants read a state's VIs and packet locations: VI ids are global
 * (host h's k-th VI is h·perNic + k, models/system/nic.ts) and a VI ring is written `viK.rx` /
 * `viK.tx` (models/system/packets.ts). Shared by the invariant files only — never by the model,
 * so a wrong reading in the model cannot hide itself by being wrong twice.
 */
import type { Vi } from '../models/system/nic.js';
import type { SystemState } from '../models/system/state.js';

type S = SystemState;

/** VIs per NIC. */
export const perNic = (s: S): number => s.nics[0].vis.length;
/** VIs of every NIC together. */
export const viCount = (s: S): number => s.nics.length * perNic(s);
/** The host whose NIC holds VI v. */
export const hostOfVi = (s: S, v: number): number => Math.floor(v / perNic(s));
/** VI v, or undefined for an id no NIC has. */
export const viOf = (s: S, v: number): Vi | undefined => s.nics[hostOfVi(s, v)]?.vis[v % perNic(s)];

const RING = /^vi(\d+)\.(rx|tx)$/;

/** The VI ring a packet location names, or null. */
export function ringOf(loc: string): { vi: number; q: 'rx' | 'tx' } | null {
  const m = RING.exec(loc);
  return m === null ? null : { vi: Number(m[1]), q: m[2] as 'rx' | 'tx' };
}
