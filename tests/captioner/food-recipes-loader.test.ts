import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { readFile } from "node:fs/promises";
import {
  captionerObjectiveOptionsSchema,
  isJunkTitle,
  loadFoodRecipes,
  loadPretrainedCaptioner,
  loadPretrainedData,
  parseCsv,
  pixelValuesOf,
  preparePretrainedExamples,
  splitDataset,
} from "hpo/captioner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./captioner-test-helpers.ts";

// A fixture in the dataset's own layout: the CSV has the Kaggle columns, multi-line quoted
// instructions, junk titles, a row whose image is missing and one whose JPEG is corrupt.
let dir = "";
const colours: Record<string, [number, number, number]> = {};
const good = Array.from({ length: 10 }, (_, i) => ({ title: `Dish Number ${i} With "Sauce"`, image: `dish-${i}` }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hpo-recipes-"));
  const images = join(dir, "Food Images");
  await mkdir(images);
  for (const [i, g] of good.entries()) {
    const rgb: [number, number, number] = [20 * i, 255 - 20 * i, 100];
    colours[g.image] = rgb;
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).jpeg({ quality: 95 }).toFile(join(images, `${g.image}.jpg`));
  }
  await writeFile(join(images, "corrupt.jpg"), "this is not a jpeg");
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const rows = [
    ",Title,Ingredients,Instructions,Image_Name,Cleaned_Ingredients",
    ...good.map((g, i) => `${i},${q(g.title)},"['1 cup x']",${q("Step one.\nStep two, stir.")},${g.image},"['x']"`),
    `10,#NAME?,"[]","",junk-1,"[]"`,
    `11,,"[]","",junk-2,"[]"`,
    `12,nan,"[]","",junk-3,"[]"`,
    `13,Soup Without Photo,"[]","",no-such-image,"[]"`,
    `14,Broken Photo Pie,"[]","",corrupt,"[]"`,
    `15,Unnamed Image Stew,"[]","",#NAME?,"[]"`,
  ];
  await writeFile(join(dir, "recipes.csv"), `${rows.join("\r\n")}\r\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Food Ingredients and Recipes loader", () => {
  it("parses quoted, multi-line CSV fields", () => {
    expect(parseCsv('a,b\r\n"x, ""y""","1\n2"\n')).toEqual([["a", "b"], ['x, "y"', "1\n2"]]);
  });

  it("recognises junk titles", () => {
    for (const t of ["", "  ", "#NAME?", "nan", "NaN", "123", "--"]) expect(isJunkTitle(t), t).toBe(true);
    for (const t of ["Apple Pie", "7-Layer Dip"]) expect(isJunkTitle(t), t).toBe(false);
  });

  it("loads usable rows, skips junk titles and missing or unreadable images", async () => {
    const { examples, skipped } = await loadFoodRecipes({ csvPath: join(dir, "recipes.csv"), imagesDir: join(dir, "Food Images"), imageSize: 8 });
    expect(examples.map((e) => e.title)).toEqual(good.map((g) => g.title));
    expect(skipped).toEqual({ junkTitle: 3, missingImage: 2, unreadableImage: 1 });
    for (const e of examples) {
      expect(e.pixels).toHaveLength(8 * 8 * 3);
      const [r, g, b] = colours[e.id];
      // A solid JPEG decodes to (nearly) its colour everywhere.
      expect(Math.abs(e.pixels[0] * 255 - r)).toBeLessThan(6);
      expect(Math.abs(e.pixels[1] * 255 - g)).toBeLessThan(6);
      expect(Math.abs(e.pixels[2] * 255 - b)).toBeLessThan(6);
    }
    const limited = await loadFoodRecipes({ csvPath: join(dir, "recipes.csv"), imagesDir: join(dir, "Food Images"), imageSize: 8, limit: 3 });
    expect(limited.examples.map((e) => e.id)).toEqual(["dish-0", "dish-1", "dish-2"]);
  });

  it("splits the loaded rows 0.8/0.1/0.1 by seed", async () => {
    const { examples } = await loadFoodRecipes({ csvPath: join(dir, "recipes.csv"), imagesDir: join(dir, "Food Images"), imageSize: 8 });
    const split = splitDataset(examples, 4);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([8, 1, 1]);
    expect(splitDataset(examples, 4)).toEqual(split);
  });

  it("finds the Kaggle archive's layout without configuration (CSV in the folder, images in Food Images/Food Images/)", async () => {
    const root = join(dir, "kaggle");
    const nested = join(root, "Food Images", "Food Images");
    await mkdir(nested, { recursive: true });
    for (const g of good) await sharp({ create: { width: 20, height: 14, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toFile(join(nested, `${g.image}.jpg`));
    const q = (t: string) => `"${t.replaceAll('"', '""')}"`;
    await writeFile(join(root, "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"), [",Title,Ingredients,Instructions,Image_Name,Cleaned_Ingredients", ...good.map((g, i) => `${i},${q(g.title)},"[]","",${g.image},"[]"`)].join("\n"));
    const { examples } = await loadFoodRecipes({ root, imageSize: 8 });
    expect(examples).toHaveLength(good.length);
    // Naming the outer images folder (or the CSV alone) finds the same images.
    expect((await loadFoodRecipes({ csvPath: join(root, "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"), imagesDir: join(root, "Food Images"), imageSize: 8 })).examples).toHaveLength(good.length);
    expect((await loadFoodRecipes({ csvPath: join(root, "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"), imageSize: 8 })).examples).toHaveLength(good.length);
  });

  it("fails with one line when no row is usable: rows read, images missing, the first missing path", async () => {
    const empty = join(dir, "empty");
    await mkdir(join(empty, "Food Images"), { recursive: true });
    await writeFile(join(empty, "recipes.csv"), "Title,Image_Name\nApple Pie,apple\nPear Tart,pear\n#NAME?,x\n");
    const error = await loadFoodRecipes({ root: empty }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `food-recipes: 0 usable rows in ${join(empty, "recipes.csv")}: 3 rows read, 2 images missing (first missing: ${join(empty, "Food Images", "apple.jpg")}), 1 junk titles, 0 unreadable images; images folder ${join(empty, "Food Images")}`,
    );
    expect((error as Error).message).not.toContain("\n");
  });

  it("real photos go through a checkpoint's own preprocessing (decoded whole, resized by its processor)", async () => {
    const checkpoint = join(import.meta.dirname, "..", "fixtures", "captioner", "hf", "ved-f32-pooler");
    await useBackend("wasm");
    const captioner = await loadPretrainedCaptioner(checkpoint);
    try {
      const o = captionerObjectiveOptionsSchema.parse({ model: { pretrained: checkpoint }, data: { kind: "food-recipes", csvPath: join(dir, "recipes.csv"), imagesDir: join(dir, "Food Images"), seed: 1 } });
      const data = await loadPretrainedData(o.data, captioner.processor);
      const all = [...data.train, ...data.validation, ...data.test];
      expect(all).toHaveLength(good.length);
      expect(all.every((e) => e.image.width === 40 && e.image.height === 30)).toBe(true);
      const prepared = preparePretrainedExamples(all, captioner.processor, (t) => captioner.tokenizer.encode(t), 16);
      const first = prepared[0];
      expect([first.image.width, first.image.height]).toEqual([16, 16]);
      const direct = await captioner.preprocess(await readFile(join(dir, "Food Images", `${first.id}.jpg`)));
      expect(Array.from(pixelValuesOf([first], captioner.processor))).toEqual(Array.from(direct));
    } finally {
      captioner.dispose();
    }
  });

  it("names the missing column", async () => {
    await writeFile(join(dir, "bad.csv"), "Name,Image_Name\nx,y\n");
    await expect(loadFoodRecipes({ csvPath: join(dir, "bad.csv"), imagesDir: dir })).rejects.toThrow(/no "Title" column/);
  });
});
