/**
 * Saves what a fine-tuning run learned in the layout Python users load: LoRA adapters as
 * peft writes them (adapter_config.json + adapter_model.safetensors, keys
 * `base_model.model.<module>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r], a
 * trained word table as a modules_to_save entry), and fully fine-tuned weights as a
 * partial state dict in transformers' names and layout.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { toCheckpointLayout, transposeMatrix } from "./hf-weight-layout.ts";
import type { PretrainedCaptionerModel } from "./pretrained-captioner-model.ts";
import { type Float32Tensor, writeSafetensors } from "./safetensors-writer.ts";

/** What is written next to the tensors. */
export interface AdapterInfo {
  /** The base checkpoint (folder, or "encoder + decoder" folders). */
  readonly baseModel: string;
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
}

async function writeAtomically(dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFile(join(tmp, name), data);
  await mkdir(dirname(dir), { recursive: true });
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/**
 * Writes the model's current adapters (and trained word table) into `dir` in peft's
 * layout. Returns the tensor names written.
 */
export async function savePeftAdapter(dir: string, model: PretrainedCaptionerModel, info: AdapterInfo): Promise<string[]> {
  const lora = model.lora;
  if (!lora) throw new Error("savePeftAdapter: the model has no adapters (loraR 0 runs save their weights with saveFineTunedWeights)");
  const tensors = new Map<string, Float32Tensor>();
  const targets: string[] = [];
  for (const { name, a, b } of lora.entries()) {
    const inDim = a.shape[0] as number;
    const r = a.shape[1] as number;
    const outDim = b.shape[1] as number;
    targets.push(name);
    tensors.set(`base_model.model.${name}.lora_A.weight`, { shape: [r, inDim], values: transposeMatrix(a.dataSync() as Float32Array, inDim, r) });
    tensors.set(`base_model.model.${name}.lora_B.weight`, { shape: [outDim, r], values: transposeMatrix(b.dataSync() as Float32Array, r, outDim) });
  }
  const modulesToSave: string[] = [];
  for (const [name, v] of model.trainedWeights()) {
    // A trained tied word table: peft's modules_to_save copy, saved under the module's own key.
    tensors.set(`base_model.model.${name}`, { shape: [...v.shape], values: v.dataSync() as Float32Array });
    modulesToSave.push(name.replace(/\.weight$/, "").split(".").pop() as string);
  }
  const config = {
    peft_type: "LORA",
    task_type: null,
    auto_mapping: null,
    base_model_name_or_path: info.baseModel,
    revision: null,
    r: info.r,
    lora_alpha: info.alpha,
    lora_dropout: info.dropout,
    // GPT-2's Conv1D stores weights [in, out]; peft sets this for them (and ignores it for nn.Linear).
    fan_in_fan_out: targets.some((t) => t.startsWith("decoder.")),
    bias: "none",
    target_modules: targets,
    modules_to_save: modulesToSave.length ? modulesToSave : null,
    init_lora_weights: true,
    inference_mode: true,
    use_rslora: false,
    use_dora: false,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    hpo: "written by hpo's captioner objective",
  };
  await writeAtomically(dir, {
    "adapter_config.json": `${JSON.stringify(config, null, 2)}\n`,
    "adapter_model.safetensors": writeSafetensors(tensors, { format: "pt" }),
  });
  return [...tensors.keys()];
}

/**
 * Writes the weights a full fine-tuning run trained as `fine_tuned_weights.safetensors`
 * (transformers' names and layout; load with `model.load_state_dict(load_file(path),
 * strict=False)` onto the same base). Returns the tensor names written.
 */
export async function saveFineTunedWeights(dir: string, model: PretrainedCaptionerModel, info: { readonly baseModel: string }): Promise<string[]> {
  const tensors = new Map<string, Float32Tensor>();
  for (const [name, v] of model.trainedWeights()) {
    const spec = model.specs.get(name);
    if (!spec) continue;
    tensors.set(name, { shape: spec.checkpointShape, values: toCheckpointLayout(spec, v.dataSync() as Float32Array) });
  }
  await writeAtomically(dir, {
    "fine_tuned_weights.safetensors": writeSafetensors(tensors, { format: "pt", base_model: info.baseModel }),
    "README.txt": `Weights fine-tuned by hpo on top of ${info.baseModel} (the others are unchanged).\nLoad: model = VisionEncoderDecoderModel.from_pretrained(base); model.load_state_dict(safetensors.torch.load_file("fine_tuned_weights.safetensors"), strict=False)\n`,
  });
  return [...tensors.keys()];
}
