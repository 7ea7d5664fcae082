/**
 * Learning-rate schedule: linear warm-up to the peak, then cosine decay to a floor.
 */

/** Schedule parameters. */
export interface LrSchedule {
  readonly peak: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  /** Final rate as a fraction of the peak (default 0.1). */
  readonly floor?: number;
}

/** The learning rate at 0-based `step`. */
export function learningRateAt(s: LrSchedule, step: number): number {
  const floor = (s.floor ?? 0.1) * s.peak;
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const decaySteps = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / decaySteps));
  return floor + (s.peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
