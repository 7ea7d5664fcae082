/**
 * Every tensor of a ViT + GPT-2 captioner in Hugging Face's names and shapes
 * (VisionEncoderDecoderModel's state dict), how hpo holds it, and which projections LoRA
 * may adapt. hpo keeps linear weights transposed ([in, out]: products without a transpose
 * flag, which tfjs-backend-wasm runs ~10× slower) and the patch convolution as a matrix
 * over (channel, row, column) patch vectors; GPT-2's Conv1D weights are already [in, out].
 */
import type { ProjectionKind } from "../model/parameter-specs.ts";
import type { Tower } from "../model/parameter-store.ts";
import { type PretrainedCaptionerConfig, vitPatchCount } from "./hf-config.ts";

/** How a tensor's checkpoint layout maps to hpo's. */
export type WeightLayout = "same" | "transposed";

/** How a weight absent from a checkpoint starts (GPT-2's `_init_weights`). */
export type FreshInit = { kind: "normal"; std: number } | { kind: "zeros" } | { kind: "ones" };

/** One tensor. */
export interface WeightSpec {
  /** The state-dict name in a vision-encoder-decoder checkpoint. */
  readonly name: string;
  /** Shape in the checkpoint. */
  readonly checkpointShape: readonly number[];
  /** Shape hpo holds. */
  readonly shape: readonly number[];
  readonly layout: WeightLayout;
  readonly tower: Tower;
  /** Set for weights a ViT + GPT-2 pair lacks (cross-attention, the width projection). */
  readonly fresh?: FreshInit;
}

/** A projection LoRA may adapt: a linear module, by its module path. */
export interface LoraModule {
  readonly module: string;
  readonly tower: Tower;
  /** The kinds it serves (GPT-2's fused c_attn serves q, k and v). */
  readonly kinds: readonly ProjectionKind[];
  readonly inDim: number;
  readonly outDim: number;
}

/** The tensor list of `config`; `pooler` when the checkpoint has ViT's pooler. */
export function weightSpecs(config: PretrainedCaptionerConfig, options: { pooler: boolean }): WeightSpec[] {
  const e = config.encoder;
  const d = config.decoder;
  const specs: WeightSpec[] = [];
  const same = (name: string, shape: number[], tower: Tower, held: number[] = shape, fresh?: FreshInit) =>
    specs.push({ name, checkpointShape: shape, shape: held, layout: "same", tower, ...(fresh ? { fresh } : {}) });
  // nn.Linear: [out, in] in the checkpoint, [in, out] here.
  const linear = (name: string, inDim: number, outDim: number, tower: Tower, bias = true) => {
    specs.push({ name: `${name}.weight`, checkpointShape: [outDim, inDim], shape: [inDim, outDim], layout: "transposed", tower });
    if (bias) same(`${name}.bias`, [outDim], tower);
  };
  const norm = (name: string, dim: number, tower: Tower, fresh = false) => {
    same(`${name}.weight`, [dim], tower, [dim], fresh ? { kind: "ones" } : undefined);
    same(`${name}.bias`, [dim], tower, [dim], fresh ? { kind: "zeros" } : undefined);
  };
  // GPT-2's Conv1D: [in, out] in both.
  const conv1d = (name: string, inDim: number, outDim: number, fresh?: number) => {
    same(`${name}.weight`, [inDim, outDim], "decoder", [inDim, outDim], fresh === undefined ? undefined : { kind: "normal", std: fresh });
    same(`${name}.bias`, [outDim], "decoder", [outDim], fresh === undefined ? undefined : { kind: "zeros" });
  };

  const patchDim = e.channels * e.patchSize * e.patchSize;
  const tokens = vitPatchCount(e) + 1;
  same("encoder.embeddings.cls_token", [1, 1, e.hiddenSize], "encoder", [e.hiddenSize]);
  same("encoder.embeddings.position_embeddings", [1, tokens, e.hiddenSize], "encoder", [tokens, e.hiddenSize]);
  specs.push({
    name: "encoder.embeddings.patch_embeddings.projection.weight",
    checkpointShape: [e.hiddenSize, e.channels, e.patchSize, e.patchSize],
    shape: [patchDim, e.hiddenSize],
    layout: "transposed",
    tower: "encoder",
  });
  same("encoder.embeddings.patch_embeddings.projection.bias", [e.hiddenSize], "encoder");
  for (let l = 0; l < e.layers; l++) {
    const b = `encoder.encoder.layer.${l}`;
    for (const x of ["query", "key", "value"]) linear(`${b}.attention.attention.${x}`, e.hiddenSize, e.hiddenSize, "encoder", e.qkvBias);
    linear(`${b}.attention.output.dense`, e.hiddenSize, e.hiddenSize, "encoder");
    linear(`${b}.intermediate.dense`, e.hiddenSize, e.intermediateSize, "encoder");
    linear(`${b}.output.dense`, e.intermediateSize, e.hiddenSize, "encoder");
    norm(`${b}.layernorm_before`, e.hiddenSize, "encoder");
    norm(`${b}.layernorm_after`, e.hiddenSize, "encoder");
  }
  norm("encoder.layernorm", e.hiddenSize, "encoder");
  if (options.pooler) linear("encoder.pooler.dense", e.hiddenSize, e.hiddenSize, "encoder");

  const init = d.initializerRange;
  same("decoder.transformer.wte.weight", [d.vocabSize, d.hiddenSize], "decoder");
  same("decoder.transformer.wpe.weight", [d.positions, d.hiddenSize], "decoder");
  for (let l = 0; l < d.layers; l++) {
    const b = `decoder.transformer.h.${l}`;
    norm(`${b}.ln_1`, d.hiddenSize, "decoder");
    conv1d(`${b}.attn.c_attn`, d.hiddenSize, 3 * d.hiddenSize);
    conv1d(`${b}.attn.c_proj`, d.hiddenSize, d.hiddenSize);
    norm(`${b}.ln_cross_attn`, d.hiddenSize, "decoder", true);
    conv1d(`${b}.crossattention.c_attn`, d.hiddenSize, 2 * d.hiddenSize, init);
    conv1d(`${b}.crossattention.q_attn`, d.hiddenSize, d.hiddenSize, init);
    // GPT-2 scales residual projections' initial weights by 1/√(2·n_layer).
    conv1d(`${b}.crossattention.c_proj`, d.hiddenSize, d.hiddenSize, init / Math.sqrt(2 * d.layers));
    norm(`${b}.ln_2`, d.hiddenSize, "decoder");
    conv1d(`${b}.mlp.c_fc`, d.hiddenSize, d.innerSize);
    conv1d(`${b}.mlp.c_proj`, d.innerSize, d.hiddenSize);
  }
  norm("decoder.transformer.ln_f", d.hiddenSize, "decoder");
  if (!d.tieWordEmbeddings) same("decoder.lm_head.weight", [d.vocabSize, d.hiddenSize], "decoder");
  if (config.encoderToDecoderProjection) {
    specs.push({
      name: "enc_to_dec_proj.weight",
      checkpointShape: [d.hiddenSize, e.hiddenSize],
      shape: [e.hiddenSize, d.hiddenSize],
      layout: "transposed",
      tower: "decoder",
      fresh: { kind: "normal", std: init },
    });
    same("enc_to_dec_proj.bias", [d.hiddenSize], "decoder", [d.hiddenSize], { kind: "zeros" });
  }
  return specs;
}

