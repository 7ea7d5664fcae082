/**
 * Optuna's regret curves beside hpo's for `npm run bench -- samplers`: median regret after
 * 10 / 25 / 50 / 100 (/ 200) trials, since users stop early (captioner studies run 12–50
 * trials). Optuna's side is either run now ("live": scripts/bench/optuna_quality.py under
 * Debian's Optuna 3.1 and Optuna 4.9's source) or read from
 * ../shared/bench/optuna-baseline.json ("stored", seeds 0..19 only) — a reference measured
 * elsewhere, labelled so. Optuna's own results depend on the machine: NumPy's BLAS (reference
 * or OpenBLAS) and its vectorised log decide some ties between equally good candidates, so
 * the live run prints which BLAS it used.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fmt, percentile, printTable, SHARED_BENCH } from "./_function-spec.ts";
import { benchScript, optunaPeers, pythonPath } from "./_optuna-peer.ts";

/** Median (and IQR) of final regret and median regret at each checkpoint, per setting. */
export interface CurveSummary {
  median: number;
  p25: number;
  p75: number;
  median_at: Record<string, number>;
}

/** Optuna's curves: version -> function -> setting -> summary, and where they come from. */
export interface OptunaCurves {
  source: "live" | "stored";
  byVersion: Map<string, Record<string, Record<string, CurveSummary>>>;
  notes: string[];
}

/** The Optuna settings the baseline and the live driver know. */
export const OPTUNA_SETTINGS = ["random", "tpe", "tpe-mv", "tpe-mv-group"] as const;

interface StoredBaseline {
  quality: Record<string, Record<string, { samplers: Record<string, CurveSummary> }>>;
}

/** The stored curves of ../shared/bench/optuna-baseline.json (seeds 0..19). */
export function storedCurves(baseline: StoredBaseline, functions: readonly string[], seeds: readonly number[]): OptunaCurves {
  const byVersion = new Map<string, Record<string, Record<string, CurveSummary>>>();
  const notes: string[] = [];
  const isProtocolSeeds = seeds.length === 20 && seeds.every((s, i) => s === i);
  if (!isProtocolSeeds) {
    notes.push("stored Optuna curves are for seeds 0..19 only; run with --optuna live for these seeds");
    return { source: "stored", byVersion, notes };
  }
  for (const [version, perFunction] of Object.entries(baseline.quality)) {
    const out: Record<string, Record<string, CurveSummary>> = {};
    for (const fn of functions) if (perFunction[fn]) out[fn] = perFunction[fn].samplers;
    byVersion.set(version, out);
  }
  notes.push("Optuna columns: stored reference (../shared/bench/optuna-baseline.json, measured on another machine), not run now; --optuna live runs them");
  return { source: "stored", byVersion, notes };
}

