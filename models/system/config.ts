/**
 * The system model's scenario settings and mutants. Each setting is documented with its range,
 * checked once when the model is built (a bad value throws an Error naming the key, which the
 * CLI reports as a usage error); every setting is plain data so `--set key=value` can override it.
 */
import type { MutantInfo } from '../../src/index.js';
import { bool, int, oneOf, validateMutantName, validateSettings, type Setting } from '../settings.js';

export type Teardowns = 'none' | 'guest1' | 'guest2' | 'both';

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
  teardown: Teardowns;
  adversarial: boolean;
  adversaryBudget: number;
};

/** Each setting, documented; the ranges keep the state space finite and small. */
export const SETTINGS: Record<keyof SystemConfig, Setting> = {
  guests: { doc: 'accelerated guests on the host (guest1, guest2)', check: int(1, 2) },
  vis: { doc: 'VIs the NIC can allocate to guests (efx_vi_alloc fails when none is free)', check: int(1, 2) },
  allocMayFail: { doc: 'accel_setup may fail even with a VI free (resource driver out of memory): backend Closing with hw_state NONE', check: bool },
  bufferPages: { doc: 'buffer pages each guest asks dom0 to map (sfc_netfront max_pages, 384 in the code)', check: int(1, 2) },
  dom0Quota: { doc: 'dom0 per-guest buffer-page quota (limits/max-buf-pages, 384 in the code)', check: int(1, 4) },
  bufferEntries: { doc: 'entries of the NIC-wide buffer table', check: int(1, 4) },
  filterSlots: { doc: 'entries of the NIC-wide RX filter table', check: int(1, 4) },
  maxFilters: { doc: 'filters dom0 may hold per guest before evicting one (limits/max-filters, 8 in the code)', check: int(1, 2) },
  flows: { doc: 'inbound flows (IP, port, protocol) per guest that dom0 may learn filters for', check: int(1, 3) },
  teardown: {
    doc: "which guests tear their accelerated connection down (plugin remove / suspend): 'none', 'guest1', 'guest2', 'both'",
    check: oneOf('none', 'guest1', 'guest2', 'both'),
  },
  adversarial: { doc: 'guest1 may misbehave as protocol.md §3.0 allows (guest2 stays honest)', check: bool },
  adversaryBudget: { doc: 'how many misbehaving steps an adversarial guest1 may take', check: int(0, 3) },
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
  teardown: 'both',
  adversarial: false,
  adversaryBudget: 0,
};

/** The full, checked configuration: missing keys take their default, unknown keys and bad values throw. */
export function validateConfig(raw: Record<string, unknown>): SystemConfig {
  const cfg = validateSettings(raw, DEFAULT_CONFIG, SETTINGS);
  if (cfg.teardown === 'guest2' && cfg.guests < 2) throw new Error("setting 'teardown' names guest2, but 'guests' is 1");
  return cfg;
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
  | 'unlocked-bt-clear';

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
    description: 'remove_buffers clears the buffer table and unmaps without flushing the VI: a DMA already started keeps going',
    breaks: ['S1.dma-confinement', 'S8.no-use-after-free'],
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
];

export function validateMutant(mutant: string | null): SystemMutant | null {
  return validateMutantName(mutant, SYSTEM_MUTANTS);
}
