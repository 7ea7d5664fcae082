import { splitByDominance } from "./multi-objective-split.ts";
import type { HistorySnapshot } from "../history/observation-history.ts";

/**
 * The below (1) / above (0) marks of a snapshot's positions for nBelow = gamma(n):
 * by rank for one objective, by dominance for several. Memoised on the snapshot.
 */
export function splitSnapshot(snap: HistorySnapshot, nBelow: number): Uint8Array {
  const key = `split:${nBelow}`;
  let below = snap.memo.get(key) as Uint8Array | undefined;
  if (below === undefined) {
    below =
      snap.nObjectives > 1
        ? splitByDominance(snap.scoreVectors(), snap.size, snap.nObjectives, nBelow)
        : splitByRank(snap.stepKey, snap.score, snap.size, nBelow);
    snap.memo.set(key, below);
  }
  return below;
}

/**
 * The below/above split of single-objective TPE: the nBelow best trials by the ranking key
 * (stepKey, score) — COMPLETE trials (stepKey -∞) by value, then PRUNED ones by deepest
 * step (stepKey = -step) and the value there, RUNNING liars (+∞) last — ties going to the
 * earlier trial, as numpy's stable argsort does in Optuna.
 *
 * Returns a 0/1 mark per position (1 = below). O(n) for the usual nBelow <= 25.
 */
function splitByRank(stepKey: Float64Array, score: Float64Array, size: number, nBelow: number): Uint8Array {
  const below = new Uint8Array(size);
  const k = Math.max(0, Math.min(nBelow, size));
  if (k === 0) return below;
  if (k === size) return below.fill(1);
  const worse = (p: number, q: number): boolean =>
    stepKey[p] > stepKey[q] || (stepKey[p] === stepKey[q] && (score[p] > score[q] || (score[p] === score[q] && p > q)));
  if (k > 256) {
    const order = Array.from({ length: size }, (_, i) => i).sort((p, q) => (worse(p, q) ? 1 : worse(q, p) ? -1 : 0));
    for (let i = 0; i < k; i++) below[order[i]] = 1;
    return below;
  }
  // Keep the k best seen so far, sorted best first; a later position never beats an equal key.
  const best = new Int32Array(k);
  let count = 0;
  for (let p = 0; p < size; p++) {
    if (count === k) {
      if (!worse(best[k - 1], p)) continue;
      count--;
    }
    let i = count;
    while (i > 0 && worse(best[i - 1], p)) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = p;
    count++;
  }
  for (let i = 0; i < k; i++) below[best[i]] = 1;
  return below;
}
