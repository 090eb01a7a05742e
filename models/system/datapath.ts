/**
 * The datapath (protocol.md §2(f), §1.7): how the scenario's packets (packets.ts) move between
 * the wire, the NIC, dom0, the bridge, netfront/netback and the guests, on the fast and the slow
 * path, one hop per step so that every hop can interleave with the handshake, the teardown and
 * the migration.
 *
 *   arrive       a packet from a remote host, or one on the wire, reaches the host its destination
 *                MAC lives on (the switch knows where each guest is). If the guest is not
 *                attached there (it is suspended for migration, or crashed) it is lost to the
 *                network (guest-away; not accepted). Otherwise the host accepts it: the NIC's
 *                first matching filter steers it to that VI's RX ring (to a flushed VI: dropped,
 *                flushed-queue); no filter: dom0's default queue (slow path).
 *   dom0Rx       dom0's driverlink RX hook sees it — and learns a filter if the destination MAC's
 *                forwarding entry has a context (filters.ts) — then the bridge hands it to the
 *                destination guest's netfront RX ring.
 *   guestPoll    the VI's guest polls its RX ring in NAPI (fast path); a packet from another
 *                guest teaches its fast-path table that guest's MAC (only remote MACs arrive so).
 *   netfrontRx   the guest takes it from its netfront RX ring (slow path).
 *   xmit         the guest's start_xmit: the accelerator's hook takes it if the fast path is up
 *                (frontend Connected, VI page mapped, every buffer page mapped: S9) and the
 *                destination MAC is in the fast-path table; else netfront's TX ring.
 *   nicSend      the NIC sends a packet of a VI's TX ring onto the wire (to a remote host it is
 *                then delivered) — to a guest on the same host too, from where it does not come
 *                back (not-looped-back, at arrival). With `txFilters` the NIC drops a send whose
 *                source MAC is not the VI owner's (tx-filter).
 *   netbackTx    netback takes a packet from a guest's netfront TX ring to the bridge: to a guest
 *                on the same host, or out of the physical port.
 *   handleLocalmac  the guest handles dom0's LOCALMAC messages: those MACs leave its fast-path table.
 *
 * Choices where protocol.md leaves room (or says "inferred"):
 * - Remote hosts' MACs are always in a fast-path table (they are learned from the first fast-path
 *   reply); a table is seeded, when the guest's vnic connects, with the MACs of the guests then
 *   on other hosts, as earlier fast-path traffic would have taught it (connect.ts).
 * - An RX ring has descriptors once the guest's buffer pages are all mapped, until the flush (an
 *   honest guest keeps it full); BUSY parking of a TX skb is not modelled: rings of 512 hold
 *   every packet of a scenario.
 * - The slow path's own migration behaviour (netfront discarding pending TX at reconnect) is the
 *   PV driver's, not the accelerator's: a guest suspends only once its PV rings and dom0's queue
 *   hold nothing of it (migration.ts), so any loss found is the accelerator's.
 * - Acceptance (`owed`): a host owes a packet from the moment it takes it for a guest attached
 *   there until that guest has it; a guest's netdev owes a sent packet until it has left the
 *   host (on the wire or to a local guest). A packet the network loses before a host took it
 *   (guest-away, not-looped-back) was never owed there.
 */
import { action, range, type Action } from '../../src/index.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { learn, matchFilter, victimChoice } from './filters.js';
import { hostOfVi, mapsViPage, viAt } from './nic.js';
import { at, move, type PacketSpec } from './packets.js';
import { domOf, guestOf, runnable, type SystemState } from './state.js';

/** Guest i is on host h's bridge: not crashed, not suspended. */
export const attachedTo = (s: SystemState, i: number, h: number): boolean =>
  !s.guests[i].crashed && s.guests[i].migration !== 'suspended' && s.guests[i].host === h;

/** The VI guest i sends on, if its fast path is up (S9), else -1. */
export function fastPathVi(s: SystemState, i: number, mutant: SystemMutant | null): number {
  const fe = s.frontends[i];
  if (fe.state !== 'Connected' || fe.vi < 0 || !mapsViPage(s, domOf(i), fe.vi)) return -1;
  if ((fe.maxPages === 0 || fe.bufs.length < fe.maxPages) && mutant !== 'fast-path-before-buffers') return -1;
  return fe.vi;
}

