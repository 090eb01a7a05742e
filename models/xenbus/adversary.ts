/**
 * The adversarial guest of protocol.md §3.0. On top of everything the honest sfc_netfront does
 * (the guest still runs the plugin), a misbehaving guest may write any accelstate to its own
 * xenstore key and put any message into its domU→dom0 FIFO, at any time, up to
 * `adversaryBudget` times. It has no control state, so no FSM table; each misbehaving step
 * clears `guest.honest`, which switches off the guest-side invariants (a guest that lies only
 * answers for dom0's safety, not its own) and turns the guest's own BUG_ONs into crashes.
 *
 * Choices where protocol.md leaves room:
 * - The message menu is finite and covers the §3.0 list: a HELLO-REPLY (early, twice, or asking
 *   for more than the quota), a well-formed MAPBUF at any time, a MAPBUF whose page count is not
 *   a power of two, one too large for a message and the quota, a FASTPATH, an unknown id.
 *   Bogus grant references are not modelled: Xen refuses to map them, which dom0 reports like any
 *   other failed MAPBUF.
 * - The FIFO indices are masked (§1.5), so whatever the guest writes, dom0 reads at most
 *   `fifoCapacity` messages; the adversary ignores the half-full rule but not the capacity.
 *   Writing into the dom0→domU queue only confuses the guest itself and is left out.
 * - Messages need the message page, i.e. the guest's shared state (`shared !== null`).
 * - Writing the value the key already holds fires a watch that both plugins ignore; left out.
 * - "Keep hardware pages mapped after claiming Closed" is what writing Closed while the honest
 *   plugin still maps the VI does; dom0 then crashes the guest (backend.ts).
 */
import { action, type Action } from '../../src/index.js';
import { XENBUS_STATES, type ToBackMsg } from './channel.js';
import type { HandshakeConfig } from './config.js';
import { guestAlive, type HandshakeState } from './state.js';

export const ADVERSARY_MESSAGES = ['hello-reply', 'mapbuf', 'mapbuf-odd', 'mapbuf-huge', 'fastpath', 'bogus'] as const;
export type AdversaryMessage = (typeof ADVERSARY_MESSAGES)[number];

function forge(kind: AdversaryMessage, cfg: HandshakeConfig): ToBackMsg {
  switch (kind) {
    case 'hello-reply':
      return { id: 'HELLO_REPLY', pages: 2 * cfg.dom0Quota };
    case 'mapbuf':
      return { id: 'MAPBUF', offset: 0, pages: cfg.maxPagesPerMsg };
    case 'mapbuf-odd':
      return { id: 'MAPBUF', offset: 0, pages: 3 };
    case 'mapbuf-huge':
      return { id: 'MAPBUF', offset: 0, pages: 2 * Math.max(cfg.dom0Quota, cfg.maxPagesPerMsg) };
    case 'fastpath':
      return { id: 'FASTPATH' };
    case 'bogus':
      return { id: 'BOGUS' };
  }
}

function misbehave(s: HandshakeState): void {
  s.guest.budget -= 1;
  s.guest.honest = false;
}

export function adversaryActions(cfg: HandshakeConfig): Action<HandshakeState>[] {
  if (!cfg.adversarial || cfg.adversaryBudget === 0) return [];
  const actor = { actor: 'guest (adversary)' };
  const may = (s: HandshakeState): boolean => s.guest.budget > 0 && guestAlive(s);
  return [
    action<HandshakeState, AdversaryMessage>(
      'guestSendsAny',
      ADVERSARY_MESSAGES,
      (s) => may(s) && s.shared !== null && s.shared.toBack.length < cfg.fifoCapacity,
      (s, kind) => {
        s.shared!.toBack.push(forge(kind, cfg));
        misbehave(s);
      },
      actor,
    ),
    action<HandshakeState, (typeof XENBUS_STATES)[number]>(
      'guestWritesAccelstate',
      XENBUS_STATES,
      (s, value) => may(s) && s.xs.front !== value,
      (s, value) => {
        s.xs.front = value;
        misbehave(s);
      },
      actor,
    ),
  ];
}
