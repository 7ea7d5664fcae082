import { open } from "node:fs/promises";
import { z } from "zod";
import { describeZodIssues } from "./describe-zod-issues.ts";

/** One generated caption with the reference captions it is scored against. */
export interface CaptionCase {
  readonly prediction: string;
  readonly references: readonly string[];
}

/**
 * A case as programs write it: `{"prediction": "...", "references": ["...", ...]}`, or a
 * single `"reference": "..."` (what a one-caption-per-image data set has).
 */
export const captionCaseSchema = z
  .object({
    prediction: z.string({ error: "expected a string (the generated caption)" }),
    references: z.array(z.string({ error: "expected a string" }), { error: "expected an array of strings" }).min(1, "expected at least one reference").optional(),
    reference: z.string({ error: "expected a string" }).optional(),
  })
  .check((ctx) => {
    const v = ctx.value;
    if ((v.references === undefined) === (v.reference === undefined)) {
      ctx.issues.push({ code: "custom", input: v, path: ["references"], message: 'expected "references" (an array of strings) or "reference" (a string), exactly one of them' });
    }
  })
  .transform((v): CaptionCase => ({ prediction: v.prediction, references: v.references ?? [v.reference as string] }));

/** Thrown when a predictions file cannot be read or a line of it is not a case; the message is one line. */
export class CaptionCasesError extends Error {
  override readonly name = "CaptionCasesError";
}

/** Cases in a file at most, so a wrong path (a huge log) fails instead of filling memory. */
export const MAX_CAPTION_CASES = 1_000_000;

/**
 * Reads a JSONL file of caption cases, one object per line (blank lines skipped). Throws a
 * CaptionCasesError naming the file, the line and the field at fault.
 *
 * @example
 * const cases = await readCaptionCases("val-epoch-3.jsonl"); // [{ prediction, references }, ...]
 */
export async function readCaptionCases(path: string): Promise<CaptionCase[]> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    throw new CaptionCasesError(`${path}: cannot read the predictions file: ${(e as Error).message}`);
  }
  const cases: CaptionCase[] = [];
  try {
    let lineNumber = 0;
    for await (const line of handle.readLines({ encoding: "utf8" })) {
      lineNumber += 1;
      if (line.trim() === "") continue;
      if (cases.length >= MAX_CAPTION_CASES) throw new CaptionCasesError(`${path}: more than ${MAX_CAPTION_CASES} cases; is this a predictions file?`);
      cases.push(parseCaptionCaseLine(line, `${path}: line ${lineNumber}`));
    }
  } catch (e) {
    if (e instanceof CaptionCasesError) throw e;
    throw new CaptionCasesError(`${path}: cannot read the predictions file: ${(e as Error).message}`);
  } finally {
    await handle.close();
  }
  return cases;
}

/** One JSONL line as a case; `where` starts the error message ("file: line 3"). */
export function parseCaptionCaseLine(line: string, where: string): CaptionCase {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    throw new CaptionCasesError(`${where}: not JSON (${(e as Error).message})`);
  }
  const parsed = captionCaseSchema.safeParse(json);
  if (!parsed.success) throw new CaptionCasesError(`${where}: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}
