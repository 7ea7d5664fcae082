/**
 * The fine-tuning data an objective names: the synthetic food plates, or the Food
 * Ingredients and Recipes layout on disk; both split 0.8/0.1/0.1 with the data seed.
 */
import type { CaptionExample, DatasetSplits } from "./caption-example.ts";
import { loadFoodRecipes } from "./food-recipes-loader.ts";
import { splitDataset } from "./split-dataset.ts";
import { foodPlateVocabularyText, generateFoodPlates } from "./synthetic-food-plates.ts";

/** Where fine-tuning captions come from. */
export type FinetuneDataSpec =
  | { readonly kind: "synthetic"; readonly images: number; readonly seed: number }
  | { readonly kind: "food-recipes"; readonly root?: string; readonly csvPath?: string; readonly imagesDir?: string; readonly limit?: number; readonly seed: number };

/** Splits plus the text whose words the base model's vocabulary must cover. */
export interface FinetuneData extends DatasetSplits {
  readonly vocabularyTexts: readonly string[];
  /** One line saying what was loaded (and skipped). */
  readonly summary: string;
}

/** Loads and splits the fine-tuning data at `imageSize` pixels. */
export async function loadFinetuneData(spec: FinetuneDataSpec, imageSize: number): Promise<FinetuneData> {
  let examples: CaptionExample[];
  let summary: string;
  if (spec.kind === "synthetic") {
    examples = generateFoodPlates({ count: spec.images, seed: spec.seed, imageSize, idPrefix: "finetune" });
    summary = `${examples.length} synthetic food plates (seed ${spec.seed})`;
  } else {
    const r = await loadFoodRecipes({ root: spec.root, csvPath: spec.csvPath, imagesDir: spec.imagesDir, imageSize, limit: spec.limit });
    examples = r.examples;
    summary = `${examples.length} recipes from ${spec.csvPath ?? spec.root} (skipped ${r.skipped.junkTitle} junk titles, ${r.skipped.missingImage} missing and ${r.skipped.unreadableImage} unreadable images)`;
  }
  if (examples.length < 10) throw new Error(`fine-tuning data has ${examples.length} usable examples; need at least 10`);
  const split = splitDataset(examples, spec.seed);
  // Synthetic titles use a closed vocabulary; real titles contribute their training words.
  const vocabularyTexts = spec.kind === "synthetic" ? foodPlateVocabularyText() : split.train.map((e) => e.title);
  return { ...split, vocabularyTexts, summary };
}
