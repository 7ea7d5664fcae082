import { z } from "zod";
import type { ParzenSettings } from "./parzen/parzen-estimator.ts";
import { defaultGamma } from "./split/gamma.ts";
import { defaultWeights } from "./parzen/default-weights.ts";

/**
 * Options of {@link TPESampler}; every field is optional. The defaults are hpo's (the
 * configuration with the lowest regret on the shared benchmark, docs/tpe.md); with
 * `replay: "optuna-3.1"` they are Optuna 3.1.0's instead.
 */
export interface TPESamplerOptions {
  /**
   * "optuna-3.1": every option not given defaults as in Optuna 3.1.0's TPESampler, so a
   * seeded study makes the trials a seeded Optuna 3.1.0 study makes (univariate by default;
   * with `multivariate: true`, Optuna's multivariate TPE and its kernel widths).
   */
  replay?: "optuna-3.1";
  /** Same seed and same history, same proposals (for seeds 0..2^32-1, the proposals of Optuna 3.1's TPESampler with that seed). */
  seed?: number;
  /** Random sampling until this many trials have finished (COMPLETE or PRUNED). Default 10. */
  nStartupTrials?: number;
  /** Candidates drawn from the good density; the best ratio l(x)/g(x) wins. Default 48 (Optuna: 24); conditional spaces: conditionalEiCandidates. */
  nEiCandidates?: number;
  /**
   * With group: candidates per group once the space splits into several groups (a
   * conditional space). Default 24; with `replay` or an explicit `nEiCandidates`, that
   * number (Optuna uses one count everywhere).
   */
  conditionalEiCandidates?: number;
  /** How many of n finished trials form the good set. Default min(ceil(0.1 n), 25). */
  gamma?: (n: number) => number;
  /** Weights of n observations, oldest first. Default: flat below 25, then a ramp. */
  weights?: (n: number) => ArrayLike<number>;
  /** Add a wide prior kernel to each density. Default true. */
  considerPrior?: boolean;
  /** Weight of the prior kernel (and categorical smoothing). Default 1.5 (Optuna: 1). */
  priorWeight?: number;
  /** Keep kernel widths at least range / min(100, n + 1). Default true. */
  considerMagicClip?: boolean;
  /** Let the domain's endpoints widen the outermost kernels. Default false. */
  considerEndpoints?: boolean;
  /** Sample the intersection search space jointly (multivariate TPE). Default true (Optuna: false). */
  multivariate?: boolean;
  /** With multivariate: split conditional spaces into groups sampled jointly. Default: as multivariate (Optuna: false). */
  group?: boolean;
  /** Count RUNNING trials as the worst, so parallel workers spread out. Default false. */
  constantLiar?: boolean;
  /**
   * Evaluate continuous kernels as Optuna 3.1.0 does: without their -log σ term, so each
   * kernel counts in proportion to its width (Optuna 3.5 normalised them). Default false
   * (the normalised mixture); true with `replay: "optuna-3.1"`. docs/tpe.md compares both.
   */
  optuna31Kernels?: boolean;
  /**
   * Kernel widths of multivariate TPE. "spread" (default): Optuna's Scott-rule width
   * 0.2·n^(-1/(d+4))·range, scaled per parameter by how concentrated the observations are
   * (their standard deviation over a uniform spread's, at most 1), so l(x) narrows as the
   * good trials gather (docs/tpe.md). "range" (with `replay: "optuna-3.1"`): Optuna's
   * widths, which ignore the observations' spread.
   */
  multivariateBandwidth?: "spread" | "range";
}

