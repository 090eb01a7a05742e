/**
 * Symmetry of the system model (`accelcheck check system --symmetry`): guests that the scenario
 * configures alike are interchangeable, and so are packets with the same static part, and a
 * state is explored as the representative of its class — the least, in a fixed total order
 * (`compareStates`), of the state and its images under the scenario's group of renamings.
 *
 * The group. Guest i's role is fixed by the scenario in several places: guest1 (index 0) is the
 * adversary (`adversarial`) and the one that migrates (`migrations`); guest2 and guest3 start on
 * the hosts `guest2Host` and `guest3Host` name; `removes` may name one guest; and each packet of
 * `traffic` names its guests by MAC, as sender or receiver, and by flow. A renaming is a
 * permutation π of the guests that keeps every guest's role (same home host, same `removes`,
 * neither the adversary nor the migrating guest1 unless fixed) together with a permutation σ of
 * the packet ids that renames the traffic consistently: the packet σ(k) has the static part of
 * packet k with its guests renamed by π (source and destination guest, MACs, flow). When no σ
 * does, π is not a symmetry of the scenario. With π the identity, σ may still exchange two
 * packets of the same kind (`remote>guest1,remote>guest1`): packets with the same static part
 * are interchangeable too. These pairs form a group (composition and inverse keep both
 * conditions), so the least image over the group is the same for every member of a class.
 * `symmetryGroup` lists it for a scenario: for `default` and `crowded` the swap of guest1 and
 * guest2, for `migrate`, `migrate-plain`, `local-traffic` and `hijack` the swap of their two
 * identical packets, for `three-guests` the swap of guest2 and guest3 with their packets; for
 * the others (and whenever the group is trivial) the model declares no symmetry at all.
 *
 * Renaming guest i to π(i) renames everything that names it (state.ts lists the identities):
 * its records in `backends`, `frontends`, `guests` and its grant table `grants[d]` move to
 * π's position; domain ids d = i + 1 in frame owners, grants' grantees, mappings (`by`,
 * `granter`), VIs' `dom`, descriptors' and DMAs' `by`, filters' `dom`, buffers' `granter`,
 * fast-path and LOCALMAC MACs, packets' MACs; its frames (control page, buffer pages: a block
 * per guest) in `frames`' order, grants, mappings, the buffer table, the update register, DMAs
 * and the bend's buffers; its flows (i·flows + f) in the NIC filters and the bend's filter
 * list; its netfront rings in packet locations. Packet k moves to position σ(k) with id σ(k).
 * Then the sets are sorted again by the model's own orders (maptrack, filter table, bend
 * buffers, fast-path tables), so the image is a state in the model's normal form. Hardware
 * frames, VI ids and owner ids, buffer ids, grant references, hosts and dom0 stay as they are:
 * the lowest-free choices of allocation tie them to behaviour.
 *
 * Duplicates. Mutant M-16 appends copies of packets after the scenario's own (positions from
 * the number of packets on), in ring order, which a renaming can change; those copies are
 * interchangeable among themselves, so the representative keeps them sorted (in the packet
 * order below). That is a further symmetry (it permutes positions the actions treat alike), and
 * it keeps the classes closed under the model's steps.
 *
 * Speed. The representative runs on every successor. The order compares the per-guest records
 * first (guests, frontends, backends), then packets, frames, grants, maps and NICs, and
 * `compareImage` computes the image of a state lazily, field by field, against the best so far:
 * it stops at the first difference and allocates nothing except for the few sorted sets it
 * must re-sort (bend buffers, maps, NIC filters, duplicates), and only when it gets that far.
 * The image is built only when it is smaller; when the state itself is least, it is returned.
 */
import { homeHost, removes, type SystemConfig } from './config.js';
import type { Grant, Layout, Mapping } from './grants.js';
import type { BtEntry, Descriptor, Dma, Filter, Nic, Vi } from './nic.js';
import type { PacketSpec } from './packets.js';
import type { Backend, Frontend, Guest, MappedBuffer, Packet, SystemState } from './state.js';

