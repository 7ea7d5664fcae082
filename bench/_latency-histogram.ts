/**
 * Latencies in log-spaced buckets (1 % wide) from 1 µs up, so histograms from several
 * processes merge by adding counts and percentiles stay within 1 %.
 */
export class LatencyHistogram {
  static readonly GROWTH = 1.01;
  counts = new Map<number, number>();
  n = 0;
  max = 0;

  /** Adds one latency in ms. */
  add(ms: number): void {
    const v = Math.max(ms, 0.001);
    const b = Math.floor(Math.log(v / 0.001) / Math.log(LatencyHistogram.GROWTH));
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  /** Adds another histogram's counts. */
  merge(other: { counts: [number, number][]; n: number; max: number }): void {
    for (const [b, c] of other.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + c);
    this.n += other.n;
    this.max = Math.max(this.max, other.max);
  }

  /** The q-quantile (0..1) in ms, at the bucket's upper edge. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const target = Math.ceil(q * this.n);
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!;
      if (seen >= target) return 0.001 * LatencyHistogram.GROWTH ** (b + 1);
    }
    return this.max;
  }

  toJSON(): { counts: [number, number][]; n: number; max: number } {
    return { counts: [...this.counts], n: this.n, max: this.max };
  }
}
