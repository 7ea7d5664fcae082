/**
 * e^x for x <= 0, inlined by V8 where Math.exp is a call into C: the log-density of a
 * 10,000-kernel mixture takes one exp per kernel and candidate, and this is about three
 * times faster there. exp(x) = 2^(-k/256) · e^r with k = round(-256 x / ln 2) and
 * |r| <= ln 2 / 512, the 2^(-j/256) from a table and e^r from its Taylor series to r^5
 * (remainder below 1e-20): relative error below 5e-16 down to -708, where results turn
 * subnormal (tests/samplers/exp-nonpositive.test.ts).
 */

const STEPS = 256;
/** 2^(-j/256), j < 256. */
const FRACTION = Float64Array.from({ length: STEPS }, (_, j) => 2 ** (-j / STEPS));
/** 2^(-m) for the whole octaves, m < 1100 (past 2^-1074 it is 0, as e^x is). */
const OCTAVE = Float64Array.from({ length: 1100 }, (_, m) => 2 ** -m);
const SCALE = STEPS / Math.LN2;
// ln 2 / 256 split so that k · LN2_HI is exact for the k that occur (fdlibm's split).
const LN2_HI = 6.93147180369123816490e-1 / STEPS;
const LN2_LO = 1.90821492927058770002e-10 / STEPS;
/** Adding and subtracting 1.5 · 2^52 rounds a double to the nearest integer. */
const ROUND = 6755399441055744;
/** Below this e^x is 0 in double precision. */
const UNDERFLOW = -745.2;

/** e^x for x <= 0 (relative error below 5e-16 down to -708; 0 below -745.2; NaN for NaN). */
export function expNonPositive(x: number): number {
  if (!(x > UNDERFLOW)) return x !== x ? x : 0;
  const k = ROUND - x * SCALE - ROUND;
  const r = x + k * LN2_HI + k * LN2_LO;
  const j = k | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return FRACTION[j & (STEPS - 1)] * OCTAVE[j >> 8] * p;
}
