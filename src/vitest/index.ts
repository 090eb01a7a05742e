/**
 * accelcheck/vitest: model checking inside a vitest suite.
 *
 * ```ts
 * import { expectModel, replayCorpus } from 'accelcheck/vitest';
 * import { registry } from 'accelcheck/models';
 *
 * it('mutual exclusion', async () => { await expectModel(mutex).toHoldInvariants(); });
 * it('the naive mutex is broken', async () => { await expectModel(naive).toViolate('mutualExclusion'); });
 * replayCorpus('test/counterexamples', { registry });
 * ```
 *
 * `expectModel(model).toHoldInvariants(options)` runs `check` (bfs, dfs) or `simulate`
 * (random) and rejects on a violation with the readable trace `accelcheck check` prints (plain
 * text), after writing the trace file and saying how to replay it; a bounded exhaustive run
 * that stopped early rejects too unless `allowIncomplete`. `toViolate(name?)` is the converse.
 *
 * `replayCorpus(dir, options)` registers one test per `*.trace.json` / `*.itf.json` file under
 * `dir`: by default the trace must reproduce its recorded violation step for step (`replay`).
 * A manifest `<dir>/expected.json` adds or overrides expectations:
 *
 * ```json
 * [{ "file": "system/x.trace.json", "expect": "holds", "set": { "mutant": null }, "why": "…" }]
 * ```
 *
 * - `expect`: `"holds"` or `"violates NAME"` (an invariant, `deadlock`, or the label of a step
 *   that throws).
 * - `set`: settings to change before running the trace's steps (`mutant` among them). With a
 *   `set` that changes the configuration the recorded states cannot be compared, so the steps
 *   are re-executed leniently (`outcomeOf`): "holds" means no violation along the steps that
 *   apply (a step that is no longer enabled cuts the path there), "violates NAME" that the
 *   first violation along them is NAME. Without a change, "violates NAME" is a strict replay
 *   that must reproduce NAME, and "holds" the lenient re-execution on the recorded model.
 * - An entry without `set` replaces the default expectation of its file; entries with `set`
 *   add to it, so one file can be checked as recorded and with its bug taken out.
 * - `why`: a note for people. Any other key, a file that is not in the corpus, a malformed
 *   `expect`, or two entries for the same file and settings make a failing test naming the entry.
 *
 * Models: `options.models[name]` first (a model or a registry entry), then a trace's `source`
 * (a user's module, relative to the trace file), then `options.registry`.
 */
export { expectModel, traceFileName, type ExpectModelOptions, type HoldOptions, type ModelAssertions, type RunOptions } from './expect-model.js';
export { checkCorpusCase, corpusCases, replayCorpus, type CorpusCase, type CorpusOptions } from './corpus.js';
