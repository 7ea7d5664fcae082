/**
 * A deterministic synthetic food-plate caption set: small RGB images of a plate on a table
 * with one to three kinds of food (kind, colour, count, position). Each image has a
 * generic visual description ("a blue plate with two flat pink pieces in the middle"),
 * which never names the food, and a recipe-style title ("Grilled Salmon With Lemon"),
 * which does: pretraining on descriptions then fine-tuning on titles is a real domain
 * shift, as from generic captions to recipe titles.
 */
import { SeededRandom } from "../../../src/random/seeded-random.ts";
import type { CaptionExample } from "./caption-example.ts";

type Rgb = readonly [number, number, number];

interface FoodKind {
  readonly name: string;
  readonly plural: string;
  /** Visual words for descriptions: shape and colour, never the food's name. */
  readonly shape: string;
  readonly color: string;
  readonly rgb: Rgb;
  readonly protein: boolean;
  readonly maxCount: number;
  readonly draw: (c: Canvas, x: number, y: number, rng: SeededRandom) => void;
}

interface Canvas {
  readonly size: number;
  readonly pixels: Float32Array;
}

function paint(c: Canvas, inside: (u: number, v: number) => boolean, rgb: Rgb, x0: number, y0: number, x1: number, y1: number): void {
  const s = c.size;
  const i0 = Math.max(0, Math.floor(y0 * s));
  const i1 = Math.min(s - 1, Math.ceil(y1 * s));
  const j0 = Math.max(0, Math.floor(x0 * s));
  const j1 = Math.min(s - 1, Math.ceil(x1 * s));
  for (let i = i0; i <= i1; i++) {
    for (let j = j0; j <= j1; j++) {
      // Pixel centres in unit coordinates.
      if (!inside((j + 0.5) / s, (i + 0.5) / s)) continue;
      const p = (i * s + j) * 3;
      c.pixels[p] = rgb[0];
      c.pixels[p + 1] = rgb[1];
      c.pixels[p + 2] = rgb[2];
    }
  }
}

function ellipse(c: Canvas, cx: number, cy: number, rx: number, ry: number, rgb: Rgb): void {
  paint(c, (u, v) => ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2 <= 1, rgb, cx - rx, cy - ry, cx + rx, cy + ry);
}

function disc(c: Canvas, cx: number, cy: number, r: number, rgb: Rgb): void {
  ellipse(c, cx, cy, r, r, rgb);
}

