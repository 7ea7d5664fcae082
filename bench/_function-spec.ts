/**
 * The shared benchmark functions (../shared/bench/functions.json) as hpo distributions, and
 * the small statistics and table helpers the sampler benchmarks print with.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import {
  categoricalDistribution,
  type Distribution,
  floatDistribution,
  intDistribution,
  type ParamValue,
} from "../src/index.ts";
import { SeededRandom } from "../src/random/seeded-random.ts";

/** ../shared/bench, beside the checkout. */
export const SHARED_BENCH = new URL("../../shared/bench/", import.meta.url);

/** One parameter of a function's search space, as functions.json writes it. */
export type ParamSpec =
  | { name: string; type: "float"; low: number; high: number; log?: boolean; step?: number | null }
  | { name: string; type: "int"; low: number; high: number; log?: boolean; step?: number }
  | { name: string; type: "categorical"; choices: (number | string | boolean | null)[] };

/** One benchmark function of functions.json. */
export interface FunctionSpec {
  name: string;
  params: ParamSpec[];
  optimum: { value: number };
  budget: { n_trials: number };
}

/** Every function of ../shared/bench/functions.json. */
export function loadFunctionSpecs(): FunctionSpec[] {
  return (JSON.parse(readFileSync(new URL("functions.json", SHARED_BENCH), "utf8")) as { functions: FunctionSpec[] }).functions;
}

/** The hpo distribution of a parameter spec. */
export function distributionOf(p: ParamSpec): Distribution {
  if (p.type === "float") return floatDistribution(p.low, p.high, { log: p.log ?? false, step: p.step ?? null });
  if (p.type === "int") return intDistribution(p.low, p.high, { log: p.log ?? false, step: p.step ?? 1 });
  return categoricalDistribution(p.choices);
}

/** Uniform random params over a function's space (history for speed benchmarks). */
export function randomParams(spec: FunctionSpec, rng: SeededRandom): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of spec.params) {
    const d = distributionOf(p);
    if (d.type === "categorical") out[p.name] = d.choices[rng.int(0, d.choices.length - 1)];
    else if (d.type === "int") out[p.name] = rng.int(d.low, d.high);
    else out[p.name] = d.log ? Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))) : rng.uniform(d.low, d.high);
  }
  return out;
}

/** The stored (internal) form of a value: the index of a categorical choice, else the number. */
export function toInternalOf(d: Distribution, v: ParamValue): number {
  return d.type === "categorical" ? d.choices.indexOf(v as never) : (v as number);
}

/** The suggest methods of a live trial. */
export interface SuggestingTrial {
  suggestFloat(name: string, low: number, high: number, o?: { log?: boolean; step?: number | null }): number;
  suggestInt(name: string, low: number, high: number, o?: { log?: boolean; step?: number }): number;
  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T;
}

/** Suggests one parameter through the trial API a user calls. */
export function suggestThrough(trial: SuggestingTrial, name: string, d: Distribution): ParamValue {
  if (d.type === "float") return trial.suggestFloat(name, d.low, d.high, { log: d.log, step: d.step });
  if (d.type === "int") return trial.suggestInt(name, d.low, d.high, { log: d.log, step: d.step });
  return trial.suggestCategorical(name, d.choices);
}

/** NumPy's default percentile (linear interpolation). */
export function percentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Median (NumPy's). */
export function median(xs: readonly number[]): number {
  return percentile(xs, 0.5);
}

/** Four significant digits, fewer for large numbers; "—" for nothing. */
export function fmt(v: number | undefined | null): string {
  if (v === undefined || v === null || Number.isNaN(v)) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 1) return v.toPrecision(4);
  return v.toPrecision(3);
}

/** Prints rows as aligned columns, the first row as the header. */
export function printTable(table: string[][]): void {
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
  for (const [i, r] of table.entries()) {
    console.log(r.map((cell, c) => (cell ?? "").padEnd(widths[c])).join("  ").trimEnd());
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** The 1, 5 and 15 minute load averages and the core count, e.g. "2.1 / 1.8 / 1.5 on 2 cores". */
export function loadAverages(): string {
  return `${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ")} on ${os.cpus().length} cores`;
}
