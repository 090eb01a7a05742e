/**
 * The isolation claim of the paper — "no guest can reach another guest's memory" — as the
 * properties of protocol.md §3 that defend it, over the system model (models/system): DMA
 * confinement (S1), no stale buffer-table entry (S2), pages pinned while mapped (S3), grants
 * mapped only by the domain they name (S4), owner ids (S5), the VI's hardware pages (S6),
 * filters on live VIs within the per-guest limit (S7), no use of a freed VI (S8) and quotas
 * (S10). Each is a record with a name, a one-line statement in the paper's terms and its
 * reference; each is broken by at least one mutant (models/system/config.ts).
 *
 * Trust (§3.0): every property here is about dom0, Xen and the NIC and must hold whatever the
 * adversarial guest does. The only exemption is a crashed guest: its vCPUs never run again, so
 * a mapping it still holds is harmless (S6 note).
 *
 * The predicates read the state directly; they share no code with the model's guards, so a
 * model bug cannot hide itself by being wrong twice.
 */
import { invariant, stepInvariant, type Invariant } from '../src/index.js';
import type { Mapping } from '../models/system/grants.js';
import type { SystemState } from '../models/system/state.js';
import { hostOfVi, viCount, viOf } from './system-view.js';

type S = SystemState;

const allocated = (s: S, v: number): boolean => v >= 0 && v < viCount(s) && viOf(s, v)!.state !== 'free';
const crashed = (s: S, dom: number): boolean => dom >= 1 && s.guests[dom - 1]?.crashed === true;
/** The hardware page of VI v is frame v (models/system/grants.ts layout). */
const viOfFrame = (s: S, frame: number): number => (frame < viCount(s) ? frame : -1);
/** dom0 holds a device mapping of `frame` through a grant by `dom`. */
const deviceMappedFrom = (s: S, frame: number, dom: number): boolean =>
  s.maps.some((m) => m.by === 0 && m.device && m.frame === frame && m.granter === dom && m.ref >= 0);
const fmt = (m: Mapping): string => `dom${m.by} ${m.device ? 'device' : 'host'}-maps frame ${m.frame} via ${m.ref < 0 ? 'no grant' : `grant ${m.granter}:${m.ref}`}`;

/**
 * Each check walks the state once and returns whether the property holds. Given `out`, it also
 * collects every breach in words (for `explain`); without it, it stops at the first breach and
 * allocates nothing — the checks run on every state.
 */
type Report = string[] | undefined;

function fail(out: Report, why: () => string): false {
  out?.push(why());
  return false;
}

/** Run a check to collect its report. */
const explainWith = (check: (s: S, out: Report) => boolean) => (s: S): string => {
  const out: string[] = [];
  check(s, out);
  return out.join('; ');
};

// --- S1 ------------------------------------------------------------------------------------------

function dmaConfined(s: S, out: Report): boolean {
  let ok = true;
  for (let v = 0; v < viCount(s); v++) {
    const vi = viOf(s, v)!;
    const dma = vi.dma;
    if (dma === null) continue;
    const h = hostOfVi(s, v);
    const at = `VI ${v} DMA on buffer ${dma.buf} → frame ${dma.frame}`;
    if (vi.state !== 'free' && vi.dom !== dma.by) {
      ok = fail(out, () => `${at}: the descriptor was written by dom${dma.by}, the VI belongs to dom${vi.dom}`);
      if (!out) return false;
    }
    const owner = s.frames[dma.frame];
    if (owner !== dma.by) {
      ok = fail(out, () => `${at}: the frame is ${owner < 0 ? 'freed' : `owned by dom${owner}`}, not by dom${dma.by}`);
      if (!out) return false;
    }
    if (!deviceMappedFrom(s, dma.frame, dma.by)) {
      ok = fail(out, () => `${at}: dom0 holds no device mapping of it granted by dom${dma.by}`);
      if (!out) return false;
    }
    const g = s.guests[dma.by - 1];
    if (g !== undefined && (g.host !== h || g.migration === 'suspended')) {
      ok = fail(out, () => `${at}: dom${dma.by} ${g.migration === 'suspended' ? 'is suspended for migration' : `lives on host${g.host + 1}`}, not on this NIC's host${h + 1}`);
      if (!out) return false;
    }
  }
  return ok;
}

export const dmaConfinement = invariant<S>('S1.dma-confinement', (s) => dmaConfined(s, undefined), {
  ref: 'S1',
  statement: "every DMA the NIC performs for a guest's VI touches only a page that guest owns, wrote the descriptor for, and granted to dom0, which holds its device mapping — on the host the guest runs on",
  explain: explainWith(dmaConfined),
});

