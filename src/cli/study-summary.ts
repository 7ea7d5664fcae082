import { formatNumber, formatParams, formatText } from "../../trackers/console/format-value.ts";
import type { Study } from "../study/study.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";

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
    const shown = front.slice(0, 20).map((t) => `trial ${t.number} [${t.values!.map(formatNumber).join(", ")}]`);
    if (front.length > shown.length) shown.push(`… ${front.length - shown.length} more`);
    log(`hpo: Pareto front: ${shown.join("; ") || "empty"}`);
    return;
  }
  if (count("COMPLETE") === 0) return;
  const best = await study.bestTrial;
  log(`hpo: best trial ${best.number}: value ${formatNumber(best.value)} with ${formatParams(best.params)}`);
  for (const line of renderAttrs(best.userAttrs)) log(`hpo:   ${line}`);
}

/** Lines of user attrs the summary prints at most, and attrs on one line at most. */
const MAX_ATTR_LINES = 12;
const MAX_ATTRS_PER_LINE = 16;

/**
 * User attrs as readable lines: scalars together, each object on its own line (nested by
 * dots). Bounded, so a huge attr cannot bury the summary: values are cut past 200
 * characters, at most 16 attrs share a line and 12 lines are printed, and what is left
 * out is counted (`hpo export` has everything).
 */
export function renderAttrs(attrs: Readonly<Record<string, AttrValue>>): string[] {
  const lines: string[] = [];
  let omitted = 0;
  const walk = (node: Readonly<Record<string, AttrValue>>, prefix: string, depth: number): void => {
    const scalars: string[] = [];
    const nested: [string, Readonly<Record<string, AttrValue>>][] = [];
    for (const [k, v] of Object.entries(node)) {
      // Objects nest on lines of their own, down to a depth where they print as JSON.
      if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < 8) nested.push([k, v as Readonly<Record<string, AttrValue>>]);
      else if (scalars.length < MAX_ATTRS_PER_LINE) scalars.push(`${formatText(k, 100)}=${typeof v === "number" ? formatNumber(v) : formatText(typeof v === "string" ? v : JSON.stringify(v))}`);
      else omitted++;
    }
    if (scalars.length) {
      if (lines.length < MAX_ATTR_LINES) lines.push(`${prefix ? `${formatText(prefix.slice(0, -1), 100)}: ` : ""}${scalars.join(" ")}`);
      else omitted += scalars.length;
    }
    for (const [k, v] of nested) {
      if (lines.length < MAX_ATTR_LINES) walk(v, `${prefix}${k}.`, depth + 1);
      else omitted++;
    }
  };
  walk(attrs, "", 0);
  if (omitted > 0) lines.push(`… ${omitted} more attr(s) (hpo export shows them all)`);
  return lines;
}
