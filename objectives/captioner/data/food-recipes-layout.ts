/**
 * Finds the files of the Kaggle "Food Ingredients and Recipes Dataset with Images" as it
 * unpacks: the CSV (`Food Ingredients and Recipe Dataset with Image Name Mapping.csv`) and
 * the images, which sit one folder deeper than their name says (`Food Images/Food Images/`).
 * A user may name the dataset folder, the CSV, the images folder, or any mix.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** Where the dataset's CSV and JPEGs are. */
export interface FoodRecipesFiles {
  readonly csvPath: string;
  readonly imagesDir: string;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const hasImages = (dir: string) => readdirSync(dir).some((f) => /\.jpe?g$/i.test(f));

/**
 * The folder that holds the JPEGs: `dir` itself, or the subfolder they are in when `dir`
 * holds none but has one subfolder (the archive's `Food Images/Food Images/`).
 */
export function descendToImages(dir: string): string {
  let current = dir;
  for (let depth = 0; depth < 3 && isDir(current) && !hasImages(current); depth++) {
    const subfolders = readdirSync(current).filter((f) => !f.startsWith(".") && isDir(join(current, f)));
    const same = subfolders.find((f) => f === current.split(/[\\/]/).pop());
    if (same) current = join(current, same);
    else if (subfolders.length === 1) current = join(current, subfolders[0]);
    else break;
  }
  return current;
}

/**
 * Resolves the dataset's files from what the user gave: `root` (the unpacked dataset
 * folder), `csvPath` (the CSV, or the folder holding it) and/or `imagesDir`.
 */
export function findFoodRecipesFiles(given: { readonly root?: string; readonly csvPath?: string; readonly imagesDir?: string }): FoodRecipesFiles {
  const root = given.root ?? (given.csvPath && isDir(given.csvPath) ? given.csvPath : undefined);
  let csvPath = given.csvPath && !isDir(given.csvPath) ? given.csvPath : undefined;
  if (root !== undefined && !isDir(root)) throw new Error(`food-recipes: dataset folder ${root} does not exist`);
  if (!csvPath) {
    if (!root) throw new Error("food-recipes: give root (the unpacked dataset folder) or csvPath");
    const csvs = readdirSync(root).filter((f) => f.toLowerCase().endsWith(".csv"));
    const named = csvs.find((f) => /recipe/i.test(f));
    if (csvs.length === 0) throw new Error(`food-recipes: no .csv file in ${root}`);
    if (!named && csvs.length > 1) throw new Error(`food-recipes: ${csvs.length} .csv files in ${root} (${csvs.join(", ")}); pass csvPath`);
    csvPath = join(root, named ?? csvs[0]);
  }
  if (!existsSync(csvPath)) throw new Error(`food-recipes: CSV ${csvPath} does not exist`);
  let imagesDir = given.imagesDir;
  if (!imagesDir) {
    const base = root ?? dirname(csvPath);
    const candidates = readdirSync(base).filter((f) => isDir(join(base, f)) && /image/i.test(f));
    if (candidates.length === 0) throw new Error(`food-recipes: no images folder next to ${csvPath} (expected "Food Images"); pass imagesDir`);
    imagesDir = join(base, candidates.find((f) => f === "Food Images") ?? candidates[0]);
  }
  if (!isDir(imagesDir)) throw new Error(`food-recipes: images folder ${imagesDir} does not exist`);
  return { csvPath, imagesDir: descendToImages(imagesDir) };
}
