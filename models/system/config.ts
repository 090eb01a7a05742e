/**
 * The system model's scenario settings and mutants. Each setting is documented with its range,
 * checked once when the model is built (a bad value throws an Error naming the key, which the
 * CLI reports as a usage error); every setting is plain data so `--set key=value` can override it.
 */
import type { MutantInfo } from '../../src/index.js';
import { bool, int, oneOf, validateMutantName, validateSettings, type Setting } from '../settings.js';
import { highestGuest, packetSpecs, parseTraffic, TRAFFIC_KINDS } from './packets.js';

/** Which guests tear down without migrating; 'both' is every guest of a two-guest scenario, 'all' every guest. */
export type Removes = 'none' | 'guest1' | 'guest2' | 'guest3' | 'both' | 'all';
export type TeardownOrder = 'as-built' | 'drain';

/** A type alias (not an interface) so it is assignable to the registry's `Config`. */
export type SystemConfig = {
  guests: number;
  vis: number;
  allocMayFail: boolean;
  bufferPages: number;
  dom0Quota: number;
  bufferEntries: number;
  filterSlots: number;
  maxFilters: number;
  flows: number;
  removes: Removes;
  teardown: TeardownOrder;
  learning: 'after-sethw' | 'after-buffers';
  adversarial: boolean;
  adversaryBudget: number;
  dma: boolean;
  hosts: number;
  secondHost: 'accel' | 'plain';
  guest2Host: number;
  guest3Host: number;
  migrations: number;
  traffic: string;
  macFilters: boolean;
  txFilters: boolean;
};

/** Each setting, documented; the ranges keep the state space finite and small. */
export const SETTINGS: Record<keyof SystemConfig, Setting> = {
  guests: { doc: 'accelerated guests (guest1, guest2, guest3)', check: int(1, 3) },
  vis: { doc: 'VIs the NIC can allocate to guests (efx_vi_alloc fails when none is free)', check: int(1, 2) },
  allocMayFail: { doc: 'accel_setup may fail even with a VI free (resource driver out of memory): backend Closing with hw_state NONE', check: bool },
  bufferPages: { doc: 'buffer pages each guest asks dom0 to map (sfc_netfront max_pages, 384 in the code)', check: int(1, 2) },
  dom0Quota: { doc: 'dom0 per-guest buffer-page quota (limits/max-buf-pages, 384 in the code)', check: int(1, 4) },
  bufferEntries: { doc: 'entries of the NIC-wide buffer table', check: int(1, 4) },
  filterSlots: { doc: 'entries of the NIC-wide RX filter table', check: int(1, 4) },
  maxFilters: { doc: 'filters dom0 may hold per guest before evicting one (limits/max-filters, 8 in the code)', check: int(1, 2) },
  flows: { doc: 'inbound flows (IP, port, protocol) per guest that dom0 may learn filters for', check: int(1, 3) },
  removes: {
    doc: "which guests tear their accelerated connection down without migrating (plugin remove): 'none', one guest ('guest1', 'guest2', 'guest3'), 'both' (the two guests of a two-guest scenario) or 'all'",
    check: oneOf('none', 'guest1', 'guest2', 'guest3', 'both', 'all'),
  },
  teardown: {
    doc: "'as-built': G1 as the code orders it (fast path stopped, VI flushed, filters removed after); 'drain': stop fast-path TX, remove filters, drain the VI's queues, then flush and free",
    check: oneOf('as-built', 'drain'),
  },
  learning: {
    doc: "when dom0 sets the forwarding context and starts learning filters: 'after-sethw' (the code: packets a filter then steers to a VI whose guest has not posted its RX buffers yet are dropped) or 'after-buffers' (once every buffer page is mapped)",
    check: oneOf('after-sethw', 'after-buffers'),
  },
  adversarial: { doc: 'guest1 may misbehave as protocol.md §3.0 allows (the other guests stay honest)', check: bool },
  adversaryBudget: { doc: 'how many misbehaving steps an adversarial guest1 may take', check: int(0, 3) },
  dma: { doc: 'model descriptor-level DMA (guests post descriptors, the NIC checks ownership and transfers); the delivery scenarios move whole packets instead', check: bool },
  hosts: { doc: 'hosts, each with dom0 and one NIC (host1, host2)', check: int(1, 2) },
  secondHost: { doc: "host2's NIC: 'accel' (Solarflare, sfc_netback loaded) or 'plain' (no accelerator: its guests use the slow path only, G2 4b)", check: oneOf('accel', 'plain') },
  guest2Host: { doc: 'the host guest2 runs on (1 or 2)', check: int(1, 2) },
  guest3Host: { doc: 'the host guest3 runs on (1 or 2)', check: int(1, 2) },
  migrations: { doc: 'times guest1 migrates to the other host (suspend = accel teardown to completion, move, resume, G2)', check: int(0, 1) },
  traffic: {
    doc: `the packets of the scenario, comma-separated, each one of ${TRAFFIC_KINDS.join(', ')} ('' for none: dom0 then learns filters from any slow-path packet)`,
    check: (v) => (typeof v === 'string' && parseTraffic(v) !== null ? undefined : `a comma-separated list of at most 3 of ${TRAFFIC_KINDS.join(', ')}`),
  },
  macFilters: { doc: 'RX filters also match the destination MAC (as later NICs can; Falcon cannot): delivery isolation S11', check: bool },
  txFilters: { doc: 'the NIC checks the source MAC of fast-path transmits (Siena TX filtering; not on Falcon): anti-spoofing S12', check: bool },
};

