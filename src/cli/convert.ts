/**
 * `accelcheck convert IN OUT`: between accelcheck traces and ITF. IN may be either; OUT's name
 * picks the format (`.itf.json`: ITF, any other `.json`: accelcheck trace). A user's model module
 * (`source`, relative to the trace file) is re-pointed from OUT's directory.
 */
import { dirname, relative, resolve } from 'node:path';
import { InputError, readTrace, writeTrace } from '../trace/file.js';
import { ITF_EXTENSION, isItfPath } from '../trace/itf.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';

export function convertCommand(args: Parsed, io: Io): number {
  if (args.positionals.length !== 2) throw new InputError('convert: expected two trace files, IN and OUT');
  const [input, out] = args.positionals;
  if (!out.endsWith('.json')) throw new InputError(`convert: OUT must end with ${ITF_EXTENSION} (ITF) or .json (accelcheck trace), got '${out}'`);
  const [from, to] = [resolve(io.cwd, input), resolve(io.cwd, out)];
  const trace = readTrace(from);
  const moved = trace.source !== undefined && dirname(from) !== dirname(to);
  writeTrace(to, moved ? { ...trace, source: relative(dirname(to), resolve(dirname(from), trace.source!)) } : trace);
  const itf = isItfPath(out);
  const states = trace.steps.length + 1;
  if (args.values.json) io.stdout.write(`${JSON.stringify({ in: input, out, format: itf ? 'itf' : 'accelcheck-trace', states })}\n`);
  else io.stdout.write(`wrote ${out} (${itf ? 'ITF' : 'accelcheck trace'}, ${states} state${states === 1 ? '' : 's'})\n`);
  return 0;
}