/** The options after validation, with every default filled in. */
export interface ResolvedTPEOptions {
  readonly replay: "optuna-3.1" | undefined;
  readonly seed: number | undefined;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly conditionalEiCandidates: number;
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

/** The defaults a preset gives the options that change between hpo and Optuna 3.1.0. */
interface PresetDefaults {
  readonly nEiCandidates: number;
  readonly conditionalEiCandidates: number;
  readonly priorWeight: number;
  readonly multivariate: boolean;
  readonly optuna31Kernels: boolean;
  readonly multivariateBandwidth: "spread" | "range";
}

/**
 * hpo's defaults: multivariate TPE (grouped, for conditional spaces) with spread widths,
 * normalised kernels, a heavier prior and more candidates. Chosen on the shared benchmark
 * functions (lowest median regret against every Optuna 3.1/4.9 TPE setting on seeds 0..19,
 * checked on seeds 20..199; docs/tpe.md, "Choosing the defaults").
 *
 * Conditional spaces keep Optuna's 24 candidates per group: there each branch's g(x) is
 * fitted to only the trials that took the branch, and the more candidates compete, the
 * more surely the winner is one drawn from l's wide prior kernel into a region those few
 * trials left empty, instead of near the branch's good trials (48 was chosen on flat
 * spaces, where g holds every trial). Conditional benchmark, held-out seeds 20..199: median
 * final regret 0.00096 with 24 against 0.00138 with 48, mean 0.00343 against 0.00483.
 */
const HPO_TPE_DEFAULTS: PresetDefaults = {
  nEiCandidates: 48,
  conditionalEiCandidates: 24,
  priorWeight: 1.5,
  multivariate: true,
  optuna31Kernels: false,
  multivariateBandwidth: "spread",
};

/** Optuna 3.1.0's TPESampler defaults (what `replay: "optuna-3.1"` fills in). */
const OPTUNA_31_TPE_DEFAULTS: PresetDefaults = {
  nEiCandidates: 24,
  conditionalEiCandidates: 24,
  priorWeight: 1,
  multivariate: false,
  optuna31Kernels: true,
  multivariateBandwidth: "range",
};

const optionsSchema = z
  .object({
    replay: z.literal("optuna-3.1").optional(),
    seed: z.number().finite().optional(),
    nStartupTrials: z.number().int().nonnegative().default(10),
    nEiCandidates: z.number().int().positive().optional(),
    conditionalEiCandidates: z.number().int().positive().optional(),
    gamma: fn("gamma").optional(),
    weights: fn("weights").optional(),
    considerPrior: z.boolean().default(true),
    priorWeight: z.number().finite().positive().optional(),
    considerMagicClip: z.boolean().default(true),
    considerEndpoints: z.boolean().default(false),
    multivariate: z.boolean().optional(),
    group: z.boolean().optional(),
    constantLiar: z.boolean().default(false),
    optuna31Kernels: z.boolean().optional(),
    multivariateBandwidth: z.enum(["spread", "range"]).optional(),
  })
  .strict();

/** Validates TPESampler options (zod) and fills defaults; throws a readable error. */
export function resolveTPEOptions(options: TPESamplerOptions = {}): ResolvedTPEOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ");
    throw new TypeError(`TPESampler: invalid options: ${detail}`);
  }
  const o = parsed.data;
  const preset = o.replay === "optuna-3.1" ? OPTUNA_31_TPE_DEFAULTS : HPO_TPE_DEFAULTS;
  const multivariate = o.multivariate ?? preset.multivariate;
  const nEiCandidates = o.nEiCandidates ?? preset.nEiCandidates;
  if (o.group && !multivariate) throw new TypeError("TPESampler: invalid options: group: group: true needs multivariate: true");
  return {
    ...o,
    replay: o.replay,
    seed: o.seed,
    nEiCandidates,
    conditionalEiCandidates: o.conditionalEiCandidates ?? (o.nEiCandidates === undefined ? preset.conditionalEiCandidates : nEiCandidates),
    priorWeight: o.priorWeight ?? preset.priorWeight,
    multivariate,
    // Grouping only changes conditional spaces (and the order of draws), so it follows
    // multivariate under hpo's defaults; Optuna 3.1.0 leaves it off.
    group: o.group ?? (o.replay === undefined && multivariate),
    optuna31Kernels: o.optuna31Kernels ?? preset.optuna31Kernels,
    multivariateBandwidth: o.multivariateBandwidth ?? preset.multivariateBandwidth,
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
