/**
 * Options of the captioner objective, validated with zod: where the data and the base
 * model come from, the search ranges of the six hyperparameters, the metric reported to
 * the pruner, and the fixed training settings.
 */
import { z } from "zod";
import { loraConfigSchema } from "./lora/lora-config.ts";
import { FREEZE_MODES } from "./training/freeze-mode.ts";
import { pretrainOptionsSchema } from "./training/pretrain.ts";

/** Metrics a trial can report and return. */
export const CAPTIONER_METRICS = ["meteor", "bleu1", "bleu2", "rougeL", "validationLoss"] as const;
export type CaptionerMetric = (typeof CAPTIONER_METRICS)[number];

/** The study direction that fits `metric`. */
export function captionerDirection(metric: CaptionerMetric): "minimize" | "maximize" {
  return metric === "validationLoss" ? "minimize" : "maximize";
}

const range = (what: string, min: number) =>
  z
    .tuple([z.number().min(min), z.number().min(min)], { error: `expected ${what} as [low, high]` })
    .refine(([a, b]) => a <= b, { error: `${what}: low must not exceed high` });

const syntheticData = z.object({
  kind: z.literal("synthetic"),
  /** Plates in the fine-tuning set (split 0.8/0.1/0.1). */
  images: z.number().int().min(10).default(400),
  seed: z.number().int().default(7),
});

const foodRecipesData = z
  .object({
    kind: z.literal("food-recipes"),
    /** The unpacked Kaggle dataset folder: the CSV and `Food Images/Food Images/` are found in it. */
    root: z.string().min(1).optional(),
    /** The dataset's CSV (columns Title and Image_Name), when not found from `root`. */
    csvPath: z.string().min(1).optional(),
    /** Folder of `<Image_Name>.jpg` (a folder holding only that folder is descended into). */
    imagesDir: z.string().min(1).optional(),
    /** Use at most this many usable rows. */
    limit: z.number().int().positive().optional(),
    seed: z.number().int().default(7),
  })
  .refine((d) => d.root !== undefined || d.csvPath !== undefined, { error: "give root (the unpacked dataset folder) or csvPath", path: ["root"] });

const pretrainedModel = z
  .object({
    /**
     * A Hugging Face checkpoint on disk: a vision-encoder-decoder folder (or hub cache
     * entry), or { encoder: <vit folder>, decoder: <gpt2 folder> }.
     */
    pretrained: z.union([z.string().min(1), z.object({ encoder: z.string().min(1), decoder: z.string().min(1) }).strict()], {
      error: "expected a checkpoint folder or { encoder, decoder } folders",
    }),
    /** Longest caption in tokens, end token included (also capped by n_positions). */
    maxCaptionTokens: z.number().int().min(2).default(32),
    /** Frozen-encoder outputs: cached on disk under cacheDir (and in memory), in memory only, or recomputed. */
    encoderCache: z.enum(["disk", "memory", "off"]).default("disk"),
    /** Save each trial's adapter (peft layout) or fine-tuned weights under cacheDir/trials (default true). */
    saveTrials: z.boolean().default(true),
    /** Seed of freshly initialised weights (cross-attention of a ViT + GPT-2 pair). */
    seed: z.number().int().default(0),
  })
  .strict();

/** Search ranges; a declarative study space overrides them by setting trial.params. */
export const captionerSpaceSchema = z.object({
  lr: range("lr", Number.MIN_VALUE).default([3e-4, 1e-2]),
  /** LoRA ranks to try; 0 = full fine-tuning of the trained towers. */
  loraR: z.array(z.number().int().nonnegative()).min(1).default([0, 4, 8, 16]),
  loraAlpha: range("loraAlpha", Number.MIN_VALUE).default([4, 64]),
  loraDropout: range("loraDropout", 0).default([0, 0.2]),
  freeze: z.array(z.enum(FREEZE_MODES)).min(1).default([...FREEZE_MODES]),
  epochs: z
    .tuple([z.number().int().min(1), z.number().int().min(1)])
    .refine(([a, b]) => a <= b, { error: "epochs: low must not exceed high" })
    .default([3, 8]),
});

export const captionerObjectiveOptionsSchema = z
  .object({
    data: z.discriminatedUnion("kind", [syntheticData, foodRecipesData]).default({ kind: "synthetic", images: 400, seed: 7 }),
    /** What is reported each epoch and returned. */
    metric: z.enum(CAPTIONER_METRICS).default("meteor"),
    /** A pretrained base folder (from `hpo captioner pretrain`); default: pretrain once into cacheDir. */
    baseModel: z.string().min(1).optional(),
    /** Fine-tune a Hugging Face ViT + GPT-2 checkpoint instead of hpo's own captioner. */
    model: pretrainedModel.optional(),
    /**
     * Train the tied word table beside the LoRA adapters (when the decoder trains). Default:
     * true for hpo's captioner (its vocabulary comes from the data), false for checkpoints.
     */
    trainWordEmbeddings: z.boolean().optional(),
    cacheDir: z.string().min(1).default(".hpo/captioner"),
    pretrain: pretrainOptionsSchema.optional(),
    space: captionerSpaceSchema.default(captionerSpaceSchema.parse({})),
    /** Projections that get adapters (default q, v for hpo's captioner; q, k, v, o — every attention projection — for checkpoints). */
    loraTargets: loraConfigSchema.shape.targets.unwrap().optional(),
    batchSize: z.number().int().min(1).default(32),
    warmupFraction: z.number().min(0).max(1).default(0.1),
    weightDecay: z.number().min(0).default(0.01),
    clipNorm: z.number().positive().default(1),
    /** 1 = greedy decoding for scores, more = beam search. */
    beamWidth: z.number().int().min(1).default(1),
    seed: z.number().int().default(1),
    /** Also score the pretrained base and a frozen-decoder run, once, for comparison. */
    baselines: z.boolean().default(true),
    /** Progress lines (default: stderr). */
    log: z.custom<(message: string) => void>((f) => typeof f === "function", { error: "expected a function (message) => void" }).optional(),
  })
  .strict()
  .refine((o) => !(o.model && (o.baseModel || o.pretrain)), { error: "model.pretrained replaces baseModel and pretrain; give one or the other", path: ["model"] })
  .refine((o) => !(o.model && o.beamWidth > 1), { error: "checkpoints are scored with greedy captions; beamWidth must be 1", path: ["beamWidth"] });

export type CaptionerObjectiveOptions = z.input<typeof captionerObjectiveOptionsSchema>;
export type ResolvedCaptionerOptions = z.output<typeof captionerObjectiveOptionsSchema>;
