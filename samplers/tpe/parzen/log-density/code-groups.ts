/**
 * The categorical and discrete dimensions of a joint mixture, coded: each kernel has a digit
 * per dimension, and the candidate's term for each digit is refilled per candidate, so the
 * kernel loop reads a table instead of recomputing a term per kernel and dimension.
 */
import { proposalI32 } from "../proposal-arena.ts";

/**
 * A categorical or discrete dimension: each kernel has a digit in [0, size), and a
 * candidate adds a term that depends only on that digit (categorical: choice + 1, 0 for the
 * prior, and the log(hit / miss) bonus where the digit is the candidate's choice + 1;
 * discrete: the grid index of the centre, and the log mass of the candidate's cell).
 */
export interface CodedDimension {
  readonly d: number;
  readonly size: number;
  /** The candidate's term for each digit, refilled per candidate. */
  readonly terms: Float64Array;
}

/**
 * Coded dimensions packed together: a kernel's code is its digits in mixed radix, and a
 * candidate's table holds the summed terms of every code, so the kernel loop does one
 * lookup per group instead of one per dimension.
 */
export interface CodeGroup {
  readonly dims: readonly CodedDimension[];
  /** Each kernel's code, Σ digit · stride over the group's dimensions (filled by the caller). */
  readonly codes: Int32Array;
  readonly table: Float64Array;
}

/** Where a dimension's digit goes: into `codes` (its group's), times `stride`. */
export interface DigitPlace {
  readonly codes: Int32Array;
  readonly stride: number;
}

/**
 * Packs coded dimensions into groups whose code tables stay small next to the number of
 * kernels (a table is refilled for every candidate; a kernel saves a lookup per dimension
 * packed), in order, first dimension fastest; `places[k]` says where dimension k's digit
 * goes. The codes start at 0: the caller adds every kernel's digits.
 */
export function packGroups(dims: readonly CodedDimension[], m: number): { groups: CodeGroup[]; places: DigitPlace[] } {
  const cap = Math.max(16, m >> 2);
  const packs: CodedDimension[][] = [];
  let current: CodedDimension[] = [];
  let size = 1;
  for (const dim of dims) {
    if (current.length > 0 && size * dim.size > cap) {
      packs.push(current);
      current = [];
      size = 1;
    }
    current.push(dim);
    size *= dim.size;
  }
  if (current.length > 0) packs.push(current);
  const places: DigitPlace[] = [];
  const groups = packs.map((pack) => {
    const codes = proposalI32(m);
    let stride = 1;
    for (const dim of pack) {
      places.push({ codes, stride });
      stride *= dim.size;
    }
    return { dims: pack, codes, table: new Float64Array(stride) };
  });
  return { groups, places };
}

/** table[code] = the sum of the candidate's terms of the code's digits. */
export function fillGroupTable(group: CodeGroup): void {
  const { table } = group;
  table[0] = 0;
  let length = 1;
  for (const dim of group.dims) {
    const { terms, size } = dim;
    // Entries with digit d of this dimension start at d · length; digit 0 last, in place.
    for (let d = size - 1; d >= 0; d--) {
      const term = terms[d];
      const offset = d * length;
      for (let t = 0; t < length; t++) table[offset + t] = table[t] + term;
    }
    length *= size;
  }
}