export const DEFAULT_CONFIG: SystemConfig = {
  guests: 2,
  vis: 2,
  allocMayFail: false,
  bufferPages: 1,
  dom0Quota: 1,
  bufferEntries: 2,
  filterSlots: 2,
  maxFilters: 1,
  flows: 2,
  removes: 'both',
  teardown: 'drain',
  learning: 'after-buffers',
  adversarial: false,
  adversaryBudget: 0,
  dma: true,
  hosts: 1,
  secondHost: 'accel',
  guest2Host: 1,
  guest3Host: 1,
  migrations: 0,
  traffic: '',
  macFilters: false,
  txFilters: false,
};

/** The full, checked configuration: missing keys take their default, unknown keys and bad values throw. */
export function validateConfig(raw: Record<string, unknown>): SystemConfig {
  const cfg = validateSettings(raw, DEFAULT_CONFIG, SETTINGS);
  const needs = (cond: boolean, why: string): void => {
    if (!cond) throw new Error(why);
  };
  const named = cfg.removes === 'guest2' ? 2 : cfg.removes === 'guest3' ? 3 : 0;
  needs(named <= cfg.guests, `setting 'removes' names guest${named}, but 'guests' is ${cfg.guests}`);
  needs(cfg.removes !== 'both' || cfg.guests <= 2, "setting 'removes' is 'both', but 'guests' is 3: say 'all' for every guest");
  needs(cfg.hosts === 2 || (cfg.migrations === 0 && cfg.guest2Host === 1), "settings 'migrations' and 'guest2Host' need 'hosts' 2");
  needs(cfg.guest3Host === 1 || cfg.guests === 3, `setting 'guest3Host' places guest3, but 'guests' is ${cfg.guests}`);
  needs(cfg.guest3Host === 1 || cfg.hosts === 2, "setting 'guest3Host' needs 'hosts' 2");
  for (const p of packetSpecs(cfg.traffic, () => 0)) {
    needs((p.kind !== 'hijack' && p.kind !== 'spoof') || cfg.adversarial, `traffic '${p.kind}' is guest1 misbehaving: it needs 'adversarial' true`);
    const g = highestGuest(p);
    needs(g <= cfg.guests, `setting 'traffic': '${p.kind}' names guest${g}, but 'guests' is ${cfg.guests}`);
  }
  return cfg;
}

/** Guest i tears down once without migrating ('both' is every guest: validateConfig allows it with at most two guests). */
export function removes(cfg: SystemConfig, i: number): boolean {
  return cfg.removes === 'both' || cfg.removes === 'all' || cfg.removes === `guest${i + 1}`;
}

/** The host guest i starts on: guest1 on host1, guest2 and guest3 where the scenario places them. */
export function homeHost(cfg: SystemConfig, i: number): number {
  if (i === 1) return cfg.guest2Host - 1;
  if (i === 2) return cfg.guest3Host - 1;
  return 0;
}

