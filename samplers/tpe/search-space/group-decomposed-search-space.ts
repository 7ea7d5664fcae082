import type { Distribution } from "../../../src/vocabulary/distribution.ts";
import { distributionId } from "../history/distribution-ids.ts";
import type { HistorySnapshot } from "../history/observation-history.ts";
import { finishedSpaceIds } from "./intersection-search-space.ts";

/**
 * Conditional search spaces split into groups of parameters that always occur together
 * (Optuna's _GroupDecomposedSearchSpace over COMPLETE and PRUNED trials): two parameters
 * share a group exactly when every finished trial has both or neither. Each group is then
 * sampled jointly by multivariate TPE.
 *
 * Groups come in Optuna's order (each new parameter set splits every group into the part it
 * shares and the part it lacks, then adds its new names). With `sortNames` (replaying
 * Optuna), names inside a group are sorted, so groups draw from the random stream in the
 * order Optuna's do; otherwise they keep the order the trials suggested them in, so that on
 * an unconditional space grouped TPE is exactly multivariate TPE.
 *
 * Unlike Optuna, a parameter seen with two different distributions is left out of every
 * group (it is then sampled independently), instead of keeping whichever came first.
 */
export function groupDecomposedSearchSpace(snap: HistorySnapshot, sortNames: boolean): Record<string, Distribution>[] {
  const key = sortNames ? "groups-sorted" : "groups";
  const memo = snap.memo.get(key) as Record<string, Distribution>[] | undefined;
  if (memo) return memo;
  const spaces = finishedSpaceIds(snap).map((id) => snap.space(id));
  let groups: string[][] = [];
  for (const space of spaces) {
    const fresh = new Set(Object.keys(space));
    const next: string[][] = [];
    for (const group of groups) {
      next.push(group.filter((name) => fresh.has(name)));
      next.push(group.filter((name) => !fresh.has(name)));
      for (const name of group) fresh.delete(name);
    }
    next.push([...fresh]);
    groups = next.filter((group) => group.length > 0);
  }
  const result: Record<string, Distribution>[] = [];
  for (const group of groups) {
    const out: Record<string, Distribution> = {};
    for (const name of sortNames ? [...group].sort() : group) {
      const d = consistentDistribution(spaces, name);
      if (d) out[name] = d;
    }
    if (Object.keys(out).length > 0) result.push(out);
  }
  snap.memo.set(key, result);
  return result;
}

/** The parameter's distribution when every space that has it agrees on it; else undefined. */
function consistentDistribution(spaces: readonly Readonly<Record<string, Distribution>>[], name: string): Distribution | undefined {
  let found: Distribution | undefined;
  let id = 0;
  for (const space of spaces) {
    const d = space[name];
    if (d === undefined) continue;
    if (found === undefined) {
      found = d;
      id = distributionId(d);
    } else if (distributionId(d) !== id) return undefined;
  }
  return found;
}
