/**
 * The ViT image processor of a checkpoint (`preprocessor_config.json`, ViTImageProcessor or
 * the older ViTFeatureExtractor): decode to RGB, resize with Pillow's filter to the
 * configured size, rescale (1/255), normalise by mean and std, channels first — with
 * numpy's float32 rounding at each step, so pixel values match Hugging Face's.
 */
import { z } from "zod";
import { type RgbImage, PIL_FILTERS, pilResize } from "./pil-resample.ts";

const sizeSchema = z.union([
  z.number().int().positive(),
  z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
  z.object({ shortest_edge: z.number() }),
]);

export const imageProcessorConfigSchema = z
  .object({
    image_processor_type: z.string().optional(),
    feature_extractor_type: z.string().optional(),
    do_resize: z.boolean().default(true),
    size: sizeSchema.default({ height: 224, width: 224 }),
    resample: z.number().int().min(0).max(5).default(PIL_FILTERS.BILINEAR),
    do_rescale: z.boolean().default(true),
    rescale_factor: z.number().positive().default(1 / 255),
    do_normalize: z.boolean().default(true),
    image_mean: z.array(z.number()).length(3).default([0.5, 0.5, 0.5]),
    image_std: z.array(z.number().positive()).length(3).default([0.5, 0.5, 0.5]),
  })
  .passthrough();

/** What preprocessing does, resolved from the config. */
export interface ImageProcessorSettings {
  readonly doResize: boolean;
  readonly height: number;
  readonly width: number;
  readonly resample: number;
  readonly doRescale: boolean;
  readonly rescaleFactor: number;
  readonly doNormalize: boolean;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Resolves `preprocessor_config.json`'s contents; `source` names the file in errors. */
export function imageProcessorSettings(json: unknown, source: string): ImageProcessorSettings {
  const parsed = imageProcessorConfigSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${source}: ${i.path.join(".") || "(file)"}: ${i.message}`);
  }
  const c = parsed.data;
  const type = c.image_processor_type ?? c.feature_extractor_type;
  if (type !== undefined && !/^ViT(ImageProcessor|FeatureExtractor)(Fast)?$/.test(type)) {
    throw new Error(`${source}: image processor ${type} is not supported (hpo reads ViTImageProcessor / ViTFeatureExtractor)`);
  }
  if (typeof c.size === "object" && "shortest_edge" in c.size) throw new Error(`${source}: size.shortest_edge is not a ViT setting; expected {height, width}`);
  const size = typeof c.size === "number" ? { height: c.size, width: c.size } : (c.size as { height: number; width: number });
  return {
    doResize: c.do_resize,
    height: size.height,
    width: size.width,
    resample: c.resample,
    doRescale: c.do_rescale,
    rescaleFactor: c.rescale_factor,
    doNormalize: c.do_normalize,
    mean: c.image_mean as [number, number, number],
    std: c.image_std as [number, number, number],
  };
}

/** A stable description of the preprocessing (part of cache keys). */
export function processorKey(s: ImageProcessorSettings): string {
  return JSON.stringify(s);
}

/** Pixel values [3, H, W] of an RGB image, as the processor computes them. */
export function preprocessRgb(image: RgbImage, s: ImageProcessorSettings): Float32Array {
  const resized = s.doResize ? pilResize(image, s.width, s.height, s.resample) : image;
  if (resized.width !== s.width || resized.height !== s.height) {
    throw new Error(`image is ${resized.width}×${resized.height}, the checkpoint expects ${s.width}×${s.height} (do_resize is off)`);
  }
  const plane = s.width * s.height;
  const out = new Float32Array(3 * plane);
  const f = Math.fround;
  const mean = s.mean.map(f);
  const std = s.std.map(f);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      // numpy: uint8 → float64 × factor → float32; then float32 (x − mean) / std.
      let v = s.doRescale ? f(resized.data[p * 3 + c] * s.rescaleFactor) : resized.data[p * 3 + c];
      if (s.doNormalize) v = f(f(v - mean[c]) / std[c]);
      out[c * plane + p] = v;
    }
  }
  return out;
}

/** Decodes an encoded image (JPEG, PNG, WebP, ...) to 8-bit RGB with sharp (loaded on first use). */
export async function decodeRgb(bytes: Uint8Array): Promise<RgbImage> {
  const { default: sharp } = await import("sharp");
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`image decoded to ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** RGB floats in [0, 1] (hpo's synthetic images) → 8-bit RGB, rounding as Pillow's fromarray of x·255 would. */
export function rgbFromUnitFloats(pixels: Float32Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(pixels[i] * 255)));
  return { width, height, data };
}
