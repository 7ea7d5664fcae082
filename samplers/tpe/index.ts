/** Our Tree-structured Parzen Estimator sampler (Optuna-faithful; see docs/tpe.md). */
export { TPESampler } from "./tpe-sampler.ts";
export type { TPESamplerOptions, ResolvedTPEOptions } from "./tpe-options.ts";
export { defaultGamma, hyperoptGamma } from "./split/gamma.ts";
export { defaultWeights } from "./parzen/default-weights.ts";
