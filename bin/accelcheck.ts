#!/usr/bin/env node
/** The executable: joins the engine's CLI with the built-in models (the engine never imports them). */
import { registry } from '../models/index.js';
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2), registry);
