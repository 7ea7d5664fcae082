/**
 * One captioned image, whatever its source, and a dataset split three ways.
 */

/** An RGB image with its captions. */
export interface CaptionExample {
  readonly id: string;
  /** RGB in [0, 1], row-major height × width × 3. */
  readonly pixels: Float32Array;
  /** Side length in pixels (images are square). */
  readonly imageSize: number;
  /** A generic visual description (the pretraining target), when the source has one. */
  readonly description?: string;
  /** A recipe-style title (the fine-tuning target). */
  readonly title: string;
}

/** Train / validation / test examples. */
export interface DatasetSplits {
  readonly train: readonly CaptionExample[];
  readonly validation: readonly CaptionExample[];
  readonly test: readonly CaptionExample[];
}

/** Which caption a stage trains on. */
export type CaptionField = "description" | "title";

/** The caption of `example` for `field`; throws when the source lacks it. */
export function captionOf(example: CaptionExample, field: CaptionField): string {
  const text = field === "title" ? example.title : example.description;
  if (text === undefined) throw new Error(`example ${example.id} has no ${field}`);
  return text;
}
