import { generateFoodPlates, splitDataset } from "hpo/captioner";
import { describe, expect, it } from "vitest";

const FOOD_NAMES = ["steak", "salmon", "egg", "tomato", "pea", "carrot", "broccoli", "lemon", "blueberr", "mushroom"];

describe("synthetic food plates", () => {
  it("is deterministic under a seed, and a larger count extends a smaller one", () => {
    const a = generateFoodPlates({ count: 12, seed: 5, imageSize: 16 });
    const b = generateFoodPlates({ count: 12, seed: 5, imageSize: 16 });
    const prefix = generateFoodPlates({ count: 4, seed: 5, imageSize: 16 });
    expect(a).toEqual(b);
    expect(prefix).toEqual(a.slice(0, 4));
    const other = generateFoodPlates({ count: 12, seed: 6, imageSize: 16 });
    expect(other.map((e) => e.title)).not.toEqual(a.map((e) => e.title));
  });

  it("renders RGB images in [0, 1] with a description and a recipe-style title", () => {
    const plates = generateFoodPlates({ count: 30, seed: 1, imageSize: 24 });
    for (const p of plates) {
      expect(p.pixels).toHaveLength(24 * 24 * 3);
      expect(p.pixels.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(p.description).toMatch(/^a (white|blue|black|green) plate with /);
      expect(p.title).toMatch(/^(Roasted|Grilled|Pan-Seared|Baked) /);
      // The domain shift: titles name the food, descriptions never do.
      expect(FOOD_NAMES.some((f) => p.title.toLowerCase().includes(f))).toBe(true);
      expect(FOOD_NAMES.some((f) => p.description!.includes(f))).toBe(false);
    }
    // The plate colour decides the cooking style.
    for (const p of plates) {
      const style = { white: "Roasted", blue: "Grilled", black: "Pan-Seared", green: "Baked" }[p.description!.split(" ")[1]];
      expect(p.title.startsWith(style!)).toBe(true);
    }
  });

  it("splits 0.8/0.1/0.1 by seed, the same way every time", () => {
    const plates = generateFoodPlates({ count: 50, seed: 2, imageSize: 16 });
    const s1 = splitDataset(plates, 9);
    const s2 = splitDataset(plates, 9);
    expect([s1.train.length, s1.validation.length, s1.test.length]).toEqual([40, 5, 5]);
    expect(s1.train.map((e) => e.id)).toEqual(s2.train.map((e) => e.id));
    const ids = [...s1.train, ...s1.validation, ...s1.test].map((e) => e.id).sort();
    expect(ids).toEqual(plates.map((e) => e.id).sort());
    expect(splitDataset(plates, 10).test.map((e) => e.id)).not.toEqual(s1.test.map((e) => e.id));
  });
});
