/**
 * Standard normal special functions in double precision: erf, erfc, the CDF (ndtr), its log
 * (logNdtr) and the inverse of the log-CDF (ndtriExp). JavaScript has no Math.erf, and the
 * Parzen estimator evaluates these hundreds of thousands of times per trial, so they are
 * scalar, branch-light and allocation-free.
 *
 * erf/erfc follow the rational approximations of Sun's fdlibm s_erf.c (the same published
 * approximation glibc and Optuna's port use; coefficients reproduced below as data), which
 * keeps our densities within a few ulps of Optuna's.
 */

import { expNonPositive } from "./exp-nonpositive.ts";

const SQRT1_2 = Math.SQRT1_2;
/** log √(2π), the normal density's constant. */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// fdlibm s_erf.c coefficients (Sun Microsystems, freely distributable).
const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const PP0 = 1.28379167095512558561e-1;
const PP1 = -3.25042107247001499370e-1;
const PP2 = -2.84817495755985104766e-2;
const PP3 = -5.77027029648944159157e-3;
const PP4 = -2.37630166566501626084e-5;
const QQ1 = 3.97917223959155352819e-1;
const QQ2 = 6.50222499887672944485e-2;
const QQ3 = 5.08130628187576562776e-3;
const QQ4 = 1.32494738004321644526e-4;
const QQ5 = -3.96022827877536812320e-6;
const PA0 = -2.36211856075265944077e-3;
const PA1 = 4.14856118683748331666e-1;
const PA2 = -3.72207876035701323847e-1;
const PA3 = 3.18346619901161753674e-1;
const PA4 = -1.10894694282396677476e-1;
const PA5 = 3.54783043256182359371e-2;
const PA6 = -2.16637559486879084300e-3;
const QA1 = 1.06420880400844228286e-1;
const QA2 = 5.40397917702171048937e-1;
const QA3 = 7.18286544141962662868e-2;
const QA4 = 1.26171219808761642112e-1;
const QA5 = 1.36370839120290507362e-2;
const QA6 = 1.19844998467991074170e-2;
const RA0 = -9.86494403484714822705e-3;
const RA1 = -6.93858572707181764372e-1;
const RA2 = -1.05586262253232909814e1;
const RA3 = -6.23753324503260060396e1;
const RA4 = -1.62396669462573470355e2;
const RA5 = -1.84605092906711035994e2;
const RA6 = -8.12874355063065934246e1;
const RA7 = -9.81432934416914548592;
const SA1 = 1.96512716674392571292e1;
const SA2 = 1.37657754143519042600e2;
const SA3 = 4.34565877475229228821e2;
const SA4 = 6.45387271733267880336e2;
const SA5 = 4.29008140027567833386e2;
const SA6 = 1.08635005541779435134e2;
const SA7 = 6.57024977031928170135;
const SA8 = -6.04244152148580987438e-2;
const RB0 = -9.86494292470009928597e-3;
const RB1 = -7.99283237680523006574e-1;
const RB2 = -1.77579549177547519889e1;
const RB3 = -1.60636384855821916062e2;
const RB4 = -6.37566443368389627722e2;
const RB5 = -1.02509513161107724954e3;
const RB6 = -4.83519191608651397019e2;
const SB1 = 3.03380607434824582924e1;
const SB2 = 3.25792512996573918826e2;
const SB3 = 1.53672958608443695994e3;
const SB4 = 3.19985821950859553908e3;
const SB5 = 2.55305040643316442583e3;
const SB6 = 4.74528541206955367215e2;
const SB7 = -2.24409524465858183362e1;

