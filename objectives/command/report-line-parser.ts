import { z } from "zod";
import { CAPTIONS_PREFIX, captionsMessageSchema, type CaptionsMessage } from "./caption-message.ts";
import { describeZodIssues } from "./describe-zod-issues.ts";
import { MAX_REPORT_STEP } from "../../src/storage/storable-data.ts";

/**
 * What a program prints to report: `hpo:report {"step": 3, "value": 0.41}` (the study's
 * watched metric) or `hpo:report {"step": 3, "metrics": {"val_loss": 2.4, "meteor": 0.22}}`.
 */
export const REPORT_PREFIX = "hpo:report";
/** What a program prints to finish: `hpo:result {"value": 0.52}` (or `{"metrics": {...}}`). */
export const RESULT_PREFIX = "hpo:result";

// JSON has no NaN or ±Infinity; hpo_report.py writes them as these strings.
const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };

const metricValue = z.union(
  [z.number(), z.enum(["NaN", "Infinity", "-Infinity"]).transform((s) => NON_FINITE[s])],
  { error: 'expected a number (or "NaN", "Infinity", "-Infinity")' },
);

const metricsSchema = z
  .record(z.string().min(1, "expected non-empty metric names").max(128, "expected metric names of at most 128 characters"), metricValue)
  .refine((m) => Object.keys(m).length > 0, "expected at least one metric");

/** `value` (one number) or `metrics` (named numbers), exactly one of them. */
const valueOrMetrics = {
  value: metricValue.optional(),
  metrics: metricsSchema.optional(),
};
const oneOf = (o: { value?: number; metrics?: Record<string, number> }) => (o.value === undefined) !== (o.metrics === undefined);
const oneOfMessage = { message: 'expected "value" (a number) or "metrics" (an object of named numbers), not both' };

const reportSchema = z
  .object({
    step: z.number({ error: "expected an integer step" }).int({ error: "expected an integer step" }).nonnegative().max(MAX_REPORT_STEP, { error: `expected a step of at most ${MAX_REPORT_STEP}` }),
    ...valueOrMetrics,
  })
  .refine(oneOf, oneOfMessage);

const resultSchema = z.object(valueOrMetrics).refine(oneOf, oneOfMessage);

/** A reported number, or named numbers. */
export type ReportedValue = number | Readonly<Record<string, number>>;

/** One line of a program's stdout, as the command objective understands it. */
export type ReportLine =
  /** An intermediate value or named metrics: `trial.report(value, step)`. */
  | { readonly kind: "report"; readonly step: number; readonly value: ReportedValue }
  /** The trial's final value (named metrics: the study's watched one is the value). */
  | { readonly kind: "result"; readonly value: ReportedValue }
  /** A split's captions for hpo to score and record as that step's metrics. */
  | { readonly kind: "captions"; readonly message: CaptionsMessage }
  /** A line that starts with `hpo:` but is not a valid report or result; `reason` says why. */
  | { readonly kind: "invalid"; readonly reason: string }
  /** Any other output. */
  | { readonly kind: "output" };

/**
 * Classifies one line (without its newline) of a program's stdout.
 *
 * @example
 * parseReportLine('hpo:report {"step": 3, "value": 0.41}') // { kind: "report", step: 3, value: 0.41 }
 */
export function parseReportLine(line: string): ReportLine {
  const text = line.trim();
  if (!text.startsWith("hpo:")) return { kind: "output" };
  const space = text.search(/\s/);
  const keyword = space === -1 ? text : text.slice(0, space);
  const payload = space === -1 ? "" : text.slice(space + 1).trim();
  if (keyword !== REPORT_PREFIX && keyword !== RESULT_PREFIX && keyword !== CAPTIONS_PREFIX) {
    return { kind: "invalid", reason: `unknown keyword "${keyword}" (expected ${REPORT_PREFIX}, ${RESULT_PREFIX} or ${CAPTIONS_PREFIX})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (e) {
    return { kind: "invalid", reason: `${keyword} needs a JSON object: ${(e as Error).message}` };
  }
  if (keyword === CAPTIONS_PREFIX) {
    const parsed = captionsMessageSchema.safeParse(json);
    if (!parsed.success) return { kind: "invalid", reason: `${keyword}: ${describeZodIssues(parsed.error)}` };
    return { kind: "captions", message: parsed.data };
  }
  if (keyword === REPORT_PREFIX) {
    const parsed = reportSchema.safeParse(json);
    if (!parsed.success) return { kind: "invalid", reason: `${keyword}: ${describeZodIssues(parsed.error)}` };
    return { kind: "report", step: parsed.data.step, value: parsed.data.value ?? parsed.data.metrics! };
  }
  const parsed = resultSchema.safeParse(json);
  if (!parsed.success) return { kind: "invalid", reason: `${keyword}: ${describeZodIssues(parsed.error)}` };
  return { kind: "result", value: parsed.data.value ?? parsed.data.metrics! };
}
