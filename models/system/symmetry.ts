/**
 * Symmetry of the system model (`accelcheck check system --symmetry`): guests that the scenario
 * configures alike are interchangeable, and a state is explored as the representative of its
 * class — the least, in a fixed total order on plain data, of the state and its images under
 * the permutations of those guests.
 *
 * When guests are alike. Guest i's role is fixed by the scenario in several places: guest1 (index
 * 0) is the adversary (`adversarial`) and the one that migrates (`migrations`), guest2 may start
 * on host2 (`guest2Host`), `removes` may name one guest, and every packet of `traffic` names its
 * guests by MAC and its flow by guest. So the two guests are interchangeable only when: two
 * guests, no adversary, `removes` 'none' or 'both', no migration, both on host1, no traffic.
 * Of the built-in scenarios, `default` and `crowded` qualify; in every other one the
 * representative is the state itself (no reduction, always sound). VIs are not permuted: their
 * owner ids, hardware frames and the lowest-free choices of allocation tie their numbers to
 * behaviour.
 *
 * Renaming guest i to π(i) renames everything that names it (state.ts lists the identities):
 * its records in `backends`, `frontends`, `guests` and its grant table `grants[d]` move to
 * π's position; domain ids d = i + 1 in frame owners, grants' grantees, mappings (`by`,
 * `granter`), VIs' `dom`, descriptors' and DMAs' `by`, filters' `dom`, buffers' `granter`,
 * fast-path and LOCALMAC MACs; its frames (control page, buffer pages: a block per guest) in
 * `frames`' order, grants, mappings, the buffer table, the update register, DMAs and the
 * bend's buffers; its flows (i·flows + f) in the NIC filters and the bend's filter list. Then
 * the sets are sorted again by the model's own orders (maptrack, filter table, bend buffers),
 * so the image is a state in the model's normal form. Hardware frames, VI ids, buffer ids,
 * grant references and dom0 stay as they are.
 */
import type { SystemConfig } from './config.js';
import type { Layout, Mapping } from './grants.js';
import type { Filter, Nic } from './nic.js';
import type { MappedBuffer, SystemState } from './state.js';

/** Whether the scenario configures its guests alike (see the header). */
export function guestsInterchangeable(cfg: SystemConfig): boolean {
  return (
    cfg.guests === 2 &&
    !cfg.adversarial &&
    (cfg.removes === 'none' || cfg.removes === 'both') &&
    cfg.migrations === 0 &&
    cfg.guest2Host === 1 &&
    cfg.traffic === ''
  );
}

/** A total order on plain data (numbers, strings, booleans, null, arrays, records by sorted keys). */
export function compareData(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ta = rank(a);
  const tb = rank(b);
  if (ta !== tb) return ta - tb;
  switch (ta) {
    case 1:
      return a ? 1 : -1; // false < true (a !== b)
    case 2:
      return (a as number) - (b as number);
    case 3:
      return (a as string) < (b as string) ? -1 : 1;
    case 4: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < x.length && i < y.length; i++) {
        const c = compareData(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      const c = compareData(kx, ky);
      if (c !== 0) return c;
      for (const k of kx) {
        const d = compareData(x[k], y[k]);
        if (d !== 0) return d;
      }
      return 0;
    }
  }
}

