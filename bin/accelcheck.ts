#!/usr/bin/env node
/** The executable: joins the engine's CLI with the built-in models (the engine never imports them). */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registry } from '../models/index.js';
import { main } from '../src/cli/main.js';

// Worker threads (check --workers) rebuild built-in models from the same registry module
// (models/index.js when built, models/index.ts when this file runs through tsx).
const registryModule = new URL(`../models/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;
process.exitCode = await main(process.argv.slice(2), registry, undefined, { registryModule });
