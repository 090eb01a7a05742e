/** ITF interchange: exact round trips, the value mapping, foreign ITF files, malformed input. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, fromItf, InputError, isItf, parseTrace, replay, toItf, type ItfTrace, type PlainValue, type Trace } from '../../src/index.js';
import { fromItfValue, toItfValue } from '../../src/trace/itf.js';
import { grid } from './small-models.js';

/** Through the file: toItf, JSON text, parse, fromItf. */
const viaItfFile = (t: Trace): Trace => fromItf(JSON.parse(JSON.stringify(toItf(t))), 'x.itf.json');

const decode = (v: unknown): PlainValue =>
  fromItfValue(v, (problem) => {
    throw new InputError(problem);
  });

// ---------------------------------------------------------------------------------------------
// Arbitraries: plain-data states (as in test/state/codec.test.ts) and traces around them.

const key = fc.oneof(fc.constantFrom('a', 'b', 'state', '10', '', 'ü', '__proto__', 'constructor', '#meta', '#set', '#', 'x#'), fc.string({ maxLength: 4 }));
const number = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.constantFrom(-0, 0.5, -1.25, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e21, 1e-7, 1e-300, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const leaf = fc.oneof(fc.boolean(), number, fc.string({ maxLength: 6 }), fc.constantFrom('null', '-0', '1.5'), fc.constant(null));
const { value: plain, record, array } = fc.letrec<{ value: PlainValue; record: { [k: string]: PlainValue }; array: PlainValue[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('record'), tie('array')),
  record: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  array: fc.array(tie('value'), { maxLength: 5 }),
}));

/** States that are records of the same keys (ITF variables), or anything after a record or array (one variable `state`). */
const states = fc.oneof(
  fc.uniqueArray(fc.oneof(fc.constantFrom('xs', 'be', 'fe', 'state'), fc.string({ minLength: 1, maxLength: 3 }).filter((k) => !k.startsWith('#'))), { maxLength: 4 }).chain((keys) =>
    fc.array(fc.tuple(...keys.map(() => plain)).map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]]))), { minLength: 1, maxLength: 5 }),
  ),
  fc.tuple(fc.oneof(record, array), fc.array(plain, { maxLength: 4 })).map(([init, after]) => [init, ...after]),
);
const label = fc.oneof(fc.constantFrom('incA', 'takeLeft(0)', 'send({"to":1})'), fc.string({ maxLength: 8 }));
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const config = fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 5 }), fc.constant(null)), { maxKeys: 4, noNullPrototype: true });

const trace: fc.Arbitrary<Trace> = fc
  .record({
    states,
    labels: fc.array(fc.tuple(label, optional(fc.constantFrom('dom0', 'guest1', 'nic')))),
    model: fc.string({ minLength: 1, maxLength: 8 }),
    source: optional(fc.constantFrom('./my-model.ts', '../m.mjs')),
    config,
    strategy: optional(fc.constantFrom('bfs', 'dfs', 'simulate')),
    seed: optional(fc.integer()),
    path: optional(fc.constantFrom('0:1:2', '4')),
    invariants: optional(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })),
    minimized: optional(fc.record({ from: fc.nat(), to: fc.nat() })),
    violation: fc.oneof(
      fc.record({ kind: fc.constantFrom('invariant' as const, 'deadlock' as const), name: fc.string({ maxLength: 6 }), message: fc.string({ maxLength: 20 }) }),
      fc.record({ kind: fc.constant('error' as const), name: fc.string({ maxLength: 6 }), message: fc.string({ maxLength: 20 }), action: optional(label) }, { requiredKeys: ['kind', 'name', 'message'] }),
    ),
  })
  .map(({ states: [init, ...after], labels, violation, ...fields }) => {
    const optionalFields = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && k !== 'model' && k !== 'config'));
    const { source, ...rest } = optionalFields;
    return {
      format: 'accelcheck-trace',
      version: 1,
      model: fields.model,
      ...(source !== undefined ? { source } : {}),
      config: fields.config,
      ...rest,
      init,
      steps: after.map((state, i) => {
        const [action, actor] = labels[i] ?? ['step', undefined];
        return actor === undefined ? { action, state } : { action, state, actor };
      }),
      violation,
    } as Trace;
  });

