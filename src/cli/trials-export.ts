import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { metricNames, trialDurationMs } from "../vocabulary/frozen-trial.ts";

/** A trial as plain JSON (non-finite numbers as strings "NaN", "Infinity", "-Infinity"). */
export interface TrialJson {
  number: number;
  state: string;
  values: (number | string)[] | null;
  params: Record<string, AttrValue>;
  distributions: Record<string, unknown>;
  intermediateValues: Record<string, number | string>;
  /** Every metric reported, by step, then by name. */
  metrics: Record<string, Record<string, number | string>>;
  userAttrs: Record<string, AttrValue>;
  systemAttrs: Record<string, AttrValue>;
  datetimeStart: string | null;
  datetimeComplete: string | null;
  durationSeconds: number | null;
}

function num(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Trials to JSON-safe objects for `hpo trials --json` and `hpo export --format json`. */
export function trialsToJson(trials: readonly FrozenTrial[]): TrialJson[] {
  return trials.map((t) => {
    const d = trialDurationMs(t);
    return {
      number: t.number,
      state: t.state,
      values: t.values ? t.values.map(num) : null,
      params: { ...t.params },
      distributions: { ...t.distributions },
      intermediateValues: Object.fromEntries([...t.intermediateValues].map(([s, v]) => [String(s), num(v)])),
      metrics: Object.fromEntries([...t.metrics].map(([s, record]) => [String(s), Object.fromEntries(Object.entries(record).map(([k, v]) => [k, num(v)]))])),
      userAttrs: { ...t.userAttrs },
      systemAttrs: { ...t.systemAttrs },
      datetimeStart: t.datetimeStart?.toISOString() ?? null,
      datetimeComplete: t.datetimeComplete?.toISOString() ?? null,
      durationSeconds: d === null ? null : d / 1000,
    };
  });
}

/** A text that reads as a plain number (a spreadsheet takes it as one, never as a formula). */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** What starts a formula (or DDE payload) in Excel, LibreOffice and Google Sheets. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`) gets a leading
 * `'`, which spreadsheets show as text; numbers, and text that is a plain number, are left
 * as they are. (The JSON export keeps every value exact.)
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = typeof v === "string" ? v : typeof v === "number" ? String(v) : JSON.stringify(v);
  if (typeof v !== "number" && FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Trials as CSV: one row per trial, a column per param, value and user attr (as Optuna's trials_dataframe). */
export function trialsToCsv(trials: readonly FrozenTrial[], nObjectives: number): string {
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const attrs = [...new Set(trials.flatMap((t) => Object.keys(t.userAttrs)))];
  const valueCols = nObjectives === 1 ? ["value"] : Array.from({ length: nObjectives }, (_, i) => `values_${i}`);
  const header = ["number", "state", ...valueCols, "datetime_start", "datetime_complete", "duration_seconds", ...params.map((p) => `params_${p}`), ...attrs.map((a) => `user_attrs_${a}`), "fail_reason"];
  const lines = [header.map(csvCell).join(",")];
  for (const t of trials) {
    const d = trialDurationMs(t);
    lines.push(
      [
        t.number,
        t.state,
        ...valueCols.map((_, i) => t.values?.[i]),
        t.datetimeStart?.toISOString(),
        t.datetimeComplete?.toISOString(),
        d === null ? null : d / 1000,
        ...params.map((p) => t.params[p]),
        ...attrs.map((a) => t.userAttrs[a]),
        t.systemAttrs.fail_reason,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Every reported step as CSV: one row per trial and step, a column per metric (empty where a
 * step did not report it). Non-finite values are written as NaN, Infinity, -Infinity.
 */
export function stepsToCsv(trials: readonly FrozenTrial[]): string {
  const names = [...new Set(trials.flatMap((t) => metricNames(t)))];
  const lines = [["number", "state", "step", ...names].map(csvCell).join(",")];
  for (const t of trials) {
    for (const [step, record] of [...t.metrics].sort((a, b) => a[0] - b[0])) {
      lines.push([t.number, t.state, step, ...names.map((n) => record[n])].map(csvCell).join(","));
    }
  }
  return lines.join("\n") + "\n";
}