function rank(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

const mapKey = (m: Mapping): number[] => [m.by, m.granter, m.ref, m.frame, m.device ? 1 : 0];
function compareMaps(a: Mapping, b: Mapping): number {
  const ka = mapKey(a);
  const kb = mapKey(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}
/** nic.ts's filter-table order. */
const filterKey = (f: Filter): number => (f.flow * 64 + (f.vi + 1)) * 64 + f.dom;

/**
 * The image of `s` when guest i becomes guest perm[i] (domains, frames, flows renamed; the sets
 * sorted again). `s` is not modified.
 */
export function permuteGuests(s: SystemState, perm: readonly number[], l: Layout, flows: number): SystemState {
  const n = perm.length;
  const dom = (d: number): number => (d >= 1 && d <= n ? perm[d - 1] + 1 : d);
  const hw = l.hosts * l.vis;
  const block = 1 + l.pages;
  const frame = (f: number): number => {
    if (f < hw) return f;
    const i = Math.floor((f - hw) / block);
    return i < n ? hw + perm[i] * block + ((f - hw) % block) : f;
  };
  const flow = (x: number): number => {
    const i = Math.floor(x / flows);
    return i >= 0 && i < n ? perm[i] * flows + (x % flows) : x;
  };
  const place = <T>(xs: readonly T[], f: (x: T) => T): T[] => {
    const out = new Array<T>(xs.length);
    for (let i = 0; i < xs.length; i++) out[i < n ? perm[i] : i] = f(xs[i]);
    return out;
  };
  const sortedNums = (xs: readonly number[], f: (x: number) => number): number[] => xs.map(f).sort((a, b) => a - b);

  const frames = new Array<number>(s.frames.length);
  for (let f = 0; f < s.frames.length; f++) frames[frame(f)] = dom(s.frames[f]);
  const grants = new Array<SystemState['grants'][number]>(s.grants.length);
  for (let d = 0; d < s.grants.length; d++) {
    grants[dom(d)] = s.grants[d].map((g) => (g === null ? null : { to: dom(g.to), frame: frame(g.frame) }));
  }
  const maps = s.maps
    .map((m) => ({ by: dom(m.by), granter: dom(m.granter), ref: m.ref, frame: frame(m.frame), device: m.device }))
    .sort(compareMaps);
  const nics = s.nics.map((nic): Nic => ({
    vis: nic.vis.map((v) => ({
      ...v,
      dom: dom(v.dom),
      rx: v.rx === null ? null : { buf: v.rx.buf, by: dom(v.rx.by) },
      tx: v.tx === null ? null : { buf: v.tx.buf, by: dom(v.tx.by) },
      dma: v.dma === null ? null : { frame: frame(v.dma.frame), by: dom(v.dma.by), buf: v.dma.buf },
    })),
    bt: nic.bt.map((e) => (e === null ? null : { frame: frame(e.frame), owner: e.owner })),
    filters: nic.filters.map((f) => ({ flow: flow(f.flow), vi: f.vi, dom: dom(f.dom) })).sort((a, b) => filterKey(a) - filterKey(b)),
    btReg: nic.btReg === null ? null : { entry: nic.btReg.entry, frame: nic.btReg.frame < 0 ? nic.btReg.frame : frame(nic.btReg.frame), owner: nic.btReg.owner },
  }));
  const backends = place(s.backends, (be) => ({
    ...be,
    bufs: be.bufs
      .map((b): MappedBuffer => ({ ref: b.ref, granter: dom(b.granter), frame: frame(b.frame), bt: b.bt, mapped: b.mapped }))
      .sort((x, y) => x.bt - y.bt || x.frame - y.frame),
    filters: sortedNums(be.filters, flow),
  }));
  const frontends = place(s.frontends, (fe) => ({ ...fe, bufs: [...fe.bufs] }));
  const guests = place(s.guests, (g) => ({ ...g, fastpath: sortedNums(g.fastpath, dom), localmac: sortedNums(g.localmac, dom) }));
  if (s.packets.length > 0) throw new Error('system symmetry: packets name guests; this scenario has no guest symmetry');
  return { frames, grants, maps, nics, backends, frontends, guests, packets: [] };
}

/** The representative function of the scenario, or undefined when its guests are not interchangeable. */
export function systemSymmetry(cfg: SystemConfig, l: Layout): ((s: SystemState) => SystemState) | undefined {
  if (!guestsInterchangeable(cfg)) return undefined;
  const swap = [1, 0];
  return (s) => {
    const t = permuteGuests(s, swap, l, cfg.flows);
    return compareData(t, s) < 0 ? t : s;
  };
}
