/**
 * The packets of a scenario (protocol.md §3.1 "Packets"): each has an identity, a static part
 * fixed by the scenario's `traffic` setting — who sends it, to which MAC, on which flow — and a
 * location that the datapath moves (datapath.ts). The locations, as they appear in states and
 * traces:
 *
 *   source                 not sent yet (at a remote host, or in the sending guest's stack)
 *   wire:host1             on the network, having left host1, towards the host its destination
 *                          MAC lives on when it gets there (never back to host1: a switch does
 *                          not send a frame out of the port it came in on)
 *   host1.dom0             in dom0's default RX queue of host1 (no filter matched: slow path)
 *   vi2.rx / vi2.tx        in VI 2's RX ring (steered by a filter) or TX ring (fast-path send)
 *   guest1.netfront.rx/tx  in guest1's netfront rings (slow path)
 *   delivered              in its destination guest's stack, or left for a remote host
 *   dropped:REASON         dropped at one of the drop points below
 *
 * The drop points the design accounts for (protocol.md S13, §2(g) "Fate of packets during G1"):
 *   vi-flush         in a VI's ring when efx_vi_reset flushes it
 *   flushed-queue    steered by a filter to a VI already flushed (between 5b and 5c of G1)
 *   no-descriptor    steered by a filter to a VI whose guest has not posted RX buffers yet
 *                    (RX_NO_DESC_TRUNC; learning 'after-sethw')
 *   not-looped-back  its destination is on the host it left by the wire: the switch does not
 *                    send it back (§2(f) local traffic on the fast path; the LOCALMAC case)
 *   guest-away       reached a host its destination is not attached to (it is migrating), or
 *                    whose port no longer has the guest: the network's loss, never accepted
 *   tx-filter        a spoofed fast-path send refused by the NIC's TX filter (txFilters)
 * Anything else — a packet stranded in the ring of a freed VI, or one steered to a freed VI —
 * is a loss the design does not account for.
 *
 * MACs are domain ids (guest i has MAC i + 1); 0 stands for remote hosts. Flows are the
 * destination guest's (filters.ts `flowOf`); a packet for a remote host has flow -1.
 *
 * Traffic kinds (the `traffic` setting, comma-separated, at most 3 packets):
 *   remote>guestN   from a remote host to guest N (1–3), on its first flow
 *   guestN>remote   from guest N to a remote host
 *   guestN>guestM   between two guests (same host: the bridge; else over the wire)
 *   hijack   the adversarial guest1's accomplice sends to guest1's MAC on guest2's flow, so dom0
 *            learns a filter for guest2's (IP, port) steering to guest1's VI (S11, C-3)
 *   spoof    the adversarial guest1 sends to a remote host with guest2's MAC as source (S12, C-9)
 */
import { machine, t } from '../../src/index.js';
import type { Packet, SystemState } from './state.js';

export const TRAFFIC_KINDS = [
  'remote>guest1',
  'remote>guest2',
  'guest1>remote',
  'guest2>remote',
  'guest1>guest2',
  'guest2>guest1',
  'hijack',
  'spoof',
  // A third guest's traffic (after the two-guest kinds, so their order in documentation stays).
  'remote>guest3',
  'guest3>remote',
  'guest1>guest3',
  'guest3>guest1',
  'guest2>guest3',
  'guest3>guest2',
] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

export const MAX_PACKETS = 3;

/** The static part of a packet. */
export type PacketSpec = {
  kind: TrafficKind;
  /** Sending guest index, -1 for a remote host. */
  src: number;
  /** Guest index whose MAC it is addressed to, -1 for a remote host. */
  dst: number;
  srcMac: number;
  dstMac: number;
  /** The (IP, port, protocol) flow filters match, as a global flow id; -1 towards a remote host. */
  flow: number;
};

/** The kinds of a `traffic` setting, or null when it is not one. */
export function parseTraffic(traffic: string): TrafficKind[] | null {
  if (traffic.trim() === '') return [];
  const kinds = traffic.split(',').map((k) => k.trim());
  if (kinds.length > MAX_PACKETS || kinds.some((k) => !(TRAFFIC_KINDS as readonly string[]).includes(k))) return null;
  return kinds as TrafficKind[];
}

const guestIndex = (name: string): number => (name === 'remote' ? -1 : Number(name.slice('guest'.length)) - 1);

