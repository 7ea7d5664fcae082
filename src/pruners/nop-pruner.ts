import type { Pruner } from "./pruner.ts";

/** Never prunes; the default. */
export class NopPruner implements Pruner {
  readonly usesRunningTrials = false;

  /** Always false. */
  prune(): boolean {
    return false;
  }
}
