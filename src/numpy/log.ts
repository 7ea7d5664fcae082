/**
 * log(x) as NumPy 1.24 computes it for arrays on x86-64 CPUs with AVX-512 (Intel SVML's
 * `__svml_log8`, which Debian's NumPy and the Linux wheels link): the range reduction,
 * 16-entry table and degree-8 polynomial of that routine, with its fused multiply-adds
 * done exactly. Optuna scores a categorical choice as log(l) - log(g) of sums that are
 * equal to the last bit for choices with equal counts; which of two nearly tied choices
 * wins then depends on how log rounds, and Math.log rounds differently in about a quarter
 * of cases. One step is approximated: the CPU's 14-bit reciprocal estimate is taken as the
 * exact reciprocal before rounding it to 1/32, which differs only within 2^-14 of a
 * rounding midpoint (2 of 30,000 random inputs).
 */
import { roundHalfEven } from "./round-half-even.ts";

const TABLE = [
  "0x0.0p+0", "-0x1.f0a30c01162a6p-5", "-0x1.e27076e2af2e6p-4", "-0x1.5ff3070a793d4p-3",
  "-0x1.c8ff7c79a9a22p-3", "-0x1.1675cababa60ep-2", "-0x1.4618bc21c5ec2p-2", "-0x1.739d7f6bbd007p-2",
  "0x1.269621134db92p-2", "0x1.f991c6cb3b379p-3", "0x1.a93ed3c8ad9e3p-3", "0x1.5bf406b543db2p-3",
  "0x1.1178e8227e47cp-3", "0x1.9335e5d594989p-4", "0x1.08598b59e3a07p-4", "0x1.0415d89e74444p-5",
].map(hexFloat);
const [A1, A0, B1, B0, C1, C0, D1, D0] = [
  "0x1.249229cee81efp-3", "-0x1.55553fb28db06p-3", "0x1.c81cd309d7c70p-4", "-0x1.007357e93af62p-3",
  "0x1.5555555555466p-2", "-0x1.fffffffffffc6p-2", "0x1.9999999cc9f5cp-3", "-0x1.00000000c05bdp-2",
].map(hexFloat);
const LN2 = hexFloat("0x1.62e42fefa39efp-1");

const view = new DataView(new ArrayBuffer(8));

/** NumPy's (SVML's) log of x; Math.log where SVML takes its scalar path (x <= 0, subnormal, inf, NaN). */
export function numpyLog(x: number): number {
  if (!(x >= 2.2250738585072014e-308) || x === Infinity) return Math.log(x);
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const exponent = (hi >>> 20) - 1023;
  // Mantissa in [1, 2): the same bits with a zero exponent.
  view.setUint32(0, (hi & 0x800fffff) | 0x3ff00000);
  const m = view.getFloat64(0);
  const r = roundHalfEven(32 / m) / 32;
  const t = fma(r, m, -1);
  const e = r < 0.75 ? exponent + 1 : exponent;
  view.setFloat64(0, r);
  const index = (view.getUint32(0) >>> 16) & 15;
  const t2 = t * t;
  const t4 = t2 * t2;
  const a = fma(A1, t, A0);
  const b = fma(t2, fma(B1, t, B0), a);
  const c = fma(C1, t, C0);
  const d = fma(t2, fma(D1, t, D0), c);
  const p = fma(t2, fma(t4, b, d), t);
  return fma(LN2, e, TABLE[index] + p);
}

/** Veltkamp's splitting constant, 2^27 + 1: a double times it splits into two 26-bit halves. */
const SPLIT = 134217729;
/** Inside these magnitudes the error-free transformations below are exact (no overflow, no underflow). */
const SAFE_HIGH = 2 ** 400;
const SAFE_LOW = 2 ** -400;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/**
 * a * b + c rounded once (to nearest, ties to even). numpyLog takes eight per call and
 * Optuna's univariate TPE logs every categorical estimator's mixture, so this is on the
 * sampler's path: the exact sum a·b + c = r + e3 + e2 is formed with error-free
 * transformations (Dekker's product, Knuth's two-sum), whose r is the rounded result unless
 * e3 + e2 comes within reach of half an ulp of r (about one case in 2^50); those, and
 * magnitudes where the transformations are not exact, take the exact BigInt path.
 */
export function fma(a: number, b: number, c: number): number {
  const absA = Math.abs(a);
  const absB = Math.abs(b);
  const absC = Math.abs(c);
  if (!(absA > SAFE_LOW && absA < SAFE_HIGH && absB > SAFE_LOW && absB < SAFE_HIGH && absC < SAFE_HIGH && (absC > SAFE_LOW || c === 0))) {
    return fmaExact(a, b, c);
  }
  const p = a * b;
  // Dekker: a·b = p + pe exactly.
  let t = SPLIT * a;
  const aHi = t - (t - a);
  const aLo = a - aHi;
  t = SPLIT * b;
  const bHi = t - (t - b);
  const bLo = b - bHi;
  const pe = aHi * bHi - p + aHi * bLo + aLo * bHi + aLo * bLo;
  // Two-sums: p + c = s + e1, e1 + pe = u + e2, s + u = r + e3, each exactly.
  const s = p + c;
  let v = s - p;
  const e1 = p - (s - v) + (c - v);
  const u = e1 + pe;
  v = u - e1;
  const e2 = e1 - (u - v) + (pe - v);
  const r = s + u;
  v = r - s;
  const e3 = s - (r - v) + (u - v);
  if (e2 === 0) return r;
  bits[0] = r;
  const hi = words[1];
  const exponent = (hi >>> 20) & 0x7ff;
  if (exponent < 64 || exponent === 0x7ff) return fmaExact(a, b, c);
  // Half the smaller gap next to r: an ulp of r is 2^(exponent - 1075), and below a power
  // of two the gap is half that; the bound is built from its bits (biased exponent - 53 or - 54).
  const powerOfTwo = (hi & 0xfffff) === 0 && words[0] === 0;
  words[1] = (exponent - (powerOfTwo ? 54 : 53)) << 20;
  words[0] = 0;
  return Math.abs(e3) + Math.abs(e2) < bits[0] ? r : fmaExact(a, b, c);
}

/** a * b + c rounded once (to nearest, ties to even), computed exactly with BigInt. */
export function fmaExact(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const mp = ma * mb;
  if (mp === 0n) return c === 0 ? a * b + c : c;
  const ep = ea + eb;
  const low = Math.min(ep, ec);
  const sum = (mp << BigInt(ep - low)) + (mc << BigInt(ec - low));
  return roundToDouble(sum, low);
}

/** x = m · 2^e with m an integer (sign in m). */
function decompose(x: number): [bigint, number] {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;
  if (biased !== 0) {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  return [hi >>> 31 ? -m : m, e];
}

/** n · 2^e as the nearest double (ties to even); results stay in the normal range here. */
function roundToDouble(n: bigint, e: number): number {
  if (n === 0n) return 0;
  const negative = n < 0n;
  let q = negative ? -n : n;
  const bits = q.toString(2).length;
  if (bits > 53) {
    const shift = bits - 53;
    const rem = q & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    q >>= BigInt(shift);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    e += shift;
  }
  const v = Number(q) * 2 ** e;
  return negative ? -v : v;
}


function hexFloat(s: string): number {
  const match = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(s);
  if (!match) throw new Error(`bad hex float ${s}`);
  const [, sign, lead, frac, exp] = match;
  const mantissa = Number(lead) + parseInt(frac, 16) / 16 ** frac.length;
  return (sign ? -1 : 1) * mantissa * 2 ** Number(exp);
}
