import { formatNumber, formatParams } from "../../trackers/console/format-value.ts";
import type { Study } from "../study/study.ts";
import type { AttrValue } from "../trial/frozen-trial.ts";

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
  for (const line of renderAttrs(best.userAttrs)) log(`hpo:   ${line}`);
}

/** User attrs as readable lines: scalars together, each object on its own line (nested by dots). */
export function renderAttrs(attrs: Readonly<Record<string, AttrValue>>, prefix = ""): string[] {
  const scalars: string[] = [];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) lines.push(...renderAttrs(v, `${prefix}${k}.`));
    else scalars.push(`${k}=${typeof v === "number" ? formatNumber(v) : typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  const head = scalars.length ? [`${prefix ? `${prefix.slice(0, -1)}: ` : ""}${scalars.join(" ")}`] : [];
  return [...head, ...lines];
}