describe('fromItf(toItf(t)) is t', () => {
  it('for generated traces, in memory and through JSON text (values, -0, key order)', () => {
    fc.assert(
      fc.property(trace, (t) => {
        // toEqual tells -0 from 0 (Object.is); the JSON text checks key order. (toStrictEqual would
        // compare a generated record's own "constructor" key as its class.)
        expect(fromItf(toItf(t), 'x.itf.json')).toEqual(t);
        const back = viaItfFile(t);
        expect(back).toEqual(t);
        expect(JSON.stringify(back)).toBe(JSON.stringify(t));
      }),
      { numRuns: 300 },
    );
  });

  it('every value survives toItfValue → JSON → fromItfValue', () => {
    fc.assert(
      fc.property(plain, (v) => {
        const back = decode(JSON.parse(JSON.stringify(toItfValue(v))));
        expect(back).toEqual(v);
        expect(JSON.stringify(back)).toBe(JSON.stringify(v));
      }),
      { numRuns: 500 },
    );
  });

  const dir = join(__dirname, '..', 'counterexamples');
  const saved = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.trace.json'))
    .map((f) => join(dir, f));

  it('finds the saved counterexamples', () => expect(saved.length).toBeGreaterThanOrEqual(30));

  for (const file of saved) {
    it(`saved counterexample ${relative(dir, file)}: same file text after ITF and back`, () => {
      const text = readFileSync(file, 'utf8');
      const t = parseTrace(JSON.parse(text));
      const itf = JSON.parse(JSON.stringify(toItf(t))) as ItfTrace;
      expect(itf.vars).toEqual(Object.keys(t.init as object).sort());
      expect(itf.states).toHaveLength(t.steps.length + 1);
      expect(`${JSON.stringify(fromItf(itf, file), null, 2)}\n`).toBe(text);
    });
  }

  it('a trace decoded from ITF replays like the original', () => {
    const t = check(grid(true)).violation!.trace;
    expect(replay(grid(true), viaItfFile(t))).toMatchObject({ status: 'reproduced', violation: { name: 'sumBelow4' } });
  });
});

describe('the ITF document', () => {
  const t: Trace = {
    format: 'accelcheck-trace',
    version: 1,
    model: 'grid',
    config: { checked: true, mutant: null },
    strategy: 'bfs',
    init: { b: 0, a: 0 },
    steps: [
      { action: 'incA', state: { b: 0, a: 1 }, actor: 'left' },
      { action: 'incB', state: { b: 1, a: 1 } },
    ],
    violation: { kind: 'invariant', name: 'sumBelow4', message: 'a + b = 2' },
  };

  it('follows ADR-015: #meta, vars, states with their own #meta, integers as #bigint', () => {
    expect(toItf(t)).toStrictEqual({
      '#meta': {
        format: 'ITF',
        'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
        source: 'grid',
        description: 'accelcheck counterexample, model grid: invariant sumBelow4 after 2 steps: a + b = 2',
        accelcheck: { format: 'accelcheck-trace', version: 1, model: 'grid', config: { checked: true, mutant: null }, strategy: 'bfs', violation: t.violation },
      },
      vars: ['a', 'b'],
      states: [
        { '#meta': { index: 0 }, b: { '#bigint': '0' }, a: { '#bigint': '0' } },
        { '#meta': { index: 1, action: 'incA', actor: 'left' }, b: { '#bigint': '0' }, a: { '#bigint': '1' } },
        { '#meta': { index: 2, action: 'incB' }, b: { '#bigint': '1' }, a: { '#bigint': '1' } },
      ],
    });
  });

  it('states that are not records of the same keys are held whole by one variable, `state`', () => {
    const arrays = toItf({ ...t, init: [0, 0], steps: [{ action: 'incA', state: [1, 0] }] });
    expect(arrays.vars).toEqual(['state']);
    expect(arrays['#meta']!['state-variable']).toBe('state');
    expect(arrays.states[1]).toStrictEqual({ '#meta': { index: 1, action: 'incA' }, state: [{ '#bigint': '1' }, { '#bigint': '0' }] });
    const changing = toItf({ ...t, steps: [{ action: 'grow', state: { a: 0, b: 0, c: 0 } }] });
    expect(changing.vars).toEqual(['state']);
    const hashKey = toItf({ ...t, init: { '#x': 1 }, steps: [] });
    expect(hashKey.vars).toEqual(['state']);
    expect(hashKey.states[0].state).toStrictEqual({ '#map': [['#x', { '#bigint': '1' }]] });
  });

  it('a model whose one variable is named `state` is not confused with a whole state', () => {
    const own = { ...t, init: { state: 1 }, steps: [{ action: 'inc', state: { state: 2 } }] };
    expect(toItf(own).vars).toEqual(['state']);
    expect(toItf(own)['#meta']!['state-variable']).toBeUndefined();
    expect(fromItf(toItf(own), 'x')).toStrictEqual(own);
  });

  it('the user model module is the source', () => {
    expect(toItf({ ...t, source: './my-model.ts' })['#meta']!.source).toBe('./my-model.ts');
  });
});

