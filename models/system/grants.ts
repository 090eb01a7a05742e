/**
 * Xen grant tables (protocol.md §1.3, §2(b)): per-domain tables of entries `{grantee, frame}`;
 * only the named grantee may map an entry (host map for the CPU, device map for DMA); the
 * granter may end access only while no mapping exists — otherwise end access fails and the
 * page must be leaked; a frame is freed (returned to Xen, after which any domain may get it) by
 * its owner. The frames, the tables and Xen's maptrack live here.
 *
 * The grant entry's control state (Free → Granted → Mapped) is not stored: it is derived from
 * the table and the maptrack, exactly as Xen derives it from the entry and its pin counts. Every
 * operation still goes through the table below (`grantEntry.next`), so an operation the table
 * does not allow is reported as an error finding.
 *
 * Choices where protocol.md leaves room:
 * - Read-only grants and GTF_PCD are not modelled: every grant in this system is writable
 *   (buffer pages, the control page, the VI's hardware page).
 * - The VI's TX ring, RX ring, event queue and doorbell pages are one "hardware page" per VI:
 *   what S6 says of one holds of all of them, and they are granted and ended together.
 * - With two hosts, domain 0 stands for the dom0 of each: host h's hardware pages are frames
 *   of its own NIC, granted from dom0's one table, and a dom0 mapping of a guest's grant belongs
 *   to the host of the guest's backend. A guest's pages keep their frame numbers when it
 *   migrates: they are its memory, which the migration copies; whether they may be reached on
 *   a host is whether the guest lives there (S1, S14).
 * - A frame a guest frees goes back to Xen (owner -1); we do not model Xen handing it to another
 *   domain, since a DMA into a frame its guest no longer owns is already the breach S1 forbids.
 * - Xen's own refusal to free a frame that still has foreign mappings is not modelled: the frame
 *   leaves the guest when the guest frees it, which is what C-4 worries about (S3 forbids it).
 * - A privileged dom0 can map any machine frame without a grant (foreign mapping); the only step
 *   that does so is the M-10 mutant, and the mapping then has no grant (ref -1).
 */
import { machine, t } from '../../src/index.js';
import type { SystemState } from './state.js';

export type GrantState = 'Free' | 'Granted' | 'Mapped';
export type GrantEvent = 'grant' | 'map' | 'unmap' | 'unmap-last' | 'end' | 'end-busy';

/** The life of one grant reference (§2(b)). */
export const grantEntry = machine<GrantState, GrantEvent>('grant entry', 'Free', [
  t('Free', 'grant', 'Granted'),
  t('Granted', 'map', 'Mapped'),
  t('Mapped', 'map', 'Mapped'),
  t('Mapped', 'unmap', 'Mapped'),
  t('Mapped', 'unmap-last', 'Granted'),
  t('Granted', 'end', 'Free'),
  t('Mapped', 'end-busy', 'Mapped'), // GNTTABOP end access fails: the entry is in use
]);

/** A grant entry: `frame` of the granting domain may be mapped by `to` alone. */
export type Grant = { to: number; frame: number };

/** A live mapping in Xen's maptrack: domain `by` maps `frame` through grant (`granter`, `ref`). */
export type Mapping = { by: number; granter: number; ref: number; frame: number; device: boolean };

/** Where each frame is; fixed by the scenario. */
export type Layout = {
  guests: number;
  hosts: number;
  /** VIs per host's NIC. */
  vis: number;
  /** Buffer pages per guest. */
  pages: number;
  frameCount: number;
  /** Grant table size of each domain (dom0: one hardware grant per VI, plus one a crashed guest may leak). */
  tableSize: number[];
};

export function layout(guests: number, hosts: number, vis: number, pages: number): Layout {
  return {
    guests,
    hosts,
    vis,
    pages,
    frameCount: hosts * vis + guests * (1 + pages),
    tableSize: [hosts * vis + 1, ...Array.from({ length: guests }, () => 1 + pages)],
  };
}

/** The hardware page of VI v (a global VI id; owned by dom0, I/O memory of v's NIC). */
export const hwFrame = (v: number): number => v;
/** Guest i's control page (reference 0 of its table). */
export const ctrlFrame = (l: Layout, i: number): number => l.hosts * l.vis + i * (1 + l.pages);
/** Guest i's buffer page k, k = 1 … pages (reference k of its table). */
export const bufFrame = (l: Layout, i: number, k: number): number => ctrlFrame(l, i) + k;

