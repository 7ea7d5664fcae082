/**
 * NumPy's default argsort for float64 (introsort: median-of-3 quicksort, insertion sort
 * below 16 elements, heapsort past the depth limit), ported step by step. Optuna sizes
 * univariate kernels from `np.argsort(mus)`, and equal observations (every int or step
 * param) get their widths in whatever order that sort leaves them; reproducing it keeps
 * hpo's proposals equal to Optuna's, not merely equal in distribution.
 */

const SMALL_QUICKSORT = 15;

/** Indices that sort `values` ascending, ties ordered as numpy.argsort (kind "quicksort") does. */
export function numpyArgsort(values: ArrayLike<number>): Int32Array {
  const num = values.length;
  const t = new Int32Array(num);
  for (let i = 0; i < num; i++) t[i] = i;
  if (num < 2) return t;
  const less = (a: number, b: number) => a < b || (b !== b && a === a);
  const stack: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = 2 * (31 - Math.clz32(num));
  for (;;) {
    if (cdepth < 0) {
      heapArgsort(values, t, pl, pr - pl + 1, less);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(values[t[pm]], values[t[pl]])) swap(t, pm, pl);
        if (less(values[t[pr]], values[t[pm]])) swap(t, pr, pm);
        if (less(values[t[pm]], values[t[pl]])) swap(t, pm, pl);
        const vp = values[t[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(t, pm, pj);
        for (;;) {
          do ++pi;
          while (less(values[t[pi]], vp));
          do --pj;
          while (less(vp, values[t[pj]]));
          if (pi >= pj) break;
          swap(t, pi, pj);
        }
        swap(t, pi, pr - 1);
        // The larger side waits on the stack, with the depth budget it was split at.
        cdepth--;
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr, cdepth);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1, cdepth);
          pl = pi + 1;
        }
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = t[pi];
        const vp = values[vi];
        let pj = pi;
        while (pj > pl && less(vp, values[t[pj - 1]])) {
          t[pj] = t[pj - 1];
          pj--;
        }
        t[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    cdepth = stack.pop() as number;
    pr = stack.pop() as number;
    pl = stack.pop() as number;
  }
  return t;
}

/** NumPy's aheapsort on t[off .. off + n), 1-based heap indexing as in the C source. */
function heapArgsort(values: ArrayLike<number>, t: Int32Array, off: number, n: number, less: (a: number, b: number) => boolean): void {
  const at = (k: number) => t[off + k - 1];
  const set = (k: number, x: number) => {
    t[off + k - 1] = x;
  };
  const siftDown = (start: number, tmp: number, size: number) => {
    let i = start;
    for (let j = start << 1; j <= size; ) {
      if (j < size && less(values[at(j)], values[at(j + 1)])) j++;
      if (!less(values[tmp], values[at(j)])) break;
      set(i, at(j));
      i = j;
      j += j;
    }
    set(i, tmp);
  };
  for (let l = n >> 1; l > 0; l--) siftDown(l, at(l), n);
  for (let size = n; size > 1; ) {
    const tmp = at(size);
    set(size, at(1));
    size--;
    siftDown(1, tmp, size);
  }
}

function swap(t: Int32Array, a: number, b: number): void {
  const x = t[a];
  t[a] = t[b];
  t[b] = x;
}
