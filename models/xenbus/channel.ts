/**
 * The accelerator's channel between sfc_netfront (guest) and sfc_netback (dom0), protocol.md
 * §1.2 and §1.5: the xenstore keys the two plugins talk through (`accelstate` at each end,
 * `accel-frontend` in the backend directory) and the two pages the guest allocates and grants
 * to dom0 — the control page (`net_dev_up`, the NETUPDOWN aflag) and the message page holding
 * one FIFO per direction. Plain data only: the channel has no control state of its own, so it
 * declares no FSM table; the plugins' tables live in frontend.ts and backend.ts.
 *
 * Choices where protocol.md leaves room (or says "inferred"):
 * - xenbus states: only the five the plugins use (§1.2). InitWait/Initialised/Reconfiguring*
 *   are handled by the backend exactly like Closing, so an adversarial write of them would add
 *   nothing that writing Closing does not; they are left out.
 * - FIFO capacity is the scenario setting `fifoCapacity` (16 slots, 15 usable, in the code).
 *   An ordinary send needs the queue under half full (length < ⌊capacity/2⌋); a reply may use
 *   every slot (length < capacity) (§1.5).
 * - The QUEUE*FULL / *NOTFULL aflags are not modelled: a sender waiting for space is simply not
 *   enabled until there is space. A lost wake-up (C-1) is a liveness matter.
 * - Message contents are cut down to what the handshake decides on: page counts and the MAPBUF
 *   `reqid` (the page offset). Protocol versions always match (the HELLO|REPLY|ERROR path and
 *   LOCALMAC are not modelled; §2(a) D says the "compatible version" branch is unreachable).
 * - `toFront` is queue0 (dom0→domU), `toBack` queue1 (domU→dom0). The guest owns the memory, so
 *   the FIFOs exist exactly while the guest holds its shared state (`shared !== null`); dom0's
 *   setup_vnic re-initialises the indices (net_accel_msg_init_page), which empties both queues.
 */

/** The xenbus states the accel plugins use (X: io/xenbus.h). */
export type XenbusState = 'Unknown' | 'Initialising' | 'Connected' | 'Closing' | 'Closed';

export const XENBUS_STATES: readonly XenbusState[] = ['Unknown', 'Initialising', 'Connected', 'Closing', 'Closed'];

/** Messages dom0 → domU (queue0). */
export type ToFrontMsg =
  | { id: 'HELLO'; maxPages: number }
  | { id: 'SETHW' }
  | { id: 'MAPBUF_REPLY'; offset: number; pages: number; error: boolean };

/** Messages domU → dom0 (queue1). FASTPATH and BOGUS (an unknown id) come only from an adversarial guest. */
export type ToBackMsg =
  | { id: 'HELLO_REPLY'; pages: number }
  | { id: 'MAPBUF'; offset: number; pages: number }
  | { id: 'FASTPATH' }
  | { id: 'BOGUS' };

/** The two guest pages shared with dom0: control page + message page. */
export type SharedPages = {
  toFront: ToFrontMsg[];
  toBack: ToBackMsg[];
  /** Control page `net_dev_up`: dom0's physical port is up with carrier. */
  netDevUp: boolean;
  /** Control page aflag NETUPDOWN: dom0 changed `net_dev_up` and the guest has not handled it yet. */
  netUpDown: boolean;
};

/** The xenstore keys of §1.2 that the handshake reads and writes. */
export type Xenstore = {
  /** `device/vif/<n>/accelstate`, written by the guest (any value, if it is adversarial). */
  front: XenbusState;
  /** `backend/vif/<dom>/<n>/accelstate`, written by sfc_netback only. */
  back: XenbusState;
  /** `backend/.../accel-frontend` is published: netfront loads sfc_netfront while it is. */
  accelFrontend: boolean;
};

/** Fresh pages as the guest allocates them in setup_domU_shared_state. */
export function freshSharedPages(): SharedPages {
  return { toFront: [], toBack: [], netDevUp: false, netUpDown: false };
}

/** An ordinary send (HELLO, MAPBUF requests) succeeds only while the queue is under half full. */
export function canSend(queue: readonly unknown[], capacity: number): boolean {
  return queue.length < Math.floor(capacity / 2);
}

/** A reply (HELLO-REPLY, SETHW, MAPBUF reply) may use the other half. */
export function canReply(queue: readonly unknown[], capacity: number): boolean {
  return queue.length < capacity;
}

/** The largest power of two ≤ n (n ≥ 1): the frontend's chunk size (log2_le in accel_msg.c). */
export function pow2AtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}