/** One element of the group: guest i becomes guest `perm[i]`, packet id k becomes `packets[k]`. */
export type GroupElement = { perm: number[]; packets: number[] };

/** A group element as the maps the renaming reads (each with its inverse, for the lazy image). */
export type Renaming = {
  readonly perm: readonly number[];
  readonly permInv: readonly number[];
  /** Every guest keeps its place: only packets are exchanged (their image differs from the state in `packets` alone). */
  readonly fixesGuests: boolean;
  /** dom[d + 1] for d = -1 (no domain) … guests; other values stay. */
  readonly dom: readonly number[];
  readonly domInv: readonly number[];
  readonly frame: readonly number[];
  readonly frameInv: readonly number[];
  /** Global flow ids, 0 … guests·flows - 1. */
  readonly flow: readonly number[];
  readonly packet: readonly number[];
  readonly packetInv: readonly number[];
  /** Netfront ring locations (`guestN.netfront.rx`), renamed. */
  readonly loc: ReadonlyMap<string, string>;
  /** Number of the scenario's packets (duplicates come after them). */
  readonly specs: number;
};

const invert = (xs: readonly number[]): number[] => {
  const out = new Array<number>(xs.length);
  xs.forEach((x, i) => (out[x] = i));
  return out;
};

/** The maps of group element `g` for the scenario's layout. */
export function renaming(g: GroupElement, l: Layout, flows: number): Renaming {
  const n = g.perm.length;
  const dom = [-1, 0, ...g.perm.map((j) => j + 1)];
  const hw = l.hosts * l.vis;
  const block = 1 + l.pages;
  const frame = Array.from({ length: l.frameCount }, (_, f) => {
    if (f < hw) return f;
    const i = Math.floor((f - hw) / block);
    return hw + g.perm[i] * block + ((f - hw) % block);
  });
  const flow = Array.from({ length: n * flows }, (_, x) => g.perm[Math.floor(x / flows)] * flows + (x % flows));
  const loc = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    for (const q of ['rx', 'tx']) loc.set(`guest${i + 1}.netfront.${q}`, `guest${g.perm[i] + 1}.netfront.${q}`);
  }
  // dom is indexed from d = -1: its inverse is taken on the shifted values.
  const domInv = invert(dom.map((d) => d + 1)).map((k) => k - 1);
  return {
    perm: g.perm, permInv: invert(g.perm), fixesGuests: g.perm.every((j, i) => j === i), dom, domInv,
    frame, frameInv: invert(frame), flow, packet: g.packets, packetInv: invert(g.packets), loc, specs: g.packets.length,
  };
}

/** The identity renaming (compareStates is compareImage with it). */
export const identity = (l: Layout, flows: number, specs: number): Renaming =>
  renaming({ perm: Array.from({ length: l.guests }, (_, i) => i), packets: Array.from({ length: specs }, (_, k) => k) }, l, flows);

// --- the renaming of single values ---------------------------------------------------------------

const D = (r: Renaming, d: number): number => (d >= -1 && d + 1 < r.dom.length ? r.dom[d + 1] : d);
const F = (r: Renaming, f: number): number => (f >= 0 && f < r.frame.length ? r.frame[f] : f);
const FL = (r: Renaming, x: number): number => (x >= 0 && x < r.flow.length ? r.flow[x] : x);
const LOC = (r: Renaming, at: string): string => (at.charCodeAt(0) === 103 /* g: guestN.netfront.* */ ? (r.loc.get(at) ?? at) : at);

// --- the order: each comparison is of the image of x under r with y ------------------------------

const cb = (a: boolean, b: boolean): number => (a === b ? 0 : a ? 1 : -1);
const cs = (a: string, b: string): number => (a === b ? 0 : a < b ? -1 : 1);

/*
 * A small set of numbers (sorted, distinct, each below 31: MACs, flows) compares as its bit mask,
 * which is one number per set and says nothing of the set's order: the renamed set need not be
 * sorted to be compared.
 */
