/**
 * hpo/trackers/wandb — Weights & Biases tracking with hpo's own client: online (GraphQL
 * `upsertBucket` + file_stream) and offline (`wandb/offline-run-…/run-<id>.wandb`
 * transaction logs for `wandb sync`), plus a reader for those files.
 */
export { wandb } from "./wandb-factory.ts";
export { WandbTracker } from "./wandb-tracker.ts";
export { WandbOptionsSchema, resolveWandbSettings, wandbOptionsFromSpec, DEFAULT_BASE_URL } from "./wandb-options.ts";
export type { WandbOptions, WandbSettings, WandbMode } from "./wandb-options.ts";
export { toWandbJson, parseWandbJson } from "./wandb-json.ts";
export { parseNetrc, apiKeyFromNetrc } from "./netrc.ts";
export { readOfflineRun, readOfflineRunFile, findOfflineRuns, rebuildOfflineRun } from "./offline/offline-run-reader.ts";
export type { OfflineRun, OfflineRunFileContents } from "./offline/offline-run-reader.ts";
export { OfflineRunFile, offlineRunDirName } from "./offline/offline-run-file.ts";
export {
  readTransactionLog,
  frameTransactionLog,
  TransactionLogFramer,
  TransactionLogError,
  FILE_HEADER,
  BLOCK_SIZE,
  ChunkType,
} from "./offline/transaction-log.ts";
export type { TransactionLogContents } from "./offline/transaction-log.ts";
export { encodeRecord, decodeRecord, WandbRecordError } from "./offline/wandb-record.ts";
export type { WandbRecord, WandbRecordBody, RecordItem, RunRecordBody, ProtoTimestamp } from "./offline/wandb-record.ts";
export { decodeFields, encodeFields, ProtoWriter, ProtobufDecodeError, WireType } from "./offline/protobuf-wire.ts";
export type { WireField } from "./offline/protobuf-wire.ts";
export { crc32 } from "../../src/internal/crc32.ts";
