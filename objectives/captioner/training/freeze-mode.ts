/**
 * Freeze modes, named as in the study this project grew from: `none` trains both towers,
 * `encoder` freezes the ViT (the decoder trains), `decoder` freezes the GPT-2 decoder (the
 * encoder trains). With LoRA (r ≥ 1) the towers that train get adapters and only the
 * adapters change; with r = 0 their weights are fine-tuned directly.
 */
import type * as tf from "@tensorflow/tfjs";
import { type LoraConfig } from "../lora/lora-config.ts";
import { LoraAdapters } from "../lora/lora-adapters.ts";
import type { CaptionerModel } from "../model/captioner-model.ts";
import type { Tower } from "../model/parameter-store.ts";

export const FREEZE_MODES = ["none", "encoder", "decoder"] as const;
export type FreezeMode = (typeof FREEZE_MODES)[number];

/** The towers that train under `mode`. */
export function trainedTowers(mode: FreezeMode): Tower[] {
  return mode === "none" ? ["encoder", "decoder"] : mode === "encoder" ? ["decoder"] : ["encoder"];
}

/**
 * Prepares `model` for fine-tuning and returns the variables the optimiser may change, by
 * name: fresh adapters on the trained towers when `lora.r ≥ 1` (plus the tied word table
 * when `trainWordEmbeddings` and the decoder trains), else those towers' weights.
 */
export function prepareTrainable(model: CaptionerModel, mode: FreezeMode, lora: LoraConfig, seed: number, options: { readonly trainWordEmbeddings?: boolean } = {}): Map<string, tf.Variable> {
  const towers = trainedTowers(mode);
  if (lora.r >= 1) {
    const adapters = LoraAdapters.create(lora, model.projections, towers, seed);
    model.setLora(adapters);
    const named = adapters.named();
    if (options.trainWordEmbeddings && towers.includes("decoder")) named.set("decoder.tokens", model.params.get("decoder.tokens"));
    return named;
  }
  model.setLora(null);
  return new Map(towers.flatMap((t) => model.params.namesIn(t)).map((n) => [n, model.params.get(n)]));
}
