/** The metric name of a one-number report when the study names none. */
export const DEFAULT_METRIC = "value";

/** Longest metric name accepted (names become CSV headers, W&B keys and JSON keys). */
const MAX_METRIC_NAME = 128;

/** A report's named metrics as given, or a TypeError naming what is wrong with them. */
export function checkMetricRecord(trialNumber: number, value: unknown): Readonly<Record<string, number>> {
  const where = `trial ${trialNumber}: report(value, step)`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} needs a number or an object of named numbers, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new TypeError(`${where} got an object with no metrics`);
  for (const [name, v] of entries) {
    if (name.trim() === "" || name.length > MAX_METRIC_NAME) throw new TypeError(`${where}: metric names must be 1 to ${MAX_METRIC_NAME} characters, got ${JSON.stringify(name.slice(0, 40))}`);
    if (typeof v !== "number") throw new TypeError(`${where}: metric "${name}" must be a number, got ${v === null ? "null" : typeof v}`);
  }
  return value as Readonly<Record<string, number>>;
}