// --- S2 ------------------------------------------------------------------------------------------

function noStale(s: S, out: Report): boolean {
  let ok = true;
  for (let h = 0; h < s.nics.length; h++) {
    const bt = s.nics[h].bt;
    for (let b = 0; b < bt.length; b++) {
      const e = bt[b];
      if (e === null || s.maps.some((m) => m.by === 0 && m.device && m.frame === e.frame)) continue;
      const nic = s.nics.length > 1 ? `host${h + 1} ` : '';
      ok = fail(out, () => `${nic}buffer ${b} → frame ${e.frame} (owner id ${e.owner}), but dom0 no longer maps that frame`);
      if (!out) return false;
    }
  }
  return ok;
}

export const noStaleBufferEntry = invariant<S>('S2.no-stale-buffer-entry', (s) => noStale(s, undefined), {
  ref: 'S2',
  statement: 'a valid buffer-table entry always has the dom0 device mapping it was built from: the VI is flushed and the entry cleared before the page is unmapped',
  explain: explainWith(noStale),
});

// --- S3 ------------------------------------------------------------------------------------------

function pinned(s: S, out: Report): boolean {
  let ok = true;
  for (const m of s.maps) {
    const owner = s.frames[m.frame];
    let why: string | null = null;
    if (owner === -1) why = 'the page was freed';
    else if (m.ref >= 0 && owner !== m.granter) why = `the page now belongs to dom${owner}`;
    else if (m.ref >= 0) {
      const g = s.grants[m.granter][m.ref];
      if (g === null || g.frame !== m.frame) why = 'the grant was ended';
    }
    if (why === null) continue;
    ok = fail(out, () => `${fmt(m)}, but ${why}`);
    if (!out) return false;
  }
  return ok;
}

export const pinnedWhileMapped = invariant<S>('S3.pinned-while-mapped', (s) => pinned(s, undefined), {
  ref: 'S3',
  statement: 'a page with a live foreign mapping is never freed or reassigned and its grant is never ended: the owner must leak it',
  explain: explainWith(pinned),
});

// --- S4 ------------------------------------------------------------------------------------------

const sameMap = (a: Mapping, b: Mapping): boolean =>
  a.by === b.by && a.granter === b.granter && a.ref === b.ref && a.frame === b.frame && a.device === b.device;

/** Mappings of `after` that `before` did not have (as multisets). */
function newMappings(before: S, after: S): Mapping[] {
  const a = after.maps;
  const b = before.maps;
  if (a.length === b.length && a.every((m, k) => sameMap(m, b[k]))) return []; // the common case: unchanged
  const left = [...b];
  return a.filter((m) => {
    const k = left.findIndex((x) => sameMap(x, m));
    if (k < 0) return true;
    left.splice(k, 1);
    return false;
  });
}

/**
 * New mappings not backed by a grant naming the mapper. The grant is read in the state after the
 * step: a MAPBUF round trip grants and maps in one step, and an entry that is mapped cannot be
 * ended (S3), so the entry the map used is still there.
 */
function unauthorisedMaps(before: S, after: S): Mapping[] {
  return newMappings(before, after).filter((m) => {
    const g = m.ref >= 0 ? after.grants[m.granter]?.[m.ref] : null;
    return g === null || g === undefined || g.to !== m.by || g.frame !== m.frame || after.frames[m.frame] !== m.granter;
  });
}

export const mapOnlyByNamedDomain = stepInvariant<S>('S4.map-only-by-named-domain', (before, after) => unauthorisedMaps(before, after).length === 0, {
  ref: 'S4',
  statement: "a domain maps a page only through a grant, by the page's owner, that names that domain",
  explain: (before, after) =>
    unauthorisedMaps(before, after)
      .map((m) => {
        if (m.ref < 0) return `${fmt(m)}: a machine frame mapped directly`;
        const g = after.grants[m.granter]?.[m.ref];
        return `${fmt(m)}: ${g ? `that grant gives frame ${g.frame} of dom${after.frames[g.frame]} to dom${g.to}` : 'no such grant'}`;
      })
      .join('; '),
});

// --- S5 ------------------------------------------------------------------------------------------

function ownersSound(s: S, out: Report): boolean {
  for (let h = 0; h < s.nics.length; h++) if (!nicOwnersSound(s, h, out) && !out) return false;
  return out === undefined || out.length === 0;
}

