/** `accelcheck merge FILE…`: placeholder until shard merging lands. */
import { InputError } from '../trace/file.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';

export function mergeCommand(_args: Parsed, _io: Io): number {
  throw new InputError('merge: not available yet');
}
