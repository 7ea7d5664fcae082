import type { Pruner } from "./pruner.ts";

/** Never prunes; the default. */
export class NopPruner implements Pruner {
  /** Always false. */
  prune(): boolean {
    return false;
  }
}
