/**
 * Checkpoints of a breadth-first search (TLC's checkpoint/recover): everything a stopped run
 * needs to go on where it stopped — the store (its fingerprint table or bit array, and every
 * state's parent link, so traces found later still reach back to the initial state), the
 * frontier (the canonical encodings of the states left to expand, in order) and the counters.
 *
 * On disk: the magic bytes, a JSON header (what the run was: model, configuration, the options
 * that shape the state space; where it stood), then four binary sections — table, parents, via,
 * frontier — each 8-byte aligned, and a checksum over them. A file that is truncated, corrupt, of
 * another format or version is refused by `decodeCheckpoint` with a CheckpointError naming why.
 */
import type { PlainValue } from '../model/types.js';
import type { Shape } from './shape.js';
import type { StoreDump } from './store.js';

export const CHECKPOINT_FORMAT = 'accelcheck-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MAGIC = Buffer.from('ACCKPT\u0000\u0001', 'latin1');

/** What the search was: a checkpoint resumes only a run of the same model with the same settings. */
export interface CheckpointRun {
  model: string;
  config: PlainValue;
  deadlock: boolean;
  /** The invariants checked (by name, in order). */
  invariants: string[];
  symmetry: boolean;
  maxDepth: number | null;
  /** The store: exact fingerprints, or a bit array of 2^bits bits with `hashes` bits per state and its hash seed. */
  store: { kind: 'exact' } | { kind: 'bitstate'; bits: number; hashes: number; seed: number };
  /** A swarm shard's permuted order of actions (index and seed; null: the model's own order, shard 1 included). */
  shard: { index: number; seed: number } | null;
}

/** Where the search stood. */
export interface CheckpointPosition {
  states: number;
  transitions: number;
  /** The deepest state found. */
  depth: number;
  /** The index of the next state to expand (the frontier's first), its depth, and the index where that level ends. */
  next: number;
  level: number;
  levelEnd: number;
  /** States in the frontier. */
  frontier: number;
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  run: CheckpointRun;
  at: CheckpointPosition;
  store: StoreDump;
  /**
   * The frontier, in pieces (one section on disk): per state, its byte length and codec template
   * id (32 bits each) and its canonical encoding, zero-padded to 4 bytes; no state spans two pieces.
   */
  frontier: Uint8Array[];
  /** The shapes of the codec templates the frontier names, by id (state/shape.ts). */
  shapes: Shape[];
}

/** A checkpoint that cannot be read: the reason, for one line. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const align8 = (n: number): number => (n + 7) & ~7;

/** A 32-bit checksum of a section (FNV-1a over its 32-bit words), enough to tell a damaged file. */
function checksum(bytes: Uint8Array, h: number): number {
  // Pieces are whole 32-bit words but for a section's last one, so the words run on across pieces.
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  for (let i = words.length << 2; i < bytes.byteLength; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** The sections, each as the pieces it is written from (only the frontier has more than one). */
const sectionsOf = (c: Checkpoint): Uint8Array[][] =>
  [c.store.table, c.store.parents, c.store.via].map((a) => [new Uint8Array(a.buffer, a.byteOffset, a.byteLength)]).concat([c.frontier]);

/** The file's parts, in order, to write one after another (large sections are not copied). */
export function encodeCheckpoint(c: Checkpoint): Uint8Array[] {
  const sections = sectionsOf(c);
  let sum = 0x811c9dc5;
  for (const pieces of sections) for (const piece of pieces) sum = checksum(piece, sum);
  const lengths = sections.map((pieces) => pieces.reduce((a, p) => a + p.byteLength, 0));
  const header = Buffer.from(
    JSON.stringify({ format: c.format, version: c.version, run: c.run, at: c.at, size: c.store.size, shapes: c.shapes, sections: lengths, checksum: sum }),
    'utf8',
  );
  const head = Buffer.alloc(align8(MAGIC.length + 4 + header.length));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(header.length, MAGIC.length);
  header.copy(head, MAGIC.length + 4);
  const parts: Uint8Array[] = [head];
  sections.forEach((pieces, i) => {
    parts.push(...pieces);
    const pad = align8(lengths[i]) - lengths[i];
    if (pad) parts.push(new Uint8Array(pad));
  });
  return parts;
}

/** Read a checkpoint file's bytes; throws CheckpointError when they are not one. */
export function decodeCheckpoint(file: Uint8Array): Checkpoint {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new CheckpointError('not an accelcheck checkpoint');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  if (MAGIC.length + 4 + headerLength > buf.length) throw new CheckpointError('the checkpoint is truncated (in its header)');
  let header: {
    format: unknown;
    version: unknown;
    run: CheckpointRun;
    at: CheckpointPosition;
    size: number;
    shapes: Shape[];
    sections: number[];
    checksum: number;
  };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength));
  } catch {
    throw new CheckpointError('the checkpoint header is not JSON');
  }
  if (header.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`not an accelcheck checkpoint (format ${JSON.stringify(header.format)})`);
  if (header.version !== CHECKPOINT_VERSION) throw new CheckpointError(`checkpoint version ${JSON.stringify(header.version)} is not supported (this accelcheck reads version ${CHECKPOINT_VERSION})`);
  if (!Array.isArray(header.sections) || header.sections.length !== 4 || !header.run || !header.at || !Array.isArray(header.shapes)) {
    throw new CheckpointError('the checkpoint header is incomplete');
  }
  let at = align8(MAGIC.length + 4 + headerLength);
  const sections: Uint8Array[] = [];
  for (const length of header.sections) {
    if (!Number.isInteger(length) || length < 0 || at + length > buf.length) throw new CheckpointError('the checkpoint is truncated');
    // Copied into memory of its own: aligned for the typed arrays, and not a view of the whole file.
    sections.push(new Uint8Array(buf.subarray(at, at + length)));
    at += align8(length);
  }
  if (at !== buf.length) throw new CheckpointError('the checkpoint has trailing bytes');
  let sum = 0x811c9dc5;
  for (const s of sections) sum = checksum(s, sum);
  if (sum !== header.checksum) throw new CheckpointError('the checkpoint is damaged (checksum mismatch)');
  const ints = (s: Uint8Array): Int32Array => {
    if (s.byteLength % 4 !== 0) throw new CheckpointError('the checkpoint is damaged (a section is not whole 32-bit words)');
    return new Int32Array(s.buffer, s.byteOffset, s.byteLength / 4);
  };
  const [table, parents, via, frontier] = sections;
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    run: header.run,
    at: header.at,
    store: { table: ints(table), parents: ints(parents), via: ints(via), size: header.size },
    frontier: [frontier],
    shapes: header.shapes,
  };
}
