/**
 * hpo — hyperparameter search for TypeScript. The public API: everything a user imports
 * from "hpo", and nothing else. Heavy or specialised parts live behind subpaths
 * (hpo/metrics, hpo/captioner, hpo/command, hpo/trackers/wandb, hpo/trackers/jsonl).
 *
 * This file and src/cli/ are the two composition roots: the only places in src/ that may
 * import from samplers/, trackers/ or objectives/ (tests/layout/src-imports.test.ts).
 */

// -- studies and trials --
export { createStudy, loadStudy, deleteStudy, listStudies, StudyOptionsError } from "./study/create-study.ts";
export type { CreateStudyOptions, LoadStudyOptions } from "./study/create-study.ts";
export { Study } from "./study/study.ts";
export type { EnqueueOptions, OptimizeOptions, StudyCallback, TellInput } from "./study/study.ts";
export type { CatchOption, OptimizeResult } from "./study/optimize.ts";
export type { WorkerOptions } from "./study/worker-options.ts";
export type { StudyDirection } from "./vocabulary/study-direction.ts";
export type { StudyMetric, StudyMetricOption } from "./study/study-metric.ts";
export type { Objective, ObjectiveResult } from "./study/objective.ts";
export { Trial, TrialFinishedError } from "./study/trial.ts";
export { TrialState } from "./vocabulary/trial-state.ts";
export type { AttrValue, FrozenTrial } from "./vocabulary/frozen-trial.ts";
export { TrialPruned, isTrialPruned } from "./vocabulary/trial-pruned.ts";

// -- study files (`hpo run study.ts`) --
export { defineStudy, StudyDefinitionError } from "./study-file/study-definition.ts";
export type { StudyDefinition } from "./study-file/study-definition.ts";
export { param } from "./study-file/search-space.ts";

// -- search spaces --
export { floatDistribution, intDistribution, categoricalDistribution } from "./distributions/create-distribution.ts";
export type { RangeOptions } from "./distributions/create-distribution.ts";
export { DistributionError } from "./vocabulary/distribution.ts";
export type {
  CategoricalChoice,
  CategoricalDistribution,
  Distribution,
  FloatDistribution,
  IntDistribution,
  ParamValue,
} from "./vocabulary/distribution.ts";

// -- samplers (the interface, so users can write their own, and hpo's two) --
export type { Sampler } from "./samplers/sampler.ts";
export type { StudyView } from "./vocabulary/study-view.ts";
export { RandomSampler } from "./samplers/random-sampler.ts";
export type { RandomSamplerOptions } from "./samplers/random-sampler.ts";
export { TPESampler, defaultGamma, defaultWeights, hyperoptGamma } from "../samplers/tpe/index.ts";
export type { TPESamplerOptions } from "../samplers/tpe/index.ts";

// -- pruners --
export type { Pruner } from "./pruners/pruner.ts";
export { NopPruner } from "./pruners/nop-pruner.ts";
export { MedianPruner } from "./pruners/median-pruner.ts";
export { PercentilePruner } from "./pruners/percentile-pruner.ts";
export { SuccessiveHalvingPruner } from "./pruners/successive-halving-pruner.ts";
export { HyperbandPruner } from "./pruners/hyperband-pruner.ts";
export { ThresholdPruner } from "./pruners/threshold-pruner.ts";
export { PatientPruner } from "./pruners/patient-pruner.ts";
export { CatchUpPruner } from "./pruners/catch-up-pruner.ts";
export type { MedianPrunerOptions } from "./pruners/median-pruner.ts";
export type { PercentilePrunerOptions } from "./pruners/percentile-pruner.ts";
export type { SuccessiveHalvingPrunerOptions } from "./pruners/successive-halving-pruner.ts";
export type { HyperbandPrunerOptions } from "./pruners/hyperband-pruner.ts";
export type { ThresholdPrunerOptions } from "./pruners/threshold-pruner.ts";
export type { PatientPrunerOptions } from "./pruners/patient-pruner.ts";
export type { CatchUpPrunerOptions } from "./pruners/catch-up-pruner.ts";

// -- storage --
export { openStorage, DEFAULT_STORAGE_FOLDER } from "./storage/open-storage.ts";
export type { OpenStorageOptions, StorageTarget } from "./storage/open-storage.ts";
export { InMemoryStorage } from "./storage/memory-storage.ts";
export type { Storage, StudySummary } from "./storage/storage.ts";
export type { StudyEvent, StudyEventType } from "./storage/study-event.ts";
export {
  StorageError,
  StorageConfigError,
  DuplicatedStudyError,
  StudyNotFoundError,
  TrialNotRunningError,
  UnstorableDataError,
} from "./storage/storage-errors.ts";

// -- trackers (the interface; W&B and JSONL are subpaths) --
export { TrackerHub } from "./tracking/tracker-hub.ts";
export type {
  ReportEvent,
  StudyEndEvent,
  StudyStartEvent,
  Tracker,
  TrialFinishEvent,
  TrialStartEvent,
} from "./tracking/tracker.ts";

// -- live feed and dashboard server --
export { FEED_PROTOCOL_VERSION } from "./feed/feed-protocol.ts";
export type {
  FeedClientMessage,
  FeedEvent,
  FeedServerMessage,
  FeedStudy,
  FeedStudySummary,
  FeedTrial,
} from "./feed/feed-protocol.ts";
export { decodeFeedMessage } from "./feed/feed-json.ts";
export { FeedHub, type FeedOptions, type FeedStats } from "./feed/feed-hub.ts";
export type { FeedSession, FeedClientLimits } from "./feed/feed-session.ts";
export { startFeedServer, type FeedServer, type FeedServerOptions } from "./server/start-feed-server.ts";
export { ServeConfigError } from "./server/host-policy.ts";

// -- parameter importance --
export { paramImportances, paramImportancesAsync } from "./importance/param-importance.ts";
export type { ParamImportance, ParamImportanceOptions, ParamImportanceResult } from "./importance/param-importance.ts";
