/** `accelcheck replay`: a counterexample a person reads in a minute, and one JSON object for tools. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { registry } from '../../models/index.js';
import { cli, type Run } from './harness.js';
import { scratch } from '../support/scratch.js';

/** The CLI with the built-in models (the harness's `cli` knows only its test registry), on a terminal or not. */
async function accelcheck(argv: string[], opts: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, registry, {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: opts.env ?? {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const RESEND = resolve(__dirname, '../counterexamples/system/resend-pending-tx.trace.json');
const resendTrace = () => JSON.parse(readFileSync(RESEND, 'utf8'));
const ESC = '\u001b[';

describe('replay of a system counterexample (resend-pending-tx, 11 steps)', () => {
  it('each step: number, actor, action, then only what changed (packets by id); exit 1', async () => {
    const r = await accelcheck(['replay', RESEND]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`replay ${RESEND} · model system · mutant resend-pending-tx · 11 steps`);
    const at = lines.findIndex((l) => /^\s+6\s+guest1\s+xmit\(2\)$/.test(l));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3).map((l) => l.trim())).toEqual(['packets[id=2].at: "source" → "vi0.tx"', 'packets[id=2].owed: false → true']);
    expect(lines[at + 3]).toMatch(/^\s+7\s+toolstack\s+migrateRequest$/);
    // the copy of packet 2 the resend creates, then each copy delivered
    expect(r.stdout).toMatch(/^\s+packets\[id=2 #2\] \+ \{"id":2,"srcMac":1,"dstMac":0,"at":"guest1\.netfront\.tx","owed":true\}$/m);
    expect(r.stdout).toMatch(/^\s+10\s+nic\s+nicSend\(2\)\n\s+packets\[id=2 #1\]\.at: "vi0\.tx" → "delivered"$/m);
    // MAPBUF inserts a mapping in the middle of the sorted `maps`: one change, not every later element
    const mapbuf = lines.findIndex((l) => /frontendMapbuf\(0\)$/.test(l));
    const block = lines.slice(mapbuf + 1, lines.findIndex((l, i) => i > mapbuf && /^\s+\d+\s/.test(l)));
    expect(block.filter((l) => l.includes('maps['))).toEqual(['        maps[1] + {"by":0,"granter":1,"ref":1,"frame":3,"device":true}']);
  });

  it('ends with the violated invariant, its reference and statement, and the values that break it', async () => {
    const r = await accelcheck(['replay', RESEND]);
    expect(r.stdout.trimEnd().split('\n').slice(-3)).toEqual([
      '✘ reproduced: invariant S13.no-duplication violated after 11 steps, each enabled and on its recorded state',
      '  S13 · no packet is delivered twice: not by the fast path and again by the slow path after a teardown or a reconnect',
      '  values: packet 2 (guest1 → a remote host) was delivered 2 times',
    ]);
  });

  it('the values are computed on the replayed state, not copied from the trace', async () => {
    const t = resendTrace();
    t.violation.message = 'invariant S13.no-duplication violated: (recorded by an older accelcheck)';
    const file = join(scratch(), 'old-message.trace.json');
    writeFileSync(file, JSON.stringify(t));
    const r = await accelcheck(['replay', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  values: packet 2 (guest1 → a remote host) was delivered 2 times\n');
    expect(r.stdout).not.toContain('older accelcheck');
  });

  it('--step 0 prints the whole initial state as an aligned tree, and still exits 1', async () => {
    const r = await accelcheck(['replay', RESEND, '--step', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('\ninitial state (step 0):\n');
    expect(r.stdout).toMatch(/^ {2}frames {5}\[0, 0, 1, 1\]$/m);
    expect(r.stdout).toMatch(/^ {4}\[2\] {2}\{ id: 2, srcMac: 1, dstMac: 0, at: "source", owed: false \}$/m);
    expect(r.stdout).not.toMatch(/frontendConnect/); // the state, not the step list
    expect(r.stdout).toContain('✘ reproduced: invariant S13.no-duplication violated after 11 steps');
  });

  it('--step K is headed by the step, its actor and its changes, then the state after it', async () => {
    const r = await accelcheck(['replay', RESEND, '--step', '6']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines.slice(1, 5)).toEqual([
      'step 6 of 11: xmit(2) by guest1',
      '  changed  packets[id=2].at: "source" → "vi0.tx"',
      '  changed  packets[id=2].owed: false → true',
      'state after step 6:',
    ]);
    expect(r.stdout).toMatch(/^ {4}\[2\] {2}\{ id: 2, srcMac: 1, dstMac: 0, at: "vi0\.tx", owed: true \}$/m);
    expect(r.stdout).toMatch(/^ {6}state {8}"Connected"$/m); // backends[0].state, expanded and aligned
    const last = await accelcheck(['replay', RESEND, '--step', '11']);
    expect(last.stdout).toContain('step 11 of 11: netbackTx(3) by dom0\n');
    expect(last.stdout).toMatch(/^ {4}\[3\] {2}\{ id: 2, srcMac: 1, dstMac: 0, at: "delivered", owed: false \}$/m);
  });

  it.each([['12'], ['-1'], ['two'], ['1.5']])('--step %s is out of range: one line, exit 2', async (k) => {
    const r = await accelcheck(['replay', RESEND, `--step=${k}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`accelcheck: --step must be an integer from 0 to 11, got '${k}'\n`);
  });

  it('--json: one object with the steps and their changes, the violation with its values; no full states', async () => {
    const r = await accelcheck(['replay', RESEND, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['file', 'status', 'model', 'steps', 'violation']);
    expect(doc).toMatchObject({ file: RESEND, status: 'reproduced', model: 'system' });
    expect(doc.steps).toHaveLength(11);
    for (const s of doc.steps) expect(Object.keys(s)).toEqual(['index', 'action', 'actor', 'changes']);
    expect(doc.steps[5]).toEqual({
      index: 6,
      action: 'xmit(2)',
      actor: 'guest1',
      changes: [
        { path: 'packets[id=2].at', before: 'source', after: 'vi0.tx' },
        { path: 'packets[id=2].owed', before: false, after: true },
      ],
    });
    expect(doc.violation).toEqual({
      kind: 'invariant',
      name: 'S13.no-duplication',
      message: resendTrace().violation.message,
      ref: 'S13',
      statement: 'no packet is delivered twice: not by the fast path and again by the slow path after a teardown or a reconnect',
      values: 'packet 2 (guest1 → a remote host) was delivered 2 times',
    });
  });

  it('--json --step K adds the state after step K; --step 0 adds the initial state as init too', async () => {
    const t = resendTrace();
    const six = JSON.parse((await accelcheck(['replay', RESEND, '--json', '--step', '6'])).stdout);
    expect(six.state).toEqual(t.steps[5].state);
    expect(six).not.toHaveProperty('init');
    const zero = JSON.parse((await accelcheck(['replay', RESEND, '--json', '--step', '0'])).stdout);
    expect(zero.init).toEqual(t.init);
    expect(zero.state).toEqual(t.init);
  });

  it('colour on a terminal, plain with NO_COLOR or when piped', async () => {
    const tty = await accelcheck(['replay', RESEND], { tty: true });
    expect(tty.stdout).toContain(ESC);
    expect(tty.stdout).toContain(`${ESC}35mguest1`); // the actor, magenta
    const noColor = await accelcheck(['replay', RESEND], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(ESC);
    expect(noColor.stdout).toBe((await accelcheck(['replay', RESEND])).stdout);
    const state = await accelcheck(['replay', RESEND, '--step', '3'], { tty: true });
    expect(state.stdout).toContain(`${ESC}32m"live"`); // a string in the state tree, green
    expect((await accelcheck(['replay', RESEND, '--step', '3'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
  });
});

describe('replay: stale traces are reported as before', () => {
  const staleTrace = () => {
    const t = resendTrace();
    t.steps[6].state.guests[0].migration = 'home'; // step 7 (migrateRequest) no longer lands there
    const file = join(scratch(), 'stale.trace.json');
    writeFileSync(file, JSON.stringify(t));
    return file;
  };

  it('names the step and the reason, exit 2', async () => {
    const file = staleTrace();
    const r = await accelcheck(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^! stale at step 7: step 7: migrateRequest lands on a different state: guests\[0\]\.migration is "suspending" in the model, "home" in the trace$/);
    expect(r.stderr).toMatch(/stale\.trace\.json no longer applies: step 7: migrateRequest lands on a different state/);
    const json = JSON.parse((await accelcheck(['replay', file, '--json'])).stdout);
    expect(json).toMatchObject({ status: 'stale', step: 7, reason: expect.stringMatching(/^step 7: migrateRequest lands/) });
    expect(json.steps).toHaveLength(6);
    expect(json).not.toHaveProperty('violation');
  });

  it('--step beyond where the replay stopped: says so, exit 2; --json has no state', async () => {
    const file = staleTrace();
    const r = await accelcheck(['replay', file, '--step', '9']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('state after step 9: not reached, the replay stopped at step 7');
    expect(JSON.parse((await accelcheck(['replay', file, '--step', '9', '--json'])).stdout)).not.toHaveProperty('state');
    const before = await accelcheck(['replay', file, '--step', '6']);
    expect(before.code).toBe(2);
    expect(before.stdout).toContain('step 6 of 11: xmit(2) by guest1');
  });
});

describe('replay of deadlocks and errors (the harness registry and a model of ours)', () => {
  it('a deadlock: no action enabled, and the last state briefly', async () => {
    const out = join(scratch(), 'phil.trace.json');
    expect((await cli(['check', 'philosophers', '--scenario', 'n4', '--out', out])).code).toBe(1);
    const r = await cli(['replay', out]);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n').slice(-3)).toEqual([
      '✘ reproduced: deadlock after 4 steps, each enabled and on its recorded state',
      '  enabled: none (0 of 12 actions)',
      '  control states: p[0]=1 · p[1]=1 · p[2]=1 · p[3]=1 · f[0]=true · f[1]=true · f[2]=true · f[3]=true',
    ]);
    // no actors in this model: no actor column
    expect(r.stdout).toMatch(/^ {2}1 {2}takeLeft\(\d\)$/m);
  });

  it('an error: the throwing step and its message', async () => {
    const dir = scratch();
    const model = join(dir, 'boom.ts');
    writeFileSync(
      model,
      `import { action, defineModel } from ${JSON.stringify(pathToFileURL(resolve(__dirname, '../../src/index.ts')).href)};
export default defineModel({
  name: 'boom',
  init: () => ({ x: 0 }),
  actions: [
    action('inc', (s: { x: number }) => s.x < 2, (s: { x: number }) => { s.x++; }),
    action('boom', (s: { x: number }) => s.x === 2, () => { throw new RangeError('effect exploded'); }),
  ],
  terminal: (s: { x: number }) => s.x >= 2,
});
`,
    );
    const out = join(dir, 'boom.trace.json');
    expect((await cli(['check', model, '--out', out])).code).toBe(1);
    const r = await cli(['replay', out]);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n').slice(-3)).toEqual([
      '✘ reproduced: error in boom after 2 steps, each enabled and on its recorded state',
      '  → boom throws (step 3)',
      '  values: boom, taken after step 2: effect of boom threw: RangeError: effect exploded',
    ]);
  });

  it('an invariant without explain: the recorded message stands in for the values', async () => {
    const out = join(scratch(), 'grid.trace.json');
    await cli(['check', 'grid', '--out', out]);
    const r = await cli(['replay', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}1 {2}inc[AB]\n {7}[ab]: 0 → 1$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`  ${JSON.parse(readFileSync(out, 'utf8')).violation.message}`);
  });
});