/** The VI whose hardware page `frame` is, or -1. */
export const viOfFrame = (l: Layout, frame: number): number => (frame < l.hosts * l.vis ? frame : -1);

export function initialFrames(l: Layout): number[] {
  const frames: number[] = [];
  for (let v = 0; v < l.hosts * l.vis; v++) frames.push(0);
  for (let i = 0; i < l.guests; i++) for (let k = 0; k <= l.pages; k++) frames.push(i + 1);
  return frames;
}

export function initialGrants(l: Layout): (Grant | null)[][] {
  return l.tableSize.map((n) => Array.from({ length: n }, () => null));
}

const mapKey = (m: Mapping): number[] => [m.by, m.granter, m.ref, m.frame, m.device ? 1 : 0];

function compareMaps(a: Mapping, b: Mapping): number {
  const ka = mapKey(a);
  const kb = mapKey(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}

export function sameMapping(a: Mapping, b: Mapping): boolean {
  return compareMaps(a, b) === 0;
}

export function grantState(s: SystemState, d: number, ref: number): GrantState {
  if (s.grants[d][ref] === null) return 'Free';
  return s.maps.some((m) => m.granter === d && m.ref === ref) ? 'Mapped' : 'Granted';
}

/** Domain d grants its `frame` to `to` at reference `ref`. False when the reference is taken or d does not own the frame. */
export function grantAccess(s: SystemState, d: number, ref: number, to: number, frame: number): boolean {
  if (ref < 0 || ref >= s.grants[d].length || s.grants[d][ref] !== null || s.frames[frame] !== d) return false;
  grantEntry.next('Free', 'grant');
  s.grants[d][ref] = { to, frame };
  return true;
}

/** The lowest free reference of domain d's table, or -1. */
export function freeRef(s: SystemState, d: number): number {
  return s.grants[d].findIndex((g) => g === null);
}

/**
 * GNTTABOP_map_grant_ref by domain `by` of (`granter`, `ref`): Xen checks the entry is valid
 * and names the caller. Returns the mapped frame, or -1 when Xen refuses.
 */
export function mapGrant(s: SystemState, by: number, granter: number, ref: number, device: boolean): number {
  const table = s.grants[granter];
  if (table === undefined || ref < 0 || ref >= table.length) return -1;
  const g = table[ref];
  if (g === null || g.to !== by) return -1;
  grantEntry.next(grantState(s, granter, ref), 'map');
  addMapping(s, { by, granter, ref, frame: g.frame, device });
  return g.frame;
}

/** A mapping that bypasses the grant table (a privileged foreign map of a machine frame; mutant M-10 only). */
export function mapFrame(s: SystemState, by: number, frame: number, device: boolean): void {
  addMapping(s, { by, granter: -1, ref: -1, frame, device });
}

function addMapping(s: SystemState, m: Mapping): void {
  let i = 0;
  while (i < s.maps.length && compareMaps(s.maps[i], m) <= 0) i++;
  s.maps.splice(i, 0, m);
}

/** Remove one mapping (GNTTABOP_unmap_grant_ref with its handle). */
export function unmap(s: SystemState, m: Mapping): void {
  const i = s.maps.findIndex((x) => sameMapping(x, m));
  if (i < 0) throw new Error(`unmap of a mapping that does not exist: dom${m.by} ref ${m.granter}:${m.ref} frame ${m.frame}`);
  if (m.ref >= 0) {
    const others = s.maps.filter((x) => x.granter === m.granter && x.ref === m.ref).length - 1;
    grantEntry.next('Mapped', others > 0 ? 'unmap' : 'unmap-last');
  }
  s.maps.splice(i, 1);
}

/** The granter ends access to (`d`, `ref`). Fails (returns false, nothing changes) while the entry is mapped. */
export function endAccess(s: SystemState, d: number, ref: number): boolean {
  const st = grantState(s, d, ref);
  if (st === 'Free') return true;
  if (grantEntry.next(st, st === 'Mapped' ? 'end-busy' : 'end') !== 'Free') return false;
  s.grants[d][ref] = null;
  return true;
}

/** Clear the entry whatever its pin count (mutant M-4: the in-use check skipped). */
export function forceEndAccess(s: SystemState, d: number, ref: number): void {
  s.grants[d][ref] = null;
}

/** The owner returns a frame to Xen. */
export function freeFrame(s: SystemState, frame: number): void {
  s.frames[frame] = -1;
}
