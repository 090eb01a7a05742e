/**
 * The built-in models, in the shape the CLI expects (src/registry.ts): the one place that joins
 * models, invariants and mutants. `accelcheck check` with no model runs every small scenario of
 * `registry.defaults`.
 */
import type { Config, InvariantInfo, ModelEntry, Registry } from '../src/index.js';
import { handshakeInvariants } from '../invariants/handshake.js';
import { philosophers } from './calibration/philosophers.js';
import { DEFAULT_CONFIG, HANDSHAKE_MUTANTS, validateConfig, validateMutant } from './xenbus/config.js';
import { handshake } from './xenbus/handshake.js';
import { backendAccelstate, backendHwState } from './xenbus/backend.js';
import { frontendAccelstate, frontendMsgState } from './xenbus/frontend.js';
import { isolationInvariants } from '../invariants/isolation.js';
import { deliveryInvariants } from '../invariants/delivery.js';
import { resourceInvariants } from '../invariants/resources.js';
import { DEFAULT_CONFIG as SYSTEM_DEFAULT, SYSTEM_MUTANTS, validateConfig as validateSystemConfig, validateMutant as validateSystemMutant } from './system/config.js';
import { system, systemMachines } from './system/system.js';

/** Bigger resources: more FIFO slots, pages, filters and flaps, one plugin reload. */
const WIDE = { ...DEFAULT_CONFIG, fifoCapacity: 4, guestPages: 8, dom0Quota: 6, maxFilters: 2, linkFlaps: 2, reconnects: 1, viExhausted: true };

const handshakeEntry: ModelEntry = {
  name: 'handshake',
  description:
    'sfc_netfront ↔ sfc_netback for one vif: accelstate over xenstore (coalescing watches), HELLO / HELLO-REPLY / SETHW / MAPBUF over bounded FIFOs, fast path, teardown from either end',
  scenarios: [
    {
      name: 'default',
      size: 'small',
      description: 'honest guest; 4 buffer pages in 2 MAPBUFs over 2-slot FIFOs; one link flap; one teardown, from either end',
      config: { ...DEFAULT_CONFIG },
    },
    {
      name: 'adversarial',
      size: 'small',
      description: 'as default, but the guest may take 2 misbehaving steps (any message id, any accelstate) and dom0 may find no free VI',
      config: { ...DEFAULT_CONFIG, adversarial: true, adversaryBudget: 2, viExhausted: true },
    },
    {
      name: 'reconnect',
      size: 'small',
      description: 'honest guest whose plugin may reload once; 4-slot FIFOs, 8 pages asked of a 6-page quota, 2 filters, 2 link flaps; dom0 may find no free VI',
      config: { ...WIDE },
    },
    {
      name: 'wide',
      size: 'medium',
      description: 'the reconnect scenario with an adversarial guest (2 misbehaving steps)',
      config: { ...WIDE, adversarial: true, adversaryBudget: 2 },
    },
  ],
  mutants: HANDSHAKE_MUTANTS.map((m) => ({ ...m, breaks: [...m.breaks] })),
  machines: [frontendAccelstate, frontendMsgState, backendAccelstate, backendHwState],
  invariants: handshakeInvariants.map((i): InvariantInfo => ({ name: i.name, ref: i.ref ?? '', statement: i.statement ?? '' })),
  build(config: Config, mutant: string | null) {
    return handshake(validateConfig(config), { mutant: validateMutant(mutant), invariants: handshakeInvariants });
  },
};

const philosophersEntry: ModelEntry = {
  name: 'philosophers',
  description: 'calibration model: N dining philosophers, each takes the left fork then the right (deadlocks when all hold their left fork)',
  scenarios: [
    { name: 'n10', size: 'small', description: '10 philosophers', config: { n: 10 } },
    { name: 'n16', size: 'medium', description: '16 philosophers', config: { n: 16 } },
    { name: 'n18', size: 'large', description: '18 philosophers', config: { n: 18 } },
  ],
  mutants: [],
  invariants: [{ name: 'forksConsistent', ref: 'calibration.md', statement: 'a fork is taken exactly when its left user holds it or its right neighbour eats' }],
  build(config: Config, mutant: string | null) {
    if (mutant !== null) throw new Error(`philosophers: has no mutants (got '${mutant}')`);
    for (const key of Object.keys(config)) {
      if (key !== 'n') throw new Error(`philosophers: unknown setting '${key}' (settings: n)`);
    }
    return philosophers(config.n as number);
  },
};

/** The isolation scenarios: one host, descriptor-level DMA, the teardown and filter learning as the code orders them. */
const ISOLATION = { ...SYSTEM_DEFAULT, teardown: 'as-built', learning: 'after-sethw' };
/** The default host with guest1 adversarial for two steps, its VI allocation allowed to fail, both guests tearing down. */
const SYSTEM_TWO_STEPS = { ...ISOLATION, adversarial: true, adversaryBudget: 2, allocMayFail: true };
/**
 * The delivery scenarios: whole packets instead of descriptors, one VI, buffer page, filter and
 * flow per guest, guest1 migrating once from host1 to host2, the draining teardown.
 */
