import type { Trial } from "../trial/trial.ts";

/** What an objective may return: one value, or one per direction for multi-objective studies. */
export type ObjectiveResult = number | readonly number[];

/** The function a study optimises: receives a running trial, returns its value(s). */
export type Objective = (trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;
