import { z } from "zod";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import { derivedStudyView } from "../vocabulary/derived-study-view.ts";

/** The metric a study's pruner and objective value watch, and the direction pruners compare it in. */
export interface StudyMetric {
  /** Name of the watched metric in `trial.report({ ... }, step)`; a one-number report is this metric. */
  readonly name: string;
  /** Direction pruners compare this metric in, when it differs from the study's (e.g. a loss in a study that maximizes METEOR). */
  readonly direction?: StudyDirection;
}

/** `metric: "meteor"` or `metric: { name: "val_loss", direction: "minimize" }`. */
export type StudyMetricOption = string | StudyMetric;

/** The system attr a study keeps its metric under, so every process and reader agrees. */
export const METRIC_ATTR = "metric";

const nameSchema = z.string().min(1, "expected a non-empty metric name").max(128, "expected at most 128 characters");

/** zod schema of {@link StudyMetricOption}, shared by createStudy and study files. */
export const studyMetricSchema = z.union([
  nameSchema,
  z.object({ name: nameSchema, direction: z.enum(["minimize", "maximize"], { error: 'expected "minimize" or "maximize"' }).optional() }).strict(),
]);

/** The option as a StudyMetric. */
export function toStudyMetric(option: StudyMetricOption): StudyMetric {
  return typeof option === "string" ? { name: option } : { ...option };
}

/** The metric stored on a study (system attr), or null when it names none. */
export function storedStudyMetric(systemAttrs: Readonly<Record<string, AttrValue>>): StudyMetric | null {
  const parsed = studyMetricSchema.safeParse(systemAttrs[METRIC_ATTR]);
  return parsed.success ? toStudyMetric(parsed.data) : null;
}

/** The metric as stored in a study's system attrs. */
export function studyMetricAttr(metric: StudyMetric): AttrValue {
  return metric.direction ? { name: metric.name, direction: metric.direction } : { name: metric.name };
}

/** Whether two metrics watch the same name in the same direction. */
export function sameStudyMetric(a: StudyMetric, b: StudyMetric): boolean {
  return a.name === b.name && a.direction === b.direction;
}

/** A metric for messages: `"val_loss" (minimize)`. */
export function describeStudyMetric(m: StudyMetric): string {
  return `"${m.name}"${m.direction ? ` (${m.direction})` : ""}`;
}

/**
 * What the pruner sees: the study's history, with the metric's direction in place of the
 * study's when the two differ. Pruners stay pure functions of this view.
 */
export function prunerViewFor(history: StudyView, metric: StudyMetric | null): StudyView {
  const direction = metric?.direction;
  if (!direction || (history.directions.length === 1 && history.directions[0] === direction)) return history;
  return derivedStudyView(history, { directions: [direction] });
}
