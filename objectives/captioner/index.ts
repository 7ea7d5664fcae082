/**
 * hpo/captioner — an image captioner (ViT encoder + GPT-2-style decoder) in TensorFlow.js
 * with LoRA and freeze modes, trained for real, as an objective to tune: pretrain a base
 * once, then fine-tune per trial. Importing this loads @tensorflow/tfjs; "hpo" never does.
 */
export { captionerObjective, metricValue, type CaptionerBaselines } from "./captioner-objective.ts";
export { fineTune, isBetter, scoresOf, type FineTuneHooks, type FineTuneResult } from "./tuning/fine-tune.ts";
export type { EpochTrainer, TunableCaptioner, TuningRun } from "./tuning/tuning-run.ts";
export { baselineParams, computeBaselines } from "./tuning/baselines.ts";
export { wordCaptionerTunable } from "./tuning/word-captioner-tuning.ts";
export { pretrainedTunable, PRETRAINED_LORA_TARGETS } from "./pretrained/pretrained-tuning.ts";
export { EncoderOutputCache, type EncoderCacheStats } from "./pretrained/encoder-output-cache.ts";
export { savePeftAdapter, saveFineTunedWeights, type AdapterInfo } from "./pretrained/peft-adapter.ts";
export { scorePretrainedSplit, type PretrainedScoring } from "./pretrained/pretrained-evaluation.ts";
export { captionTensors, disposePretrainedBatch, pixelValuesOf, preparePretrainedExamples, pretrainedBatch, type CaptionedImage, type PretrainedExample } from "./pretrained/pretrained-examples.ts";
export { loadPretrainedData, type PretrainedData } from "./pretrained/pretrained-data.ts";
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
export { activeBackendSelection } from "./backend/select-backend.ts";
export { gpuAccess, TF_GPU_LIBRARIES, type GpuAccess, type GpuAccessProbe } from "./backend/gpu-access.ts";
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
export {
  decodeFoodRecipes,
  decodeImage,
  isJunkTitle,
  listFoodRecipes,
  loadFoodRecipes,
  type FoodRecipeRow,
  type FoodRecipesListing,
  type FoodRecipesLocation,
  type FoodRecipesOptions,
  type FoodRecipesResult,
} from "./data/food-recipes-loader.ts";
export { descendToImages, findFoodRecipesFiles, type FoodRecipesFiles } from "./data/food-recipes-layout.ts";
export { loadFinetuneData, type FinetuneData, type FinetuneDataSpec } from "./data/load-finetune-data.ts";
export { DEFAULT_SPLIT, seededPermutation, splitDataset, type SplitFractions } from "./data/split-dataset.ts";
export { foodPlateVocabularyText, generateFoodPlates, type FoodPlateOptions } from "./data/synthetic-food-plates.ts";
export { chunkBatches, disposeBatch, patchify, patchTensor, prepareExamples, tokenBatch, type PreparedExample } from "./data/token-batches.ts";

export { AdamW, type AdamWOptions } from "./training/adamw.ts";
export { CaptionTrainer, type BatchedLoss, type EpochResult, type TrainerOptions } from "./training/caption-trainer.ts";
export { wordCaptionerTraining } from "./training/word-captioner-training.ts";
export { decodeCheckpoint, encodeCheckpoint, type CheckpointState } from "./training/checkpoint.ts";
export { clipByGlobalNorm } from "./training/clip-gradients.ts";
export { generateCaptions, scoreSplit, splitLoss, splitScores, type CaptionScores, type GenerateOptions, type SplitScores } from "./training/evaluation.ts";
export { FREEZE_MODES, prepareTrainable, trainedTowers, type FreezeMode } from "./training/freeze-mode.ts";
export { learningRateAt, type LrSchedule } from "./training/lr-schedule.ts";
export { ensurePretrained, pretrainCaptioner, pretrainFingerprint, pretrainOptionsSchema, type EnsurePretrainedOptions, type PretrainOptions } from "./training/pretrain.ts";
export { trainStep, type StepOptions } from "./training/train-step.ts";

export { runPretrainCommand } from "./cli/pretrain-command.ts";

export {
  loadPretrainedCaptioner,
  type LoadPretrainedOptions,
  type PixelInput,
  type PretrainedCaptioner,
  type PretrainedSource,
} from "./pretrained/load-pretrained-captioner.ts";
export { PretrainedCaptionerModel, type PretrainedBatch, type RunOptions } from "./pretrained/pretrained-captioner-model.ts";
export { ACTIVATIONS, pairedConfig, visionEncoderDecoderConfig, type Gpt2Config, type PretrainedCaptionerConfig, type VitConfig } from "./pretrained/hf-config.ts";
export { canonicalName, loraModules, toCheckpointLayout, toHeldLayout, weightSpecs, type LoraModule, type WeightSpec } from "./pretrained/hf-weight-layout.ts";
export { Gpt2BpeTokenizer, GPT2_PATTERN, type Gpt2BpeFiles } from "./pretrained/gpt2-bpe-tokenizer.ts";
export { PIL_FILTERS, pilResize, type RgbImage } from "./pretrained/pil-resample.ts";
export { decodeRgb, imageProcessorSettings, preprocessRgb, rgbFromUnitFloats, type ImageProcessorSettings } from "./pretrained/vit-image-processor.ts";
export { readSafetensors, type SafetensorsContents } from "./pretrained/safetensors-reader.ts";
export { writeSafetensors, type Float32Tensor } from "./pretrained/safetensors-writer.ts";
export { readTorchCheckpoint } from "./pretrained/torch-checkpoint-reader.ts";
export { unpickle } from "./pretrained/restricted-unpickler.ts";
export { readCheckpointWeights, resolveCheckpointFolder } from "./pretrained/checkpoint-folder.ts";
export { greedyGenerate } from "./pretrained/greedy-generation.ts";
export { patchTensorOf } from "./pretrained/patch-tensor.ts";
export type { StoredDtype, TensorRecord } from "./pretrained/tensor-record.ts";
