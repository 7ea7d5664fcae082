/**
 * Compares a loaded Hugging Face captioner with the reference outputs the fixture script
 * (scripts/captioner/make_hf_fixture.py) computed in PyTorch: pixel values, token ids,
 * encoder states, pooler output, logits and greedy captions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PretrainedCaptioner } from "hpo/captioner";
import { expect } from "vitest";

interface Tensor {
  readonly shape: number[];
  readonly data: string;
}

/** What reference.json holds. */
export interface Reference {
  readonly images: string[];
  readonly pixel_values: Tensor;
  readonly texts: string[];
  readonly text_ids: number[][];
  readonly input_ids: number[][];
  readonly encoder_last_hidden_state: Tensor;
  readonly pooler_output: Tensor | null;
  readonly logits: Tensor;
  readonly max_new_tokens: number;
  readonly greedy: number[][];
  readonly parameters: number;
}

/** reference.json of fixture folder `dir`. */
export function readReference(dir: string): Reference {
  return JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Reference;
}

/** A base64 float32 array. */
export function floats(t: Tensor): Float32Array {
  const bytes = Buffer.from(t.data, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Largest |a − b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Checks every output of `captioner` against the reference in `dir` (images are read from `dir`). */
export async function expectMatchesReference(captioner: PretrainedCaptioner, dir: string, tolerance = 1e-4): Promise<void> {
  const ref = readReference(dir);
  expect(captioner.model.parameterCount()).toBe(ref.parameters);
  const pixels = await Promise.all(ref.images.map((f) => captioner.preprocess(readFileSync(join(dir, f)))));
  const pixelValues = new Float32Array(pixels.reduce((n, p) => n + p.length, 0));
  pixels.forEach((p, i) => pixelValues.set(p, i * p.length));
  // Pillow's integer resize and numpy's float32 steps are reproduced exactly.
  expect(maxAbsDiff(pixelValues, floats(ref.pixel_values))).toBeLessThanOrEqual(1e-6);

  ref.texts.forEach((text, i) => {
    expect(captioner.tokenizer.encode(text)).toEqual(ref.text_ids[i]);
    expect(captioner.tokenizer.decode(ref.text_ids[i])).toBe(text);
  });

  const encoded = captioner.encode({ pixelValues });
  expect(encoded.shape).toEqual(ref.encoder_last_hidden_state.shape);
  expect(maxAbsDiff(encoded.lastHiddenState, floats(ref.encoder_last_hidden_state))).toBeLessThan(tolerance);
  if (ref.pooler_output) expect(maxAbsDiff(encoded.poolerOutput ?? [], floats(ref.pooler_output))).toBeLessThan(tolerance);
  else expect(encoded.poolerOutput).toBeNull();

  const logits = captioner.logits({ pixelValues, inputIds: ref.input_ids });
  expect(maxAbsDiff(logits, floats(ref.logits))).toBeLessThan(tolerance);
  expect(captioner.generate({ pixelValues, maxNewTokens: ref.max_new_tokens })).toEqual(ref.greedy);
}
