/**
 * A typed wrapper over tf.customGrad: the forward receives its inputs as an array and the
 * save function separately, and returns the value with its gradient function.
 */
import * as tf from "@tensorflow/tfjs";

/** Forward of a custom op: value plus gradients (one per input, same order). */
export type CustomForward<T extends tf.Tensor> = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[] };

/** Defines a differentiable op from a forward and its hand-written gradient. */
export function customOp<T extends tf.Tensor>(forward: CustomForward<T>): (...inputs: tf.Tensor[]) => T {
  const f = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => forward(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc);
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => T;
}