export type SystemMutant =
  | 'unmap-before-clear'
  | 'skip-flush'
  | 'frees-pages-on-closing'
  | 'ungrant-without-crash'
  | 'free-vi-before-ungrant'
  | 'free-vi-before-callback'
  | 'teardown-skips-filters'
  | 'free-vi-before-filters'
  | 'forwarding-context-at-setup'
  | 'mapbuf-without-vi'
  | 'mapbuf-over-quota'
  | 'mapbuf-frame-number'
  | 'mapbuf-trusts-domain'
  | 'owner-id-zero'
  | 'shared-owner-id'
  | 'no-duplicate-filter-check'
  | 'filter-limit-unchecked'
  | 'closed-before-cleanup'
  | 'unlocked-bt-clear'
  | 'suspend-without-teardown'
  | 'resend-pending-tx'
  | 'localmac-dropped'
  | 'fast-path-before-buffers'
  | 'drain-keeps-filters'
  | 'filter-without-mac'
  | 'tx-filter-not-requested';

/** Each mutant re-introduces one bug of protocol.md §4 and names the invariants that catch it. */
export const SYSTEM_MUTANTS: (MutantInfo & { name: SystemMutant })[] = [
  {
    name: 'unmap-before-clear',
    ref: 'M-1',
    description: 'remove_buffers device-unmaps the guest buffer pages before flushing the VI and clearing the buffer table',
    breaks: ['S2.no-stale-buffer-entry'],
  },
  {
    name: 'skip-flush',
    ref: 'M-2',
    description: 'remove_buffers clears the buffer table and unmaps without flushing the VI: a DMA already started keeps going, and packets in its rings stay there once it is freed',
    breaks: ['S1.dma-confinement', 'S8.no-use-after-free', 'S13.accounted-loss'],
  },
  {
    name: 'frees-pages-on-closing',
    ref: 'M-3',
    description: 'the frontend ends access to and frees its control and buffer pages on backend Closing instead of Closed (ignoring the failed end access, C-4)',
    breaks: ['S3.pinned-while-mapped'],
  },
  {
    name: 'ungrant-without-crash',
    ref: 'M-4',
    description: 'accel_shutdown ends the hardware-page grants without the in-use check and does not crash a guest that still maps them, then frees the VI for reuse',
    breaks: ['S6.hardware-pages', 'S3.pinned-while-mapped'],
    scenario: 'adversarial',
  },
  {
    name: 'free-vi-before-ungrant',
    ref: 'M-5',
    description: 'accel_shutdown frees the VI before ending its hardware-page grants (HWINFO and ALLOC undone in the wrong order)',
    breaks: ['S6.hardware-pages'],
  },
  {
    name: 'free-vi-before-callback',
    ref: 'M-6',
    description: 'accel_shutdown frees the VI before killing its event-queue callback',
    breaks: ['S8.no-use-after-free'],
  },
  {
    name: 'teardown-skips-filters',
    ref: 'M-7',
    description: 'accel_shutdown skips filter_shutdown: the hardware filters outlive the VI',
    breaks: ['S7.filters-on-live-vis'],
  },
  {
    name: 'free-vi-before-filters',
    ref: 'M-7',
    description: 'accel_shutdown frees the VI before stopping its filters',
    breaks: ['S7.filters-on-live-vis'],
  },
  {
    name: 'forwarding-context-at-setup',
    ref: 'M-8',
    description: 'setup_vnic sets the forwarding context at once instead of after SETHW, so dom0 learns filters before any VI exists',
    breaks: ['S7.filters-on-live-vis'],
  },
  {
    name: 'mapbuf-without-vi',
    ref: 'M-9',
    description: 'dom0 handles MAPBUF in hw_state NONE (before accel_setup): it maps the page and writes a buffer-table entry with no VI owner',
    breaks: ['S5.owner-ids'],
    scenario: 'adversarial',
  },
  {
    name: 'mapbuf-over-quota',
    ref: 'M-9',
    description: 'dom0 skips the max_pages quota check on MAPBUF',
    breaks: ['S10.quotas'],
    scenario: 'adversarial',
  },
  {
    name: 'mapbuf-frame-number',
    ref: 'M-10',
    description: 'dom0 reads the number in a MAPBUF as a machine frame and maps it directly instead of mapping the guest\'s grant',
    breaks: ['S4.map-only-by-named-domain', 'S5.owner-ids', 'S1.dma-confinement'],
    scenario: 'adversarial',
  },
  {
    name: 'mapbuf-trusts-domain',
    ref: 'M-10',
    description: 'dom0 maps a MAPBUF grant from the domain the message claims instead of the vif\'s own domain, so a guest gets another domain\'s granted page',
    breaks: ['S5.owner-ids'],
    scenario: 'adversarial',
  },
  {
    name: 'owner-id-zero',
    ref: 'H-12',
    description: 'a guest VI gets owner id 0 ("unprotected", bug9403): its queues may use any buffer-table entry (M-11)',
    breaks: ['S5.owner-ids', 'S1.dma-confinement'],
  },
  {
    name: 'shared-owner-id',
    ref: 'M-11',
    description: 'every VI gets the same owner id, so one guest\'s queues pass the owner check on another guest\'s buffers',
    breaks: ['S5.owner-ids', 'S1.dma-confinement'],
  },
  {
    name: 'no-duplicate-filter-check',
    ref: 'M-17',
    description: 'filter learning drops the duplicate check: a slow-path packet still queued after insertion adds a second hardware filter for the flow',
    breaks: ['S7.filter-accounting'],
    scenario: 'vi-reuse',
  },
  {
    name: 'filter-limit-unchecked',
    ref: 'C-7',
    description: 'the per-guest filter limit is not enforced (the bitmap overflow of C-7 reports a free slot): no eviction, the guest holds more than max_filters',
    breaks: ['S7.filter-accounting'],
  },
  {
    name: 'closed-before-cleanup',
    ref: 'C-4',
    description: 'dom0 writes Closed before running cleanup_vnic, so the frontend\'s step 6 — which ignores a failed end access and frees the page anyway (C-4) — frees pages dom0 still maps',
    breaks: ['S3.pinned-while-mapped'],
  },
  {
    name: 'unlocked-bt-clear',
    ref: 'H-11',
    description: 'the buffer-table clear writes the shared update register without the table lock; a concurrent MAPBUF for another guest overwrites it before the commit, so an entry is never cleared',
    breaks: ['S2.no-stale-buffer-entry'],
  },
  {
    name: 'suspend-without-teardown',
    ref: 'M-13',
    description: 'the domain suspends for migration as soon as the accel teardown has started, without waiting for it to complete: it leaves with a live VI, buffer-table entries and mappings on the old host',
    breaks: ['S14.released-after-teardown'],
    scenario: 'migrate',
  },
  {
    name: 'resend-pending-tx',
    ref: 'M-16',
    description: 'when the fast path stops, netfront re-sends the packets it handed to the VI and never saw completed, while the NIC may still send them from the TX ring',
    breaks: ['S13.no-duplication'],
    scenario: 'migrate',
    set: { teardown: 'as-built' },
  },
  {
    name: 'localmac-dropped',
    ref: 'C-6',
    description: "dom0 drops the LOCALMAC for an arriving guest (the dom0→domU queue was full), so a guest on that host keeps its MAC in the fast-path table",
    breaks: ['S13.fast-path-table-fresh'],
    scenario: 'local-traffic',
  },
  {
    name: 'fast-path-before-buffers',
    ref: 'M-15',
    description: 'the frontend enables fast-path TX before the last MAPBUF reply (its buffers are not all posted)',
    breaks: ['S9.fast-path-when-connected'],
    scenario: 'migrate',
  },
  {
    name: 'drain-keeps-filters',
    ref: 'M-7',
    description: 'the draining teardown drains the VI without first stopping its filters: traffic keeps arriving on the fast path after the drain, and the flush drops it',
    breaks: ['S13.no-loss'],
    scenario: 'migrate',
  },
  {
    name: 'filter-without-mac',
    ref: 'C-3',
    description: "dom0 inserts RX filters on the 3-tuple only, as the Falcon-era efx_vi call does, even on a NIC that can match the destination MAC: a flow learned through guest1's MAC steers guest2's traffic to guest1",
    breaks: ['S11.delivery-isolation'],
    scenario: 'hijack',
  },
  {
    name: 'tx-filter-not-requested',
    ref: 'C-9',
    description: 'dom0 allocates the VI without TX filtering (flags = jumbo only), even on a NIC that has it: a guest sends with another MAC as source',
    breaks: ['S12.anti-spoofing'],
    scenario: 'spoof',
  },
];

export function validateMutant(mutant: string | null): SystemMutant | null {
  return validateMutantName(mutant, SYSTEM_MUTANTS);
}
