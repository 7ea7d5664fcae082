/** What samplers need from a random stream: uniform doubles in [0, 1). */
export interface UniformSource {
  /** Uniform in [0, 1). */
  random(): number;
}

/** A double in [0, 1) from two uint32 draws: 27 + 26 bits, as MT19937's genrand_res53 and NumPy. */
export function unitDouble(first: number, second: number): number {
  return ((first >>> 5) * 67108864 + (second >>> 6)) / 9007199254740992;
}
