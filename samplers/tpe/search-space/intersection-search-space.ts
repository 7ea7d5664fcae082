import type { Distribution } from "../../../src/vocabulary/distribution.ts";
import { distributionId } from "../history/distribution-ids.ts";
import type { HistorySnapshot } from "../history/observation-history.ts";

/**
 * The ids of the distinct parameter sets among a snapshot's finished (COMPLETE/PRUNED)
 * trials, in the order trials first finished with them (by trial number).
 */
export function finishedSpaceIds(snap: HistorySnapshot): number[] {
  let ids = snap.memo.get("spaceIds") as number[] | undefined;
  if (ids === undefined) {
    const seen = new Set<number>();
    for (let p = 0; p < snap.size; p++) if (snap.isFinished(p)) seen.add(snap.spaceIdAt(p));
    ids = [...seen];
    snap.memo.set("spaceIds", ids);
  }
  return ids;
}

/**
 * The parameters every finished trial of the snapshot has, with the same distribution
 * (Optuna's IntersectionSearchSpace with include_pruned), in the order the first such trial
 * suggested them (joint proposals draw in this order, as Optuna's). Empty before the first
 * trial finishes.
 */
export function intersectionSearchSpace(snap: HistorySnapshot): Record<string, Distribution> {
  const memo = snap.memo.get("intersection") as Record<string, Distribution> | undefined;
  if (memo) return memo;
  const ids = finishedSpaceIds(snap);
  const result: Record<string, Distribution> = {};
  if (ids.length > 0) {
    const first = snap.space(ids[0]);
    for (const name of Object.keys(first)) {
      const want = distributionId(first[name]);
      let everywhere = true;
      for (let i = 1; i < ids.length && everywhere; i++) {
        const d = snap.space(ids[i])[name];
        everywhere = d !== undefined && distributionId(d) === want;
      }
      if (everywhere) result[name] = first[name];
    }
  }
  snap.memo.set("intersection", result);
  return result;
}
