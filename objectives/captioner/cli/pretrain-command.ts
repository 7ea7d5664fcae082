/**
 * `hpo captioner pretrain`: trains the base captioner on generic synthetic descriptions
 * and saves it in tfjs format. Without --out it fills the cache the objective reads, so a
 * study started afterwards skips pretraining.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { selectBackend } from "../backend/select-backend.ts";
import { csvRecords } from "../data/csv.ts";
import { isJunkTitle } from "../data/food-recipes-loader.ts";
import { foodPlateVocabularyText } from "../data/synthetic-food-plates.ts";
import { DEFAULT_ENCODER } from "../model/captioner-config.ts";
import { saveCaptioner } from "../model/model-io.ts";
import { ensurePretrained, type PretrainOptions, pretrainCaptioner } from "../training/pretrain.ts";

const USAGE = `usage: hpo captioner pretrain [options]
  --out DIR              save here (default: the objective's cache, .hpo/captioner/base-<hash>)
  --cache-dir DIR        cache folder (default .hpo/captioner)
  --force                overwrite --out if it exists
  --images N             synthetic plates to pretrain on (default 1600)
  --epochs N             (default 14)
  --batch-size N         (default 32)
  --lr X                 peak learning rate (default 0.002)
  --seed N               weights and batch order (default 1)
  --data-seed N          synthetic images (default 101)
  --image-size N         image side in pixels (default 32)
  --patch-size N         ViT patch side (default 8)
  --width N              model width of both towers (default 64)
  --layers N             layers per tower (default 2)
  --heads N              attention heads (default 4)
  --max-tokens N         longest caption in tokens incl. <bos> (default 16)
  --vocabulary-csv FILE  also cover the titles of a Food Ingredients and Recipes CSV`;

const int = (flag: string, min: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { error: `--${flag}: expected an integer` })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `--${flag}: expected an integer ≥ ${min}` }));

const flagsSchema = z.object({
  out: z.string().min(1).optional(),
  "cache-dir": z.string().min(1).optional(),
  force: z.boolean().optional(),
  images: int("images", 8).optional(),
  epochs: int("epochs", 1).optional(),
  "batch-size": int("batch-size", 1).optional(),
  lr: z
    .string()
    .transform(Number)
    .pipe(z.number({ error: "--lr: expected a number" }).positive({ error: "--lr: expected a positive number" }))
    .optional(),
  seed: int("seed", 0).optional(),
  "data-seed": int("data-seed", 0).optional(),
  "image-size": int("image-size", 8).optional(),
  "patch-size": int("patch-size", 1).optional(),
  width: int("width", 4).optional(),
  layers: int("layers", 1).optional(),
  heads: int("heads", 1).optional(),
  "max-tokens": int("max-tokens", 2).optional(),
  "vocabulary-csv": z.string().min(1).optional(),
});

/** Runs the command; returns the process exit code (0 ok, 1 failed, 2 bad flags). */
export async function runPretrainCommand(argv: string[]): Promise<number> {
  let raw: ReturnType<typeof parseArgs>["values"];
  try {
    raw = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        out: { type: "string" },
        "cache-dir": { type: "string" },
        force: { type: "boolean" },
        images: { type: "string" },
        epochs: { type: "string" },
        "batch-size": { type: "string" },
        lr: { type: "string" },
        seed: { type: "string" },
        "data-seed": { type: "string" },
        "image-size": { type: "string" },
        "patch-size": { type: "string" },
        width: { type: "string" },
        layers: { type: "string" },
        heads: { type: "string" },
        "max-tokens": { type: "string" },
        "vocabulary-csv": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`hpo captioner pretrain: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (raw.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = flagsSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`hpo captioner pretrain: ${parsed.error.issues.map((i) => i.message.startsWith("--") ? i.message : `--${i.path.join(".")}: ${i.message}`).join("; ")}\n${USAGE}\n`);
    return 2;
  }
  const f = parsed.data;
  const width = f.width ?? DEFAULT_ENCODER.dModel;
  const heads = f.heads ?? DEFAULT_ENCODER.heads;
  const layers = f.layers ?? DEFAULT_ENCODER.layers;
  const imageSize = f["image-size"] ?? DEFAULT_ENCODER.imageSize;
  const patchSize = f["patch-size"] ?? DEFAULT_ENCODER.patchSize;
  const custom = [f.width, f.heads, f.layers, f["image-size"], f["patch-size"]].some((x) => x !== undefined);
  const options: PretrainOptions = {
    images: f.images,
    epochs: f.epochs,
    batchSize: f["batch-size"],
    learningRate: f.lr,
    seed: f.seed,
    dataSeed: f["data-seed"],
    // Only name sizes that were given, so the default run hashes like the objective's.
    ...(custom ? { encoder: { ...DEFAULT_ENCODER, imageSize, patchSize, dModel: width, heads, layers, mlpDim: 2 * width } } : {}),
    ...(custom || f["max-tokens"] !== undefined
      ? { decoder: { ...(custom ? { dModel: width, heads, layers, mlpDim: 2 * width } : {}), ...(f["max-tokens"] !== undefined ? { maxTokens: f["max-tokens"] } : {}) } }
      : {}),
  };
  for (const key of Object.keys(options) as (keyof PretrainOptions)[]) if (options[key] === undefined) delete options[key];
  const log = (m: string) => process.stderr.write(`${m}\n`);
  try {
    let vocabularyTexts = foodPlateVocabularyText();
    if (f["vocabulary-csv"]) {
      const { records } = csvRecords(await readFile(f["vocabulary-csv"], "utf8"));
      const titles = records.map((r) => r.Title ?? "").filter((t) => !isJunkTitle(t));
      log(`[pretrain] vocabulary also covers ${titles.length} titles from ${f["vocabulary-csv"]}`);
      vocabularyTexts = [...vocabularyTexts, ...titles];
    }
    await selectBackend({ log });
    if (f.out) {
      if (existsSync(join(f.out, "model.json")) && !f.force) {
        process.stderr.write(`hpo captioner pretrain: ${f.out} already holds a model (use --force to overwrite)\n`);
        return 1;
      }
      const result = pretrainCaptioner(options, vocabularyTexts, log);
      await saveCaptioner(f.out, result.model, result.tokenizer, result.meta);
      result.model.dispose();
      process.stdout.write(`${f.out}\n`);
      return 0;
    }
    const result = await ensurePretrained({ cacheDir: f["cache-dir"], pretrain: options, vocabularyTexts, log });
    if (!result.pretrained) log(`[pretrain] ${result.dir} already holds this base model; nothing to do`);
    result.model.dispose();
    process.stdout.write(`${result.dir}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`hpo captioner pretrain: ${(e as Error).message}\n`);
    return 1;
  }
}
