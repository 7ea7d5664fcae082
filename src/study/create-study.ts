import { randomUUID } from "node:crypto";
import { z } from "zod";
import { RandomSampler } from "../samplers/random-sampler.ts";
import { NopPruner } from "../pruners/nop-pruner.ts";
import { isPruner, type Pruner } from "../pruners/pruner.ts";
import { isSampler, type Sampler } from "../samplers/sampler.ts";
import type { Storage, StudySummary } from "../storage/storage.ts";
import { acquireStorage } from "../storage/storage-handles.ts";
import { DuplicatedStudyError, StudyNotFoundError } from "../storage/storage-errors.ts";
import { formatZodError } from "../internal/format-zod-error.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import { Study } from "./study.ts";
import { workerOptionsShape, type WorkerOptions } from "./worker-options.ts";
import type { StudyRecord } from "../storage/storage.ts";
import { describeStudyMetric, METRIC_ATTR, sameStudyMetric, storedStudyMetric, studyMetricAttr, studyMetricSchema, toStudyMetric, type StudyMetricOption } from "./study-metric.ts";

const directionSchema = z.enum(["minimize", "maximize"], { error: 'expected "minimize" or "maximize"' });
const storageSchema = z.union([z.string(), z.custom<Storage>((s) => typeof s === "object" && s !== null && "createTrial" in s)]).optional();

const createOptionsSchema = z
  .object({
    studyName: z.string().min(1).max(512).optional(),
    storage: storageSchema,
    direction: directionSchema.optional(),
    directions: z.array(directionSchema).min(1).optional(),
    sampler: z.custom<Sampler>(isSampler, { message: "expected a Sampler (e.g. new TPESampler())" }).optional(),
    pruner: z.custom<Pruner>(isPruner, { message: "expected a Pruner (e.g. new MedianPruner())" }).optional(),
    loadIfExists: z.boolean().optional(),
    metric: studyMetricSchema.optional(),
    ...workerOptionsShape,
  })
  .strict()
  .refine((o) => !(o.direction && o.directions), { message: "give direction or directions, not both", path: ["directions"] });

/** Options of {@link createStudy}. */
export interface CreateStudyOptions extends WorkerOptions {
  /** Defaults to a generated unique name. */
  studyName?: string;
  /** A storage URL (folder, "memory", postgres://…) or a Storage; default HPO_STORAGE or ./.hpo. */
  storage?: string | Storage;
  direction?: StudyDirection;
  directions?: StudyDirection[];
  /** Default: RandomSampler. */
  sampler?: Sampler;
  /** Default: NopPruner. */
  pruner?: Pruner;
  /** Continue an existing study of that name instead of failing. */
  loadIfExists?: boolean;
  /**
   * The metric the pruner and the objective value watch, by name (`"meteor"`), with its own
   * direction for pruners where it differs from the study's (`{ name: "val_loss", direction:
   * "minimize" }`). Stored with the study. Default "value".
   */
  metric?: StudyMetricOption;
}

/** Options of {@link loadStudy}. */
export interface LoadStudyOptions extends WorkerOptions {
  studyName: string;
  storage?: string | Storage;
  sampler?: Sampler;
  pruner?: Pruner;
  /** The study's metric (see {@link CreateStudyOptions.metric}); must match the stored one, if any. */
  metric?: StudyMetricOption;
}

/** Raised for invalid options given to the study API; the message names the field. */
export class StudyOptionsError extends Error {
  override readonly name = "StudyOptionsError";
}

/**
 * Creates a study (or continues one with `loadIfExists`).
 *
 * @example
 * const study = await createStudy({ studyName: "lr-sweep", direction: "maximize" });
 */
export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  const parsed = createOptionsSchema.safeParse(options);
  if (!parsed.success) throw new StudyOptionsError(`createStudy: ${formatZodError(parsed.error)}`);
  const o = parsed.data;
  const directions: StudyDirection[] = o.directions ?? [o.direction ?? "minimize"];
  const studyName = o.studyName ?? `no-name-${randomUUID()}`;
  const handle = await acquireStorage(o.storage);
  try {
    let record;
    try {
      record = await handle.storage.createStudy(studyName, directions);
    } catch (e) {
      if (!(e instanceof DuplicatedStudyError) || !o.loadIfExists) throw e;
      record = await handle.storage.findStudy(studyName);
      if (!record) throw e;
      if (record.directions.join() !== directions.join()) {
        throw new StudyOptionsError(
          `study "${studyName}" exists with directions [${record.directions.join(", ")}], not [${directions.join(", ")}]`,
        );
      }
    }
    record = await withMetric(handle.storage, record, o.metric);
    return new Study(record, handle, o.sampler ?? new RandomSampler(), o.pruner ?? new NopPruner(), o);
  } catch (e) {
    await handle.release();
    throw e;
  }
}

/** Opens an existing study; throws StudyNotFoundError if there is none of that name. */
export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  if (typeof options?.studyName !== "string" || options.studyName === "") {
    throw new StudyOptionsError("loadStudy: studyName must be a non-empty string");
  }
  const handle = await acquireStorage(options.storage);
  try {
    const record = await handle.storage.findStudy(options.studyName);
    if (!record) throw new StudyNotFoundError(options.studyName, handle.storage.location);
    let metric: StudyMetricOption | undefined;
    if (options.metric !== undefined) {
      const parsed = studyMetricSchema.safeParse(options.metric);
      if (!parsed.success) throw new StudyOptionsError(`loadStudy: ${formatZodError(parsed.error, "metric")}`);
      metric = parsed.data;
    }
    return new Study(await withMetric(handle.storage, record, metric), handle, options.sampler ?? new RandomSampler(), options.pruner ?? new NopPruner(), options);
  } catch (e) {
    await handle.release();
    throw e;
  }
}

/**
 * Stores the metric on a study that names none yet; refuses one that differs from the
 * stored metric (the curves already recorded would change meaning).
 */
async function withMetric(storage: Storage, record: StudyRecord, option: StudyMetricOption | undefined): Promise<StudyRecord> {
  if (option === undefined) return record;
  const wanted = toStudyMetric(option);
  const stored = storedStudyMetric(record.systemAttrs);
  if (stored) {
    if (sameStudyMetric(stored, wanted)) return record;
    throw new StudyOptionsError(`study "${record.studyName}" watches the metric ${describeStudyMetric(stored)}, not ${describeStudyMetric(wanted)}`);
  }
  const attr = studyMetricAttr(wanted);
  await storage.setStudyAttrs(record.studyId, "system", { [METRIC_ATTR]: attr });
  return { ...record, systemAttrs: { ...record.systemAttrs, [METRIC_ATTR]: attr } };
}

/** Deletes a study and all its trials; throws StudyNotFoundError if there is none. */
export async function deleteStudy(options: { studyName: string; storage?: string | Storage }): Promise<void> {
  const handle = await acquireStorage(options.storage);
  try {
    await handle.storage.deleteStudy(options.studyName);
  } finally {
    await handle.release();
  }
}

/** Every study in a storage, with trial counts and best value. */
export async function listStudies(options: { storage?: string | Storage } = {}): Promise<StudySummary[]> {
  const handle = await acquireStorage(options.storage);
  try {
    return await handle.storage.listStudies();
  } finally {
    await handle.release();
  }
}
