/**
 * Images as the ViT's input: pixel values [N, C, H, W] cut into patch vectors, one tensor
 * [N, P, C·p·p] per batch.
 */
import * as tf from "@tensorflow/tfjs";
import { type PretrainedCaptionerConfig, vitPatchCount } from "./hf-config.ts";
import { patchesOf, vitPatchDim } from "./vit-encoder.ts";

/** Patch tensor [N, P, C·p·p] of N images' pixel values. */
export function patchTensorOf(pixelValues: Float32Array, config: PretrainedCaptionerConfig, n: number): tf.Tensor3D {
  const e = config.encoder;
  const per = e.channels * e.imageSize * e.imageSize;
  const p = vitPatchCount(e);
  const pd = vitPatchDim(e);
  const flat = new Float32Array(n * p * pd);
  for (let i = 0; i < n; i++) patchesOf(pixelValues.subarray(i * per, (i + 1) * per), e, flat.subarray(i * p * pd, (i + 1) * p * pd));
  return tf.tensor3d(flat, [n, p, pd]);
}