/** Runs Optuna 3.1 and 4.9 now on the same functions and seeds (minutes per function). */
export async function liveCurves(functions: readonly string[], seeds: readonly number[], optunaSrc: string | undefined): Promise<OptunaCurves> {
  const byVersion = new Map<string, Record<string, Record<string, CurveSummary>>>();
  const { peers, missing } = optunaPeers(["3.1", "4.9"], optunaSrc);
  const notes = [...missing];
  const seedsArg = seeds.join(",");
  for (const peer of peers) {
    const t0 = performance.now();
    try {
      const out = await runPython(
        [benchScript("optuna_quality.py"), fileURLToPath(new URL("functions.json", SHARED_BENCH)), functions.join(","), seedsArg, OPTUNA_SETTINGS.join(",")],
        peer.env,
      );
      const parsed = JSON.parse(out) as { optuna: string; blas: string | null; results: Record<string, Record<string, { finals: number[]; at: Record<string, number[]> }>> };
      const summaries: Record<string, Record<string, CurveSummary>> = {};
      for (const [fn, settings] of Object.entries(parsed.results)) {
        summaries[fn] = {};
        for (const [setting, r] of Object.entries(settings)) {
          summaries[fn][setting] = {
            median: percentile(r.finals, 0.5),
            p25: percentile(r.finals, 0.25),
            p75: percentile(r.finals, 0.75),
            median_at: Object.fromEntries(Object.entries(r.at).map(([c, xs]) => [c, percentile(xs, 0.5)])),
          };
        }
      }
      byVersion.set(parsed.optuna, summaries);
      notes.push(`Optuna ${parsed.optuna} ran with NumPy on ${parsed.blas ?? "an unknown BLAS"} (the BLAS decides some of TPE's ties)`);
      process.stderr.write(`  Optuna ${parsed.optuna} curves: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    } catch (e) {
      notes.push(`Optuna ${peer.label} skipped: ${(e as Error).message}`);
    }
  }
  notes.push(`Optuna columns: run now, in this invocation, on the same seeds (${seeds[0]}..${seeds.at(-1)})`);
  return { source: "live", byVersion, notes };
}

/** The curves in optuna-baseline.json's shape ({version: {function: {samplers}}}), for tables that read that file. */
export function asQualityBaseline(curves: OptunaCurves): Record<string, Record<string, { n_trials: number; samplers: Record<string, CurveSummary> }>> {
  const out: Record<string, Record<string, { n_trials: number; samplers: Record<string, CurveSummary> }>> = {};
  for (const [version, perFunction] of curves.byVersion) {
    out[version] = {};
    for (const [fn, samplers] of Object.entries(perFunction)) out[version][fn] = { n_trials: NaN, samplers };
  }
  return out;
}

/** Runs a Python script with the peer's environment; its stdout, or its last stderr line as the error. */
export function runPython(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim().split("\n").at(-1) ?? `exit ${code}`))));
  });
}

/** hpo's regret per seed at each checkpoint, for one function and sampler. */
export interface HpoCurveRow {
  fn: string;
  sampler: string;
  at: Record<number, number[]>;
}

/**
 * Prints, per function, hpo's median regret at each checkpoint beside every Optuna setting
 * and the best median of Optuna's TPE settings there; "≤ best Optuna at" lists the checkpoints
 * where hpo's median is at most the best of them.
 */
export function printCurves(rows: readonly HpoCurveRow[], optuna: OptunaCurves, seeds: readonly number[]): void {
  console.log(`\nQuality curves: median regret after 10 / 25 / 50 / 100 (/ 200) trials, seeds ${seeds[0]}..${seeds.at(-1)} (${seeds.length} seeds)`);
  for (const note of optuna.notes) console.log(`  ${note}`);
  const functions = [...new Set(rows.map((r) => r.fn))];
  for (const fn of functions) {
    const hpoRows = rows.filter((r) => r.fn === fn);
    const checkpoints = Object.keys(hpoRows[0].at).map(Number).sort((a, b) => a - b);
    const best: Record<number, number> = {};
    const optunaRows: string[][] = [];
    for (const [version, perFunction] of optuna.byVersion) {
      for (const setting of OPTUNA_SETTINGS) {
        const s = perFunction[fn]?.[setting];
        if (!s) continue;
        optunaRows.push([`Optuna ${version} ${setting} (${optuna.source})`, ...checkpoints.map((c) => fmt(s.median_at[String(c)])), ""]);
        // The bar is the best TPE setting (issue 21's "any of their TPE settings"); random is shown for scale.
        if (setting === "random") continue;
        for (const c of checkpoints) {
          const v = s.median_at[String(c)];
          if (v !== undefined) best[c] = Math.min(best[c] ?? Infinity, v);
        }
      }
    }
    const table: string[][] = [[fn, ...checkpoints.map((c) => `@${c}`), optunaRows.length ? "≤ best Optuna at" : ""]];
    for (const r of hpoRows) {
      const medians = checkpoints.map((c) => percentile(r.at[c], 0.5));
      const met = checkpoints.filter((c, i) => best[c] !== undefined && medians[i] <= best[c] * (1 + 1e-9));
      const verdict = !optunaRows.length ? "" : met.length === checkpoints.length ? "all" : met.length ? met.join(", ") : "none";
      table.push([`hpo ${r.sampler}`, ...medians.map(fmt), verdict]);
    }
    if (optunaRows.length) table.push(...optunaRows, ["best Optuna TPE", ...checkpoints.map((c) => fmt(best[c])), ""]);
    console.log("");
    printTable(table);
  }
}