describe('value mapping', () => {
  it.each<[string, PlainValue, unknown]>([
    ['true', true, true],
    ['a string', 'idle', 'idle'],
    ['an integer', 42, { '#bigint': '42' }],
    ['a negative integer', -7, { '#bigint': '-7' }],
    ['an integer beyond 2^53, exactly', 2 ** 64, { '#bigint': '18446744073709551616' }],
    ['1e21', 1e21, { '#bigint': '1000000000000000000000' }],
    ['a list', [1, 'x'], [{ '#bigint': '1' }, 'x']],
    ['a record', { vi: 3 }, { vi: { '#bigint': '3' } }],
    ['a record with a # key, as a string-keyed #map', { '#meta': true, a: 1 }, { '#map': [['#meta', true], ['a', { '#bigint': '1' }]] }],
    ['null', null, { '#unserializable': 'null' }],
    ['a fraction', 0.5, { '#unserializable': '0.5' }],
    ['a tiny number', 1e-7, { '#unserializable': '1e-7' }],
    ['-0', -0, { '#unserializable': '-0' }],
  ])('%s', (_, ours, itf) => {
    expect(toItfValue(ours)).toStrictEqual(itf);
    expect(decode(itf)).toStrictEqual(ours);
  });

  it('foreign forms: plain JSON integers, #tup, #set (sorted), #map (record or pairs), #bigint "-0"', () => {
    expect(decode(7)).toBe(7);
    expect(decode({ '#tup': [{ '#bigint': '1' }, 'a'] })).toStrictEqual([1, 'a']);
    expect(decode({ '#set': ['b', { '#bigint': '10' }, 'a', { '#bigint': '9' }, false, [2], { k: 1 }] })).toStrictEqual([false, 9, 10, 'a', 'b', [2], { k: 1 }]);
    expect(decode({ '#set': [{ '#set': [3, 1] }, { '#set': [] }] })).toStrictEqual([[], [1, 3]]);
    expect(decode({ '#map': [['E', { '#set': ['m1', 'c1'] }], ['W', { '#set': [] }]] })).toStrictEqual({ E: ['c1', 'm1'], W: [] });
    expect(decode({ '#map': [[{ '#bigint': '1' }, 'x'], ['k', 'y']] })).toStrictEqual([[1, 'x'], ['k', 'y']]);
    expect(decode({ '#map': [['__proto__', 1]] })).toStrictEqual(JSON.parse('{"__proto__": 1}'));
    expect(Object.is(decode({ '#bigint': '-0' }), 0)).toBe(true);
    expect(decode({ tag: 'Some', value: { '#bigint': '2' } })).toStrictEqual({ tag: 'Some', value: 2 });
  });

  it.each<[string, unknown, RegExp]>([
    ['a fraction as a JSON number', 1.5, /1\.5 is not an ITF integer/],
    ['a JSON integer beyond 2^53', 2 ** 60, /is not an ITF integer/],
    ['a #bigint that is not a decimal', { '#bigint': '1e3' }, /bad #bigint "1e3"/],
    ['a #bigint that is a number', { '#bigint': 12 }, /bad #bigint 12/],
    ['a #bigint a double cannot hold', { '#bigint': '9007199254740993' }, /#bigint 9007199254740993 does not fit/],
    ['a #bigint beyond any double', { '#bigint': '9'.repeat(400) }, /does not fit/],
    ['a foreign #unserializable', { '#unserializable': 'Int' }, /\{"#unserializable":"Int"\} has no accelcheck value/],
    ['an unknown # form', { '#variant': 1 }, /unknown ITF form #variant/],
    ['a # form with other fields', { '#tup': [], x: 1 }, /mixes #tup with other fields/],
    ['a #set that is not a list', { '#set': 'abc' }, /#set must hold an array/],
    ['a #map entry that is not a pair', { '#map': [[1, 2, 3]] }, /#map entry \[1,2,3\] is not a \[key, value\] pair/],
    ['JSON null', null, /null is not an ITF value/],
  ])('%s is rejected', (_, v, message) => {
    expect(() => decode(v)).toThrow(message);
  });
});

describe('foreign and malformed ITF', () => {
  /** The ADR's own example, abridged: Apalache output, no accelcheck metadata. */
  const apalache = {
    '#meta': { source: 'MC_MissionariesAndCannibalsTyped.tla', varTypes: { bank_of_boat: 'Str' } },
    vars: ['bank_of_boat', 'who_is_on_bank'],
    states: [
      { '#meta': { index: 0 }, bank_of_boat: 'E', who_is_on_bank: { '#map': [['E', { '#set': ['c1', 'm1'] }], ['W', { '#set': [] }]] } },
      { '#meta': { index: 1 }, bank_of_boat: 'W', who_is_on_bank: { '#map': [['E', { '#set': ['c1'] }], ['W', { '#set': ['m1'] }]] } },
    ],
  };
  const ours = () => JSON.parse(JSON.stringify(toItf(check(grid(true)).violation!.trace)));

  it('isItf tells ITF from accelcheck traces', () => {
    expect(isItf(apalache)).toBe(true);
    expect(isItf(ours())).toBe(true);
    expect(isItf({ vars: ['x'] })).toBe(true);
    expect(isItf(check(grid(true)).violation!.trace)).toBe(false);
    expect(isItf({ hello: 1 })).toBe(false);
    expect(isItf([])).toBe(false);
  });

  it('a foreign trace without accelcheck metadata cannot be replayed: one line saying what is missing', () => {
    expect(() => fromItf(apalache, 'mc.itf.json')).toThrow(
      new InputError('mc.itf.json is an ITF trace without accelcheck metadata (model and step actions): cannot replay it'),
    );
  });

  it('with accelcheck metadata but without a step action, the state is named', () => {
    const doc = ours();
    delete doc.states[2]['#meta'].action;
    expect(() => fromItf(doc, 'x.itf.json')).toThrow(/^x\.itf\.json: state 2 has no "#meta\.action" \(the label of the step that reached it\): cannot replay it$/);
  });

  it('foreign values in an otherwise accelcheck file are decoded', () => {
    const doc = ours();
    doc.states[0].a = 0;
    doc.states[1].a = { '#tup': [{ '#bigint': '1' }] };
    const t = fromItf(doc, 'x');
    expect(t.init).toStrictEqual({ a: 0, b: 0 });
    expect(t.steps[0].state).toMatchObject({ a: [1] });
  });

  it.each<[string, (doc: any) => unknown, RegExp]>([
    ['not an object', () => [1], /^x: not an ITF trace \(expected a JSON object\)$/],
    ['no states', (d) => ({ '#meta': d['#meta'], vars: d.vars }), /^x: not an ITF trace: no "states" array$/],
    ['no vars', (d) => ({ ...d, vars: 'a' }), /^x: ITF field "vars" must be an array of variable names$/],
    ['empty states', (d) => ({ ...d, states: [] }), /^x: the ITF trace has no states$/],
    ['a state that is not a record', (d) => ({ ...d, states: [d.states[0], [1, 2]] }), /^x: state 1 is not a record of variables$/],
    ['a state without a variable', (d) => (delete d.states[3].b, d), /^x: state 3 has no value for variable "b"$/],
    ['a bad #bigint', (d) => ((d.states[2].a = { '#bigint': 'two' }), d), /^x: state 2, variable "a": bad #bigint "two"/],
    ['a state-variable that is not a variable', (d) => ((d['#meta']['state-variable'] = 'whole'), d), /^x: #meta "state-variable" "whole" is not one of the variables$/],
    ['metadata that is not a trace', (d) => (delete d['#meta'].accelcheck.model, d), /^x: field "model" must be a non-empty string$/],
    ['a non-string actor', (d) => ((d.states[1]['#meta'].actor = 3), d), /^x: state 1: "#meta\.actor" must be a string$/],
  ])('%s', (_, edit, message) => {
    expect(() => fromItf(edit(ours()), 'x')).toThrow(message);
    expect(() => fromItf(edit(ours()), 'x')).toThrow(InputError);
  });
});