function mask(xs: readonly number[]): number {
  let m = 0;
  for (let k = 0; k < xs.length; k++) m |= 1 << xs[k];
  return m;
}
/** The mask of a set of domains (MACs) renamed by r. */
function domMask(xs: readonly number[], r: Renaming): number {
  let m = 0;
  for (let k = 0; k < xs.length; k++) m |= 1 << D(r, xs[k]);
  return m;
}
/** The mask of a set of flows renamed by r. */
function flowMask(xs: readonly number[], r: Renaming): number {
  let m = 0;
  for (let k = 0; k < xs.length; k++) m |= 1 << FL(r, xs[k]);
  return m;
}

function cmpNums(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) return xs.length - ys.length;
  for (let k = 0; k < xs.length; k++) if (xs[k] !== ys[k]) return xs[k] - ys[k];
  return 0;
}

function cmpGuest(x: Guest, r: Renaming, y: Guest): number {
  return (
    cb(x.honest, y.honest) || cb(x.crashed, y.crashed) || x.budget - y.budget || x.connects - y.connects ||
    x.removals - y.removals || x.host - y.host || cs(x.migration, y.migration) || x.migrations - y.migrations ||
    domMask(x.fastpath, r) - mask(y.fastpath) || domMask(x.localmac, r) - mask(y.localmac)
  );
}

function cmpFrontend(x: Frontend, y: Frontend): number {
  return cs(x.state, y.state) || x.vi - y.vi || x.maxPages - y.maxPages || x.sent - y.sent || cmpNums(x.bufs, y.bufs);
}

function cmpBuf(x: MappedBuffer, r: Renaming, y: MappedBuffer): number {
  return x.ref - y.ref || D(r, x.granter) - y.granter || F(r, x.frame) - y.frame || x.bt - y.bt || cb(x.mapped, y.mapped);
}

/** The bend's buffer order (buffers.ts): by buffer id, then frame. */
const bufOrder = (a: MappedBuffer, b: MappedBuffer): number => a.bt - b.bt || a.frame - b.frame;
const renameBuf = (r: Renaming, b: MappedBuffer): MappedBuffer => ({ ref: b.ref, granter: D(r, b.granter), frame: F(r, b.frame), bt: b.bt, mapped: b.mapped });

function cmpBackend(x: Backend, r: Renaming, y: Backend, id: Renaming): number {
  const c =
    x.host - y.host || cs(x.state, y.state) || cs(x.cleanup, y.cleanup) || cb(x.vnic, y.vnic) || x.vi - y.vi ||
    cb(x.filterState, y.filterState) || x.hwRef - y.hwRef || x.quota - y.quota || x.filterLimit - y.filterLimit ||
    x.maxPages - y.maxPages || cb(x.fwdCtx, y.fwdCtx) || flowMask(x.filters, r) - mask(y.filters) ||
    x.bufs.length - y.bufs.length;
  if (c !== 0 || x.bufs.length === 0) return c;
  if (x.bufs.length === 1) return cmpBuf(x.bufs[0], r, y.bufs[0]);
  // Renaming may reorder two or more buffers (e.g. frames of two guests, M-10): re-sort first.
  const xs = x.bufs.map((b) => renameBuf(r, b)).sort(bufOrder);
  for (let k = 0; k < xs.length; k++) {
    const d = cmpBuf(xs[k], id, y.bufs[k]);
    if (d !== 0) return d;
  }
  return 0;
}

function cmpPacket(x: Packet, r: Renaming, y: Packet): number {
  const id = x.id >= 0 && x.id < r.packet.length ? r.packet[x.id] : x.id;
  return id - y.id || D(r, x.srcMac) - y.srcMac || D(r, x.dstMac) - y.dstMac || cs(LOC(r, x.at), y.at) || cb(x.owed, y.owed);
}

const renamePacket = (r: Renaming, p: Packet): Packet => ({
  id: p.id >= 0 && p.id < r.packet.length ? r.packet[p.id] : p.id, srcMac: D(r, p.srcMac), dstMac: D(r, p.dstMac), at: LOC(r, p.at), owed: p.owed,
});

