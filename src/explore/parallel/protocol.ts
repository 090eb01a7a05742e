/**
 * The messages between the main thread and the worker threads of a parallel check (the peers'
 * own messages are exchange.ts's). All plain data: a model travels as its source.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CompiledModel } from '../../model/compile.js';
import type { OmissionEstimate } from '../../state/bitstate.js';
import type { SketchJson } from '../../state/sketch.js';
import type { Links } from '../../state/store.js';
import type { ViolationKind } from '../../trace/types.js';
import type { ExploreOptions } from '../types.js';
import type { ModelSource } from './source.js';
import type { Prefix } from './part.js';
import type { SharedStart } from './shared-bfs.js';
import type { Finding } from '../search.js';

/** The options a worker runs with: the caller's, less its callbacks. */
export type PartOptions = Omit<ExploreOptions, 'onProgress'>;

/** Figures per part in the shared progress block: states, transitions, depth, queue, elapsed ms. */
export const PROGRESS_FIELDS = 5;

export type ToWorker =
  | { type: 'init'; part: number; parts: number; ports: (MessagePort | null)[]; control: SharedArrayBuffer; progress: SharedArrayBuffer }
  | { type: 'run'; id: number; source: ModelSource; options: PartOptions; memoryShare: number; prefix?: Prefix; shared?: SharedStart }
  | { type: 'warm'; source: ModelSource; options: PartOptions }
  | { type: 'links' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; report: PartReport }
  | { type: 'links'; links: Links }
  | { type: 'failed'; id: number; aborted: boolean; error: { name: string; message: string; stack?: string } };

/** What identifies a built model, so the main thread can tell that every worker built the same one. */
export interface Identity {
  name: string;
  /** JSON of its configuration. */
  config: string;
  /** Its action instances' labels, in order, hashed (FNV-1a), and their number. */
  instances: number;
  labels: number;
}

export function identityOf(cm: CompiledModel): Identity {
  let h = 0x811c9dc5;
  for (const inst of cm.instances) {
    for (let i = 0; i < inst.label.length; i++) h = Math.imul(h ^ inst.label.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 10, 0x01000193);
  }
  return { name: cm.model.name, config: JSON.stringify(cm.model.config), instances: cm.instances.length, labels: h >>> 0 };
}

/** One part's account of a run. */
export interface PartReport {
  identity: Identity;
  states: number;
  transitions: number;
  depth: number;
  storeBytes: number;
  queuePeakBytes: number;
  canon: boolean;
  stoppedBy?: 'max-states' | 'max-depth' | 'memory';
  omission?: OmissionEstimate;
  /** With `sketch` (shards): a HyperLogLog of the fingerprints this part stored. */
  sketch?: SketchJson;
  /** Records sent to other parts, and those a cache of fingerprints already sent spared. */
  sent: number;
  spared: number;
  /** Time this part spent waiting for the others. */
  waitedMs: number;
  /** States this part expanded ahead of their level while it would have waited. */
  expandedAhead: number;
  /** After a handoff: the states found before it that this part took over (counted by the main thread, not here). */
  prefixStates: number;
  /** This part's finding: a global state reference, and the length of its trace. */
  finding?: { kind: ViolationKind; name: string; message: string; at: number; then?: number; throwing?: number; symmetry?: true; length: number; lo?: number; hi?: number };
}

/** A finding as a part reports it, plain data (its property goes by name), with its trace's length (and, on a shared table, its state's fingerprint). */
export type ReportedFinding = NonNullable<PartReport['finding']>;

export function reportedFinding(f: Finding, at: number, length: number): ReportedFinding {
  const r: ReportedFinding = { kind: f.kind, name: f.name, message: f.message, at, length };
  if (f.then !== undefined) r.then = f.then;
  if (f.throwing !== undefined) r.throwing = f.throwing;
  if (f.symmetry) r.symmetry = true;
  return r;
}

/** A reported finding back as the search's (without its length and fingerprint), its property found by name in the model. */
export function foundFinding(cm: CompiledModel, reported: Omit<ReportedFinding, 'length' | 'lo' | 'hi'>): Finding {
  const finding: Finding = { ...reported };
  if (finding.kind === 'invariant') finding.property = [...cm.stateInvariants, ...cm.stepInvariants].find((i) => i.name === finding.name);
  return finding;
}
