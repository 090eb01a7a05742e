/**
 * The Solarflare NIC (protocol.md §1.6, §2(f) "NIC-level data path"): virtual interfaces with
 * an RX and a TX descriptor ring, an event-queue callback and a doorbell, each VI's DMA queues
 * tagged with an owner id; the NIC-wide buffer table (entry = page, owner id) that only dom0
 * writes; the NIC-wide filter table (flow → VI); and the NIC itself as the actor that consumes
 * descriptors, checks ownership and does the DMA. The guest side of the doorbell page (writing a
 * descriptor and ringing) is here too, since the ring is NIC memory the guest maps.
 *
 * Choices where protocol.md leaves room (or says "inferred"):
 * - One descriptor slot per ring (a ring of 512 in the code). A descriptor names a buffer id and
 *   remembers which domain wrote it, so S1 can say whose DMA it is.
 * - DMA has two halves: the NIC takes a descriptor, translates its buffer id through the buffer
 *   table with the owner check (an entry whose owner differs is a "rights" discard, §1.6) and
 *   starts the transfer (`dma`, at most one per VI); later the transfer completes. Clearing the
 *   buffer table does not stop a transfer already started — only the flush does.
 * - Owner id 0 means "unprotected": a queue with owner 0 may use any valid entry (§1.6, H-12).
 * - RX needs a packet: one arrives for a VI whenever some filter steers to it. These
 *   descriptor-level steps exist with `dma` (the isolation scenarios); the delivery scenarios
 *   turn them off and move identified packets instead (datapath.ts), whose rings always have
 *   descriptors posted.
 * - efx_vi_reset (the flush) is one atomic step, "queues empty, DMA quiescent" (§3.1): rings
 *   emptied, the transfer in flight completes, the queues stay stopped until the VI is freed
 *   (a packet steered to a flushed queue is dropped, §2(g) G1).
 * - Freeing a VI returns its rings; it neither kills the event-queue callback (a separate call,
 *   protocol.md §2(c)) nor stops a transfer in flight (only a flush does).
 * - The filter table accepts a duplicate flow (it is a hash table; uniqueness is the plugin's
 *   duplicate check, M-17) and refuses an insertion when full.
 * - The buffer table's shared update register exists only for the H-11 mutant (buffers.ts):
 *   with the lock every update is one atomic write-and-commit and the register needs no state.
 * - Every host has one NIC, all with the same number of VIs. VIs have global ids (host h's
 *   k-th VI is h·vis + k), so a VI id alone says which NIC, which hardware page (grants.ts) and
 *   which owner id; buffer ids and filters are per NIC.
 */
import { action, machine, t, type Action } from '../../src/index.js';
import { runnable, domOf, type SystemState } from './state.js';
import { hwFrame, type Layout } from './grants.js';
import { flushRings } from './packets.js';

export type ViState = 'free' | 'live' | 'flushed';
export type ViEvent = 'alloc' | 'flush' | 'free';

/** A VI's life on the NIC. Freeing a live (unflushed) VI is possible on the hardware (M-2 does it). */
export const viLifecycle = machine<ViState, ViEvent>('NIC VI', 'free', [
  t('free', 'alloc', 'live'),
  t('live', 'flush', 'flushed'),
  t('live', 'free', 'free'),
  t('flushed', 'free', 'free'),
]);

export type Descriptor = { buf: number; by: number };
/** A transfer in flight: the frame the NIC reads or writes, for the domain whose descriptor started it. */
export type Dma = { frame: number; by: number; buf: number };

export type Vi = {
  state: ViState;
  /** Domain the VI was allocated for (0 when free). */
  dom: number;
  /** Owner id of its DMA queues (0 = unprotected; 0 while free). */
  owner: number;
  /** dom0's event-queue callback is registered for this VI. */
  callback: boolean;
  rx: Descriptor | null;
  tx: Descriptor | null;
  dma: Dma | null;
};

export type BtEntry = { frame: number; owner: number };
export type Filter = { flow: number; vi: number; dom: number };
/** The buffer table's update register (H-11 only): the entry to commit and its value (frame -1 = clear). */
export type BtRegister = { entry: number; frame: number; owner: number };

/** One host's NIC. */
export type Nic = {
  /** This NIC's VIs; global id h·vis + k is `vis[k]` of host h. */
  vis: Vi[];
  bt: (BtEntry | null)[];
  /** Sorted by (flow, vi, dom). */
  filters: Filter[];
  btReg: BtRegister | null;
};

export const QUEUES = ['rx', 'tx'] as const;
export type Queue = (typeof QUEUES)[number];

export function freshNic(vis: number, bufferEntries: number): Nic {
  return {
    vis: Array.from({ length: vis }, (): Vi => ({ state: 'free', dom: 0, owner: 0, callback: false, rx: null, tx: null, dma: null })),
    bt: Array.from({ length: bufferEntries }, () => null),
    filters: [],
    btReg: null,
  };
}

/** VIs per NIC. */
export const visPerNic = (s: SystemState): number => s.nics[0].vis.length;
/** The host whose NIC holds VI v (a global id). */
export const hostOfVi = (s: SystemState, v: number): number => Math.floor(v / visPerNic(s));
/** VI v (a global id). */
export const viAt = (s: SystemState, v: number): Vi => s.nics[hostOfVi(s, v)].vis[v % visPerNic(s)];
/** Every VI id of every NIC. */
export const viIds = (s: SystemState): number[] => Array.from({ length: s.nics.length * visPerNic(s) }, (_, v) => v);

