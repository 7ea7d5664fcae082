/** What samplers need from a random stream: uniform doubles in [0, 1). */
export interface UniformSource {
  /** Uniform in [0, 1). */
  random(): number;
}
