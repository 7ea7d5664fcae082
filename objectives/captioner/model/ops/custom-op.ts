/**
 * A typed wrapper over tf.customGrad: the forward receives its inputs as an array and a
 * save function, and returns the value with its gradient function. Inside a training step
 * saved tensors are kept by reference instead of cloned (see saved-tensors.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { holdForBackward, savingByReference } from "./saved-tensors.ts";

/** Forward of a custom op: value plus gradients (one per input, same order). */
export type CustomForward<T extends tf.Tensor> = (
  inputs: tf.Tensor[],
  save: (tensors: tf.Tensor[]) => void,
) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[] };

/** Defines a differentiable op from a forward and its hand-written gradient. */
export function customOp<T extends tf.Tensor>(forward: CustomForward<T>): (...inputs: tf.Tensor[]) => T {
  let byReference = false;
  const f = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const engineSave = args[args.length - 1] as tf.GradSaveFunc;
    const mode = byReference;
    let saved: tf.Tensor[] = [];
    const save = (tensors: tf.Tensor[]) => {
      if (mode) saved = tensors.map((t) => holdForBackward(t));
      else engineSave(tensors);
    };
    const r = forward(args.slice(0, -1) as tf.Tensor[], save);
    return { value: r.value, gradFunc: (dy: T, engineSaved: tf.Tensor[]) => r.gradFunc(dy, mode ? saved : engineSaved) };
  };
  const op = tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => T;
  return (...inputs) => {
    // Decided outside the kernel: inside it the engine reports the tape as off.
    byReference = savingByReference();
    return op(...inputs);
  };
}