/** S5 on host h's NIC (owner ids are per NIC; `v` here is the VI's index on it). */
function nicOwnersSound(s: S, h: number, out: Report): boolean {
  let ok = true;
  const vis = s.nics[h].vis;
  for (let v = 0; v < vis.length; v++) {
    const vi = vis[v];
    if (vi.state === 'free') continue;
    if (vi.owner === 0) {
      ok = fail(out, () => `VI ${v} (dom${vi.dom}) has owner id 0 (unprotected)`);
      if (!out) return false;
    }
    for (let w = v + 1; w < vis.length; w++) {
      if (vis[w].state === 'free' || vis[w].owner !== vi.owner) continue;
      ok = fail(out, () => `VIs ${v} (dom${vi.dom}) and ${w} (dom${vis[w].dom}) share owner id ${vi.owner}`);
      if (!out) return false;
    }
  }
  const bt = s.nics[h].bt;
  for (let b = 0; b < bt.length; b++) {
    const e = bt[b];
    if (e === null) continue;
    let holder = -1;
    let holders = 0;
    for (let v = 0; v < vis.length; v++) {
      if (vis[v].state !== 'free' && vis[v].owner === e.owner && e.owner !== 0) {
        holder = v;
        holders++;
      }
    }
    if (holders !== 1) {
      ok = fail(out, () => `buffer ${b} carries owner id ${e.owner}, the id of ${holders} live VIs`);
      if (!out) return false;
    } else if (s.frames[e.frame] !== vis[holder].dom) {
      ok = fail(out, () => `buffer ${b} lets dom${vis[holder].dom}'s VI ${holder} reach frame ${e.frame} of dom${s.frames[e.frame]}`);
      if (!out) return false;
    }
  }
  return ok;
}

export const ownerIds = invariant<S>('S5.owner-ids', (s) => ownersSound(s, undefined), {
  ref: 'S5',
  statement: "every guest VI's queues carry a non-zero owner id of their own, and a valid buffer-table entry carries the owner id of exactly one live VI, whose guest owns the page",
  explain: explainWith(ownersSound),
});

// --- S6 ------------------------------------------------------------------------------------------

function hardwarePagesSound(s: S, out: Report): boolean {
  let ok = true;
  const table = s.grants[0];
  for (let ref = 0; ref < table.length; ref++) {
    const g = table[ref];
    if (g === null) continue;
    const v = viOfFrame(s, g.frame);
    if (v < 0 || crashed(s, g.to)) continue; // a crashed guest's leaked grant is harmless
    if (!allocated(s, v)) ok = fail(out, () => `dom0 grant ${ref} of freed VI ${v}'s page to dom${g.to} is still live`);
    else if (viOf(s, v)!.dom !== g.to) ok = fail(out, () => `dom0 grant ${ref} gives VI ${v}'s page (dom${viOf(s, v)!.dom}) to dom${g.to}`);
    if (!ok && !out) return false;
  }
  for (const m of s.maps) {
    const v = viOfFrame(s, m.frame);
    if (v < 0 || m.by === 0 || crashed(s, m.by)) continue;
    if (!allocated(s, v)) ok = fail(out, () => `runnable dom${m.by} still maps freed VI ${v}'s page`);
    else if (viOf(s, v)!.dom !== m.by) ok = fail(out, () => `runnable dom${m.by} maps VI ${v}'s page, which belongs to dom${viOf(s, v)!.dom}`);
    if (!ok && !out) return false;
  }
  return ok;
}

export const hardwarePages = invariant<S>('S6.hardware-pages', (s) => hardwarePagesSound(s, undefined), {
  ref: 'S6',
  statement: "a VI's rings, event queue and doorbell are granted to and mapped by its own guest only; once it is freed no runnable guest maps them and their grants are ended",
  explain: explainWith(hardwarePagesSound),
});

// --- S7 ------------------------------------------------------------------------------------------

function filtersLive(s: S, out: Report): boolean {
  let ok = true;
  for (let h = 0; h < s.nics.length; h++) {
    for (const f of s.nics[h].filters) {
      if (!allocated(s, f.vi)) ok = fail(out, () => `flow ${f.flow} of dom${f.dom} steers to ${f.vi < 0 ? 'no VI' : `freed VI ${f.vi}`}`);
      else if (viOf(s, f.vi)!.dom !== f.dom) ok = fail(out, () => `flow ${f.flow} of dom${f.dom} steers to VI ${f.vi} of dom${viOf(s, f.vi)!.dom}`);
      else if (hostOfVi(s, f.vi) !== h) ok = fail(out, () => `host${h + 1}'s NIC steers flow ${f.flow} to VI ${f.vi} of another NIC`);
      if (!ok && !out) return false;
    }
  }
  return ok;
}

