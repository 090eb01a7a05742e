/**
 * Buffer-table programming (protocol.md §2(d); MAPBUF row of §2(a) D) and its undoing,
 * `remove_buffers` (§2(c), G1 step 5b): who asks, who validates, who writes.
 *
 * MAPBUF: the guest grants a buffer page writable to dom0 and names the grant reference. dom0
 * checks hw_state ≠ NONE (else -EPROTO, no reply) and the max_pages quota, device-maps the
 * grant *from the vif's own domain* (Xen checks the entry is valid and names dom0), takes a free
 * buffer-table entry and writes {page, owner id of the guest's VI}, and replies with the buffer
 * id. Any failure is an ERROR reply (what was mapped is unmapped), which makes an honest guest
 * close (-EIO). remove_buffers: flush the VI (efx_vi_reset), clear the guest's buffer-table
 * entries, device-unmap the pages — in that order, which M-1/M-2 break.
 *
 * Choices where protocol.md leaves room:
 * - One page per MAPBUF and one buffer-table entry per page (the code sends up to 8 pages and
 *   allocates power-of-two blocks; the power-of-two and per-message checks are the handshake
 *   model's). The round trip — grant, request, dom0's handling, reply — is one step: the FIFO
 *   and its flow control are the handshake model's; dom0 handles a message only while it holds
 *   the bend mutex free (no cleanup running) and the control page is mapped (H-14).
 * - A MAPBUF carries `{dom, n}`: n is the number the guest writes in the grant field; `dom` is
 *   the domain a confused dom0 could be made to map it from. The real message has no domain
 *   field and a correct dom0 ignores it (it maps from the vif's otherend id); only the M-10
 *   mutant `mapbuf-trusts-domain` honours it. `mapbuf-frame-number` reads n as a machine frame.
 * - Buffer-table writes are atomic under the table lock. Only the H-11 mutant splits the clear
 *   into "write the shared update register" and "commit", with the register (`btReg` of the NIC)
 *   keeping its last value, as hardware registers do; MAPBUF's write-and-commit still holds
 *   the lock the unlocked clear ignores.
 */
import { action, type Action } from '../../src/index.js';
import type { SystemConfig, SystemMutant } from './config.js';
import { frontendClosing } from './connect.js';
import { bufFrame, grantAccess, mapFrame, mapGrant, unmap, type Layout } from './grants.js';
import { flushVi, freeBtEntry, viAt } from './nic.js';
import { domOf, runnable, type SystemState } from './state.js';

export type Mapbuf = { dom: number; n: number };

/** What dom0 answers: a buffer id, an ERROR reply, or nothing (-EPROTO: the handler stops). */
export type MapbufResult = { reply: 'ok'; buf: number } | { reply: 'error' } | { reply: 'none' };

/** dom0 handles messages for guest i: its control page is mapped and no cleanup holds the bend mutex. */
export function handlesMessages(s: SystemState, i: number): boolean {
  const be = s.backends[i];
  return be.vnic && be.cleanup === 'idle' && (be.state === 'Connected' || be.state === 'Closing');
}

/** Mapped buffer pages dom0 holds for guest i (what the quota counts). */
export const mappedPages = (s: SystemState, i: number): number => s.backends[i].bufs.filter((b) => b.mapped).length;

/** Write one buffer-table entry (with the lock: one atomic write-and-commit). */
function programEntry(s: SystemState, h: number, b: number, frame: number, owner: number, mutant: SystemMutant | null): void {
  const nic = s.nics[h];
  if (mutant === 'unlocked-bt-clear') nic.btReg = { entry: b, frame, owner };
  nic.bt[b] = { frame, owner };
}

/** sfc_netback's MAPBUF handler for guest i (§2(a) D row 4). */
export function handleMapbuf(s: SystemState, i: number, msg: Mapbuf, l: Layout, mutant: SystemMutant | null): MapbufResult {
  const be = s.backends[i];
  if (be.vi < 0 && mutant !== 'mapbuf-without-vi') return { reply: 'none' }; // hw_state NONE: -EPROTO
  if (mappedPages(s, i) + 1 > be.maxPages && mutant !== 'mapbuf-over-quota') return { reply: 'error' };
  let granter = domOf(i);
  let ref = msg.n;
  let frame: number;
  if (mutant === 'mapbuf-frame-number') {
    if (msg.n < 0 || msg.n >= l.frameCount) return { reply: 'error' };
    frame = msg.n;
    granter = -1;
    ref = -1;
    mapFrame(s, 0, frame, true);
  } else {
    if (mutant === 'mapbuf-trusts-domain') granter = msg.dom;
    frame = mapGrant(s, 0, granter, ref, true);
    if (frame < 0) return { reply: 'error' }; // Xen refused the map
  }
  const b = freeBtEntry(s, be.host);
  if (b < 0) {
    unmap(s, { by: 0, granter, ref, frame, device: true });
    return { reply: 'error' };
  }
  const owner = be.vi >= 0 ? viAt(s, be.vi).owner : 0;
  programEntry(s, be.host, b, frame, owner, mutant);
  // Kept sorted (by buffer id, which is unique while the entry lives), so one set has one form.
  be.bufs = [...be.bufs, { ref, granter, frame, bt: b, mapped: true }].sort((x, y) => x.bt - y.bt || x.frame - y.frame);
  return { reply: 'ok', buf: b };
}