/** Guest i polls VI v's RX ring: its hooks are attached (as built) or it is still draining (drain). */
function polls(s: SystemState, cfg: SystemConfig, i: number, v: number): boolean {
  const fe = s.frontends[i];
  if (!runnable(s, i) || fe.vi !== v || !mapsViPage(s, domOf(i), v)) return false;
  return fe.state === 'Connected' || (cfg.teardown === 'drain' && fe.state === 'Closing');
}

/** VI v's RX ring has descriptors: its guest's buffer pages are all mapped by dom0 (the guest posts them on the MAPBUF reply). */
function rxPosted(s: SystemState, v: number): boolean {
  const be = s.backends[guestOf(viAt(s, v).dom)];
  return be !== undefined && be.vi === v && be.maxPages > 0 && be.bufs.filter((b) => b.mapped).length === be.maxPages;
}

const RING = /^vi(\d+)\.(rx|tx)$/;

/** The VI whose ring of kind `q` the location is, or -1. */
function ringVi(loc: string, q: 'rx' | 'tx'): number {
  const m = RING.exec(loc);
  return m !== null && m[2] === q ? Number(m[1]) : -1;
}

/** A sorted set of numbers with x in it. */
export function insertSorted(xs: readonly number[], x: number): number[] {
  return xs.includes(x) ? [...xs] : [...xs, x].sort((a, b) => a - b);
}

