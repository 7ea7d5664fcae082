/**
 * hpo — hyperparameter search for TypeScript. The public API: everything a user imports
 * from "hpo". Heavy parts live behind subpaths (hpo/captioner, hpo/trackers/wandb, ...).
 */
export * from "./distributions/index.ts";
export * from "./trial/trial-state.ts";
export * from "./trial/frozen-trial.ts";
export * from "./trial/trial-pruned.ts";
export * from "./study/study-direction.ts";
export * from "./study/study-view.ts";
export { type StudyMetric, type StudyMetricOption } from "./study/study-metric.ts";
export * from "./samplers/sampler.ts";
export * from "./pruners/pruner.ts";
export * from "./pruners/nop-pruner.ts";
export * from "./random/seeded-random.ts";
export * from "./tracking/tracker.ts";
export * from "./tracking/tracker-hub.ts";
export * from "./storage/storage.ts";
export * from "./storage/study-event.ts";
export * from "./storage/storage-errors.ts";
export * from "./storage/open-storage.ts";
export { InMemoryStorage } from "./storage/memory-storage.ts";
export * from "./trial/trial.ts";
export * from "./study/objective.ts";
export * from "./study/study.ts";
export * from "./study/create-study.ts";
export * from "./study/pareto-front.ts";
export * from "../samplers/random/random-sampler.ts";
export * from "./study-file/study-definition.ts";
export * from "./study-file/search-space.ts";
// -- samplers (TPE) --
export * from "../samplers/tpe/index.ts";
// -- pruners --
export * from "./pruners/percentile-pruner.ts";
export * from "./pruners/median-pruner.ts";
export * from "./pruners/successive-halving-pruner.ts";
export * from "./pruners/hyperband-pruner.ts";
export * from "./pruners/threshold-pruner.ts";
export * from "./pruners/patient-pruner.ts";
export * from "./pruners/catch-up-pruner.ts";
// -- metrics --
export * from "../objectives/metrics/index.ts";
// -- live feed, dashboard server, parameter importance --
export * from "./feed/feed-protocol.ts";
export { decodeFeedMessage } from "./feed/feed-json.ts";
export { FeedHub, type FeedOptions, type FeedStats } from "./feed/feed-hub.ts";
export type { FeedSession, FeedClientLimits } from "./feed/feed-session.ts";
export { startFeedServer, type FeedServer, type FeedServerOptions } from "./server/start-feed-server.ts";
export { ServeConfigError } from "./server/host-policy.ts";
export * from "./importance/param-importance.ts";
