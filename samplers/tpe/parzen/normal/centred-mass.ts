/**
 * The truncation normaliser of a kernel centred inside its domain, log(Φ(b) - Φ(a)) for
 * a <= 0 <= b, in a fraction of the time of two erfc calls: building a Parzen estimator
 * needs one per kernel and continuous parameter (20,000 for a 10,000-trial history in two
 * continuous parameters), and they were a third of the cost of a multivariate proposal.
 *
 * The mass is 1 - Φ(a) - Φ(-b), where the tails only need an absolute error far below the
 * mass's own rounding (the mass is at least 0.34 for kernels no wider than their domain).
 * Each tail Φ(x), x in [-9, 0], is a Taylor expansion around the nearest of a grid of
 * points 1/64 apart: Φ(x0 + t) = Φ(x0) + φ(x0) Σ_{k=1..6} (-1)^(k-1) He_{k-1}(x0) t^k / k!
 * (He: Hermite polynomials), whose remainder is below 3e-18 for |t| <= 1/128. Φ(x0) and
 * φ(x0) come from the careful erfc-based ndtr once, at load time.
 */
import { ndtr } from "./normal-functions.ts";
import { logGaussMass } from "./truncated-normal.ts";

/** Tails beyond 9 widths hold under 1.2e-19 of the mass: left out, as logGaussMass does. */
const TAIL = 9;
const STEPS = 64;
const NODES = TAIL * STEPS + 1;
/** Φ and φ at x0 = -k / STEPS, k < NODES. */
const CDF = Float64Array.from({ length: NODES }, (_, k) => ndtr(-k / STEPS));
const PDF = Float64Array.from({ length: NODES }, (_, k) => Math.exp(-0.5 * (k / STEPS) ** 2) / Math.sqrt(2 * Math.PI));

/** Φ(x) for -TAIL <= x <= 0, to an absolute error below 1e-17. */
function lowerTail(x: number): number {
  const k = Math.round(-x * STEPS);
  const x0 = -k / STEPS;
  const t = x - x0;
  // Σ_{k=1..6} (-1)^(k-1) He_{k-1}(x0) t^k / k!, with He_0 = 1, He_1 = x0,
  // He_{n+1} = x0 He_n - n He_{n-1}.
  const h2 = x0 * x0 - 1;
  const h3 = x0 * h2 - 2 * x0;
  const h4 = x0 * h3 - 3 * h2;
  const h5 = x0 * h4 - 4 * h3;
  const series = t * (1 - t * ((x0 / 2) - t * ((h2 / 6) - t * ((h3 / 24) - t * ((h4 / 120) - t * (h5 / 720))))));
  return CDF[k] + PDF[k] * series;
}

/** log(Φ(b) - Φ(a)) for a <= 0 <= b (a kernel centred in its domain, in its own widths). */
function logCentredMass(a: number, b: number): number {
  const left = a < -TAIL ? 0 : lowerTail(a);
  const right = b > TAIL ? 0 : lowerTail(-b);
  return Math.log1p(-left - right);
}

/**
 * Φ(b) - Φ(a) for a <= 0 <= b, at least 0.34 for a kernel no wider than its domain: for a
 * caller that multiplies several kernels' masses and takes one log of the product (one
 * log per kernel instead of one per kernel and parameter). The absolute error of its log
 * is a few 1e-16, as logCentredMass's.
 */
export function centredMass(a: number, b: number): number {
  const left = a < -TAIL ? 0 : lowerTail(a);
  const right = b > TAIL ? 0 : lowerTail(-b);
  return 1 - left - right;
}

/**
 * log(Φ(b) - Φ(a)), a <= b: the mass of a kernel's domain in the kernel's own widths, by
 * logCentredMass where the kernel is centred inside (every observation and prior kernel),
 * else by logGaussMass.
 */
export function logDomainMass(a: number, b: number): number {
  return a <= 0 && b >= 0 ? logCentredMass(a, b) : logGaussMass(a, b);
}