function cmpPackets(xs: readonly Packet[], r: Renaming, ys: readonly Packet[], id: Renaming): number {
  if (xs.length !== ys.length) return xs.length - ys.length;
  const n = r.specs;
  for (let j = 0; j < n && j < xs.length; j++) {
    const c = cmpPacket(xs[r.packetInv[j]], r, ys[j]);
    if (c !== 0) return c;
  }
  if (xs.length - n <= 1) return xs.length > n ? cmpPacket(xs[n], r, ys[n]) : 0;
  const tail = sortedTail(xs, r, id);
  for (let k = 0; k < tail.length; k++) {
    const c = cmpPacket(tail[k], id, ys[n + k]);
    if (c !== 0) return c;
  }
  return 0;
}

/** The duplicates (positions from `r.specs` on), renamed and sorted. */
function sortedTail(xs: readonly Packet[], r: Renaming, id: Renaming): Packet[] {
  return xs.slice(r.specs).map((p) => renamePacket(r, p)).sort((a, b) => cmpPacket(a, id, b));
}

function cmpGrant(x: Grant | null, r: Renaming, y: Grant | null): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return D(r, x.to) - y.to || F(r, x.frame) - y.frame;
}

const mapOrder = (a: Mapping, b: Mapping): number =>
  a.by - b.by || a.granter - b.granter || a.ref - b.ref || a.frame - b.frame || cb(a.device, b.device);
const renameMap = (r: Renaming, m: Mapping): Mapping => ({ by: D(r, m.by), granter: D(r, m.granter), ref: m.ref, frame: F(r, m.frame), device: m.device });

function cmpDesc(x: Descriptor | null, r: Renaming, y: Descriptor | null): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return x.buf - y.buf || D(r, x.by) - y.by;
}

function cmpDma(x: Dma | null, r: Renaming, y: Dma | null): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return F(r, x.frame) - y.frame || D(r, x.by) - y.by || x.buf - y.buf;
}

function cmpVi(x: Vi, r: Renaming, y: Vi): number {
  return (
    cs(x.state, y.state) || D(r, x.dom) - y.dom || x.owner - y.owner || cb(x.callback, y.callback) ||
    cmpDesc(x.rx, r, y.rx) || cmpDesc(x.tx, r, y.tx) || cmpDma(x.dma, r, y.dma)
  );
}

function cmpBt(x: BtEntry | null, r: Renaming, y: BtEntry | null): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return F(r, x.frame) - y.frame || x.owner - y.owner;
}

/** nic.ts's filter-table order. */
const filterKey = (f: Filter): number => (f.flow * 64 + (f.vi + 1)) * 64 + f.dom;
const renameFilter = (r: Renaming, f: Filter): Filter => ({ flow: FL(r, f.flow), vi: f.vi, dom: D(r, f.dom) });

function cmpNic(x: Nic, r: Renaming, y: Nic): number {
  let c = x.vis.length - y.vis.length || x.bt.length - y.bt.length || x.filters.length - y.filters.length;
  for (let k = 0; c === 0 && k < x.vis.length; k++) c = cmpVi(x.vis[k], r, y.vis[k]);
  for (let b = 0; c === 0 && b < x.bt.length; b++) c = cmpBt(x.bt[b], r, y.bt[b]);
  if (c !== 0) return c;
  const xr = x.btReg;
  const yr = y.btReg;
  if (xr === null || yr === null) c = xr === yr ? 0 : xr === null ? -1 : 1;
  else c = xr.entry - yr.entry || (xr.frame < 0 ? xr.frame : F(r, xr.frame)) - yr.frame || xr.owner - yr.owner;
  if (c !== 0 || x.filters.length === 0) return c;
  const fs = x.filters.map((f) => renameFilter(r, f)).sort((a, b) => filterKey(a) - filterKey(b));
  for (let k = 0; c === 0 && k < fs.length; k++) c = filterKey(fs[k]) - filterKey(y.filters[k]);
  return c;
}

/**
 * The sign of compare(image of `s` under `r`, `b`) in the representative's order, computing the
 * image lazily (see the header). `id` is the identity renaming of the same layout.
 */
