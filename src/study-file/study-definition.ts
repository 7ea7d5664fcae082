import { z } from "zod";
import type { Distribution } from "../vocabulary/distribution.ts";
import { distributionSchema } from "../distributions/distribution-schema.ts";
import { formatZodError } from "../internal/format-zod-error.ts";
import { isPruner, type Pruner } from "../pruners/pruner.ts";
import { isSampler, type Sampler } from "../samplers/sampler.ts";
import type { Objective } from "../study/objective.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import type { CatchOption } from "../study/optimize.ts";
import { workerOptionsShape } from "../study/worker-options.ts";
import { studyMetricSchema, type StudyMetricOption } from "../study/study-metric.ts";
import { isTracker, type Tracker } from "../tracking/tracker.ts";

/** A study file's definition: what `hpo run` needs to create or continue a study and run it. */
export interface StudyDefinition {
  /** The study's name in storage; running the file again continues it. */
  readonly name: string;
  readonly direction?: StudyDirection;
  readonly directions?: readonly StudyDirection[];
  /**
   * Declarative search space, suggested in order before the objective runs (available as
   * `trial.params`); define-by-run objectives may suggest more.
   */
  readonly space?: Readonly<Record<string, Distribution>>;
  readonly objective: Objective;
  readonly sampler?: Sampler;
  readonly pruner?: Pruner;
  /**
   * The metric the pruner and the objective value watch (`"meteor"`, or `{ name, direction }`
   * when pruners should compare it in another direction than the study's). Default "value".
   */
  readonly metric?: StudyMetricOption;
  /** Study-wide budget: finished trials (COMPLETE, PRUNED, FAIL) the study should reach. */
  readonly nTrials?: number;
  /** Seconds after which a run starts no new trial. */
  readonly timeout?: number;
  /** Trials run at once per process. */
  readonly concurrency?: number;
  /** Storage URL when neither --storage nor HPO_STORAGE is given. */
  readonly storage?: string;
  readonly trackers?: readonly Tracker[];
  /** Errors to catch; `hpo run` catches every error unless told otherwise. */
  readonly catch?: CatchOption;
  /** Seconds between heartbeats of running trials (default 10). */
  readonly heartbeatInterval?: number;
  /** Seconds without heartbeat before a trial is failed and retried (default 2 × interval). */
  readonly gracePeriod?: number;
  /** Retries of a stale or interrupted trial (default 3). */
  readonly maxRetries?: number;
  /** Keep checkpoints in this folder instead of the database. */
  readonly checkpointDir?: string;
  /** Seconds a worker's writes are batched over and its cached history may be old (default 0.05 on PostgreSQL, else 0). */
  readonly syncInterval?: number;
  /** Worker processes `hpo run` starts (default 1: trials run in the hpo process itself). */
  readonly workers?: number;
}

const directionSchema = z.enum(["minimize", "maximize"], { error: 'expected "minimize" or "maximize"' });

/** zod schema of a study definition (functions and class instances checked by shape). */
export const studyDefinitionSchema = z
  .object({
    name: z
      .string({ error: "expected a non-empty string" })
      .min(1, "expected a non-empty string")
      .max(512, { error: (issue) => `expected at most 512 characters, got ${(issue.input as string).length}` }),
    direction: directionSchema.optional(),
    directions: z.array(directionSchema).min(1, "expected at least one direction").optional(),
    space: z.record(z.string().min(1), distributionSchema).optional(),
    objective: z.custom<Objective>((f) => typeof f === "function", { message: "expected a function (trial) => number" }),
    sampler: z.custom<Sampler>(isSampler, { message: "expected a Sampler, such as new TPESampler()" }).optional(),
    pruner: z.custom<Pruner>(isPruner, { message: "expected a Pruner, such as new MedianPruner()" }).optional(),
    metric: studyMetricSchema.optional(),
    nTrials: z.number().int("expected an integer").nonnegative("expected 0 or more").max(2_147_483_647, "expected at most 2147483647 (trial numbers are 32-bit)").optional(),
    timeout: z.number().positive("expected a positive number of seconds").optional(),
    concurrency: z.number().int("expected an integer").min(1, "expected 1 or more").optional(),
    storage: z.string().min(1).optional(),
    trackers: z.array(z.custom<Tracker>(isTracker, { message: "expected a Tracker, such as jsonl() or wandb()" })).optional(),
    ...workerOptionsShape,
    workers: z.number().int("expected an integer").min(1, "expected 1 or more").optional(),
    catch: z
      .union([z.boolean(), z.array(z.custom<abstract new (...args: never[]) => Error>((c) => typeof c === "function")), z.custom<(e: unknown) => boolean>((f) => typeof f === "function")])
      .optional(),
  })
  .strict()
  .refine((d) => !(d.direction && d.directions), { message: "give direction or directions, not both", path: ["directions"] });

/** Raised for an invalid study definition; the message names each bad field. */
export class StudyDefinitionError extends Error {
  override readonly name = "StudyDefinitionError";
}

/** Validates a study definition, throwing StudyDefinitionError with field-by-field messages. */
export function parseStudyDefinition(input: unknown, source = "study definition"): StudyDefinition {
  if (typeof input !== "object" || input === null) {
    throw new StudyDefinitionError(`${source}: expected an object from defineStudy({...}), got ${input === null ? "null" : typeof input}`);
  }
  const parsed = studyDefinitionSchema.safeParse(input);
  if (!parsed.success) throw new StudyDefinitionError(`${source}: ${formatZodError(parsed.error)}`);
  return Object.freeze(parsed.data as StudyDefinition);
}

/**
 * Declares a study in a study file (`export default defineStudy({...})`), validated at once.
 *
 * @example
 * export default defineStudy({ name: "quickstart", direction: "minimize", nTrials: 30,
 *   objective: (trial) => (trial.suggestFloat("x", -10, 10) - 2) ** 2 });
 */
export function defineStudy(definition: StudyDefinition): StudyDefinition {
  return parseStudyDefinition(definition, "defineStudy");
}
