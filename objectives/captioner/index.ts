/**
 * hpo/captioner — an image captioner (ViT encoder + GPT-2-style decoder) in TensorFlow.js
 * with LoRA and freeze modes, trained for real, as an objective to tune: pretrain a base
 * once, then fine-tune per trial. Importing this loads @tensorflow/tfjs; "hpo" never does.
 */
export { captionerObjective, metricValue, type CaptionerBaselines } from "./captioner-objective.ts";
export {
  CAPTIONER_METRICS,
  captionerDirection,
  captionerObjectiveOptionsSchema,
  captionerSpaceSchema,
  type CaptionerMetric,
  type CaptionerObjectiveOptions,
} from "./captioner-options.ts";
export { checkpointStoreOf, type CaptionerTrial, type TrialCheckpointStore } from "./captioner-trial.ts";
export { readHyperparameters, type CaptionerHyperparameters } from "./hyperparameters.ts";

export {
  BACKEND_CHOICES,
  BackendUnavailableError,
  gpuVisible,
  parseBackendEnv,
  selectBackend,
  type BackendChoice,
  type BackendSelection,
  type SelectBackendOptions,
} from "./backend/select-backend.ts";
export { installWasmKernels, wasmKernelsActive } from "./backend/wasm-kernels/install-wasm-kernels.ts";

export {
  DEFAULT_DECODER,
  DEFAULT_ENCODER,
  REFERENCE_CONFIG,
  captionerConfigSchema,
  patchCount,
  patchDim,
  type CaptionerConfig,
  type DecoderConfig,
  type EncoderConfig,
} from "./model/captioner-config.ts";
export { CaptionerModel, dropoutSeeds, type CrossMemory, type DropoutSeeds, type TokenBatch } from "./model/captioner-model.ts";
export { beamSearchDecode, greedyDecode, type BeamOptions, type DecodeOptions } from "./model/decoding.ts";
export { loadCaptioner, saveCaptioner, type SavedCaptioner } from "./model/model-io.ts";
export { parameterSpecs, projectionSpecs, type ProjectionKind, type ProjectionSpec } from "./model/parameter-specs.ts";
export { ParameterStore, type Tower } from "./model/parameter-store.ts";
export { batchMatMul, dense, linear, sumRows, transpose2d } from "./model/ops/matmul.ts";
export { layerNorm } from "./model/ops/layer-norm.ts";
export { gelu } from "./model/ops/gelu.ts";
export { maskedCrossEntropy } from "./model/ops/cross-entropy.ts";
export { attention } from "./model/ops/attention.ts";
export { beginStep, endStep, heldTensorCount } from "./model/ops/saved-tensors.ts";

export { LoraAdapters } from "./lora/lora-adapters.ts";
export { DEFAULT_LORA_TARGETS, loraConfigSchema, loraScale, type LoraConfig } from "./lora/lora-config.ts";

export { BOS, EOS, PAD, UNK, WordTokenizer, joinWords, normalizeCaption, splitWords, type SavedTokenizer } from "./text/word-tokenizer.ts";

export { captionOf, type CaptionExample, type CaptionField, type DatasetSplits } from "./data/caption-example.ts";
export { csvRecords, parseCsv } from "./data/csv.ts";
export { decodeImage, isJunkTitle, loadFoodRecipes, type FoodRecipesOptions, type FoodRecipesResult } from "./data/food-recipes-loader.ts";
export { loadFinetuneData, type FinetuneData, type FinetuneDataSpec } from "./data/load-finetune-data.ts";
export { DEFAULT_SPLIT, seededPermutation, splitDataset, type SplitFractions } from "./data/split-dataset.ts";
export { foodPlateVocabularyText, generateFoodPlates, type FoodPlateOptions } from "./data/synthetic-food-plates.ts";
export { chunkBatches, disposeBatch, patchify, patchTensor, prepareExamples, tokenBatch, type PreparedExample } from "./data/token-batches.ts";

export { AdamW, type AdamWOptions } from "./training/adamw.ts";
export { CaptionTrainer, type EpochResult, type TrainerOptions } from "./training/caption-trainer.ts";
export { decodeCheckpoint, encodeCheckpoint, type CheckpointState } from "./training/checkpoint.ts";
export { clipByGlobalNorm } from "./training/clip-gradients.ts";
export { generateCaptions, scoreSplit, splitLoss, type CaptionScores, type GenerateOptions, type SplitScores } from "./training/evaluation.ts";
export { FREEZE_MODES, prepareTrainable, trainedTowers, type FreezeMode } from "./training/freeze-mode.ts";
export { learningRateAt, type LrSchedule } from "./training/lr-schedule.ts";
export { ensurePretrained, pretrainCaptioner, pretrainFingerprint, pretrainOptionsSchema, type EnsurePretrainedOptions, type PretrainOptions } from "./training/pretrain.ts";
export { trainStep, type StepOptions } from "./training/train-step.ts";

export { runPretrainCommand } from "./cli/pretrain-command.ts";