const MIGRATE = {
  ...SYSTEM_DEFAULT, guests: 1, vis: 1, bufferEntries: 1, filterSlots: 1, flows: 1, removes: 'none', dma: false,
  hosts: 2, migrations: 1, traffic: 'remote>guest1,remote>guest1,guest1>remote',
};
/** Two guests on one host, no migration, guest1 adversarial through its traffic only. */
const ATTACK = { ...SYSTEM_DEFAULT, vis: 2, flows: 1, removes: 'none', dma: false, adversarial: true };
/** Every property of the system model: isolation, then S9, S11–S13, S14. */
const systemInvariants = [...isolationInvariants, ...resourceInvariants.slice(0, 1), ...deliveryInvariants, ...resourceInvariants.slice(1)];

const systemEntry: ModelEntry = {
  name: 'system',
  description:
    'one host of the paper for the isolation claim: grant tables, the NIC (VIs, buffer table, filter table, DMA), sfc_netback VI/buffer/filter programming, the G1 teardown step by step, guest1 as the §3.0 adversary',
  scenarios: [
    {
      name: 'default',
      size: 'small',
      description: 'two honest guests, two VIs, one buffer page each, two filter slots (one filter per guest, two flows to learn); both tear down',
      config: { ...ISOLATION },
    },
    {
      name: 'crowded',
      size: 'small',
      description: 'as default, but one buffer-table entry and one filter slot for both guests: the second MAPBUF fails (ERROR ⇒ Closing) and the second filter is refused',
      config: { ...ISOLATION, bufferEntries: 1, filterSlots: 1 },
    },
    {
      name: 'adversarial',
      size: 'small',
      description: 'guest1 may take one misbehaving step (any descriptor, any MAPBUF, grant games, Closed while mapped, any FASTPATH) and its VI allocation may fail; honest guest2 stays connected',
      config: { ...ISOLATION, removes: 'guest1', adversarial: true, adversaryBudget: 1, allocMayFail: true },
    },
    {
      name: 'vi-reuse',
      size: 'small',
      description: 'one VI: guest1 (one misbehaving step) holds it and tears down — crashed by dom0 if it keeps the VI mapped — then honest guest2 gets the same VI; two filters per guest',
      config: { ...ISOLATION, vis: 1, maxFilters: 2, removes: 'guest1', adversarial: true, adversaryBudget: 1 },
    },
    {
      name: 'migrate',
      size: 'small',
      description: 'guest1 receives two packets from a remote host and sends one while it migrates from host1 to host2 (both accelerated) with the draining teardown; --set teardown=as-built shows the loss',
      config: { ...MIGRATE },
    },
    {
      name: 'migrate-plain',
      size: 'small',
      description: 'as migrate, but host2 has no accelerated NIC: guest1 falls back to the slow path there (G2 4b)',
      config: { ...MIGRATE, secondHost: 'plain' },
    },
    {
      name: 'local-traffic',
      size: 'small',
      description: 'guest2 on host2 holds its only VI and sends to guest1, which migrates there and finds no free VI (slow path); the LOCALMAC keeps guest2 off the fast path',
      config: { ...MIGRATE, guests: 2, guest2Host: 2, traffic: 'guest2>guest1,guest2>guest1' },
    },
    {
      name: 'hijack',
      size: 'small',
      description: "guest1's accomplice sends to guest1 on guest2's flow, then guest2 gets traffic; MAC-matching filters keep it guest2's (--set macFilters=false: the Falcon finding)",
      config: { ...ATTACK, macFilters: true, traffic: 'hijack,remote>guest2,remote>guest2' },
    },
    {
      name: 'spoof',
      size: 'small',
      description: "guest1 sends a frame with guest2's source MAC on its fast path; TX filtering drops it (--set txFilters=false: the Falcon finding)",
      config: { ...ATTACK, txFilters: true, traffic: 'spoof' },
    },
    {
      name: 'three-guests',
      size: 'medium',
      description:
        'guest1 migrates from host1 to host2 (draining teardown) while guest2 and guest3, on host2 with two VIs for the three of them, each send it a packet: on the fast path over the wire while it is away, over the bridge once it arrives, with the LOCALMAC correcting their tables. guest2 and guest3 are interchangeable: --symmetry halves it (1.47 M of 2.94 M states)',
      config: { ...MIGRATE, guests: 3, vis: 2, guest2Host: 2, guest3Host: 2, traffic: 'guest2>guest1,guest3>guest1' },
    },
    {
      name: 'two-steps',
      size: 'medium',
      description: 'as default, but guest1 may take two misbehaving steps and its VI allocation may fail (about 3 M states)',
      config: { ...SYSTEM_TWO_STEPS },
    },
    {
      name: 'wide',
      size: 'large',
      description: 'two buffer pages per guest, three buffer entries, up to two filters of three flows, a two-step adversary; for random walks and bounded runs',
      config: { ...SYSTEM_TWO_STEPS, bufferPages: 2, dom0Quota: 2, bufferEntries: 3, maxFilters: 2, flows: 3 },
    },
  ],
  mutants: SYSTEM_MUTANTS.map((m) => ({ ...m, breaks: [...m.breaks] })),
  machines: systemMachines,
  invariants: systemInvariants.map((i): InvariantInfo => ({ name: i.name, ref: i.ref ?? '', statement: i.statement ?? '' })),
  build(config: Config, mutant: string | null) {
    return system(validateSystemConfig(config), { mutant: validateSystemMutant(mutant), invariants: systemInvariants });
  },
};

export const registry: Registry = {
  models: [handshakeEntry, philosophersEntry, systemEntry],
  defaults: ['handshake', 'system'],
};
