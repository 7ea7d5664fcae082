/**
 * The least work one TPE ask can do on a flat history of n trials, measured on this machine:
 * 24 candidates scored against a mixture of n Gaussian kernels in d dimensions, each score a
 * log-sum-exp over the kernels. Nothing is skipped or approximated, nothing else is done
 * (no split, no widths, no sampling, no storage): a loop over Float64Arrays that a TPE
 * ask cannot beat without pruning kernels.
 *
 * - joint (multivariate): one exponential per candidate and kernel, d multiply-adds inside;
 * - per parameter (univariate): one mixture per parameter, so d exponentials per candidate
 *   and kernel.
 */
import { performance } from "node:perf_hooks";

/** Median wall and CPU milliseconds of one scoring pass. */
export interface FloorTiming {
  readonly wall: number;
  readonly cpu: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Deterministic pseudo-random fill (the values do not matter, only that they vary). */
function fill(a: Float64Array, seed: number, scale: number, offset: number): void {
  let x = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = offset + (x / 2 ** 32) * scale;
  }
}

/** Times `pass` (after warm-up), returning medians over `reps` runs. */
function time(pass: () => number, reps: number): { timing: FloorTiming; sink: number } {
  let sink = 0;
  for (let r = 0; r < 5; r++) sink += pass();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    sink += pass();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { timing: { wall: median(wall), cpu: median(cpu) }, sink };
}

/** Measures the joint and per-parameter floors for n kernels, d parameters, `candidates` candidates. */
export function measureKernelFloor(n: number, d: number, candidates = 24, reps = 30): { joint: FloorTiming; perParameter: FloorTiming } {
  // One array per dimension (kernels contiguous, the layout a fast loop wants): centres,
  // 1/(2σ²), and the log of weight/(σ√2π); the joint form folds the logs into one array.
  const mu: Float64Array[] = [];
  const invTwoVar: Float64Array[] = [];
  const logCoef: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    mu.push(new Float64Array(n));
    invTwoVar.push(new Float64Array(n));
    logCoef.push(new Float64Array(n));
    fill(mu[j], 1 + j, 1, 0);
    fill(invTwoVar[j], 100 + j, 50, 1);
    fill(logCoef[j], 200 + j, 1, -Math.log(n));
  }
  const jointCoef = new Float64Array(n);
  for (let j = 0; j < d; j++) for (let k = 0; k < n; k++) jointCoef[k] += logCoef[j][k];
  const x = new Float64Array(candidates * d);
  fill(x, 4, 1, 0);
  const scores = new Float64Array(n);

  const logSumExp = (): number => {
    let max = -Infinity;
    for (let k = 0; k < n; k++) if (scores[k] > max) max = scores[k];
    let sum = 0;
    for (let k = 0; k < n; k++) sum += Math.exp(scores[k] - max);
    return max + Math.log(sum);
  };

  const joint = (): number => {
    let total = 0;
    for (let c = 0; c < candidates; c++) {
      scores.set(jointCoef);
      for (let j = 0; j < d; j++) {
        const m = mu[j];
        const a = invTwoVar[j];
        const xc = x[c * d + j];
        for (let k = 0; k < n; k++) {
          const z = xc - m[k];
          scores[k] -= z * z * a[k];
        }
      }
      total += logSumExp();
    }
    return total;
  };

  const perParameter = (): number => {
    let total = 0;
    for (let j = 0; j < d; j++) {
      const m = mu[j];
      const a = invTwoVar[j];
      const l = logCoef[j];
      for (let c = 0; c < candidates; c++) {
        const xc = x[c * d + j];
        for (let k = 0; k < n; k++) {
          const z = xc - m[k];
          scores[k] = l[k] - z * z * a[k];
        }
        total += logSumExp();
      }
    }
    return total;
  };

  const a = time(joint, reps);
  const b = time(perParameter, reps);
  if (!Number.isFinite(a.sink + b.sink)) throw new Error("kernel floor: non-finite score");
  return { joint: a.timing, perParameter: b.timing };
}
