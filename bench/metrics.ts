/**
 * `npm run bench -- metrics [--pairs N] [--seed S]`: caption metrics on N (default 10,000)
 * deterministic prediction/reference pairs of recipe-title length.
 *
 * Prints: the WordNet load time; the time of computeCaptionMetrics (all four metrics) on
 * the N pairs with every cache cold (the target is < 2 s after loading); each metric alone
 * (cold); the same call again with warm caches; and the per-epoch case of a few hundred
 * captions against fixed references (createCaptionScorer).
 */
import {
  clearMetricCaches,
  computeCaptionMetrics,
  corpusBleu,
  createCaptionScorer,
  isWordNetLoaded,
  loadWordNet,
  meteor,
  rougeL,
} from "../objectives/metrics/index.ts";

// ----------------------------------------------------------------------------------------
// Deterministic recipe titles

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES = "Easy Quick Fast Classic Crispy Creamy Spicy Sweet Savory Smoky Tangy Hearty Light Healthy Homemade Rustic Golden Zesty Cheesy Fluffy Sticky Garlicky Lemony Herbed Best Simple Perfect Ultimate Mini Giant Warm Chilled Fresh Summer Winter Holiday Weeknight Vegan Gluten-Free Southern Italian Mexican Thai Korean Greek French Indian Moroccan".split(" ");
const METHODS = "Roasted Grilled Baked Braised Fried Pan-Fried Seared Smoked Poached Steamed Sauteed Slow-Cooker Instant-Pot Stuffed Glazed Marinated Pickled Toasted Charred Caramelized Whipped Mashed Shredded Pulled Blackened Candied Spiced Stewed Broiled Simmered".split(" ");
const INGREDIENTS = "Chicken Beef Pork Lamb Turkey Salmon Shrimp Cod Tuna Squid Calamari Tofu Tempeh Lentil Chickpea Bean Potato Sweet-Potato Tomato Cucumber Zucchini Eggplant Mushroom Spinach Kale Cabbage Carrot Beet Beetroot Onion Garlic Ginger Lemon Lime Orange Apple Pear Peach Cherry Berry Strawberry Blueberry Banana Mango Pineapple Coconut Chocolate Vanilla Caramel Cinnamon Maple Honey Pumpkin Squash Corn Pepper Jalapeno Chipotle Basil Cilantro Parsley Mint Dill Rosemary Thyme Sage Oregano Feta Parmesan Cheddar Mozzarella Ricotta Bacon Ham Sausage Chorizo Rice Quinoa Barley Oat Almond Walnut Pecan Pistachio Sesame Peanut Miso Soy Sriracha Harissa Pesto Buttermilk Yogurt".split(" ");
const DISHES = "Soup Stew Salad Slaw Curry Chili Tacos Burritos Enchiladas Pasta Noodles Risotto Pilaf Bowl Sandwich Sandwiches Burger Burgers Pizza Flatbread Tart Pie Pies Cake Cupcakes Muffins Cookies Bars Brownies Bread Rolls Biscuits Scones Pancakes Waffles Fritters Skewers Kebabs Meatballs Casserole Frittata Omelet Quiche Dip Sauce Dressing Vinaigrette Marinade Glaze Jam Chutney Relish Salsa Smoothie Cocktail Lemonade Sorbet Pudding Custard Trifle Crumble Cobbler Stir-Fry Roast Wraps Dumplings Broth Stock".split(" ");
const CONNECTORS = ["with", "and", "in", "on", "over", "for", "a la", "&", "with a side of"];
const EXTRAS = ["Sauce", "Glaze", "Dressing", "Crust", "Topping", "Butter", "Cream", "Gravy", "Salsa", "Aioli"];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

function recipeTitle(rnd: () => number): string {
  const words: string[] = [];
  if (rnd() < 0.5) words.push(pick(rnd, ADJECTIVES));
  if (rnd() < 0.6) words.push(pick(rnd, METHODS));
  words.push(pick(rnd, INGREDIENTS));
  if (rnd() < 0.4) words.push(pick(rnd, INGREDIENTS));
  words.push(pick(rnd, DISHES));
  if (rnd() < 0.45) {
    words.push(pick(rnd, CONNECTORS), pick(rnd, INGREDIENTS));
    if (rnd() < 0.5) words.push(pick(rnd, EXTRAS));
  }
  return words.join(" ");
}

const VARIANTS: Record<string, string[]> = {
  Quick: ["Fast", "Speedy", "Easy"],
  Easy: ["Simple", "Quick"],
  Soup: ["Broth", "Stew"],
  Stock: ["Broth"],
  Calamari: ["Squid"],
  Beetroot: ["Beet"],
  Roasted: ["Roast", "Baked"],
  Cookies: ["Cookie", "Biscuits"],
  Sandwiches: ["Sandwich"],
  Pies: ["Pie"],
  Burgers: ["Burger"],
  Creamy: ["Cream"],
  Spicy: ["Hot", "Fiery"],
  Sweet: ["Sugary"],
  Grilled: ["Grill", "Barbecued"],
};

