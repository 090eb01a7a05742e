/** docs/models.md is generated from the FSM tables; CI fails when it is stale. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOptions, HELP } from '../src/cli/args.js';
import { diagramDocument } from '../src/cli/diagram.js';
import { registry } from '../models/index.js';

describe('docs/models.md', () => {
  it('matches the typescript-fsm tables (regenerate: npm run docs)', () => {
    const onDisk = readFileSync(resolve(__dirname, '../docs/models.md'), 'utf8');
    expect(onDisk, 'docs/models.md is stale: run `npm run docs` and commit it').toBe(diagramDocument(registry));
  });

  it('draws every machine of every model that declares them', () => {
    const doc = diagramDocument(registry);
    for (const m of registry.models) for (const machine of m.machines ?? []) expect(doc).toContain(`### ${machine.name}`);
    expect(doc.match(/stateDiagram-v2/g)?.length).toBe(registry.models.reduce((n, m) => n + (m.machines?.length ?? 0), 0));
  });
});

describe('accelcheck --help', () => {
  it('documents every option each command accepts', () => {
    for (const [command, options] of Object.entries(commandOptions)) {
      for (const name of Object.keys(options)) {
        if (name === 'help') continue;
        expect(HELP, `${command} --${name} is accepted but not in the usage text`).toMatch(new RegExp(`--${name}\\b`));
      }
    }
  });
});
