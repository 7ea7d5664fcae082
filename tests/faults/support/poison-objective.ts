import type { Trial } from "hpo";

/**
 * Poison pills: trial data no storage can hold, and thrown values that cannot be printed.
 * Trial `n` swallows pill `n % PILLS.length` (pill 0 is a healthy trial); each pill names
 * the fail reason its trial must end with.
 */
export const PILLS: readonly { readonly name: string; readonly swallow: (trial: Trial) => void; readonly reason: RegExp }[] = [
  { name: "healthy", swallow: () => undefined, reason: /^$/ },
  {
    name: "circular attr",
    swallow: (t) => {
      const a: Record<string, unknown> = { x: 1 };
      a.self = a;
      t.setUserAttr("cfg", a as never);
    },
    reason: /^UnstorableDataError: trial \d+: user attr "cfg": expected JSON-compatible data, found a circular reference at \.self$/,
  },
  { name: "BigInt attr", swallow: (t) => t.setUserAttr("big", { n: 10n } as never), reason: /user attr "big": expected JSON-compatible data, found a BigInt at \.n/ },
  { name: "function attr", swallow: (t) => t.setUserAttr("fn", [() => 1] as never), reason: /user attr "fn": expected JSON-compatible data, found a function at \[0\]$/ },
  { name: "undefined attr", swallow: (t) => t.setUserAttr("u", undefined as never), reason: /user attr "u": expected JSON-compatible data, found undefined$/ },
  { name: "NUL in attr name", swallow: (t) => t.setUserAttr("a\u0000b", 1), reason: /user attr name "a\\u0000b": expected no NUL character, found one at position 1$/ },
  { name: "NUL in param name", swallow: (t) => void t.suggestFloat("p\u0000", 0, 1), reason: /param name "p\\u0000": expected no NUL character/ },
  { name: "step 2^31", swallow: (t) => t.report(1, 2 ** 31), reason: /report\(value, step\): expected the step to be an integer from 0 to 2147483647, found 2147483648$/ },
  { name: "negative step", swallow: (t) => t.report(1, -1), reason: /found -1$/ },
  { name: "fractional step", swallow: (t) => t.report(1, 1.5), reason: /found 1\.5$/ },
  {
    name: "thrown null-prototype object",
    swallow: () => {
      throw Object.create(null);
    },
    reason: /^a thrown Object that cannot be converted to text$/,
  },
  {
    name: "thrown object whose toString throws",
    swallow: () => {
      throw {
        toString() {
          throw new Error("no text for you");
        },
      };
    },
    reason: /^a thrown Object that cannot be converted to text$/,
  },
  { name: "Map attr", swallow: (t) => t.setUserAttr("m", new Map([[1, 2]]) as never), reason: /user attr "m": expected JSON-compatible data, found a Map/ },
];

/** The objective of the poison-pill studies: a few healthy steps, then the trial's pill. */
export async function poisonObjective(trial: Trial): Promise<number> {
  const x = trial.suggestFloat("x", 0, 1);
  trial.report(x, 0);
  trial.setUserAttr("ok", { when: new Date(0), missing: undefined, list: [undefined, 1] } as never);
  await new Promise((r) => setTimeout(r, 5));
  PILLS[trial.number % PILLS.length].swallow(trial);
  await trial.shouldPrune();
  return x;
}
