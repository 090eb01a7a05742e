/**
 * The `accelcheck` command: dispatch, and the one place where errors become exit codes —
 * 0 no violation, 1 violation found (or reproduced by replay), 2 bad input or usage.
 * Errors for people are one line; `--debug` adds the stack.
 */
import { ModelError, OptionError } from '../explore/check.js';
import type { Registry } from '../registry.js';
import { InputError } from '../trace/file.js';
import { HELP, parse } from './args.js';
import { processIo, type Io } from './io.js';
import { convertCommand } from './convert.js';
import { diagramCommand } from './diagram.js';
import { listCommand } from './list.js';
import { mergeCommand } from './merge.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';

const COMMANDS = ['check', 'simulate', 'replay', 'convert', 'merge', 'list', 'diagram'];

export interface MainOptions {
  /**
   * The module (path or file URL) whose export `registry` is `registry`: worker threads load it to
   * rebuild built-in models (`check --workers`). Without it, built-in models are checked on one thread.
   */
  registryModule?: string;
}

export async function main(argv: string[], registry: Registry, io: Io = processIo(), options: MainOptions = {}): Promise<number> {
  const debug = argv.includes('--debug');
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V') {
      io.stdout.write(`${await version()}\n`);
      return 0;
    }
    if (!COMMANDS.includes(command)) throw new InputError(`unknown command '${command}' (commands: ${COMMANDS.join(', ')}; see accelcheck --help)`);
    const args = parse(command, rest);
    if (args.values.help) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    switch (command) {
      case 'list':
        if (args.positionals.length) throw new InputError(`list: unexpected argument '${args.positionals[0]}'`);
        return listCommand(args, io, registry);
      case 'diagram':
        return diagramCommand(args, io, registry);
      case 'replay':
        return await replayCommand(args, io, registry);
      case 'convert':
        return convertCommand(args, io);
      case 'merge':
        return mergeCommand(args, io);
      default:
        return await runCommand(command as 'check' | 'simulate', args, io, registry, options.registryModule);
    }
  } catch (e) {
    const known = e instanceof InputError || e instanceof OptionError || e instanceof ModelError;
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`accelcheck: ${known ? '' : 'internal error: '}${message.split('\n')[0]}${debug || known ? '' : ' (rerun with --debug for the stack)'}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