export function bufferActions(cfg: SystemConfig, l: Layout, mutant: SystemMutant | null): Action<SystemState>[] {
  const guests = Array.from({ length: l.guests }, (_, i) => i);
  return [
    // vnic_send_buffer_requests + dom0's handling + the reply, for the next buffer page.
    action<SystemState, number>(
      'frontendMapbuf',
      guests,
      (s, i) => {
        const fe = s.frontends[i];
        return runnable(s, i) && fe.state === 'Connected' && fe.vi >= 0 && fe.sent < fe.maxPages && handlesMessages(s, i);
      },
      (s, i) => {
        const fe = s.frontends[i];
        const k = fe.sent + 1;
        fe.sent = k;
        if (!grantAccess(s, domOf(i), k, 0, bufFrame(l, i, k))) return frontendClosing(s, i);
        const r = handleMapbuf(s, i, { dom: domOf(i), n: k }, l, mutant);
        if (r.reply === 'ok') {
          fe.bufs = [...fe.bufs, r.buf].sort((a, b) => a - b);
          // With learning 'after-buffers', the forwarding context comes with the last buffer page.
          const be = s.backends[i];
          if (cfg.learning === 'after-buffers' && be.vi >= 0 && mappedPages(s, i) === be.maxPages) be.fwdCtx = true;
        } else if (r.reply === 'error') frontendClosing(s, i); // MAPBUF|ERROR ⇒ -EIO ⇒ Closing
      },
      { actor: (i) => `guest${i + 1}` },
    ),
  ];
}

// --- remove_buffers (G1 step 5b), step by step for teardown.ts -------------------------------------

/** efx_vi_reset: flush the VI's DMA queues and wait for the flush to complete. */
export function flushBuffers(s: SystemState, i: number): void {
  const v = s.backends[i].vi;
  if (v >= 0 && viAt(s, v).state === 'live') flushVi(s, v);
}

/** Clear every buffer-table entry of guest i (under the table lock). */
export function clearBufferTable(s: SystemState, i: number): void {
  const nic = s.nics[s.backends[i].host];
  for (const buf of s.backends[i].bufs) {
    if (buf.bt < 0) continue;
    nic.bt[buf.bt] = null;
    buf.bt = -1;
  }
  dropReleased(s, i);
}

/** H-11, first half: write "clear entry b" into the update register, without the lock. False when nothing is left to clear. */
export function writeClearRegister(s: SystemState, i: number): boolean {
  const buf = s.backends[i].bufs.find((b) => b.bt >= 0);
  if (buf === undefined) return false;
  s.nics[s.backends[i].host].btReg = { entry: buf.bt, frame: -1, owner: 0 };
  return true;
}

/** H-11, second half: commit whatever the register holds now; the driver counts its entry as cleared. */
export function commitClearRegister(s: SystemState, i: number): void {
  const nic = s.nics[s.backends[i].host];
  const reg = nic.btReg!;
  nic.bt[reg.entry] = reg.frame < 0 ? null : { frame: reg.frame, owner: reg.owner };
  const buf = s.backends[i].bufs.find((b) => b.bt >= 0)!;
  buf.bt = -1;
  dropReleased(s, i);
}

/** Device-unmap every buffer page of guest i. */
export function unmapBuffers(s: SystemState, i: number): void {
  for (const buf of s.backends[i].bufs) {
    if (!buf.mapped) continue;
    unmap(s, { by: 0, granter: buf.granter, ref: buf.ref, frame: buf.frame, device: true });
    buf.mapped = false;
  }
  dropReleased(s, i);
}

function dropReleased(s: SystemState, i: number): void {
  const be = s.backends[i];
  be.bufs = be.bufs.filter((b) => b.bt >= 0 || b.mapped);
}
