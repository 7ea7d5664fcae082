import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseWandbJson } from "../wandb-json.ts";
import { readTransactionLog } from "./transaction-log.ts";
import { decodeRecord, type RecordItem, type WandbRecord } from "./wandb-record.ts";

/** A run rebuilt from its transaction log, the way `wandb sync` would upload it. */
export interface OfflineRun {
  readonly runId: string;
  readonly project?: string;
  readonly entity?: string;
  readonly group?: string;
  readonly jobType?: string;
  readonly displayName?: string;
  readonly tags: readonly string[];
  readonly config: Record<string, unknown>;
  /** History rows in file order. */
  readonly history: Record<string, unknown>[];
  readonly summary: Record<string, unknown>;
  /** The exit record's code, or null when the run has not exited. */
  readonly exitCode: number | null;
  /** Whether the final record was written (the run file is complete). */
  readonly final: boolean;
}

/** Every record of a `.wandb` file, decoded, with every chunk checksum verified. */
export interface OfflineRunFileContents {
  readonly records: WandbRecord[];
  /** Raw record bytes, in the same order. */
  readonly rawRecords: Uint8Array[];
  readonly chunks: number;
}

/** Reads and decodes a `.wandb` file. */
export async function readOfflineRunFile(path: string): Promise<OfflineRunFileContents> {
  const { records, chunks } = readTransactionLog(new Uint8Array(await readFile(path)));
  return { records: records.map(decodeRecord), rawRecords: records, chunks };
}

/** Reads a `.wandb` file and rebuilds the run it describes. */
export async function readOfflineRun(path: string): Promise<OfflineRun> {
  return rebuildOfflineRun((await readOfflineRunFile(path)).records);
}

/** The `.wandb` files of every offline run under `<baseDir>/wandb/`, oldest first. */
export async function findOfflineRuns(baseDir: string): Promise<string[]> {
  const root = join(baseDir, "wandb");
  let dirs: string[];
  try {
    dirs = (await readdir(root)).filter((d) => d.startsWith("offline-run-")).sort();
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const d of dirs) {
    for (const f of await readdir(join(root, d))) if (/^run-[a-z0-9]+\.wandb$/.test(f)) files.push(join(root, d, f));
  }
  return files;
}

/** Folds decoded records into a run: config and summary updates apply in order. */
export function rebuildOfflineRun(records: readonly WandbRecord[]): OfflineRun {
  const runRecord = records.find((r) => r.type === "run");
  if (!runRecord || runRecord.type !== "run") throw new Error("the run file has no run record");
  const run = runRecord.run;
  const config: Record<string, unknown> = {};
  const summary: Record<string, unknown> = {};
  const history: Record<string, unknown>[] = [];
  let exitCode: number | null = null;
  let final = false;
  applyItems(config, run.config ?? []);
  applyItems(summary, run.summary ?? []);
  for (const r of records) {
    if (r.type === "config") {
      applyItems(config, r.update);
      for (const item of r.remove ?? []) delete config[item.key];
    } else if (r.type === "summary") {
      applyItems(summary, r.update);
      for (const item of r.remove ?? []) delete summary[item.key];
    } else if (r.type === "history") {
      const row: Record<string, unknown> = {};
      applyItems(row, r.items);
      if (r.step !== undefined && row._step === undefined) row._step = r.step;
      history.push(row);
    } else if (r.type === "exit") {
      exitCode = r.exitCode;
    } else if (r.type === "final") {
      final = true;
    }
  }
  return {
    runId: run.runId,
    ...(run.project && { project: run.project }),
    ...(run.entity && { entity: run.entity }),
    ...(run.runGroup && { group: run.runGroup }),
    ...(run.jobType && { jobType: run.jobType }),
    ...(run.displayName && { displayName: run.displayName }),
    tags: run.tags ?? [],
    config,
    history,
    summary,
    exitCode,
    final,
  };
}

function applyItems(target: Record<string, unknown>, items: readonly RecordItem[]): void {
  for (const item of items) {
    const path = item.nestedKey?.length ? item.nestedKey : [item.key];
    let node = target;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node = (node[key] = typeof next === "object" && next !== null ? next : {}) as Record<string, unknown>;
    }
    node[path[path.length - 1]] = parseWandbJson(item.valueJson);
  }
}
