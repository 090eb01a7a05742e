/**
 * The resource and protocol properties of the system model that are not about one page or one
 * packet: S9, the fast path is used only over a live accelerated connection, and S14, once a
 * guest's accelerated connection is torn down — or the guest is suspended to migrate — nothing
 * of it remains on any host (protocol.md §3). The predicates read the state directly.
 */
import { invariant, stepInvariant, type Invariant } from '../src/index.js';
import type { SystemState } from '../models/system/state.js';
import { hostOfVi, perNic, ringOf, viOf } from './system-view.js';

type S = SystemState;


/** Why the fast path of VI v is not up for its guest in state s, or null when it is. */
function fastPathDown(s: S, v: number): string | null {
  const vi = viOf(s, v);
  if (vi === undefined || vi.state !== 'live') return `VI ${v} is not live`;
  const i = vi.dom - 1;
  const fe = s.frontends[i];
  const be = s.backends[i];
  const g = s.guests[i];
  if (fe.state !== 'Connected' || fe.vi !== v) return `guest${i + 1}'s frontend is ${fe.state} on VI ${fe.vi}`;
  if (be.state !== 'Connected' || be.vi !== v || be.host !== g.host || hostOfVi(s, v) !== g.host) {
    return `dom0 of host${g.host + 1} has no connected backend with VI ${v} for it`;
  }
  if (!s.maps.some((m) => m.by === vi.dom && m.granter === 0 && m.frame === v)) return `guest${i + 1} does not map VI ${v}'s hardware page`;
  const mapped = be.bufs.filter((b) => b.mapped).length;
  if (fe.maxPages === 0 || fe.bufs.length !== fe.maxPages || mapped !== fe.maxPages) {
    return `only ${fe.bufs.length} of its ${fe.maxPages} buffer pages are posted (dom0 maps ${mapped})`;
  }
  return null;
}

/** Why packets entering a VI's TX ring on this step were sent on a fast path that is not up. */
function earlySends(before: S, after: S): string[] {
  const out: string[] = [];
  after.packets.forEach((p, k) => {
    const tx = ringOf(p.at);
    if (tx === null || tx.q !== 'tx' || before.packets[k]?.at === p.at) return;
    const why = fastPathDown(after, tx.vi);
    if (why !== null) out.push(`packet ${p.id} entered VI ${tx.vi}'s TX ring, but ${why}`);
  });
  return out;
}

export const fastPathWhenConnected = stepInvariant<S>('S9.fast-path-when-connected', (before, after) => earlySends(before, after).length === 0, {
  ref: 'S9',
  statement: 'a guest sends on the fast path only while both plugins are connected on its host, the VI is mapped and every buffer page is posted',
  explain: (before, after) => earlySends(before, after).join('; '),
});

/** What guest i still holds although its accelerated connection is gone (or it is suspended). */
function leftovers(s: S, i: number): string[] {
  const g = s.guests[i];
  const fe = s.frontends[i];
  const be = s.backends[i];
  const d = i + 1;
  const down = fe.state === 'Unknown' && be.cleanup === 'idle' && be.state !== 'Connected' && be.state !== 'Closing';
  if (g.crashed || (!down && g.migration !== 'suspended')) return [];
  const out: string[] = [];
  s.nics.forEach((nic, h) => {
    nic.vis.forEach((vi, k) => vi.state !== 'free' && vi.dom === d && out.push(`VI ${h * perNic(s) + k} of host${h + 1}`));
    nic.bt.forEach((e, b) => e !== null && s.frames[e.frame] === d && out.push(`buffer ${b} of host${h + 1} → its frame ${e.frame}`));
    nic.filters.forEach((f) => f.dom === d && out.push(`a filter for flow ${f.flow} on host${h + 1}`));
  });
  for (const m of s.maps) {
    if (m.by === 0 && m.granter === d) out.push(`dom0's ${m.device ? 'device' : 'host'} mapping of its grant ${m.ref}`);
    if (m.by === d && m.granter === 0) out.push(`its mapping of dom0's frame ${m.frame}`);
  }
  s.grants[0].forEach((gr, ref) => gr !== null && gr.to === d && out.push(`dom0's grant ${ref} to it`));
  // A misbehaving guest may grant its pages again at any time: that is its business, not dom0's.
  if (g.honest) s.grants[d].forEach((gr, ref) => gr !== null && out.push(`its own grant ${ref} of frame ${gr.frame}`));
  if (be.vnic || be.fwdCtx || be.bufs.length > 0) out.push(`dom0's bend state (vnic=${be.vnic}, fwdCtx=${be.fwdCtx}, ${be.bufs.length} buffers)`);
  return out;
}

function released(s: S, out: string[] | undefined): boolean {
  for (let i = 0; i < s.guests.length; i++) {
    const left = leftovers(s, i);
    if (left.length === 0) continue;
    if (!out) return false;
    out.push(`guest${i + 1} (${s.guests[i].migration === 'suspended' ? 'suspended to migrate' : 'torn down'}) still has ${left.join(', ')}`);
  }
  return out === undefined || out.length === 0;
}

export const releasedAfterTeardown = invariant<S>('S14.released-after-teardown', (s) => released(s, undefined), {
  ref: 'S14',
  statement: 'once a guest\'s accelerated connection is closed at both ends, or the guest is suspended to migrate, nothing of it remains on any host: no VI, buffer-table entry, filter, mapping or grant',
  explain: (s) => {
    const out: string[] = [];
    released(s, out);
    return out.join('; ');
  },
});

export const resourceInvariants: readonly Invariant<S>[] = [fastPathWhenConnected, releasedAfterTeardown];
