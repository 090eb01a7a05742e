/** `accelcheck convert IN OUT` between accelcheck traces and ITF, and `replay` of ITF files. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { registry } from '../../models/index.js';
import { cli, type Run } from './harness.js';
import { scratch } from '../support/scratch.js';

const saved = resolve(__dirname, '../counterexamples/handshake/free-on-closing.trace.json');
const fixture = (name: string) => resolve(__dirname, '../fixtures', name);

/** The CLI with the built-in models, for replaying the saved counterexamples. */
async function builtIn(argv: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, registry, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd });
  return { code, stdout, stderr };
}

describe('accelcheck convert', () => {
  it('a saved counterexample to ITF and back: the same file, and replay reproduces all three alike', async () => {
    const dir = scratch();
    copyFileSync(saved, join(dir, 'orig.trace.json'));
    const steps = JSON.parse(readFileSync(saved, 'utf8')).steps.length;

    const toItf = await cli(['convert', 'orig.trace.json', 'bug.itf.json'], { cwd: dir });
    expect(toItf).toEqual({ code: 0, stdout: `wrote bug.itf.json (ITF, ${steps + 1} states)\n`, stderr: '' });
    const itf = JSON.parse(readFileSync(join(dir, 'bug.itf.json'), 'utf8'));
    expect(itf['#meta']).toMatchObject({ format: 'ITF', 'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html', source: 'handshake' });
    expect(itf.vars).toEqual(['be', 'dom0', 'fe', 'guest', 'shared', 'xs']);
    expect(itf.states[1]['#meta']).toMatchObject({ index: 1, action: expect.any(String) });

    const back = await cli(['convert', 'bug.itf.json', 'back.trace.json'], { cwd: dir });
    expect(back).toEqual({ code: 0, stdout: `wrote back.trace.json (accelcheck trace, ${steps + 1} states)\n`, stderr: '' });
    expect(readFileSync(join(dir, 'back.trace.json'), 'utf8')).toBe(readFileSync(saved, 'utf8'));

    const original = await builtIn(['replay', 'orig.trace.json'], dir);
    expect(original.code).toBe(1);
    expect(original.stdout).toMatch(/reproduced: invariant S3\.pinned-while-mapped violated/);
    for (const file of ['bug.itf.json', 'back.trace.json']) {
      const r = await builtIn(['replay', file], dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(original.stdout.replace('orig.trace.json', file));
    }
  });

  it('--json: in, out, format and the number of states', async () => {
    const dir = scratch();
    await cli(['check', 'grid', '--out', join(dir, 'grid.trace.json'), '--quiet']);
    const r = await cli(['convert', 'grid.trace.json', 'grid.itf.json', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ in: 'grid.trace.json', out: 'grid.itf.json', format: 'itf', states: 5 });
    const again = await cli(['convert', 'grid.itf.json', 'grid.json', '--json'], { cwd: dir });
    expect(JSON.parse(again.stdout)).toEqual({ in: 'grid.itf.json', out: 'grid.json', format: 'accelcheck-trace', states: 5 });
    expect(JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8')).format).toBe('accelcheck-trace');
  });

  it("an ITF trace of a user's module, written to another directory, still finds the module", async () => {
    const dir = scratch();
    const out = join(dir, 'mutex.trace.json');
    expect((await cli(['check', fixture('mutex-naive.ts'), '--out', out, '--quiet'])).code).toBe(1);
    mkdirSync(join(dir, 'elsewhere'));
    expect((await cli(['convert', 'mutex.trace.json', 'elsewhere/mutex.itf.json'], { cwd: dir })).code).toBe(0);
    const itf = JSON.parse(readFileSync(join(dir, 'elsewhere/mutex.itf.json'), 'utf8'));
    expect(resolve(dir, 'elsewhere', itf['#meta'].accelcheck.source)).toBe(fixture('mutex-naive.ts'));
    const r = await cli(['replay', join(dir, 'elsewhere/mutex.itf.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/reproduced: invariant mutualExclusion violated after 4 steps/);
  });

  describe('bad input: exit 2, one line, nothing written', () => {
    const dir = scratch();
    const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
    write('foreign.itf.json', { '#meta': { source: 'spec.qnt' }, vars: ['x'], states: [{ '#meta': { index: 0 }, x: { '#bigint': '1' } }] });
    write('hello.json', { hello: 1 });

    it.each<[string, string[], RegExp]>([
      ['one file', ['convert', 'hello.json'], /^accelcheck: convert: expected two trace files, IN and OUT$/],
      ['three files', ['convert', 'a.json', 'b.json', 'c.json'], /^accelcheck: convert: expected two trace files, IN and OUT$/],
      ['OUT not .json', ['convert', 'hello.json', 'out.txt'], /^accelcheck: convert: OUT must end with \.itf\.json \(ITF\) or \.json \(accelcheck trace\), got 'out\.txt'$/],
      ['IN missing', ['convert', 'nope.json', 'out.itf.json'], /^accelcheck: cannot read trace file .*nope\.json: ENOENT$/],
      ['IN not a trace', ['convert', 'hello.json', 'out.itf.json'], /^accelcheck: .*hello\.json: not an accelcheck trace/],
      ['IN a foreign ITF file', ['convert', 'foreign.itf.json', 'out.json'], /^accelcheck: .*foreign\.itf\.json is an ITF trace without accelcheck metadata \(model and step actions\): cannot replay it$/],
      ['an unknown option', ['convert', 'hello.json', 'out.json', '--model', 'x'], /^accelcheck: convert: unknown option --model$/],
    ])('%s', async (_, argv, message) => {
      const r = await cli(argv, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      for (const out of ['out.json', 'out.itf.json', 'out.txt', 'b.json', 'c.json']) expect(existsSync(join(dir, out))).toBe(false);
    });
  });

  it('replay of a foreign ITF file says what is missing, exit 2', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'quint.itf.json'), JSON.stringify({ vars: ['n'], states: [{ n: { '#bigint': '0' } }, { n: { '#bigint': '1' } }] }));
    const r = await cli(['replay', 'quint.itf.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^accelcheck: .*quint\.itf\.json is an ITF trace without accelcheck metadata \(model and step actions\): cannot replay it\n$/);
  });
});
