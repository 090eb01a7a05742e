/** The built executable, as users and CI run it (`npm test` builds first). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve(__dirname, '../../dist/bin/accelcheck.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

describe.runIf(existsSync(bin))('dist/bin/accelcheck.js', () => {
  it('check on a mutant: exit 1, plain text when piped', () => {
    const r = run(['check', '--mutant', 'forwarding-at-setup', '--quiet']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/invariant S7\.filters-need-vi violated after \d+ steps/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('FORCE_COLOR colours it, NO_COLOR keeps it plain', () => {
    expect(run(['check', '--mutant', 'forwarding-at-setup', '--quiet'], { FORCE_COLOR: '1' }).stdout).toMatch(/\u001b\[/);
    expect(run(['list'], { NO_COLOR: '1' }).stdout).not.toMatch(/\u001b\[/);
  });

  it('bad input: exit 2, one line on stderr, no stack', () => {
    const r = run(['check', 'handshake', '--scenario', 'galactic']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^accelcheck: unknown scenario 'galactic' for model handshake/)]);
  });

  it('--version', () => {
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
