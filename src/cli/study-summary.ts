import { formatNumber, formatParams } from "../../trackers/console/format-value.ts";
import type { Study } from "../study/study.ts";

/** Prints the end-of-run summary: counts, then the best trial (or the Pareto front). */
export async function printStudySummary(study: Study, log: (m: string) => void): Promise<void> {
  const trials = await study.trials();
  const count = (s: string) => trials.filter((t) => t.state === s).length;
  log(
    `hpo: ${trials.length} trial(s): ${count("COMPLETE")} complete, ${count("PRUNED")} pruned, ${count("FAIL")} failed` +
      (count("RUNNING") ? `, ${count("RUNNING")} running elsewhere` : "") +
      (count("WAITING") ? `, ${count("WAITING")} waiting` : ""),
  );
  if (study.directions.length > 1) {
    const front = await study.bestTrials;
    log(`hpo: Pareto front: ${front.map((t) => `trial ${t.number} [${t.values!.map(formatNumber).join(", ")}]`).join("; ") || "empty"}`);
    return;
  }
  if (count("COMPLETE") === 0) return;
  const best = await study.bestTrial;
  log(`hpo: best trial ${best.number}: value ${formatNumber(best.value)} with ${formatParams(best.params)}`);
  const attrs = Object.entries(best.userAttrs);
  if (attrs.length) log(`hpo:   user attrs: ${attrs.map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : JSON.stringify(v)}`).join(" ")}`);
}