export function compareImage(s: SystemState, r: Renaming, b: SystemState, id: Renaming): number {
  // An exchange of packets alone, against the state itself: all but the packets compare equal.
  if (r.fixesGuests && b === s) return cmpPackets(s.packets, r, b.packets, id);
  const n = s.guests.length;
  let c = 0;
  for (let j = 0; c === 0 && j < n; j++) {
    const i = r.permInv[j];
    c = cmpGuest(s.guests[i], r, b.guests[j]) || cmpFrontend(s.frontends[i], b.frontends[j]) || cmpBackend(s.backends[i], r, b.backends[j], id);
  }
  if (c !== 0) return c;
  c = cmpPackets(s.packets, r, b.packets, id);
  for (let j = 0; c === 0 && j < s.frames.length; j++) c = D(r, s.frames[r.frameInv[j]]) - b.frames[j];
  for (let e = 0; c === 0 && e < s.grants.length; e++) {
    const x = s.grants[r.domInv[e + 1]];
    const y = b.grants[e];
    c = x.length - y.length;
    for (let k = 0; c === 0 && k < x.length; k++) c = cmpGrant(x[k], r, y[k]);
  }
  if (c !== 0) return c;
  c = s.maps.length - b.maps.length;
  if (c === 0 && s.maps.length > 0) {
    const ms = r === id ? s.maps : s.maps.map((m) => renameMap(r, m)).sort(mapOrder);
    for (let k = 0; c === 0 && k < ms.length; k++) c = mapOrder(ms[k], b.maps[k]);
  }
  for (let h = 0; c === 0 && h < s.nics.length; h++) c = cmpNic(s.nics[h], r, b.nics[h]);
  return c;
}

// --- the image -----------------------------------------------------------------------------------

/** The image of `s` under `r`, in the model's normal form (sets sorted again). `s` is not modified. */
export function image(s: SystemState, r: Renaming, id: Renaming): SystemState {
  const place = <T>(xs: readonly T[], f: (x: T) => T): T[] => {
    const out = new Array<T>(xs.length);
    for (let i = 0; i < xs.length; i++) out[r.perm[i]] = f(xs[i]);
    return out;
  };
  const sortedNums = (xs: readonly number[], f: (x: number) => number): number[] => xs.map(f).sort((a, b) => a - b);
  const dom = (d: number): number => D(r, d);
  const frame = (f: number): number => F(r, f);

  const frames = new Array<number>(s.frames.length);
  for (let f = 0; f < s.frames.length; f++) frames[frame(f)] = dom(s.frames[f]);
  const grants = new Array<SystemState['grants'][number]>(s.grants.length);
  for (let d = 0; d < s.grants.length; d++) grants[dom(d)] = s.grants[d].map((g) => (g === null ? null : { to: dom(g.to), frame: frame(g.frame) }));
  const maps = s.maps.map((m) => renameMap(r, m)).sort(mapOrder);
  const nics = s.nics.map((nic): Nic => ({
    vis: nic.vis.map((v) => ({
      ...v,
      dom: dom(v.dom),
      rx: v.rx === null ? null : { buf: v.rx.buf, by: dom(v.rx.by) },
      tx: v.tx === null ? null : { buf: v.tx.buf, by: dom(v.tx.by) },
      dma: v.dma === null ? null : { frame: frame(v.dma.frame), by: dom(v.dma.by), buf: v.dma.buf },
    })),
    bt: nic.bt.map((e) => (e === null ? null : { frame: frame(e.frame), owner: e.owner })),
    filters: nic.filters.map((f) => renameFilter(r, f)).sort((a, b) => filterKey(a) - filterKey(b)),
    btReg: nic.btReg === null ? null : { entry: nic.btReg.entry, frame: nic.btReg.frame < 0 ? nic.btReg.frame : frame(nic.btReg.frame), owner: nic.btReg.owner },
  }));
  const backends = place(s.backends, (be) => ({
    ...be,
    bufs: be.bufs.map((b) => renameBuf(r, b)).sort(bufOrder),
    filters: sortedNums(be.filters, (f) => FL(r, f)),
  }));
  const frontends = place(s.frontends, (fe) => ({ ...fe, bufs: [...fe.bufs] }));
  const guests = place(s.guests, (g) => ({ ...g, fastpath: sortedNums(g.fastpath, dom), localmac: sortedNums(g.localmac, dom) }));
  const n = Math.min(r.specs, s.packets.length);
  const packets = new Array<Packet>(n);
  for (let k = 0; k < n; k++) packets[r.packet[k]] = renamePacket(r, s.packets[k]);
  if (s.packets.length > n) packets.push(...sortedTail(s.packets, r, id));
  return { frames, grants, maps, nics, backends, frontends, guests, packets };
}

