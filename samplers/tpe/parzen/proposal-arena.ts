/**
 * Typed arrays for the data of one TPE proposal (observation columns, kernel centres and
 * widths, weights, the compiled densities' per-kernel terms), taken from buffers reused
 * from one proposal to the next. A proposal needs some fifty arrays of one entry per past
 * trial; `new Float64Array(n)` beyond a few elements allocates outside V8's heap and is
 * tracked as external memory, which cost more than a tenth of a 1,000-trial multivariate
 * ask (and far more at 10,000, where external-memory pressure brings extra collections).
 *
 * The arrays are valid only inside {@link withProposalArena}'s callback: the next proposal
 * writes over them. Outside one (tests, direct use of ParzenEstimator) the allocators
 * return fresh arrays, so an estimator built there owns its data.
 */

/** One typed-array kind's grow-only buffer and the part of it handed out so far. */
class Pool<A extends Float64Array | Int32Array | Uint8Array> {
  #buffer: A;
  #used = 0;
  readonly #make: (n: number) => A;

  constructor(make: (n: number) => A) {
    this.#make = make;
    this.#buffer = make(0);
  }

  /** n zeroed entries, not overlapping anything taken since the last reset. */
  take(n: number): A {
    if (this.#used + n > this.#buffer.length) {
      // Arrays already handed out keep the old buffer alive until the proposal ends; the
      // next proposal starts in this one, large enough for both.
      this.#buffer = this.#make(Math.max(2 * this.#buffer.length, this.#used + n, 4096));
      this.#used = 0;
    }
    const out = this.#buffer.subarray(this.#used, this.#used + n) as A;
    this.#used += n;
    out.fill(0);
    return out;
  }

  reset(): void {
    this.#used = 0;
  }
}

const f64Pool = new Pool((n) => new Float64Array(n));
const i32Pool = new Pool((n) => new Int32Array(n));
const u8Pool = new Pool((n) => new Uint8Array(n));
/** Whether a proposal is running (the pools are handing out arrays). */
let active = false;

/**
 * Runs one proposal with the reused buffers; every array taken inside must be dropped by
 * the time it returns (the result must hold none). Nested calls share the outer one's.
 */
export function withProposalArena<T>(run: () => T): T {
  if (active) return run();
  f64Pool.reset();
  i32Pool.reset();
  u8Pool.reset();
  active = true;
  try {
    return run();
  } finally {
    active = false;
  }
}

/** A zeroed Float64Array of length n: from the running proposal's buffers, else new. */
export function proposalF64(n: number): Float64Array {
  return active ? f64Pool.take(n) : new Float64Array(n);
}

/** A zeroed Int32Array of length n: from the running proposal's buffers, else new. */
export function proposalI32(n: number): Int32Array {
  return active ? i32Pool.take(n) : new Int32Array(n);
}

/** A zeroed Uint8Array of length n: from the running proposal's buffers, else new. */
export function proposalU8(n: number): Uint8Array {
  return active ? u8Pool.take(n) : new Uint8Array(n);
}
