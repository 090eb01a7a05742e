/**
 * The handshake model's scenario settings and mutants: what each setting means, its type and
 * range, checked once when the model is built (a bad value throws an Error naming the key,
 * which the CLI reports as a usage error). Every setting is plain data so `--set key=value`
 * can override it with a value of the same type.
 */
import type { MutantInfo } from '../../src/index.js';
import { bool, int, oneOf, validateMutantName, validateSettings, type Setting } from '../settings.js';
import { isPowerOfTwo } from './channel.js';

export type Teardown = 'guest' | 'dom0' | 'either' | 'none';

/** A type alias (not an interface) so it is assignable to the registry's `Config`. */
export type HandshakeConfig = {
  adversarial: boolean;
  adversaryBudget: number;
  fifoCapacity: number;
  guestPages: number;
  dom0Quota: number;
  maxPagesPerMsg: number;
  maxFilters: number;
  linkFlaps: number;
  teardown: Teardown;
  reconnects: number;
  viExhausted: boolean;
  reportRemoveHang: boolean;
};

/** Each setting, documented; the ranges keep the state space finite and small. */
export const SETTINGS: Record<keyof HandshakeConfig, Setting> = {
  adversarial: { doc: 'the guest may misbehave (protocol.md §3.0): send any message id, write any accelstate', check: bool },
  adversaryBudget: { doc: 'how many misbehaving actions an adversarial guest may take', check: int(0, 4) },
  fifoCapacity: { doc: 'slots per message FIFO direction (16 in the code); sends need it under half full', check: int(2, 16) },
  guestPages: { doc: 'buffer pages sfc_netfront asks for (module param max_pages, 384 in the code)', check: int(1, 16) },
  dom0Quota: { doc: 'dom0 per-guest buffer page quota (limits/max-buf-pages, 384 in the code)', check: int(1, 16) },
  maxPagesPerMsg: {
    doc: 'most pages one MAPBUF may carry, a power of two (NET_ACCEL_MSG_MAX_PAGE_REQ = 8 in the code)',
    check: (v) => (typeof v === 'number' && isPowerOfTwo(v) && v <= 8 ? undefined : 'a power of two from 1 to 8'),
  },
  maxFilters: { doc: 'filters dom0 may learn for the guest (limits/max-filters, 8 in the code)', check: int(0, 4) },
  linkFlaps: { doc: 'how many times the physical port may go down or up (NETUPDOWN, §2(g) G4)', check: int(0, 4) },
  teardown: {
    doc: "who may tear the accelerated connection down: 'guest' (plugin remove / suspend), 'dom0' (vif removal, NIC unplug), 'either', 'none'",
    check: oneOf('guest', 'dom0', 'either', 'none'),
  },
  reconnects: { doc: 'times sfc_netfront may be probed again after a guest-side removal (module reload, suspend cancel)', check: int(0, 2) },
  viExhausted: { doc: 'dom0 may find no free VI when the HELLO-REPLY arrives (accel_setup fails, backend goes Closing)', check: bool },
  reportRemoveHang: {
    doc: 'report as a deadlock the known L2 gap where dom0 remove waits forever for a frontend whose states it missed (otherwise an accepted end state)',
    check: bool,
  },
};

export const DEFAULT_CONFIG: HandshakeConfig = {
  adversarial: false,
  adversaryBudget: 0,
  fifoCapacity: 2,
  guestPages: 4,
  dom0Quota: 4,
  maxPagesPerMsg: 2,
  maxFilters: 1,
  linkFlaps: 1,
  teardown: 'either',
  reconnects: 0,
  viExhausted: false,
  reportRemoveHang: false,
};

/** The full, checked configuration: missing keys take their default, unknown keys and bad values throw. */
export function validateConfig(raw: Record<string, unknown>): HandshakeConfig {
  const cfg = validateSettings(raw, DEFAULT_CONFIG, SETTINGS);
  return cfg;
}

export type HandshakeMutant =
  | 'hello-reply-before-hello'
  | 'mapbuf-before-setup'
  | 'mapbuf-unchecked'
  | 'fastpath-before-last-mapbuf'
  | 'fastpath-ignores-netdev'
  | 'forwarding-at-setup'
  | 'free-on-closing'
  | 'skip-filter-shutdown';

/** Each mutant re-introduces one bug of protocol.md §4 and names the invariants that catch it. */
export const HANDSHAKE_MUTANTS: (MutantInfo & { name: HandshakeMutant })[] = [
  {
    name: 'hello-reply-before-hello',
    ref: 'H-13',
    description: 'setup_vnic maps the queues but sends HELLO later, so an evil frontend\'s HELLO-REPLY is accepted before HELLO was sent',
    breaks: ['S9.hello-reply-after-hello'],
    scenario: 'adversarial',
  },
  {
    name: 'mapbuf-before-setup',
    ref: 'M-9',
    description: 'dom0 handles MAPBUF in hw_state NONE (e.g. after accel_setup failed) instead of rejecting it with -EPROTO',
    breaks: ['S9.mapbuf-after-setup'],
    scenario: 'adversarial',
  },
  {
    name: 'mapbuf-unchecked',
    ref: 'M-9',
    description: 'dom0 skips the power-of-two, per-message and max_pages checks on MAPBUF',
    breaks: ['S10.buffer-quota'],
    scenario: 'adversarial',
  },
  {
    name: 'fastpath-before-last-mapbuf',
    ref: 'M-15',
    description: 'the frontend sets frontend_ready and starts the fast path on the first MAPBUF reply, before the last one',
    breaks: ['S9.fastpath-needs-ready', 'S9.fastpath-needs-backend'],
  },
  {
    name: 'fastpath-ignores-netdev',
    ref: 'M-15',
    description: 'the frontend starts the fast path on the last MAPBUF reply even while the backend netdev is down',
    breaks: ['S9.fastpath-needs-ready'],
  },
  {
    name: 'forwarding-at-setup',
    ref: 'M-8',
    description: 'setup_vnic adds the guest MAC to the forwarding table with its real context, so filters are learned before any VI exists',
    breaks: ['S7.filters-need-vi'],
  },
  {
    name: 'free-on-closing',
    ref: 'M-3',
    description: 'the frontend ends access to and frees its shared and buffer pages on backend Closing instead of Closed, while dom0 still maps them',
    breaks: ['S3.pinned-while-mapped'],
  },
  {
    name: 'skip-filter-shutdown',
    ref: 'M-7',
    description: 'accel_shutdown frees the filter bookkeeping and the VI without stopping the live hardware filters',
    breaks: ['S7.filters-need-vi', 'S14.released-after-teardown'],
  },
];

export function validateMutant(mutant: string | null): HandshakeMutant | null {
  return validateMutantName(mutant, HANDSHAKE_MUTANTS);
}