/** The total order of representatives: compare(a, b) < 0 when a comes first. */
export function compareStates(a: SystemState, b: SystemState, id: Renaming): number {
  return compareImage(a, id, b, id);
}

// --- the group -----------------------------------------------------------------------------------

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), n - 1, ...p.slice(k)]);
  return out;
}

/** Guest i's role in the scenario (see the header): guests with the same role may be exchanged. */
function role(cfg: SystemConfig, i: number): string {
  if (i === 0 && (cfg.adversarial || cfg.migrations > 0)) return 'guest1'; // the adversary or the migrating guest: fixed
  return `host${homeHost(cfg, i)} removes:${removes(cfg, i)}`;
}

/** The packet renamings σ that go with guest permutation `perm`: every packet k's image is a packet σ(k) of the traffic. */
function packetRenamings(specs: readonly PacketSpec[], perm: readonly number[], flows: number): number[][] {
  const g = (i: number): number => (i < 0 ? -1 : perm[i]);
  const mac = (m: number): number => (m <= 0 ? m : perm[m - 1] + 1);
  const flow = (x: number): number => (x < 0 ? x : perm[Math.floor(x / flows)] * flows + (x % flows));
  const key = (p: PacketSpec): string => `${p.src} ${p.dst} ${p.srcMac} ${p.dstMac} ${p.flow}`;
  const wanted = specs.map((p) => key({ ...p, src: g(p.src), dst: g(p.dst), srcMac: mac(p.srcMac), dstMac: mac(p.dstMac), flow: flow(p.flow) }));
  const have = specs.map(key);
  return permutations(specs.length).filter((sigma) => sigma.every((j, k) => have[j] === wanted[k]));
}

/**
 * The scenario's symmetry group without its identity (see the header): each element a guest
 * permutation that keeps every guest's role and a packet renaming consistent with it.
 */
export function symmetryGroup(cfg: SystemConfig, specs: readonly PacketSpec[]): GroupElement[] {
  const roles = Array.from({ length: cfg.guests }, (_, i) => role(cfg, i));
  const out: GroupElement[] = [];
  for (const perm of permutations(cfg.guests)) {
    if (perm.some((j, i) => roles[j] !== roles[i])) continue;
    for (const packets of packetRenamings(specs, perm, cfg.flows)) {
      const trivial = perm.every((j, i) => j === i) && packets.every((j, k) => j === k);
      if (!trivial) out.push({ perm, packets });
    }
  }
  return out;
}

/** The duplicates of `s` (M-16) are in the representative's order. */
function tailSorted(s: SystemState, id: Renaming): boolean {
  for (let k = id.specs + 1; k < s.packets.length; k++) if (cmpPacket(s.packets[k - 1], id, s.packets[k]) > 0) return false;
  return true;
}

/**
 * The representative function of the scenario — the least image of a state under its group —
 * or undefined when the group is trivial (no reduction; the engine then stores states as they are).
 */
export function systemSymmetry(cfg: SystemConfig, l: Layout, specs: readonly PacketSpec[]): ((s: SystemState) => SystemState) | undefined {
  const group = symmetryGroup(cfg, specs);
  if (group.length === 0) return undefined;
  const id = identity(l, cfg.flows, specs.length);
  const rs = group.map((g) => renaming(g, l, cfg.flows));
  return (s) => {
    let best = tailSorted(s, id) ? s : { ...s, packets: [...s.packets.slice(0, id.specs), ...sortedTail(s.packets, id, id)] };
    for (const r of rs) if (compareImage(s, r, best, id) < 0) best = image(s, r, id);
    return best;
  };
}
