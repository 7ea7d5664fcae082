/**
 * Loads the Food Ingredients and Recipes dataset layout: a CSV with `Title` and
 * `Image_Name` columns and a folder of JPEGs named `<Image_Name>.jpg` (found as the Kaggle
 * archive unpacks, see food-recipes-layout.ts). Rows whose title is junk (empty, "#NAME?",
 * "nan", no letters) or whose image is missing or unreadable are skipped and counted; a
 * set with no usable row fails with one line saying why.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CaptionExample } from "./caption-example.ts";
import { csvRecords } from "./csv.ts";
import { findFoodRecipesFiles } from "./food-recipes-layout.ts";

/** Where the dataset is: the unpacked folder (`root`), or the CSV and images folder. */
export interface FoodRecipesLocation {
  readonly root?: string;
  readonly csvPath?: string;
  readonly imagesDir?: string;
}

/** Options of {@link loadFoodRecipes}. */
export interface FoodRecipesOptions extends FoodRecipesLocation {
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

/** A CSV row with a usable title and an existing image file. */
export interface FoodRecipeRow {
  readonly id: string;
  readonly title: string;
  readonly path: string;
}

/** The usable rows of the CSV and the counts of the others. */
export interface FoodRecipesListing {
  readonly csvPath: string;
  readonly imagesDir: string;
  readonly rows: FoodRecipeRow[];
  readonly rowsRead: number;
  readonly junkTitle: number;
  readonly missingImage: number;
  /** The first image path that was not there (for the error message). */
  readonly firstMissing: string | null;
}

/** Whether a title is unusable as a caption. */
export function isJunkTitle(title: string): boolean {
  const t = title.trim();
  if (t === "" || t.startsWith("#")) return true;
  if (/^(nan|null|none|undefined|n\/a)$/i.test(t)) return true;
  return !/\p{L}/u.test(t);
}

/** Decodes an image file to RGB floats in [0, 1], size × size (centre crop), with sharp. */
export async function decodeImage(path: string, size: number): Promise<Float32Array> {
  const { default: sharp } = await import("sharp");
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

/** Reads the CSV and checks which rows have a usable title and an image on disk. */
export async function listFoodRecipes(location: FoodRecipesLocation): Promise<FoodRecipesListing> {
  const { csvPath, imagesDir } = findFoodRecipesFiles(location);
  const { header, records } = csvRecords(await readFile(csvPath, "utf8"));
  for (const column of ["Title", "Image_Name"]) {
    if (!header.includes(column)) throw new Error(`${csvPath}: no "${column}" column (found: ${header.join(", ")})`);
  }
  let junkTitle = 0;
  let missingImage = 0;
  let firstMissing: string | null = null;
  const rows: FoodRecipeRow[] = [];
  const candidates: FoodRecipeRow[] = [];
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
    candidates.push({ id: name.replace(/\.jpe?g$/i, ""), title: r.Title.trim(), path: join(imagesDir, /\.jpe?g$/i.test(name) ? name : `${name}.jpg`) });
  }
  const present = await Promise.all(candidates.map((c) => exists(c.path)));
  candidates.forEach((c, i) => {
    if (present[i]) rows.push(c);
    else {
      missingImage++;
      firstMissing ??= c.path;
    }
  });
  return { csvPath, imagesDir, rows, rowsRead: records.length, junkTitle, missingImage, firstMissing };
}

/**
 * Decodes the listed rows' images in file order, a few at a time, until `limit` decode;
 * unreadable ones are counted and skipped.
 */
export async function decodeFoodRecipes<T>(
  listing: FoodRecipesListing,
  decode: (path: string) => Promise<T>,
  options: { readonly limit?: number; readonly concurrency?: number } = {},
): Promise<{ items: { row: FoodRecipeRow; image: T }[]; unreadable: number }> {
  const limit = options.limit ?? Infinity;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const items: { row: FoodRecipeRow; image: T }[] = [];
  let unreadable = 0;
  for (let start = 0; start < listing.rows.length && items.length < limit; start += concurrency) {
    const chunk = listing.rows.slice(start, start + concurrency);
    const decoded = await Promise.all(chunk.map((row) => decode(row.path).catch(() => null)));
    decoded.forEach((image, i) => {
      if (image === null) unreadable++;
      else if (items.length < limit) items.push({ row: chunk[i], image });
    });
  }
  if (items.length === 0) throw new Error(emptyMessage(listing, unreadable));
  return { items, unreadable };
}

/** The one line a dataset with no usable row fails with. */
export function emptyMessage(listing: FoodRecipesListing, unreadable: number): string {
  return (
    `food-recipes: 0 usable rows in ${listing.csvPath}: ${listing.rowsRead} rows read, ${listing.missingImage} images missing` +
    `${listing.firstMissing ? ` (first missing: ${listing.firstMissing})` : ""}, ${listing.junkTitle} junk titles, ${unreadable} unreadable images; images folder ${listing.imagesDir}`
  );
}

/**
 * Reads the CSV and images, resized to a square.
 *
 * @example
 * const { examples, skipped } = await loadFoodRecipes({ root: "data/food-ingredients-and-recipe-dataset-with-images" });
 */
export async function loadFoodRecipes(options: FoodRecipesOptions): Promise<FoodRecipesResult> {
  const size = options.imageSize ?? 32;
  const listing = await listFoodRecipes(options);
  const { items, unreadable } = await decodeFoodRecipes(listing, (path) => decodeImage(path, size), options);
  return {
    examples: items.map(({ row, image }) => ({ id: row.id, pixels: image, imageSize: size, title: row.title })),
    skipped: { junkTitle: listing.junkTitle, missingImage: listing.missingImage, unreadableImage: unreadable },
  };
}