function rect(c: Canvas, cx: number, cy: number, w: number, h: number, rgb: Rgb): void {
  paint(c, () => true, rgb, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
}

const FOODS: readonly FoodKind[] = [
  { name: "steak", plural: "steaks", shape: "flat", color: "brown", rgb: [0.45, 0.22, 0.12], protein: true, maxCount: 2, draw: (c, x, y) => rect(c, x, y, 0.2, 0.13, [0.45, 0.22, 0.12]) },
  { name: "salmon", plural: "salmon", shape: "flat", color: "pink", rgb: [0.98, 0.5, 0.45], protein: true, maxCount: 2, draw: (c, x, y) => rect(c, x, y, 0.19, 0.1, [0.98, 0.5, 0.45]) },
  {
    name: "egg", plural: "eggs", shape: "oval", color: "white", rgb: [1, 0.98, 0.88], protein: true, maxCount: 3,
    draw: (c, x, y) => {
      ellipse(c, x, y, 0.085, 0.065, [1, 0.98, 0.88]);
      disc(c, x, y, 0.035, [1, 0.78, 0.1]);
    },
  },
  { name: "tomato", plural: "tomatoes", shape: "round", color: "red", rgb: [0.86, 0.12, 0.1], protein: false, maxCount: 4, draw: (c, x, y) => disc(c, x, y, 0.065, [0.86, 0.12, 0.1]) },
  { name: "pea", plural: "peas", shape: "tiny", color: "green", rgb: [0.4, 0.8, 0.25], protein: false, maxCount: 4, draw: (c, x, y) => disc(c, x, y, 0.035, [0.4, 0.8, 0.25]) },
  { name: "carrot", plural: "carrots", shape: "long", color: "orange", rgb: [0.96, 0.52, 0.06], protein: false, maxCount: 3, draw: (c, x, y) => rect(c, x, y, 0.17, 0.05, [0.96, 0.52, 0.06]) },
  {
    name: "broccoli", plural: "broccoli", shape: "bushy", color: "dark green", rgb: [0.1, 0.42, 0.15], protein: false, maxCount: 3,
    draw: (c, x, y) => {
      disc(c, x - 0.03, y, 0.045, [0.1, 0.42, 0.15]);
      disc(c, x + 0.03, y, 0.045, [0.1, 0.42, 0.15]);
      disc(c, x, y - 0.035, 0.045, [0.12, 0.48, 0.18]);
    },
  },
  { name: "lemon", plural: "lemons", shape: "oval", color: "yellow", rgb: [0.98, 0.9, 0.2], protein: false, maxCount: 2, draw: (c, x, y) => ellipse(c, x, y, 0.075, 0.05, [0.98, 0.9, 0.2]) },
  { name: "blueberry", plural: "blueberries", shape: "tiny", color: "blue", rgb: [0.18, 0.2, 0.6], protein: false, maxCount: 4, draw: (c, x, y) => disc(c, x, y, 0.035, [0.18, 0.2, 0.6]) },
  {
    name: "mushroom", plural: "mushrooms", shape: "dome", color: "tan", rgb: [0.62, 0.45, 0.3], protein: false, maxCount: 3,
    draw: (c, x, y) => {
      paint(c, (u, v) => v <= y + 0.01 && ((u - x) / 0.09) ** 2 + ((v - y) / 0.075) ** 2 <= 1, [0.62, 0.45, 0.3], x - 0.09, y - 0.075, x + 0.09, y + 0.01);
      rect(c, x, y + 0.035, 0.045, 0.05, [0.9, 0.84, 0.72]);
    },
  },
];

/** Plate colour → cooking style of the title: the title depends on what is visible. */
const PLATES: readonly { color: string; rgb: Rgb; style: string }[] = [
  { color: "white", rgb: [0.85, 0.86, 0.88], style: "Roasted" },
  { color: "blue", rgb: [0.35, 0.55, 0.85], style: "Grilled" },
  { color: "black", rgb: [0.12, 0.12, 0.12], style: "Pan-Seared" },
  { color: "green", rgb: [0.55, 0.7, 0.45], style: "Baked" },
];

const TABLES: readonly Rgb[] = [
  [0.55, 0.36, 0.2],
  [0.62, 0.45, 0.28],
  [0.5, 0.5, 0.52],
  [0.8, 0.74, 0.62],
];

const POSITIONS: readonly { words: string; x: number; y: number }[] = [
  { words: "on the left", x: 0.3, y: 0.5 },
  { words: "on the right", x: 0.7, y: 0.5 },
  { words: "at the top", x: 0.5, y: 0.3 },
  { words: "at the bottom", x: 0.5, y: 0.7 },
  { words: "in the middle", x: 0.5, y: 0.5 },
];

const COUNT_WORDS = ["no", "one", "two", "three", "four"];

function titleCase(s: string): string {
  return s.replace(/(^|[\s-])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}

function pickDistinct<T>(items: readonly T[], n: number, rng: SeededRandom): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
  return out;
}

/** One placed food kind. */
interface Placement {
  readonly food: FoodKind;
  readonly count: number;
  readonly position: (typeof POSITIONS)[number];
}

function describe(plate: (typeof PLATES)[number], items: readonly Placement[]): string {
  const parts = items.map((p) => `${COUNT_WORDS[p.count]} ${p.food.shape} ${p.food.color} ${p.count === 1 ? "piece" : "pieces"} ${p.position.words}`);
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return `a ${plate.color} plate with ${list}`;
}

function entitle(plate: (typeof PLATES)[number], items: readonly Placement[]): string {
  // The main item is the first protein if any (FOODS order), else the first vegetable.
  const sorted = [...items].sort((a, b) => FOODS.indexOf(a.food) - FOODS.indexOf(b.food));
  const [main, ...sides] = sorted;
  const noun = (p: Placement) => (p.count > 1 ? p.food.plural : p.food.name);
  let title = main.food.protein ? `${plate.style} ${noun(main)}` : `${plate.style} ${main.food.name} salad`;
  if (sides.length > 0) title += ` with ${sides.map(noun).join(" and ")}`;
  return titleCase(title);
}

/** Options of {@link generateFoodPlates}. */
export interface FoodPlateOptions {
  readonly count: number;
  readonly seed: number;
  /** Image side in pixels (default 32). */
  readonly imageSize?: number;
  /** Prefix of example ids (default "plate"). */
  readonly idPrefix?: string;
}

/** Renders one plate from its own random stream. */
function renderPlate(rng: SeededRandom, size: number, id: string): CaptionExample {
  const pixels = new Float32Array(size * size * 3);
  const canvas: Canvas = { size, pixels };
  const table = TABLES[rng.int(0, TABLES.length - 1)];
  for (let p = 0; p < pixels.length; p += 3) {
    pixels[p] = table[0];
    pixels[p + 1] = table[1];
    pixels[p + 2] = table[2];
  }
  const plate = PLATES[rng.int(0, PLATES.length - 1)];
  disc(canvas, 0.5, 0.5, 0.46, plate.rgb);
  const kinds = pickDistinct(FOODS, rng.int(1, 3), rng);
  const positions = pickDistinct(POSITIONS, kinds.length, rng);
  const items: Placement[] = kinds.map((food, i) => ({ food, count: rng.int(1, food.maxCount), position: positions[i] }));
  for (const item of items) {
    for (let k = 0; k < item.count; k++) {
      // Spread several pieces around the position so counts stay visible.
      const angle = (2 * Math.PI * k) / item.count + rng.uniform(-0.3, 0.3);
      const radius = item.count === 1 ? 0 : 0.07;
      item.food.draw(canvas, item.position.x + radius * Math.cos(angle), item.position.y + radius * Math.sin(angle), rng);
    }
  }
  const light = rng.uniform(0.9, 1.1);
  for (let p = 0; p < pixels.length; p++) pixels[p] = Math.min(1, Math.max(0, pixels[p] * light + rng.normal() * 0.02));
  return { id, pixels, imageSize: size, description: describe(plate, items), title: entitle(plate, items) };
}

/**
 * `count` plates from `seed`. Plate i depends only on (seed, i), so a larger count extends
 * a smaller one.
 *
 * @example
 * const [first] = generateFoodPlates({ count: 1, seed: 7 });
 * first.description; // "a blue plate with ..."
 * first.title; // "Grilled ..."
 */
export function generateFoodPlates(options: FoodPlateOptions): CaptionExample[] {
  const size = options.imageSize ?? 32;
  if (!Number.isInteger(options.count) || options.count < 0) throw new Error(`count must be a non-negative integer, got ${options.count}`);
  if (!Number.isInteger(size) || size < 8) throw new Error(`imageSize must be an integer ≥ 8, got ${size}`);
  const streams = new SeededRandom(options.seed);
  const out: CaptionExample[] = [];
  for (let i = 0; i < options.count; i++) out.push(renderPlate(streams.fork(), size, `${options.idPrefix ?? "plate"}-${i}`));
  return out;
}

/** Every word the generator can emit in a description or a title (for vocabularies). */
export function foodPlateVocabularyText(): string[] {
  const lines: string[] = [];
  for (const plate of PLATES) lines.push(`a ${plate.color} plate with`, plate.style);
  for (const f of FOODS) lines.push(`${f.shape} ${f.color} piece pieces`, titleCase(`${f.name} ${f.plural} salad with and`));
  for (const p of POSITIONS) lines.push(p.words);
  lines.push(COUNT_WORDS.join(" "), ",");
  return lines;
}
