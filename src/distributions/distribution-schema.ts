import { z } from "zod";
import { categoricalDistribution, floatDistribution, intDistribution } from "./create-distribution.ts";
import type { Distribution } from "../vocabulary/distribution.ts";

const choice = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** zod schema for a stored or declared distribution; output is validated by Optuna's rules. */
export const distributionSchema: z.ZodType<Distribution> = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("float"),
      low: z.number(),
      high: z.number(),
      log: z.boolean().optional(),
      step: z.number().nullable().optional(),
    }),
    z.object({
      type: z.literal("int"),
      low: z.number().int(),
      high: z.number().int(),
      log: z.boolean().optional(),
      step: z.number().int().nullable().optional(),
    }),
    z.object({ type: z.literal("categorical"), choices: z.array(choice).min(1) }),
  ])
  .transform((d, ctx): Distribution => {
    try {
      if (d.type === "float") return floatDistribution(d.low, d.high, { log: d.log, step: d.step });
      if (d.type === "int") return intDistribution(d.low, d.high, { log: d.log, step: d.step });
      return categoricalDistribution(d.choices);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^distribution: /, "") });
      return z.NEVER;
    }
  });
