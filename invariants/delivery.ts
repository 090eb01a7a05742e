/**
 * The delivery claim of the paper — "no packet is lost when a guest migrates" — and the
 * delivery-side properties around it, over the system model's packets (models/system/packets.ts):
 *
 *   S13.no-loss               every packet a host or a guest's netdev accepted is delivered:
 *                             the strict claim. It fails with the teardown as built (a finding,
 *                             test/counterexamples) and holds with the draining teardown.
 *   S13.accounted-loss        every lost packet was dropped at a drop point the design names
 *   S13.no-duplication        no packet is delivered twice
 *   S13.fast-path-table-fresh a guest sends on the fast path to a MAC on its own host only
 *                             while the LOCALMAC that corrects its table is on its way
 *   S11.delivery-isolation    a packet waits in a guest's RX queue only if addressed to it
 *                             (desired; the Falcon filters do not give it: a finding)
 *   S12.anti-spoofing         a frame leaves a VI only with its guest's source MAC
 *                             (desired; Falcon has no TX filter: a finding)
 *
 * The predicates read the state (and, for step properties, the step) directly; they share no
 * code with the model's guards. Locations are the strings packets.ts documents.
 */
import { invariant, stepInvariant, type Invariant } from '../src/index.js';
import type { Packet, SystemState } from '../models/system/state.js';
import { ringOf, viOf } from './system-view.js';

type S = SystemState;

const ACCOUNTED = new Set(['vi-flush', 'flushed-queue', 'no-descriptor', 'not-looped-back', 'guest-away', 'tx-filter']);
const NETFRONT = /^guest(\d+)\.netfront\.(rx|tx)$/;

const mac = (m: number): string => (m === 0 ? 'a remote host' : `guest${m}`);
const show = (p: Packet): string => `packet ${p.id} (${mac(p.srcMac)} → ${mac(p.dstMac)}) at ${p.at}`;

/** A state property over each packet: `why` says what is wrong with one, or null. */
function perPacket(name: string, why: (s: S, p: Packet) => string | null, meta: { ref: string; statement: string }): Invariant<S> {
  return invariant<S>(name, (s) => s.packets.every((p) => why(s, p) === null), {
    ...meta,
    explain: (s) => s.packets.flatMap((p) => { const w = why(s, p); return w === null ? [] : [`${show(p)}: ${w}`]; }).join('; '),
  });
}

export const noLoss = perPacket('S13.no-loss', (_s, p) => (p.owed && p.at.startsWith('dropped:') ? 'it was accepted, and is lost' : null), {
  ref: 'S13',
  statement: 'every packet accepted for a guest (by its host) or from a guest (by its netdev) is delivered, across a teardown or a migration: none is lost',
});

export const accountedLoss = perPacket(
  'S13.accounted-loss',
  (s, p) => {
    if (p.at.startsWith('dropped:')) return ACCOUNTED.has(p.at.slice('dropped:'.length)) ? null : 'dropped at no drop point the design names';
    const ring = ringOf(p.at);
    if (ring === null) return null;
    const vi = viOf(s, ring.vi);
    return vi === undefined || vi.state === 'free' ? 'stranded in the ring of a freed VI' : null;
  },
  {
    ref: 'S13',
    statement: 'a packet is only ever lost at a drop point the design names (VI flush, flushed queue, no RX descriptor, not looped back, guest away, TX filter), never stranded or dropped elsewhere',
  },
);

function deliveredTwice(s: S): number[] {
  const seen = new Set<number>();
  const twice: number[] = [];
  for (const p of s.packets) {
    if (p.at !== 'delivered') continue;
    if (seen.has(p.id)) twice.push(p.id);
    seen.add(p.id);
  }
  return twice;
}

export const noDuplication = invariant<S>('S13.no-duplication', (s) => deliveredTwice(s).length === 0, {
  ref: 'S13',
  statement: 'no packet is delivered twice: not by the fast path and again by the slow path after a teardown or a reconnect',
  explain: (s) =>
    deliveredTwice(s)
      .map((id) => {
        const p = s.packets.find((x) => x.id === id)!;
        return `packet ${id} (${mac(p.srcMac)} → ${mac(p.dstMac)}) was delivered ${s.packets.filter((x) => x.id === id && x.at === 'delivered').length} times`;
      })
      .join('; '),
});

function staleEntries(s: S): string[] {
  const out: string[] = [];
  s.guests.forEach((g, k) => {
    if (g.crashed || g.migration === 'suspended' || s.frontends[k].state !== 'Connected') return;
    for (const m of g.fastpath) {
      const other = s.guests[m - 1];
      if (other === undefined || other.host !== g.host || other.migration === 'suspended' || g.localmac.includes(m)) continue;
      out.push(`guest${k + 1} fast-paths to guest${m}, which is on its host${g.host + 1}, and no LOCALMAC for it is pending`);
    }
  });
  return out;
}

export const fastPathTableFresh = invariant<S>('S13.fast-path-table-fresh', (s) => staleEntries(s).length === 0, {
  ref: 'S13',
  statement: "an accelerated guest's fast-path table names a guest on its own host only while dom0's LOCALMAC for it is on its way (else its packets leave on the wire and are lost)",
  explain: (s) => staleEntries(s).join('; '),
});

export const deliveryIsolation = perPacket(
  'S11.delivery-isolation',
  (s, p) => {
    const ring = ringOf(p.at);
    if (ring !== null && ring.q === 'rx') {
      const vi = viOf(s, ring.vi);
      return vi !== undefined && vi.dom !== p.dstMac ? `it is in guest${vi.dom}'s RX ring` : null;
    }
    const nf = NETFRONT.exec(p.at);
    return nf !== null && nf[2] === 'rx' && Number(nf[1]) !== p.dstMac ? `it is in guest${nf[1]}'s netfront RX ring` : null;
  },
  { ref: 'S11', statement: "a packet is placed in a guest's receive queue (fast or slow path) only if its destination MAC is that guest's" },
);

/** Packets that left VI v's TX ring on this step with another guest's source MAC. */
function spoofed(before: S, after: S): string[] {
  const out: string[] = [];
  before.packets.forEach((p, k) => {
    const ring = ringOf(p.at);
    const now = after.packets[k];
    if (ring === null || ring.q !== 'tx' || now === undefined || now.at === p.at) return;
    if (!now.at.startsWith('wire:') && now.at !== 'delivered') return;
    const vi = viOf(before, ring.vi);
    if (vi !== undefined && vi.dom !== p.srcMac) out.push(`${show(p)} left VI ${ring.vi} of guest${vi.dom} with source MAC of ${mac(p.srcMac)}`);
  });
  return out;
}

export const antiSpoofing = stepInvariant<S>('S12.anti-spoofing', (before, after) => spoofed(before, after).length === 0, {
  ref: 'S12',
  statement: "every frame the NIC puts on the wire from a guest's VI carries that guest's source MAC",
  explain: (before, after) => spoofed(before, after).join('; '),
});

/** Every delivery property, in protocol.md order. */
export const deliveryInvariants: readonly Invariant<S>[] = [
  deliveryIsolation,
  antiSpoofing,
  accountedLoss,
  noDuplication,
  noLoss,
  fastPathTableFresh,
];
