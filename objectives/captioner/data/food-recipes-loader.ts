/**
 * Loads the Food Ingredients and Recipes dataset layout: a CSV with `Title` and
 * `Image_Name` columns and a folder of JPEGs named `<Image_Name>.jpg`. Rows whose image is
 * missing or unreadable, or whose title is junk (empty, "#NAME?", "nan", no letters), are
 * skipped and counted. Images are decoded, cropped to a square and resized with sharp.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import type { CaptionExample } from "./caption-example.ts";
import { csvRecords } from "./csv.ts";

/** Options of {@link loadFoodRecipes}. */
export interface FoodRecipesOptions {
  /** The CSV file. */
  readonly csvPath: string;
  /** The folder holding `<Image_Name>.jpg`. */
  readonly imagesDir: string;
  /** Side of the square the images are resized to (default 32). */
  readonly imageSize?: number;
  /** Keep at most this many usable rows, in file order. */
  readonly limit?: number;
  /** Images decoded at once (default 4). */
  readonly concurrency?: number;
}

/** What was loaded and what was skipped. */
export interface FoodRecipesResult {
  readonly examples: CaptionExample[];
  readonly skipped: { readonly junkTitle: number; readonly missingImage: number; readonly unreadableImage: number };
}

/** Whether a title is unusable as a caption. */
export function isJunkTitle(title: string): boolean {
  const t = title.trim();
  if (t === "" || t.startsWith("#")) return true;
  if (/^(nan|null|none|undefined|n\/a)$/i.test(t)) return true;
  return !/\p{L}/u.test(t);
}

/** Decodes an image file to RGB floats in [0, 1], size × size (centre crop). */
export async function decodeImage(path: string, size: number): Promise<Float32Array> {
  const { data, info } = await sharp(path)
    .resize(size, size, { fit: "cover" })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new Error(`${path}: decoded to ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×3`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the CSV and images.
 *
 * @example
 * const { examples, skipped } = await loadFoodRecipes({ csvPath: "recipes.csv", imagesDir: "Food Images" });
 */
export async function loadFoodRecipes(options: FoodRecipesOptions): Promise<FoodRecipesResult> {
  const size = options.imageSize ?? 32;
  const { header, records } = csvRecords(await readFile(options.csvPath, "utf8"));
  for (const column of ["Title", "Image_Name"]) {
    if (!header.includes(column)) throw new Error(`${options.csvPath}: no "${column}" column (found: ${header.join(", ")})`);
  }
  let junkTitle = 0;
  let missingImage = 0;
  let unreadableImage = 0;
  const candidates: { id: string; title: string; path: string }[] = [];
  for (const r of records) {
    if (isJunkTitle(r.Title)) {
      junkTitle++;
      continue;
    }
    const name = r.Image_Name.trim();
    if (name === "" || name.startsWith("#")) {
      missingImage++;
      continue;
    }
    candidates.push({ id: name, title: r.Title.trim(), path: join(options.imagesDir, `${name}.jpg`) });
  }
  const limit = options.limit ?? Infinity;
  const examples: CaptionExample[] = [];
  const concurrency = Math.max(1, options.concurrency ?? 4);
  // Decode in file order, a few at a time, stopping once `limit` examples are in hand.
  for (let start = 0; start < candidates.length && examples.length < limit; start += concurrency) {
    const chunk = candidates.slice(start, start + concurrency);
    const decoded = await Promise.all(
      chunk.map(async (c) => {
        if (!(await exists(c.path))) return "missing" as const;
        try {
          return await decodeImage(c.path, size);
        } catch {
          return "unreadable" as const;
        }
      }),
    );
    decoded.forEach((d, i) => {
      if (d === "missing") missingImage++;
      else if (d === "unreadable") unreadableImage++;
      else if (examples.length < limit) examples.push({ id: chunk[i].id, pixels: d, imageSize: size, title: chunk[i].title });
    });
  }
  return { examples, skipped: { junkTitle, missingImage, unreadableImage } };
}
