/**
 * What the ViT and GPT-2 graphs read their weights through: a tensor by its Hugging Face
 * name (in hpo's layout), and the LoRA contribution of a linear module. The model behind it
 * decides which weights are the frozen base and which a run trains.
 */
import * as tf from "@tensorflow/tfjs";
import type { DropoutSeeds } from "../model/captioner-model.ts";
import { gelu } from "../model/ops/gelu.ts";
import { geluExact } from "../model/ops/gelu-exact.ts";
import { add } from "../model/ops/graph-ops.ts";
import { dense, linear } from "../model/ops/matmul.ts";
import type { Activation } from "./hf-config.ts";

/** Weights and adapters by name. */
export interface WeightSource {
  /** Tensor `name` (e.g. `decoder.transformer.h.0.attn.c_attn.weight`). */
  weight(name: string): tf.Tensor;
  /** Whether `name` exists (ViT without qkv bias has no query.bias). */
  has(name: string): boolean;
  /** The adapter output for `module` on x [rows, in], or null without an adapter. */
  loraDelta(module: string, x: tf.Tensor2D, seeds?: DropoutSeeds): tf.Tensor2D | null;
}

/** x·W + b (+ LoRA) for the linear module `module` (weight [in, out]). */
export function linearModule(ws: WeightSource, module: string, x: tf.Tensor2D, seeds?: DropoutSeeds, inputGradient = true): tf.Tensor2D {
  const w = ws.weight(`${module}.weight`) as tf.Tensor2D;
  const y = ws.has(`${module}.bias`) ? dense(x, w, ws.weight(`${module}.bias`) as tf.Tensor1D, { inputGradient }) : linear(x, w);
  const delta = ws.loraDelta(module, x, seeds);
  return delta ? add(y, delta) : y;
}

/** The activation `name`, elementwise. */
export function activate(name: Activation, x: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case "gelu":
      return geluExact(x);
    case "gelu_new":
    case "gelu_pytorch_tanh":
    case "gelu_fast":
      return gelu(x);
    case "relu":
      return tf.relu(x);
  }
}
