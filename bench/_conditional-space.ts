/**
 * A conditional search space for the TPE quality benchmark (`npm run bench --
 * tpe-conditional`): which model, then that model's own parameters, plus one shared
 * parameter, as define-by-run studies look. scripts/bench/conditional_space.py is its
 * line-for-line Python port, for Optuna. Minimised; the optimum is 0 (the "net" branch at
 * layers 3, width 256, dropout 0.2, lr 10^-3.2, batch 32); the other branches bottom out
 * at 0.05 ("tree") and 0.12 ("linear"), so a sampler must find the right branch and then
 * tune inside it.
 */
import type { ParamValue } from "../src/index.ts";

/** The suggest calls a conditional objective makes. */
export interface ConditionalSuggest {
  float(name: string, low: number, high: number, log?: boolean): number;
  int(name: string, low: number, high: number): number;
  categorical<T extends ParamValue>(name: string, choices: readonly T[]): T;
}

/** Trials per study. */
export const CONDITIONAL_TRIALS = 100;

/** The objective: suggests its parameters through `s` and returns the loss (>= 0). */
export function conditionalObjective(s: ConditionalSuggest): number {
  const model = s.categorical("model", ["linear", "tree", "net"] as const);
  const batch = s.categorical("batch", [16, 32, 64, 128] as const);
  const batchPenalty = 0.005 * (Math.log2(batch) - 5) ** 2;
  if (model === "linear") {
    const l2 = s.float("linear_l2", 1e-6, 1, true);
    const lr = s.float("linear_lr", 1e-4, 1, true);
    return 0.12 + 0.02 * (Math.log10(l2) + 3) ** 2 + 0.03 * (Math.log10(lr) + 1.5) ** 2 + batchPenalty;
  }
  if (model === "tree") {
    const depth = s.int("tree_depth", 1, 12);
    const minLeaf = s.int("tree_min_leaf", 1, 50);
    const subsample = s.float("tree_subsample", 0.3, 1);
    return 0.05 + 0.01 * (depth - 7) ** 2 + 0.0004 * (minLeaf - 10) ** 2 + 0.5 * (subsample - 0.8) ** 2 + batchPenalty;
  }
  const layers = s.int("net_layers", 1, 4);
  const width = s.categorical("net_width", [32, 64, 128, 256, 512] as const);
  const dropout = s.float("net_dropout", 0, 0.5);
  const lr = s.float("net_lr", 1e-5, 1e-1, true);
  const a = Math.log10(lr) + 3.2;
  const d = (dropout - 0.2) / 0.1;
  return 0.02 * (layers - 3) ** 2 + 0.01 * (Math.log2(width) - 8) ** 2 + 0.01 * d * d + 0.05 * a * a - 0.01 * a * d + batchPenalty;
}
