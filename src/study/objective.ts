import type { Trial } from "./trial.ts";

/**
 * What an objective may return: one value, one per direction for multi-objective studies, or
 * named metrics of which the study's watched metric (its `metric` option) is the value.
 */
export type ObjectiveResult = number | readonly number[] | Readonly<Record<string, number>>;

/** The function a study optimises: receives a running trial, returns its value(s). */
export type Objective = (trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;
