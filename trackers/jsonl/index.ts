/** hpo/trackers/jsonl — every study event as one JSON line, one file per study. */
export { jsonl, jsonlFileFor, readJsonlEvents, JsonlTracker } from "./jsonl-tracker.ts";
export { JsonlOptionsSchema, resolveJsonlSettings, jsonlOptionsFromSpec } from "./jsonl-options.ts";
export type { JsonlOptions, JsonlSettings } from "./jsonl-options.ts";
export type { JsonlEvent } from "./jsonl-event.ts";