export const filtersOnLiveVis = invariant<S>('S7.filters-on-live-vis', (s) => filtersLive(s, undefined), {
  ref: 'S7',
  statement: 'every hardware filter steers to an allocated VI of the guest it was learned for: filters are stopped before their VI is freed or reassigned',
  explain: explainWith(filtersLive),
});

function filtersAccounted(s: S, out: Report): boolean {
  let ok = true;
  for (const { filters } of s.nics) {
    for (let k = 1; k < filters.length; k++) {
      // sorted by flow, then VI: two filters of one flow for one guest are neighbours
      if (filters[k].flow !== filters[k - 1].flow || filters[k].dom !== filters[k - 1].dom) continue;
      ok = fail(out, () => `flow ${filters[k].flow} has more than one hardware filter for dom${filters[k].dom}`);
      if (!out) return false;
    }
  }
  for (let i = 0; i < s.backends.length; i++) {
    const be = s.backends[i];
    const mine: number[] = [];
    for (const { filters } of s.nics) for (const f of filters) if (f.dom === i + 1) mine.push(f.flow);
    if (mine.length > be.filterLimit) ok = fail(out, () => `dom${i + 1} holds ${mine.length} filters, its limit is ${be.filterLimit}`);
    if (mine.length !== be.filters.length || mine.some((f, k) => f !== be.filters[k])) {
      ok = fail(out, () => `dom0's table for dom${i + 1} says [${be.filters}], the NIC has [${mine}]`);
    }
    if (!ok && !out) return false;
  }
  return ok;
}

export const filterAccounting = invariant<S>('S7.filter-accounting', (s) => filtersAccounted(s, undefined), {
  ref: 'S7',
  statement: "a guest has at most one hardware filter per flow and at most max_filters in all, and dom0's per-guest filter table matches the NIC",
  explain: explainWith(filtersAccounted),
});

// --- S8 ------------------------------------------------------------------------------------------

function freedQuiet(s: S, out: Report): boolean {
  let ok = true;
  for (let v = 0; v < viCount(s); v++) {
    const vi = viOf(s, v)!;
    if (vi.state !== 'free' || (!vi.callback && vi.dma === null && vi.rx === null && vi.tx === null)) continue;
    ok = fail(out, () => {
      const left = [
        vi.callback && 'its event-queue callback is still registered',
        vi.dma !== null && `a DMA to frame ${vi.dma.frame} is still in flight`,
        (vi.rx !== null || vi.tx !== null) && 'descriptors were written to its rings',
      ].filter((x): x is string => typeof x === 'string');
      return `freed VI ${v}: ${left.join(', ')}`;
    });
    if (!out) return false;
  }
  return ok;
}

export const noUseAfterFree = invariant<S>('S8.no-use-after-free', (s) => freedQuiet(s, undefined), {
  ref: 'S8',
  statement: 'nothing can act on a freed VI: its event-queue callback is killed, its DMA is flushed, and no descriptor reaches it',
  explain: explainWith(freedQuiet),
});

// --- S10 -----------------------------------------------------------------------------------------

function withinQuota(s: S, out: Report): boolean {
  let ok = true;
  for (let i = 0; i < s.backends.length; i++) {
    const be = s.backends[i];
    let mapped = 0;
    for (const b of be.bufs) if (b.mapped) mapped++;
    if (mapped <= be.maxPages && be.maxPages <= be.quota) continue;
    ok = fail(out, () => `dom${i + 1}: ${mapped} pages mapped, max_pages ${be.maxPages}, quota ${be.quota}`);
    if (!out) return false;
  }
  return ok;
}

export const quotas = invariant<S>('S10.quotas', (s) => withinQuota(s, undefined), {
  ref: 'S10',
  statement: 'per guest, buffer pages dom0 maps ≤ negotiated max_pages ≤ dom0 quota',
  explain: explainWith(withinQuota),
});

/** Every isolation property, in protocol.md order. */
export const isolationInvariants: readonly Invariant<S>[] = [
  dmaConfinement,
  noStaleBufferEntry,
  pinnedWhileMapped,
  mapOnlyByNamedDomain,
  ownerIds,
  hardwarePages,
  filtersOnLiveVis,
  filterAccounting,
  noUseAfterFree,
  quotas,
];
