import { z } from "zod";
import { captionCaseSchema, type CaptionCase } from "./caption-cases.ts";

/** What a program prints to have hpo score a split's captions: `hpo:captions {"step": 3, "split": "val", "path": "val-3.jsonl"}`. */
export const CAPTIONS_PREFIX = "hpo:captions";

/** Where the cases of a captions message are: in the line, or in a JSONL file. */
export type CaptionSource =
  | { readonly kind: "inline"; readonly cases: readonly CaptionCase[] }
  /** As written; a relative path is read from the trial's folder (HPO_TRIAL_DIR). */
  | { readonly kind: "file"; readonly path: string };

/** A parsed `hpo:captions` line. */
export interface CaptionsMessage {
  readonly step: number;
  /** Prefix of the recorded metric names: `val` gives `val_meteor`, `val_bleu1`, ... */
  readonly split: string;
  readonly source: CaptionSource;
}

// Split names become metric-name prefixes and file names: keep them plain.
const SPLIT = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** zod schema of the JSON after `hpo:captions`. */
export const captionsMessageSchema = z
  .object({
    step: z.number({ error: "expected an integer step" }).int({ error: "expected an integer step" }).nonnegative(),
    split: z.string({ error: 'expected a split name such as "val" or "test"' }).regex(SPLIT, 'expected a split name of letters, digits, "_" or "-" (at most 32, starting with a letter), such as "val"'),
    captions: z.array(captionCaseSchema, { error: 'expected an array of {"prediction", "references"} objects' }).optional(),
    path: z.string({ error: "expected the path of a JSONL file" }).min(1, "expected the path of a JSONL file").optional(),
  })
  .check((ctx) => {
    if ((ctx.value.captions === undefined) === (ctx.value.path === undefined)) {
      ctx.issues.push({ code: "custom", input: ctx.value, path: ["captions"], message: 'expected "captions" (inline cases) or "path" (a JSONL file), exactly one of them' });
    }
  })
  .transform(
    (v): CaptionsMessage => ({
      step: v.step,
      split: v.split,
      source: v.captions !== undefined ? { kind: "inline", cases: v.captions } : { kind: "file", path: v.path as string },
    }),
  );
