/**
 * Pillow's image resize for 8-bit RGB, reproduced exactly (Pillow 9–11, libImaging
 * Resample.c): separable convolution, horizontal pass then vertical, filter support
 * widened by the scale when shrinking, coefficients in 22-bit fixed point and each pass
 * rounded back to 8 bits. Hugging Face's image processors resize through Pillow, so this
 * is what makes a checkpoint see the same pixels in hpo as in Python.
 */

/** Pillow's resampling filters by their `Image.Resampling` number. */
export const PIL_FILTERS = { NEAREST: 0, LANCZOS: 1, BILINEAR: 2, BICUBIC: 3, BOX: 4, HAMMING: 5 } as const;

interface Filter {
  readonly support: number;
  readonly f: (x: number) => number;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

const FILTERS: Readonly<Record<number, Filter>> = {
  [PIL_FILTERS.BOX]: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [PIL_FILTERS.BILINEAR]: { support: 1, f: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  [PIL_FILTERS.HAMMING]: {
    support: 1,
    f: (x) => {
      const a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      return (Math.sin(Math.PI * a) / (Math.PI * a)) * (0.54 + 0.46 * Math.cos(Math.PI * a));
    },
  },
  [PIL_FILTERS.BICUBIC]: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  [PIL_FILTERS.LANCZOS]: { support: 3, f: (x) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;

interface Coefficients {
  readonly ksize: number;
  /** Per output pixel: first input pixel and count. */
  readonly bounds: Int32Array;
  /** Fixed-point weights, ksize per output pixel. */
  readonly weights: Int32Array;
}

function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    // C's (int) truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.f((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax ? (ww !== 0 ? k[x] / ww : k[x]) : 0;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(v: number): number {
  const s = v >> PRECISION_BITS;
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/** An 8-bit interleaved RGB image. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 3 bytes, row-major. */
  readonly data: Uint8Array;
}

function nearest(image: RgbImage, width: number, height: number): RgbImage {
  // Pillow resizes NEAREST through an affine transform sampling pixel centres.
  const out = new Uint8Array(width * height * 3);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const iy = Math.min(image.height - 1, Math.floor((y + 0.5) * sy));
    for (let x = 0; x < width; x++) {
      const ix = Math.min(image.width - 1, Math.floor((x + 0.5) * sx));
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = image.data[(iy * image.width + ix) * 3 + c];
    }
  }
  return { width, height, data: out };
}

/**
 * One separable pass: each output pixel (x, y) is Σk w[k]·in[...] over the input pixels
 * the coefficients name, along x (horizontal) or y (vertical), rounded back to 8 bits.
 * `rowOffset` shifts the rows read (the horizontal pass skips rows the vertical one ignores).
 */
function convolve(input: RgbImage, width: number, height: number, c: Coefficients, alongX: boolean, rowOffset = 0): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const { ksize, bounds, weights } = c;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = alongX ? x : y;
      const first = bounds[o * 2];
      const count = bounds[o * 2 + 1];
      // Pixel (x, first + k) or (first + k, y), three bytes each.
      const base = alongX ? ((y + rowOffset) * input.width + first) * 3 : (first * width + x) * 3;
      const step = alongX ? 3 : width * 3;
      let s0 = 1 << (PRECISION_BITS - 1);
      let s1 = s0;
      let s2 = s0;
      for (let k = 0; k < count; k++) {
        const w = weights[o * ksize + k];
        const p = base + k * step;
        s0 += input.data[p] * w;
        s1 += input.data[p + 1] * w;
        s2 += input.data[p + 2] * w;
      }
      const i = (y * width + x) * 3;
      out[i] = clip8(s0);
      out[i + 1] = clip8(s1);
      out[i + 2] = clip8(s2);
    }
  }
  return { width, height, data: out };
}

/**
 * `image` resized to width × height with Pillow's `filter` (a {@link PIL_FILTERS} number),
 * as `Image.resize((width, height), resample=filter)` returns it.
 */
export function pilResize(image: RgbImage, width: number, height: number, filter: number): RgbImage {
  if (filter === PIL_FILTERS.NEAREST) return nearest(image, width, height);
  const f = FILTERS[filter];
  if (!f) throw new Error(`unknown Pillow resampling filter ${filter} (expected 0–5)`);
  if (width === image.width && height === image.height) return { width, height, data: Uint8Array.from(image.data) };
  let current = image;
  const vertical = coefficients(image.height, height, f);
  if (width !== image.width) {
    // Only the rows the vertical pass reads (all of them when the height stays).
    const first = height !== image.height ? vertical.bounds[0] : 0;
    const last = height !== image.height ? vertical.bounds[(height - 1) * 2] + vertical.bounds[(height - 1) * 2 + 1] : image.height;
    current = convolve(image, width, last - first, coefficients(image.width, width, f), true, first);
    for (let y = 0; y < height; y++) vertical.bounds[y * 2] -= first;
  }
  return height !== image.height ? convolve(current, width, height, vertical, false) : current;
}