/** erfc(|x|) * |x| * exp(x^2 + 0.5625) style tail for |x| >= 1.25, returned as erfc(ax). */
function erfcTail(ax: number): number {
  const s = 1 / (ax * ax);
  let r: number;
  let q: number;
  if (ax < 1 / 0.35) {
    r = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
    q = 1 + s * (SA1 + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
  } else {
    r = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
    q = 1 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
  }
  // fdlibm splits ax so that ax² is exact and spends a second exp on the remainder; one exp
  // is enough here (relative error below 1e-14 up to ax = 28, and these functions run
  // hundreds of thousands of times per trial); the exponent is below -2, where
  // expNonPositive is exact to 5e-16 and cheaper than Math.exp.
  return expNonPositive(-ax * ax - 0.5625 + r / q) / ax;
}

/** The error function. */
function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 3.725290298461914e-9) return x + EFX * x;
    const z = x * x;
    const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
    const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
    return x + x * (r / s);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
    const q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
    return x >= 0 ? ERX + p / q : -ERX - p / q;
  }
  if (ax >= 6) return x >= 0 ? 1 : -1;
  const t = 1 - erfcTail(ax);
  return x >= 0 ? t : -t;
}

/** The complementary error function, accurate in the far right tail (no 1 - erf loss). */
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 1.3877787807814457e-17) return 1 - x;
    const z = x * x;
    const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
    const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
    const y = r / s;
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x - 0.5 + x * y);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
    const q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
    return x >= 0 ? 1 - ERX - p / q : 1 + (ERX + p / q);
  }
  if (ax < 28) {
    if (x < -6) return 2;
    const t = erfcTail(ax);
    return x > 0 ? t : 2 - t;
  }
  return x > 0 ? 0 : 2;
}

/** Standard normal CDF Φ(a), computed on the side where it keeps its relative precision. */
export function ndtr(a: number): number {
  const x = a * SQRT1_2;
  if (x < -SQRT1_2) return 0.5 * erfc(-x);
  if (x < SQRT1_2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** log Φ(a), finite for every finite a (asymptotic series below -20). */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a); // log(1 - ε) = -ε to double precision here
  if (a > -20) return Math.log(ndtr(a));
  // Mills-ratio series: Φ(a) = φ(a)/(-a) · (1 - 1/a² + 3/a⁴ - 15/a⁶ + ...).
  const logLead = -0.5 * a * a - Math.log(-a) - LOG_SQRT_2PI;
  const inv = 1 / (a * a);
  let sum = 1;
  let term = 1;
  for (let i = 1; i < 40; i++) {
    const next = -term * (2 * i - 1) * inv;
    if (sum + next === sum) break;
    term = next;
    sum += term;
  }
  return logLead + Math.log(sum);
}

/** log of the standard normal density. */
export function normLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(exp(p) - exp(q)) for p >= q. */
export function logDiffExp(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

/** log(exp(p) + exp(q)). */
export function logAddExp(p: number, q: number): number {
  if (p === -Infinity) return q;
  if (q === -Infinity) return p;
  return p > q ? p + Math.log1p(Math.exp(q - p)) : q + Math.log1p(Math.exp(p - q));
}

/**
 * The x with log Φ(x) = y (y <= 0): a rational first guess refined by Halley steps on
 * log Φ, solved in whichever tail keeps the precision.
 */
export function ndtriExp(y: number): number {
  if (Number.isNaN(y) || y > 0) return NaN;
  if (y === 0) return Infinity;
  if (y === -Infinity) return -Infinity;
  if (y > -Math.LN2) {
    // Upper half: Φ(x) = p near 1, so solve for the lower tail 1 - p = -expm1(y).
    return -ndtriExpLower(Math.log(-Math.expm1(y)));
  }
  return ndtriExpLower(y);
}

/** ndtriExp for y <= log(1/2), i.e. x <= 0. */
function ndtriExpLower(y: number): number {
  // Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) as the starting point.
  const t = Math.sqrt(-2 * y);
  let x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (let i = 0; i < 8; i++) {
    const lf = logNdtr(x);
    const f = lf - y;
    // Halley on f = log Φ - y: f' = φ/Φ =: r and f'' = -r (x + r).
    const r = Math.exp(normLogPdf(x) - lf);
    const step = (2 * f) / (2 * r + f * (x + r));
    x -= step;
    // Halley converges cubically: after a step below 1e-8 what is left is far below double
    // precision, so no confirming step is needed (the first guess is within 4.5e-4 and the
    // second step about 1e-10: two steps instead of three). Quantiles move by at most an
    // ulp against a confirmed result.
    if (Math.abs(step) <= 1e-8 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

