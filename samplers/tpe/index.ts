/** Our Tree-structured Parzen Estimator sampler (Optuna-faithful; see docs/tpe.md). */
export { TPESampler } from "./tpe-sampler.ts";
export type { TPESamplerOptions, ResolvedTPEOptions } from "./tpe-options.ts";
export { defaultGamma, defaultWeights, hyperoptGamma } from "./tpe-defaults.ts";
