import { z } from "zod";
import type { ParzenSettings } from "./parzen-estimator.ts";
import { defaultGamma, defaultWeights } from "./tpe-defaults.ts";

/** Options of {@link TPESampler}; every field is optional and defaults as in Optuna 3.1, except where docs/tpe.md says why not. */
export interface TPESamplerOptions {
  /** Same seed and same history, same proposals (for seeds 0..2^32-1, the proposals of Optuna 3.1's TPESampler with that seed). */
  seed?: number;
  /** Random sampling until this many trials have finished (COMPLETE or PRUNED). Default 10. */
  nStartupTrials?: number;
  /** Candidates drawn from the good density; the best ratio l(x)/g(x) wins. Default 24. */
  nEiCandidates?: number;
  /** How many of n finished trials form the good set. Default min(ceil(0.1 n), 25). */
  gamma?: (n: number) => number;
  /** Weights of n observations, oldest first. Default: flat below 25, then a ramp. */
  weights?: (n: number) => ArrayLike<number>;
  /** Add a wide prior kernel to each density. Default true. */
  considerPrior?: boolean;
  /** Weight of the prior kernel (and categorical smoothing). Default 1. */
  priorWeight?: number;
  /** Keep kernel widths at least range / min(100, n + 1). Default true. */
  considerMagicClip?: boolean;
  /** Let the domain's endpoints widen the outermost kernels. Default false. */
  considerEndpoints?: boolean;
  /** Sample the intersection search space jointly (multivariate TPE). Default false. */
  multivariate?: boolean;
  /** With multivariate: split conditional spaces into groups sampled jointly. Default false. */
  group?: boolean;
  /** Count RUNNING trials as the worst, so parallel workers spread out. Default false. */
  constantLiar?: boolean;
  /**
   * Evaluate continuous kernels as Optuna 3.1.0 does: without their -log σ term, so each
   * kernel counts in proportion to its width (Optuna 3.5 normalised them). Default true:
   * on every benchmark function but multivariate Branin it finds better optima (see
   * docs/tpe.md); false gives the normalised mixture of Optuna >= 3.5.
   */
  optuna31Kernels?: boolean;
  /**
   * Kernel widths of multivariate TPE. "spread" (default): Optuna's Scott-rule width
   * 0.2·n^(-1/(d+4))·range, scaled per parameter by how concentrated the observations are
   * (their standard deviation over a uniform spread's, at most 1), so l(x) narrows as the
   * good trials gather; lower regret on every benchmark function (docs/tpe.md). "range":
   * Optuna's widths, which ignore the observations' spread.
   */
  multivariateBandwidth?: "spread" | "range";
}

/** The options after validation, with every default filled in. */
export interface ResolvedTPEOptions {
  readonly seed: number | undefined;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly gamma: (n: number) => number;
  readonly weights: (n: number) => ArrayLike<number>;
  readonly considerPrior: boolean;
  readonly priorWeight: number;
  readonly considerMagicClip: boolean;
  readonly considerEndpoints: boolean;
  readonly multivariate: boolean;
  readonly group: boolean;
  readonly constantLiar: boolean;
  readonly optuna31Kernels: boolean;
  readonly multivariateBandwidth: "spread" | "range";
}

const fn = (what: string) =>
  z.custom<(n: number) => never>((v) => typeof v === "function", { message: `${what} must be a function of n` });

const optionsSchema = z
  .object({
    seed: z.number().finite().optional(),
    nStartupTrials: z.number().int().nonnegative().default(10),
    nEiCandidates: z.number().int().positive().default(24),
    gamma: fn("gamma").optional(),
    weights: fn("weights").optional(),
    considerPrior: z.boolean().default(true),
    priorWeight: z.number().finite().positive().default(1),
    considerMagicClip: z.boolean().default(true),
    considerEndpoints: z.boolean().default(false),
    multivariate: z.boolean().default(false),
    group: z.boolean().default(false),
    constantLiar: z.boolean().default(false),
    optuna31Kernels: z.boolean().default(true),
    multivariateBandwidth: z.enum(["spread", "range"]).default("spread"),
  })
  .strict()
  .refine((o) => !o.group || o.multivariate, { message: "group: true needs multivariate: true", path: ["group"] });

/** Validates TPESampler options (zod) and fills defaults; throws a readable error. */
export function resolveTPEOptions(options: TPESamplerOptions = {}): ResolvedTPEOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ");
    throw new TypeError(`TPESampler: invalid options: ${detail}`);
  }
  const o = parsed.data;
  return {
    ...o,
    seed: o.seed,
    gamma: (options.gamma ?? defaultGamma) as (n: number) => number,
    weights: (options.weights ?? defaultWeights) as (n: number) => ArrayLike<number>,
  };
}

/** The estimator settings that resolved options ask for. */
export function parzenSettingsOf(o: ResolvedTPEOptions): ParzenSettings {
  return {
    considerPrior: o.considerPrior,
    priorWeight: o.priorWeight,
    considerMagicClip: o.considerMagicClip,
    considerEndpoints: o.considerEndpoints,
    weights: o.weights,
    multivariate: o.multivariate,
    optuna31Kernels: o.optuna31Kernels,
    multivariateBandwidth: o.multivariateBandwidth,
  };
}
