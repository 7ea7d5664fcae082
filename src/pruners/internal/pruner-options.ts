import { z } from "zod";

/** An integer option with a lower bound, with messages that read well in an error. */
export function intAtLeast(min: number): z.ZodNumber {
  return z
    .number({ error: "must be a number" })
    .int({ error: "must be an integer" })
    .min(min, { error: `must be >= ${min}` });
}

/** `"auto"` or an integer with a lower bound. */
export function autoOrIntAtLeast(min: number) {
  const message = `must be "auto" or an integer >= ${min}`;
  return z
    .union([z.literal("auto"), z.number()], { error: message })
    .refine((v) => v === "auto" || (Number.isInteger(v) && v >= min), { error: message });
}

/**
 * Validates a pruner's options and throws one RangeError naming the pruner and every bad
 * option, e.g. `MedianPruner: option "nWarmupSteps" must be >= 0 (got -1)`.
 */
export function parsePrunerOptions<S extends z.ZodType>(pruner: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    if (issue.path.length === 0) return `${pruner}: ${issue.message}`;
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? "" : ` (got ${describe(got)})`;
    return `${pruner}: option "${issue.path.join(".")}" ${issue.message}${shown}`;
  });
  throw new RangeError(lines.join("; "));
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function describe(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "function") return "a function";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