/** The linear modules LoRA may adapt, in a stable order. */
export function loraModules(config: PretrainedCaptionerConfig): LoraModule[] {
  const e = config.encoder;
  const d = config.decoder;
  const out: LoraModule[] = [];
  const add = (module: string, tower: Tower, kinds: ProjectionKind[], inDim: number, outDim: number) => out.push({ module, tower, kinds, inDim, outDim });
  for (let l = 0; l < e.layers; l++) {
    const b = `encoder.encoder.layer.${l}`;
    add(`${b}.attention.attention.query`, "encoder", ["q"], e.hiddenSize, e.hiddenSize);
    add(`${b}.attention.attention.key`, "encoder", ["k"], e.hiddenSize, e.hiddenSize);
    add(`${b}.attention.attention.value`, "encoder", ["v"], e.hiddenSize, e.hiddenSize);
    add(`${b}.attention.output.dense`, "encoder", ["o"], e.hiddenSize, e.hiddenSize);
    add(`${b}.intermediate.dense`, "encoder", ["mlp"], e.hiddenSize, e.intermediateSize);
    add(`${b}.output.dense`, "encoder", ["mlp"], e.intermediateSize, e.hiddenSize);
  }
  for (let l = 0; l < d.layers; l++) {
    const b = `decoder.transformer.h.${l}`;
    add(`${b}.attn.c_attn`, "decoder", ["q", "k", "v"], d.hiddenSize, 3 * d.hiddenSize);
    add(`${b}.attn.c_proj`, "decoder", ["o"], d.hiddenSize, d.hiddenSize);
    add(`${b}.crossattention.q_attn`, "decoder", ["q"], d.hiddenSize, d.hiddenSize);
    add(`${b}.crossattention.c_attn`, "decoder", ["k", "v"], d.hiddenSize, 2 * d.hiddenSize);
    add(`${b}.crossattention.c_proj`, "decoder", ["o"], d.hiddenSize, d.hiddenSize);
    add(`${b}.mlp.c_fc`, "decoder", ["mlp"], d.hiddenSize, d.innerSize);
    add(`${b}.mlp.c_proj`, "decoder", ["mlp"], d.innerSize, d.hiddenSize);
  }
  return out;
}

/** The transpose of a row-major rows × cols matrix. */
export function transposeMatrix(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** Checkpoint values → hpo's layout. */
export function toHeldLayout(spec: WeightSpec, values: Float32Array): Float32Array {
  if (spec.layout === "same") return values;
  const rows = spec.checkpointShape[0];
  return transposeMatrix(values, rows, values.length / rows);
}

/** hpo's layout → checkpoint values (for saving a fine-tuned model). */
export function toCheckpointLayout(spec: WeightSpec, values: Float32Array): Float32Array {
  if (spec.layout === "same") return values;
  const rows = spec.checkpointShape[0];
  return transposeMatrix(values, values.length / rows, rows);
}

const BUFFERS = /\.(attn|crossattention)\.(masked_)?bias$|(^|\.)position_ids$/;

/**
 * The vision-encoder-decoder name of checkpoint key `key` from a model of `kind`, or null
 * for buffers and heads hpo does not use (GPT-2's causal-mask buffers, ViT's classifier).
 */
export function canonicalName(key: string, kind: "vision-encoder-decoder" | "vit" | "gpt2"): string | null {
  if (BUFFERS.test(key)) return null;
  if (kind === "vision-encoder-decoder") return key;
  if (kind === "vit") {
    if (key.startsWith("classifier.")) return null;
    return `encoder.${key.startsWith("vit.") ? key.slice(4) : key}`;
  }
  if (key.startsWith("transformer.") || key.startsWith("lm_head.")) return `decoder.${key}`;
  return `decoder.transformer.${key}`;
}
