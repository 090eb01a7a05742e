/**
 * Reading and writing trace documents, as accelcheck traces or as ITF (`.itf.json`, see itf.ts).
 * A file that is not a trace of a version we read is an InputError naming what is wrong; writing
 * goes through a temporary file so that nothing is left half-written.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fromItf, isItf, isItfPath, toItf } from './itf.js';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from './types.js';

/** Bad input from a person: one line, exit code 2 at the CLI. */
export class InputError extends Error {
  override name = 'InputError';
}

const KINDS = ['invariant', 'deadlock', 'error'];

/** Validate an object as a trace document; throws InputError naming the first problem. */
export function parseTrace(value: unknown, where = 'trace'): Trace {
  const fail = (what: string): never => {
    throw new InputError(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a trace document (expected a JSON object)');
  const t = value as Record<string, unknown>;
  if (t.format !== TRACE_FORMAT) fail(`not an accelcheck trace (format is ${JSON.stringify(t.format)}, expected "${TRACE_FORMAT}")`);
  if (t.version !== TRACE_VERSION) fail(`trace version ${JSON.stringify(t.version)} is not supported (this accelcheck reads version ${TRACE_VERSION})`);
  if (typeof t.model !== 'string' || t.model === '') fail('field "model" must be a non-empty string');
  if (!('config' in t)) fail('field "config" is missing');
  if (typeof t.init !== 'object' || t.init === null) fail('field "init" must be a state (object or array)');
  if (!Array.isArray(t.steps)) fail('field "steps" must be an array');
  (t.steps as unknown[]).forEach((s, i) => {
    const step = s as Record<string, unknown>;
    if (typeof step !== 'object' || step === null) fail(`step ${i + 1} is not an object`);
    if (typeof step.action !== 'string') fail(`step ${i + 1} has no "action" label`);
    if (!('state' in step)) fail(`step ${i + 1} has no "state"`);
  });
  const v = t.violation as Record<string, unknown> | undefined;
  if (typeof v !== 'object' || v === null) fail('field "violation" is missing');
  if (!KINDS.includes(v!.kind as string)) fail(`violation kind ${JSON.stringify(v!.kind)} is not one of ${KINDS.join(', ')}`);
  if (typeof v!.name !== 'string') fail('violation has no "name"');
  if (v!.kind === 'error' && v!.action !== undefined && typeof v!.action !== 'string') fail('violation "action" must be a step label');
  if (t.source !== undefined && typeof t.source !== 'string') fail('field "source" must be a path');
  return t as unknown as Trace;
}

export function readTrace(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read trace file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  return isItf(value) ? fromItf(value, path) : parseTrace(value, path);
}

/** Write a trace atomically: as ITF when the path ends with `.itf.json`, else as an accelcheck trace. */
export function writeTrace(path: string, trace: Trace): void {
  writeJsonFile(path, isItfPath(path) ? toItf(trace) : trace);
}

/** Write a file atomically (temporary file, then rename): never half-written. */
export function writeTextFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function writeJsonFile(path: string, value: unknown): void {
  writeTextFile(path, JSON.stringify(value, null, 2) + '\n');
}
