/**
 * The fine-tuning data of a pretrained checkpoint: the synthetic plates rendered at the
 * processor's size, or the Food Ingredients and Recipes photos decoded whole and resized
 * by the checkpoint's own processor (Pillow's filter, as in Python); split 0.8/0.1/0.1
 * with the data seed.
 */
import { readFile } from "node:fs/promises";
import type { FinetuneDataSpec } from "../data/load-finetune-data.ts";
import { decodeFoodRecipes, listFoodRecipes } from "../data/food-recipes-loader.ts";
import { splitDataset } from "../data/split-dataset.ts";
import { generateFoodPlates } from "../data/synthetic-food-plates.ts";
import type { CaptionedImage } from "./pretrained-examples.ts";
import { decodeRgb, type ImageProcessorSettings, rgbFromUnitFloats } from "./vit-image-processor.ts";

/** Captioned images in three splits, with a line saying what was loaded. */
export interface PretrainedData {
  readonly train: CaptionedImage[];
  readonly validation: CaptionedImage[];
  readonly test: CaptionedImage[];
  readonly summary: string;
}

/** Loads and splits `spec`'s images and titles for a checkpoint whose processor is `processor`. */
export async function loadPretrainedData(spec: FinetuneDataSpec, processor: ImageProcessorSettings): Promise<PretrainedData> {
  let items: CaptionedImage[];
  let summary: string;
  if (spec.kind === "synthetic") {
    const size = processor.width;
    items = generateFoodPlates({ count: spec.images, seed: spec.seed, imageSize: size, idPrefix: "finetune" }).map((p) => ({
      id: p.id,
      image: rgbFromUnitFloats(p.pixels, size, size),
      caption: p.title,
    }));
    summary = `${items.length} synthetic food plates (seed ${spec.seed}) at ${size}×${size}`;
  } else {
    const listing = await listFoodRecipes(spec);
    const { items: decoded, unreadable } = await decodeFoodRecipes(listing, async (path) => decodeRgb(await readFile(path)), { limit: spec.limit });
    items = decoded.map(({ row, image }) => ({ id: row.id, image, caption: row.title }));
    summary = `${items.length} recipes from ${listing.csvPath}, images in ${listing.imagesDir} (skipped ${listing.junkTitle} junk titles, ${listing.missingImage} missing and ${unreadable} unreadable images)`;
  }
  if (items.length < 10) throw new Error(`fine-tuning data has ${items.length} usable examples; need at least 10`);
  return { ...splitDataset(items, spec.seed), summary };
}
