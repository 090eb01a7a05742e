/**
 * The adversarial guest of protocol.md §3.0, for the isolation claim. guest1, when the scenario
 * makes it adversarial, still runs the honest plugin code (it connects, maps buffers, tears
 * down), and on top may take up to `adversaryBudget` misbehaving steps, each at any time:
 *
 *   adversary.post      write a descriptor naming *any* buffer id into a ring of any VI whose
 *                       hardware page it maps, and ring the doorbell
 *   adversary.mapbuf    send a MAPBUF naming: its own page (granted to dom0 on the spot — early,
 *                       twice, beyond the quota), another guest's grant reference (claiming
 *                       that domain: guest2's, or guest3's when there is one), or any number at
 *                       all (which a sane dom0 reads as one of the guest's own references: not
 *                       granted, granted elsewhere, out of range)
 *   adversary.grant     grant one of its buffer pages to dom0 or to another guest, or try to
 *                       end access to it (which fails while dom0 maps it)
 *   adversary.closeKeepingMaps  write Closed without unmapping the VI's hardware page
 *   adversary.fastpath  send FASTPATH REMOVE for any flow, its own or another guest's
 *
 * and it may simply stop answering (liveness only). It may not write the buffer or filter
 * table, map a frame it was not granted, make dom0 map a grant that does not name dom0, or
 * reach a VI page not granted to it — the model gives it no step that could.
 *
 * Choices where protocol.md leaves room:
 * - The adversary ignores dom0's replies to its forged MAPBUFs (its honest bookkeeping only
 *   follows its own requests); what matters is what dom0 maps and writes.
 * - Message-order attacks on the handshake (HELLO-REPLY twice, unknown ids, accelstate games)
 *   are the handshake model's subject; here the adversary's only accelstate write is Closed.
 * - Each misbehaving step clears `honest`, so a later crash by dom0 is legitimate (vi.ts).
 */
import { action, type Action } from '../../src/index.js';
import { handleMapbuf, handlesMessages } from './buffers.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { moveFrontend } from './connect.js';
import { fastpathRemove } from './filters.js';
import { bufFrame, endAccess, grantAccess, type Layout } from './grants.js';
import { mapsViPage, QUEUES, viAt, type Queue } from './nic.js';
import { runnable, type SystemState } from './state.js';

/** The adversary is guest1 (index 0, domain 1). */
const ADV = 0;
const DOM = 1;

/**
 * A forged MAPBUF: what the guest names and the number it writes; a foreign one claims guest2's
 * domain unless a third element names another (the two-guest labels stay `["foreign",r]`).
 */
export type ForgedMapbuf = ['own' | 'foreign' | 'number', number] | ['foreign', number, number];

function misbehave(s: SystemState): void {
  s.guests[ADV].budget -= 1;
  s.guests[ADV].honest = false;
}

const may = (s: SystemState): boolean => s.guests[ADV].budget > 0 && runnable(s, ADV);

export function adversaryActions(cfg: SystemConfig, l: Layout, mutant: SystemMutant | null): Action<SystemState>[] {
  if (!cfg.adversarial || cfg.adversaryBudget === 0) return [];
  const actor = { actor: 'guest1 (adversary)' };
  const posts: [number, Queue, number][] = [];
  for (let v = 0; v < l.hosts * l.vis; v++) for (const q of QUEUES) for (let b = 0; b < cfg.bufferEntries; b++) posts.push([v, q, b]);
  const forged: ForgedMapbuf[] = [];
  for (let k = 1; k <= l.pages; k++) forged.push(['own', k]);
  if (l.guests > 1) for (let r = 0; r <= l.pages; r++) forged.push(['foreign', r]);
  for (let d = 3; d <= l.guests; d++) for (let r = 0; r <= l.pages; r++) forged.push(['foreign', r, d]);
  for (let n = 0; n < l.frameCount; n++) forged.push(['number', n]);
  const grants: [number, number][] = [];
  const others = Array.from({ length: l.guests - 1 }, (_, m) => m + 2); // the other guests' domains
  for (let k = 1; k <= l.pages; k++) for (const to of [-1, 0, ...others]) grants.push([k, to]);
  const flows = Array.from({ length: cfg.guests * cfg.flows }, (_, f) => f);

  return [
    action<SystemState, [number, Queue, number]>(
      'adversary.post',
      posts,
      (s, [v]) => may(s) && mapsViPage(s, DOM, v),
      (s, [v, q, b]) => {
        viAt(s, v)[q] = { buf: b, by: DOM };
        misbehave(s);
      },
      actor,
    ),
    action<SystemState, ForgedMapbuf>(
      'adversary.mapbuf',
      forged,
      (s) => may(s) && handlesMessages(s, ADV),
      (s, [kind, n, claimed]) => {
        if (kind === 'own') grantAccess(s, DOM, n, 0, bufFrame(l, ADV, n)); // no-op if already granted
        handleMapbuf(s, ADV, { dom: kind === 'foreign' ? (claimed ?? 2) : DOM, n }, l, mutant);
        misbehave(s);
      },
      actor,
    ),
    action<SystemState, [number, number]>(
      'adversary.grant',
      grants,
      (s, [k, to]) => may(s) && (to < 0 ? s.grants[DOM][k] !== null : s.grants[DOM][k] === null && s.frames[bufFrame(l, ADV, k)] === DOM),
      (s, [k, to]) => {
        if (to < 0) endAccess(s, DOM, k); // fails while mapped
        else grantAccess(s, DOM, k, to, bufFrame(l, ADV, k));
        misbehave(s);
      },
      actor,
    ),
    action<SystemState>(
      'adversary.closeKeepingMaps',
      (s) => {
        const st = s.frontends[ADV].state;
        return may(s) && (st === 'Connected' || st === 'Closing') && s.maps.some((m) => m.by === DOM && m.granter === 0);
      },
      (s) => {
        moveFrontend(s, ADV, 'closed');
        misbehave(s);
      },
      actor,
    ),
    action<SystemState, number>(
      'adversary.fastpath',
      flows,
      (s) => may(s) && handlesMessages(s, ADV),
      (s, flow) => {
        fastpathRemove(s, ADV, flow);
        misbehave(s);
      },
      actor,
    ),
  ];
}
