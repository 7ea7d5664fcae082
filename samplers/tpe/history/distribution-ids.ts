import type { Distribution } from "../../../src/vocabulary/distribution.ts";

/**
 * Small integer ids for structurally equal distributions, so the history can compare a
 * stored param's distribution with the one being sampled in O(1). Ids are process-wide and
 * stable; the key is the distribution's canonical JSON.
 */
const idOfKey = new Map<string, number>();
const idOfObject = new WeakMap<Distribution, number>();

/** The id of a distribution (equal distributions, equal ids). */
export function distributionId(d: Distribution): number {
  const known = idOfObject.get(d);
  if (known !== undefined) return known;
  const key = canonicalKey(d);
  let id = idOfKey.get(key);
  if (id === undefined) {
    id = idOfKey.size;
    idOfKey.set(key, id);
  }
  idOfObject.set(d, id);
  return id;
}

function canonicalKey(d: Distribution): string {
  if (d.type === "categorical") return `c${JSON.stringify(d.choices)}`;
  return `${d.type === "float" ? "f" : "i"}${d.low},${d.high},${d.log ? 1 : 0},${d.step ?? "-"}`;
}
