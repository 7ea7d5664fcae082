/**
 * LoRA settings: rank, scaling numerator, dropout on the adapter's input, and which
 * projections get adapters (q and v at least, as in the original LoRA paper).
 */
import { z } from "zod";
import type { ProjectionKind } from "../model/parameter-specs.ts";

/** LoRA hyperparameters. `r = 0` means no adapters (full fine-tuning). */
export interface LoraConfig {
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly targets: readonly ProjectionKind[];
}

export const loraConfigSchema = z.object({
  r: z.number({ error: "expected the LoRA rank r (an integer ≥ 0)" }).int().nonnegative(),
  alpha: z.number({ error: "expected the LoRA alpha (a positive number)" }).positive(),
  dropout: z.number({ error: "expected the LoRA dropout in [0, 1)" }).min(0).lt(1),
  targets: z
    .array(z.enum(["q", "k", "v", "o", "mlp"]))
    .min(1, { error: "LoRA needs at least one target projection" })
    .default(["q", "v"]),
});

/** The default adapter targets. */
export const DEFAULT_LORA_TARGETS: readonly ProjectionKind[] = ["q", "v"];

/** alpha / r, the factor applied to the adapter's output. */
export function loraScale(config: LoraConfig): number {
  return config.r > 0 ? config.alpha / config.r : 0;
}
