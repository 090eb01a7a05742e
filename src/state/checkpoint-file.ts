/**
 * Checkpoint files: written through a temporary file and renamed (never half-written, as trace
 * files), read back whole. Problems are InputErrors naming the file: one line, exit code 2.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { InputError } from '../trace/file.js';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';

export function writeCheckpoint(path: string, c: Checkpoint): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const part of encodeCheckpoint(c)) {
        for (let at = 0; at < part.byteLength; ) at += writeSync(fd, part, at, part.byteLength - at);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`cannot write checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readCheckpoint(path: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    if (e instanceof CheckpointError) throw new InputError(`${path}: ${e.message}`);
    throw e;
  }
}
