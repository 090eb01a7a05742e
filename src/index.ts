/**
 * accelcheck: explicit-state model checking for protocol models written in TypeScript.
 * `defineModel`, `action`, `invariant` and `range` describe a model; `check` (one thread),
 * `checkParallel` (worker threads), `simulate` and `replay` explore it and return result values.
 */
export { defineModel, action, invariant, stepInvariant, range, isModel } from './model/define.js';
export type { ActionOptions, PropertyOptions } from './model/define.js';
export type { Action, Invariant, Model, ModelSpec, Param, PlainValue, StateInvariant, StepInfo, StepInvariant } from './model/types.js';
export { machine, t, IllegalTransitionError } from './fsm/machine.js';
export type { Machine, Transition } from './fsm/machine.js';
export { check, OptionError, ModelError } from './explore/check.js';
export { checkParallel, defaultWorkers, type ParallelOptions } from './explore/parallel/check-parallel.js';
export { WorkerPool, WorkerError } from './explore/parallel/pool.js';
export type { ModelSource } from './explore/parallel/source.js';
export { readCheckpoint, writeCheckpoint } from './state/checkpoint-file.js';
export { CheckpointError, type Checkpoint, type CheckpointRun, type CheckpointPosition } from './state/checkpoint.js';
export { simulate, type SimulateOptions } from './explore/simulate.js';
export { checkSymmetry, type SymmetryCheck, type SymmetryProblem } from './explore/symmetry.js';
export { shardModel, shardSeed, shardStrategy, parseShard } from './explore/shard.js';
export { HyperLogLog, relativeError, type SketchJson } from './state/sketch.js';
export { walks, type Walk, type WalkOptions } from './explore/arbitrary.js';
export { replay, type ReplayResult, type ReplayStep, type ReplayedViolation } from './trace/replay.js';
export { outcomeOf, type Outcome, type OutcomeOptions } from './trace/outcome.js';
export { readTrace, parseTrace, InputError } from './trace/file.js';
export { writeTrace } from './trace/file.js';
export { toItf, fromItf, isItf } from './trace/itf.js';
export type { ItfTrace, ItfState, ItfStateMeta, ItfMeta, ItfValue, ItfBigint, ItfTuple, ItfSet, ItfMap, ItfUnserializable, ItfRecord } from './trace/itf.js';
export { diff, type Change } from './trace/diff.js';
export type { CheckOptions, CheckResult, ExploreOptions, Progress, Violation, MemoryReport, Minimized, Omission, ShardInfo } from './explore/types.js';
export type { Trace, TraceStep, TraceViolation, ViolationKind } from './trace/types.js';
export { TRACE_FORMAT, TRACE_VERSION } from './trace/types.js';
export type { Config, InvariantInfo, ModelEntry, MutantInfo, Registry, ScenarioInfo, ScenarioSize } from './registry.js';
