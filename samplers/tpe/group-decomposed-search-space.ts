import type { Distribution } from "../../src/distributions/distribution.ts";
import { distributionId } from "./distribution-ids.ts";
import { finishedSpaceIds } from "./search-space-intersection.ts";
import type { HistorySnapshot } from "./observation-history.ts";

/**
 * Conditional search spaces split into groups of parameters that always occur together
 * (Optuna's _GroupDecomposedSearchSpace over COMPLETE and PRUNED trials): two parameters
 * share a group exactly when every finished trial has both or neither. Each group is then
 * sampled jointly by multivariate TPE.
 *
 * Unlike Optuna, a parameter seen with two different distributions is left out of every
 * group (it is then sampled independently), instead of keeping whichever came first.
 * Groups are ordered by their first name; names inside a group are sorted.
 */
export function groupDecomposedSearchSpace(snap: HistorySnapshot): Record<string, Distribution>[] {
  const memo = snap.memo.get("groups") as Record<string, Distribution>[] | undefined;
  if (memo) return memo;
  const ids = finishedSpaceIds(snap);
  const membership = new Map<string, { distribution: Distribution; distId: number; spaces: number[]; consistent: boolean }>();
  for (let s = 0; s < ids.length; s++) {
    const space = snap.space(ids[s]);
    for (const name of Object.keys(space)) {
      const d = space[name];
      const entry = membership.get(name);
      if (entry === undefined) membership.set(name, { distribution: d, distId: distributionId(d), spaces: [s], consistent: true });
      else {
        entry.spaces.push(s);
        if (entry.distId !== distributionId(d)) entry.consistent = false;
      }
    }
  }
  const groups = new Map<string, Record<string, Distribution>>();
  for (const name of [...membership.keys()].sort()) {
    const entry = membership.get(name)!;
    if (!entry.consistent) continue;
    const key = entry.spaces.join(",");
    let group = groups.get(key);
    if (group === undefined) {
      group = {};
      groups.set(key, group);
    }
    group[name] = entry.distribution;
  }
  const result = [...groups.values()];
  snap.memo.set("groups", result);
  return result;
}
