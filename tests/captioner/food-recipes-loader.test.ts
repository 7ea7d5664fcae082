import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { isJunkTitle, loadFoodRecipes, parseCsv, splitDataset } from "hpo/captioner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

  it("names the missing column", async () => {
    await writeFile(join(dir, "bad.csv"), "Name,Image_Name\nx,y\n");
    await expect(loadFoodRecipes({ csvPath: join(dir, "bad.csv"), imagesDir: dir })).rejects.toThrow(/no "Title" column/);
  });
});