/** A prediction that resembles the reference the way a half-trained captioner's does. */
function perturb(rnd: () => number, title: string): string {
  let words = title.split(" ");
  words = words.map((w) => {
    const r = rnd();
    if (r < 0.15 && VARIANTS[w]) return pick(rnd, VARIANTS[w]);
    if (r < 0.25) return w.toLowerCase();
    if (r < 0.4) return pick(rnd, rnd() < 0.5 ? INGREDIENTS : DISHES);
    return w;
  });
  if (rnd() < 0.2 && words.length > 2) words.splice(Math.floor(rnd() * words.length), 1);
  if (rnd() < 0.2) words.splice(Math.floor(rnd() * (words.length + 1)), 0, pick(rnd, ADJECTIVES));
  if (rnd() < 0.1 && words.length > 2) {
    const i = Math.floor(rnd() * (words.length - 1));
    [words[i], words[i + 1]] = [words[i + 1], words[i]];
  }
  if (rnd() < 0.03) return "";
  return words.join(" ");
}

export function makeCaptionPairs(n: number, seed = 42): { predictions: string[]; references: string[][] } {
  const rnd = mulberry32(seed);
  const predictions: string[] = [];
  const references: string[][] = [];
  for (let i = 0; i < n; i++) {
    const ref = recipeTitle(rnd);
    references.push(rnd() < 0.15 ? [ref, recipeTitle(rnd)] : [ref]);
    predictions.push(perturb(rnd, ref));
  }
  return { predictions, references };
}

// ----------------------------------------------------------------------------------------

interface Clock {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

function start(): Clock {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

/** Wall-clock and CPU milliseconds since `c` (CPU time is what a busy machine distorts least). */
function elapsed(c: Clock): { wall: number; cpu: number } {
  const cpu = process.cpuUsage(c.cpu);
  return { wall: performance.now() - c.wall, cpu: (cpu.user + cpu.system) / 1000 };
}

function ms(c: Clock): string {
  const e = elapsed(c);
  return `${e.wall.toFixed(1)} ms wall, ${e.cpu.toFixed(1)} ms CPU`;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

export default async function bench(args: string[]): Promise<void> {
  const n = arg(args, "--pairs", 10_000);
  const seed = arg(args, "--seed", 42);
  const { predictions, references } = makeCaptionPairs(n, seed);
  const words = predictions.reduce((s, p) => s + p.split(" ").filter(Boolean).length, 0) / n;
  console.log(`caption metrics: ${n} pairs (seed ${seed}), ${words.toFixed(1)} words per prediction`);
  const ex = predictions.findIndex((p) => p !== "");
  console.log(`  e.g. "${predictions[ex]}"  vs  "${references[ex][0]}"`);
  console.log(`  (CPU ms are user+system time of this process: on a shared, busy machine they are the fairer figure)`);

  console.log(`  WordNet loaded at import: ${isWordNetLoaded()}`);
  let t0 = start();
  const wn = loadWordNet();
  console.log(`  WordNet load: ${ms(t0)} (${wn.info.source})`);

  clearMetricCaches();
  t0 = start();
  const all = computeCaptionMetrics(predictions, references);
  const cold = elapsed(t0);
  console.log(
    `  all four metrics, first call (cold caches): ${cold.wall.toFixed(1)} ms wall, ${cold.cpu.toFixed(1)} ms CPU  ` +
      `(BLEU-1 ${all.bleu1.toFixed(4)}, BLEU-2 ${all.bleu2.toFixed(4)}, ROUGE-L ${all.rougeL.toFixed(4)}, METEOR ${all.meteor.toFixed(4)}; ${all.warnings.count} warnings)`,
  );
  console.log(
    `  target < 2000 ms after loading: ${cold.wall < 2000 ? "met" : cold.cpu < 2000 ? "met in CPU time (wall clock inflated by a busy machine)" : "NOT MET"}`,
  );

  clearMetricCaches();
  t0 = start();
  computeCaptionMetrics(predictions, references);
  console.log(`  all four metrics, cold caches, second call (compiled code): ${ms(t0)}`);

  clearMetricCaches();
  t0 = start();
  corpusBleu(predictions, references, { maxOrder: 1 });
  corpusBleu(predictions, references, { maxOrder: 2 });
  console.log(`  BLEU-1 + BLEU-2 alone (corpusBleu twice, cold): ${ms(t0)}`);
  clearMetricCaches();
  t0 = start();
  for (let i = 0; i < n; i++) rougeL(predictions[i], references[i]);
  console.log(`  ROUGE-L alone (cold): ${ms(t0)}`);
  clearMetricCaches();
  t0 = start();
  for (let i = 0; i < n; i++) meteor(predictions[i], references[i]);
  console.log(`  METEOR alone (cold): ${ms(t0)}`);

  t0 = start();
  computeCaptionMetrics(predictions, references);
  console.log(`  all four metrics again, warm caches: ${ms(t0)}`);

  // The captioner's case: a few hundred validation captions scored every epoch.
  clearMetricCaches();
  const epochN = Math.min(300, n);
  const epochRefs = references.slice(0, epochN);
  const scorer = createCaptionScorer(epochRefs);
  const times: string[] = [];
  for (let epoch = 0; epoch < 5; epoch++) {
    const rnd = mulberry32(1000 + epoch);
    const epochPreds = epochRefs.map((r) => perturb(rnd, r[0]));
    t0 = start();
    scorer(epochPreds);
    const e = elapsed(t0);
    times.push(`${e.wall.toFixed(1)}/${e.cpu.toFixed(1)}`);
  }
  console.log(`  per epoch, ${epochN} captions (createCaptionScorer), wall/CPU ms: ${times.join(", ")}`);
}