/** The NIC's ownership check for a descriptor of VI v naming buffer b (of v's NIC). */
export function nicAccepts(s: SystemState, v: number, b: number): boolean {
  const entry = s.nics[hostOfVi(s, v)].bt[b];
  const owner = viAt(s, v).owner;
  return entry !== null && entry !== undefined && (owner === 0 || entry.owner === owner);
}

// --- VI allocation and release (called by vi.ts) -------------------------------------------------

/** The lowest free VI of host h's NIC (a global id), or -1. */
export function freeViIndex(s: SystemState, h: number): number {
  const k = s.nics[h].vis.findIndex((v) => v.state === 'free');
  return k < 0 ? -1 : h * visPerNic(s) + k;
}

export function allocVi(s: SystemState, v: number, dom: number, owner: number): void {
  const vi = viAt(s, v);
  vi.state = viLifecycle.next(vi.state, 'alloc');
  Object.assign(vi, { dom, owner, rx: null, tx: null });
}

/** efx_vi_reset: flush both DMA queues (the transfer in flight completes), reset the event queue. */
export function flushVi(s: SystemState, v: number): void {
  const vi = viAt(s, v);
  vi.state = viLifecycle.next(vi.state, 'flush');
  Object.assign(vi, { rx: null, tx: null, dma: null });
  flushRings(s, v); // packets in its rings are dropped (G1 "fate of packets")
}

export function releaseVi(s: SystemState, v: number): void {
  const vi = viAt(s, v);
  vi.state = viLifecycle.next(vi.state, 'free');
  Object.assign(vi, { dom: 0, owner: 0, rx: null, tx: null });
}

// --- buffer table (called by buffers.ts) ---------------------------------------------------------

export function freeBtEntry(s: SystemState, h: number): number {
  return s.nics[h].bt.findIndex((e) => e === null);
}

// --- filter table (called by filters.ts) ---------------------------------------------------------

const filterKey = (f: Filter): number => (f.flow * 64 + (f.vi + 1)) * 64 + f.dom;

/** Insert filter f into host h's NIC (M-8 inserts one for no VI); false when the table is full. */
export function insertFilter(s: SystemState, h: number, f: Filter, capacity: number): boolean {
  const filters = s.nics[h].filters;
  if (filters.length >= capacity) return false;
  const k = filterKey(f);
  let i = 0;
  while (i < filters.length && filterKey(filters[i]) <= k) i++;
  filters.splice(i, 0, f);
  return true;
}

/** Stop one hardware filter of host h's NIC for `flow` steering to VI v. */
export function removeFilter(s: SystemState, h: number, flow: number, v: number): void {
  const filters = s.nics[h].filters;
  const i = filters.findIndex((f) => f.flow === flow && f.vi === v);
  if (i >= 0) filters.splice(i, 1);
}

// --- actions -------------------------------------------------------------------------------------

/** Which domain maps VI v's hardware page (and may so write its rings and ring its doorbell). */
export function mapsViPage(s: SystemState, dom: number, v: number): boolean {
  return s.maps.some((m) => m.by === dom && m.frame === hwFrame(v) && !m.device);
}

function start(s: SystemState, v: number, q: Queue): void {
  const vi = viAt(s, v);
  const d = vi[q]!;
  vi[q] = null;
  if (nicAccepts(s, v, d.buf)) vi.dma = { frame: s.nics[hostOfVi(s, v)].bt[d.buf]!.frame, by: d.by, buf: d.buf };
  // else: RX_DISCARD_RIGHTS / TX error event; the descriptor is consumed, nothing is transferred.
}

const ready = (s: SystemState, v: number, q: Queue): boolean => {
  const vi = viAt(s, v);
  return vi.state === 'live' && vi[q] !== null && vi.dma === null;
};

export function nicActions(l: Layout, dma: boolean): Action<SystemState>[] {
  if (!dma) return [];
  const vis = Array.from({ length: l.hosts * l.vis }, (_, v) => v);
  const posts: [number, Queue, number][] = [];
  for (let i = 0; i < l.guests; i++) for (const q of QUEUES) for (let j = 0; j < l.pages; j++) posts.push([i, q, j]);
  return [
    // The guest writes a descriptor naming one of its buffers into its VI's ring and rings the doorbell.
    action<SystemState, [number, Queue, number]>(
      'doorbell',
      posts,
      (s, [i, q, j]) => {
        const fe = s.frontends[i];
        return runnable(s, i) && fe.state === 'Connected' && fe.vi >= 0 && j < fe.bufs.length
          && fe.bufs.length === fe.maxPages && mapsViPage(s, domOf(i), fe.vi) && viAt(s, fe.vi)[q] === null;
      },
      (s, [i, q, j]) => {
        const fe = s.frontends[i];
        viAt(s, fe.vi)[q] = { buf: fe.bufs[j], by: domOf(i) };
      },
      { actor: ([i]) => `guest${i + 1}` },
    ),
    action<SystemState, number>('nicTx', vis, (s, v) => ready(s, v, 'tx'), (s, v) => start(s, v, 'tx'), { actor: 'nic' }),
    action<SystemState, number>(
      'nicRx',
      vis,
      (s, v) => ready(s, v, 'rx') && s.nics[hostOfVi(s, v)].filters.some((f) => f.vi === v),
      (s, v) => start(s, v, 'rx'),
      { actor: 'nic' },
    ),
    action<SystemState, number>('nicDmaDone', vis, (s, v) => viAt(s, v).dma !== null, (s, v) => {
      viAt(s, v).dma = null;
    }, { actor: 'nic' }),
  ];
}
