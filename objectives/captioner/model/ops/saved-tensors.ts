/**
 * Saving tensors for the backward pass without copying them. tfjs clones every tensor an
 * op saves for its gradient (on the wasm backend a clone is two copies through
 * JavaScript), because the forward pass runs in a tf.tidy that frees its intermediates
 * before the backward pass. During a training step (between {@link beginStep} and
 * {@link endStep}) the captioner's ops instead keep what they save — only tensors created
 * during the step, which the step then frees; weights and batch tensors are older and are
 * referenced as they are.
 */
import * as tf from "@tensorflow/tfjs";

let firstStepTensorId: number | null = null;
const held = new Set<tf.Tensor>();

/** Whether the engine is recording a gradient tape right now (outside any kernel). */
export function tapeIsOn(): boolean {
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return typeof engine.isTapeOn === "function" && engine.isTapeOn();
}

/** Whether ops should save by reference now (inside a step, while the tape records). */
export function savingByReference(): boolean {
  return firstStepTensorId !== null && tapeIsOn();
}

/** Marks the start of a gradient computation whose saved tensors the caller will free. */
export function beginStep(): void {
  const probe = tf.scalar(0);
  firstStepTensorId = probe.id + 1;
  probe.dispose();
}

/** Keeps `t` alive until {@link endStep} if it was created during the step and nobody else keeps it. */
export function holdForBackward<T extends tf.Tensor>(t: T): T {
  if (firstStepTensorId !== null && t.id >= firstStepTensorId && !t.kept && !held.has(t)) {
    tf.keep(t);
    held.add(t);
  }
  return t;
}

/** Frees what the step's ops kept, except `survivors` (e.g. the loss handed back). */
export function endStep(survivors: readonly tf.Tensor[] = []): void {
  for (const t of held) if (!survivors.includes(t)) t.dispose();
  held.clear();
  firstStepTensorId = null;
}

/** How many tensors are held for a backward pass (tests). */
export function heldTensorCount(): number {
  return held.size;
}