/** The packets of a traffic setting; `flow(i)` is guest i's first flow. */
export function packetSpecs(traffic: string, flow: (i: number) => number): PacketSpec[] {
  return (parseTraffic(traffic) ?? []).map((kind): PacketSpec => {
    if (kind === 'hijack') return { kind, src: -1, dst: 0, srcMac: 0, dstMac: 1, flow: flow(1) };
    if (kind === 'spoof') return { kind, src: 0, dst: -1, srcMac: 2, dstMac: 0, flow: -1 };
    const [from, to] = kind.split('>').map(guestIndex);
    return { kind, src: from, dst: to, srcMac: from + 1, dstMac: to + 1, flow: to < 0 ? -1 : flow(to) };
  });
}

/** The highest guest number (1–3) a packet names: by MAC, as sender or receiver, or by flow (hijack uses guest2's). */
export function highestGuest(p: PacketSpec): number {
  return Math.max(p.src + 1, p.dst + 1, p.srcMac, p.dstMac, p.kind === 'hijack' ? 2 : 0);
}

/** Where a packet may be. */
export const at = {
  source: 'source',
  wire: (from: number) => `wire:host${from + 1}`,
  delivered: 'delivered',
  dom0: (h: number) => `host${h + 1}.dom0`,
  viRx: (v: number) => `vi${v}.rx`,
  viTx: (v: number) => `vi${v}.tx`,
  netfrontRx: (i: number) => `guest${i + 1}.netfront.rx`,
  netfrontTx: (i: number) => `guest${i + 1}.netfront.tx`,
  dropped: (why: DropReason) => `dropped:${why}`,
} as const;

export const ACCOUNTED_DROPS = ['vi-flush', 'flushed-queue', 'no-descriptor', 'not-looped-back', 'guest-away', 'tx-filter'] as const;
export type DropReason = (typeof ACCOUNTED_DROPS)[number] | 'freed-vi';

/** The kind of a location: what the packet machine below speaks of. */
export type Hop = 'source' | 'wire' | 'dom0' | 'vi.rx' | 'vi.tx' | 'netfront.rx' | 'netfront.tx' | 'delivered' | 'dropped';

export function hopOf(loc: string): Hop {
  if (loc === 'source' || loc === 'delivered') return loc;
  if (loc.startsWith('wire:')) return 'wire';
  if (loc.startsWith('dropped:')) return 'dropped';
  if (loc.endsWith('.dom0')) return 'dom0';
  const tail = loc.slice(loc.lastIndexOf('.') + 1);
  return `${loc.includes('netfront') ? 'netfront' : 'vi'}.${tail}` as Hop;
}

/**
 * Where a packet may go next (the event is the kind of place it goes to): every move of
 * datapath.ts, teardown.ts (the flush) and nic.ts goes through this table, so a hop it does not
 * allow is an error finding.
 */
export const packetPath = machine<Hop, Hop>('system: packet', 'source', [
  t('source', 'dom0', 'dom0'), t('source', 'vi.rx', 'vi.rx'), t('source', 'dropped', 'dropped'), // a remote host's packet arrives
  t('source', 'vi.tx', 'vi.tx'), t('source', 'netfront.tx', 'netfront.tx'), // a guest's start_xmit: fast or slow path
  t('wire', 'dom0', 'dom0'), t('wire', 'vi.rx', 'vi.rx'), t('wire', 'dropped', 'dropped'),
  t('dom0', 'netfront.rx', 'netfront.rx'), t('dom0', 'dropped', 'dropped'),
  t('vi.rx', 'delivered', 'delivered'), t('vi.rx', 'dropped', 'dropped'),
  t('vi.tx', 'wire', 'wire'), t('vi.tx', 'delivered', 'delivered'), t('vi.tx', 'dropped', 'dropped'),
  t('netfront.tx', 'delivered', 'delivered'), t('netfront.tx', 'netfront.rx', 'netfront.rx'), t('netfront.tx', 'wire', 'wire'),
  t('netfront.rx', 'delivered', 'delivered'),
]);

/** The packet has reached the end of its life. */
export const isFinal = (p: Packet): boolean => p.at === at.delivered || p.at.startsWith('dropped:');

/** Move packet k; `owed` says whether the place it reaches owes its delivery. */
export function move(s: SystemState, k: number, to: string, owed: boolean): void {
  packetPath.next(hopOf(s.packets[k].at), hopOf(to));
  s.packets[k] = { ...s.packets[k], at: to, owed };
}

/** Drop every packet in VI v's rings (efx_vi_reset). */
export function flushRings(s: SystemState, v: number): void {
  const rx = at.viRx(v);
  const tx = at.viTx(v);
  s.packets.forEach((p, k) => {
    if (p.at === rx || p.at === tx) move(s, k, at.dropped('vi-flush'), p.owed);
  });
}

export function initialPackets(specs: readonly PacketSpec[]): Packet[] {
  return specs.map((p, id) => ({ id, srcMac: p.srcMac, dstMac: p.dstMac, at: at.source, owed: false }));
}