export function datapathActions(cfg: SystemConfig, specs: readonly PacketSpec[], mutant: SystemMutant | null): Action<SystemState>[] {
  if (specs.length === 0) return [];
  // M-16 may duplicate each packet once.
  const ks = range(specs.length * (mutant === 'resend-pending-tx' ? 2 : 1));
  const hosts = range(cfg.hosts);
  const guests = range(cfg.guests);
  const spec = (s: SystemState, k: number): PacketSpec => specs[s.packets[k]?.id ?? 0];
  const where = (s: SystemState, k: number): string | undefined => s.packets[k]?.at;
  const dom0Host = (s: SystemState, k: number): number => hosts.find((h) => where(s, k) === at.dom0(h)) ?? -1;
  const nic = { actor: 'nic' };
  const dom0 = { actor: 'dom0' };
  /** The guest a packet's step runs in (a duplicate's id is known only in the state). */
  const guestActor = (side: 'src' | 'dst') => (k: number): string => (k < specs.length ? `guest${specs[k][side] + 1}` : 'guest');

  const dom0Rx: [number, number][] = [];
  for (const k of ks) for (let victim = 0; victim < cfg.maxFilters; victim++) dom0Rx.push([k, victim]);

  return [
    action<SystemState, number>(
      'arrive',
      ks,
      (s, k) => (where(s, k) ?? '').startsWith('wire:') || (where(s, k) === at.source && spec(s, k).src < 0),
      (s, k) => {
        const p = spec(s, k);
        const h = s.guests[p.dst].host;
        if (s.packets[k].at === at.wire(h)) return move(s, k, at.dropped('not-looped-back'), false);
        if (!attachedTo(s, p.dst, h)) return move(s, k, at.dropped('guest-away'), false);
        const f = matchFilter(s, h, p.flow, p.dstMac, cfg.macFilters && mutant !== 'filter-without-mac');
        if (f === undefined) return move(s, k, at.dom0(h), true);
        const vi = viAt(s, f.vi).state;
        if (vi === 'live') move(s, k, rxPosted(s, f.vi) ? at.viRx(f.vi) : at.dropped('no-descriptor'), true);
        else move(s, k, at.dropped(vi === 'flushed' ? 'flushed-queue' : 'freed-vi'), true);
      },
      { actor: 'wire' },
    ),
    action<SystemState, [number, number]>(
      'dom0Rx',
      dom0Rx,
      (s, [k, victim]) => {
        const h = dom0Host(s, k);
        if (h < 0) return false;
        const i = spec(s, k).dst;
        const be = s.backends[i];
        return be.host === h && be.fwdCtx ? victimChoice(s, i, spec(s, k).flow, victim, mutant) : victim === 0;
      },
      (s, [k, victim]) => {
        const h = dom0Host(s, k);
        const p = spec(s, k);
        if (s.backends[p.dst].host === h) learn(s, cfg, p.dst, p.flow, victim, mutant);
        if (attachedTo(s, p.dst, h)) move(s, k, at.netfrontRx(p.dst), true);
        else move(s, k, at.dropped('guest-away'), true);
      },
      dom0,
    ),
    action<SystemState, number>(
      'guestPoll',
      ks,
      (s, k) => {
        const v = ringVi(where(s, k) ?? '', 'rx');
        return v >= 0 && viAt(s, v).state === 'live' && polls(s, cfg, guestOf(viAt(s, v).dom), v);
      },
      (s, k) => {
        const i = guestOf(viAt(s, ringVi(s.packets[k].at, 'rx')).dom);
        const src = s.packets[k].srcMac;
        if (src !== 0 && src !== domOf(i)) s.guests[i].fastpath = insertSorted(s.guests[i].fastpath, src);
        move(s, k, at.delivered, false);
      },
      { actor: guestActor('dst') },
    ),
    action<SystemState, number>(
      'netfrontRx',
      ks,
      (s, k) => {
        const i = spec(s, k).dst;
        return i >= 0 && where(s, k) === at.netfrontRx(i) && runnable(s, i);
      },
      (s, k) => move(s, k, at.delivered, false),
      { actor: guestActor('dst') },
    ),
    action<SystemState, number>(
      'xmit',
      ks,
      (s, k) => where(s, k) === at.source && spec(s, k).src >= 0 && runnable(s, spec(s, k).src),
      (s, k) => {
        const p = spec(s, k);
        const v = fastPathVi(s, p.src, mutant);
        const known = p.dstMac === 0 || s.guests[p.src].fastpath.includes(p.dstMac);
        move(s, k, v >= 0 && known ? at.viTx(v) : at.netfrontTx(p.src), true);
      },
      { actor: guestActor('src') },
    ),
    action<SystemState, number>(
      'nicSend',
      ks,
      (s, k) => {
        const v = ringVi(where(s, k) ?? '', 'tx');
        return v >= 0 && viAt(s, v).state === 'live';
      },
      (s, k) => {
        const v = ringVi(s.packets[k].at, 'tx');
        const p = spec(s, k);
        if (cfg.txFilters && mutant !== 'tx-filter-not-requested' && s.packets[k].srcMac !== viAt(s, v).dom) return move(s, k, at.dropped('tx-filter'), false);
        if (p.dst < 0) return move(s, k, at.delivered, false);
        move(s, k, at.wire(hostOfVi(s, v)), false);
      },
      nic,
    ),
    action<SystemState, number>(
      'netbackTx',
      ks,
      (s, k) => {
        const j = spec(s, k).src;
        return j >= 0 && where(s, k) === at.netfrontTx(j) && !s.guests[j].crashed && s.guests[j].migration !== 'suspended';
      },
      (s, k) => {
        const p = spec(s, k);
        const h = s.guests[p.src].host;
        if (p.dst < 0) move(s, k, at.delivered, false);
        else if (attachedTo(s, p.dst, h)) move(s, k, at.netfrontRx(p.dst), true);
        else move(s, k, at.wire(h), false);
      },
      dom0,
    ),
    action<SystemState, number>(
      'handleLocalmac',
      guests,
      (s, i) => s.guests[i].localmac.length > 0 && runnable(s, i),
      (s, i) => {
        const g = s.guests[i];
        g.fastpath = g.fastpath.filter((mac) => !g.localmac.includes(mac));
        g.localmac = [];
      },
      { actor: (i) => `guest${i + 1}` },
    ),
  ];
}

/** Packets of guest i still in its host's hands: its netfront rings, dom0's queue, its VIs' rings. */
export function pvBusy(s: SystemState, i: number): boolean {
  const d = domOf(i);
  return s.packets.some((p) => {
    if (p.at === at.netfrontRx(i) || p.at === at.netfrontTx(i)) return true;
    if (p.at.endsWith('.dom0')) return p.dstMac === d;
    const v = RING.exec(p.at);
    return v !== null && viAt(s, Number(v[1])).dom === d;
  });
}
