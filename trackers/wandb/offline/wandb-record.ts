import {
  ProtoWriter,
  decodeFields,
  fieldBytes,
  fieldInt,
  fieldText,
  type WireField,
} from "./protobuf-wire.ts";

/**
 * The subset of `wandb_internal.Record` (wandb/proto/wandb_internal.proto) that an hpo
 * offline run writes — header, run, config, history, summary, exit, final, footer — with
 * their field numbers. Any other record type decodes as `other`, keeping its bytes.
 */

/** `ConfigItem` / `HistoryItem` / `SummaryItem`: a key and its JSON-encoded value. */
export interface RecordItem {
  readonly key: string;
  readonly nestedKey?: readonly string[];
  readonly valueJson: string;
}

/** `google.protobuf.Timestamp`. */
export interface ProtoTimestamp {
  readonly seconds: number;
  readonly nanos: number;
}

/** `RunRecord`: the run's identity, grouping and initial config. */
export interface RunRecordBody {
  readonly runId: string;
  readonly entity?: string;
  readonly project?: string;
  readonly config?: readonly RecordItem[];
  readonly summary?: readonly RecordItem[];
  readonly runGroup?: string;
  readonly jobType?: string;
  readonly displayName?: string;
  readonly notes?: string;
  readonly tags?: readonly string[];
  readonly host?: string;
  readonly startTime?: ProtoTimestamp;
}

/** The payload of one record, by its `record_type` oneof. */
export type WandbRecordBody =
  | { readonly type: "header" }
  | { readonly type: "footer" }
  | { readonly type: "final" }
  | { readonly type: "run"; readonly run: RunRecordBody }
  | { readonly type: "config"; readonly update: readonly RecordItem[]; readonly remove?: readonly RecordItem[] }
  | { readonly type: "history"; readonly items: readonly RecordItem[]; readonly step?: number }
  | { readonly type: "summary"; readonly update: readonly RecordItem[]; readonly remove?: readonly RecordItem[] }
  | { readonly type: "exit"; readonly exitCode: number; readonly runtime: number }
  | { readonly type: "other"; readonly name: string; readonly fieldNumber: number; readonly bytes: Uint8Array };

/** A `Record`: its payload plus the envelope fields (`num`, `uuid`, raw `control`). */
export type WandbRecord = WandbRecordBody & {
  readonly num?: number;
  readonly uuid?: string;
  /** The `Control` sub-message, kept as bytes (it is for the live SDK, not for sync). */
  readonly control?: Uint8Array;
};

/** Field numbers of `Record.record_type`, from wandb_internal.proto. */
const RECORD_TYPE_FIELDS: Readonly<Record<number, string>> = {
  2: "history", 3: "summary", 4: "output", 5: "config", 6: "files", 7: "stats", 8: "artifact",
  9: "tbrecord", 10: "alert", 11: "telemetry", 12: "metric", 13: "output_raw", 17: "run",
  18: "exit", 20: "final", 21: "header", 22: "footer", 23: "preempting", 24: "link_artifact",
  25: "use_artifact", 100: "request",
};
const FIELD = { num: 1, history: 2, summary: 3, config: 5, control: 16, run: 17, exit: 18, uuid: 19, final: 20, header: 21, footer: 22 } as const;

/** A record that is valid protobuf but not a well-formed `Record`. */
export class WandbRecordError extends Error {
  override readonly name = "WandbRecordError";
}

/** Serialises a record, fields in field-number order as protobuf encoders do. */
export function encodeRecord(record: WandbRecord): Uint8Array {
  const parts: [number, (w: ProtoWriter) => void][] = [];
  if (record.num) parts.push([FIELD.num, (w) => w.int(FIELD.num, record.num ?? 0)]);
  if (record.control) parts.push([FIELD.control, (w) => w.message(FIELD.control, record.control!)]);
  if (record.uuid) parts.push([FIELD.uuid, (w) => w.string(FIELD.uuid, record.uuid ?? "")]);
  const body = encodeBody(record);
  parts.push([body.field, (w) => w.message(body.field, body.bytes)]);
  parts.sort((a, b) => a[0] - b[0]);
  const w = new ProtoWriter();
  for (const [, write] of parts) write(w);
  return w.finish();
}

/** Parses one record's bytes. */
export function decodeRecord(bytes: Uint8Array): WandbRecord {
  let num: number | undefined;
  let uuid: string | undefined;
  let control: Uint8Array | undefined;
  let body: WandbRecordBody | undefined;
  for (const f of decodeFields(bytes)) {
    if (f.field === FIELD.num) num = fieldInt(f);
    else if (f.field === FIELD.uuid) uuid = fieldText(f);
    else if (f.field === FIELD.control) control = fieldBytes(f).slice();
    else if (f.field === 200) continue; // _info: SDK bookkeeping
    else if (RECORD_TYPE_FIELDS[f.field]) body = decodeBody(f);
    else throw new WandbRecordError(`unknown Record field ${f.field}`);
  }
  if (!body) throw new WandbRecordError("record has no record_type");
  return { ...body, ...(num !== undefined && { num }), ...(uuid !== undefined && { uuid }), ...(control && { control }) };
}

function encodeBody(body: WandbRecordBody): { field: number; bytes: Uint8Array } {
  switch (body.type) {
    case "header":
    case "footer":
    case "final":
      return { field: FIELD[body.type], bytes: new Uint8Array(0) };
    case "run":
      return { field: FIELD.run, bytes: encodeRun(body.run) };
    case "config":
      return { field: FIELD.config, bytes: encodeUpdates(body.update, body.remove ?? []) };
    case "summary":
      return { field: FIELD.summary, bytes: encodeUpdates(body.update, body.remove ?? []) };
    case "history": {
      const w = new ProtoWriter();
      for (const item of body.items) w.message(1, encodeItem(item));
      if (body.step !== undefined) w.message(2, new ProtoWriter().int(1, body.step));
      return { field: FIELD.history, bytes: w.finish() };
    }
    case "exit":
      return { field: FIELD.exit, bytes: new ProtoWriter().int(1, body.exitCode).int(2, body.runtime).finish() };
    case "other":
      return { field: body.fieldNumber, bytes: body.bytes };
  }
}

function decodeBody(f: WireField): WandbRecordBody {
  const bytes = fieldBytes(f);
  switch (f.field) {
    case FIELD.header:
    case FIELD.footer:
    case FIELD.final:
      return { type: RECORD_TYPE_FIELDS[f.field] as "header" | "footer" | "final" };
    case FIELD.run:
      return { type: "run", run: decodeRun(bytes) };
    case FIELD.config:
      return { type: "config", ...decodeUpdates(bytes) };
    case FIELD.summary:
      return { type: "summary", ...decodeUpdates(bytes) };
    case FIELD.history: {
      const items: RecordItem[] = [];
      let step: number | undefined;
      for (const g of decodeFields(bytes)) {
        if (g.field === 1) items.push(decodeItem(fieldBytes(g)));
        else if (g.field === 2) step = decodeFields(fieldBytes(g)).filter((h) => h.field === 1).map(fieldInt).pop() ?? 0;
      }
      return { type: "history", items, ...(step !== undefined && { step }) };
    }
    case FIELD.exit: {
      let exitCode = 0;
      let runtime = 0;
      for (const g of decodeFields(bytes)) {
        if (g.field === 1) exitCode = fieldInt(g);
        else if (g.field === 2) runtime = fieldInt(g);
      }
      return { type: "exit", exitCode, runtime };
    }
    default:
      return { type: "other", name: RECORD_TYPE_FIELDS[f.field], fieldNumber: f.field, bytes: bytes.slice() };
  }
}

function encodeRun(run: RunRecordBody): Uint8Array {
  const w = new ProtoWriter().string(1, run.runId).string(2, run.entity ?? "").string(3, run.project ?? "");
  if (run.config?.length) w.message(4, encodeUpdates(run.config, []));
  if (run.summary?.length) w.message(5, encodeUpdates(run.summary, []));
  w.string(6, run.runGroup ?? "").string(7, run.jobType ?? "").string(8, run.displayName ?? "");
  w.string(9, run.notes ?? "").strings(10, run.tags ?? []).string(13, run.host ?? "");
  if (run.startTime) w.message(17, new ProtoWriter().int(1, run.startTime.seconds).int(2, run.startTime.nanos));
  return w.finish();
}

function decodeRun(bytes: Uint8Array): RunRecordBody {
  const run: { -readonly [K in keyof RunRecordBody]: RunRecordBody[K] } = { runId: "" };
  const tags: string[] = [];
  for (const f of decodeFields(bytes)) {
    switch (f.field) {
      case 1: run.runId = fieldText(f); break;
      case 2: run.entity = fieldText(f); break;
      case 3: run.project = fieldText(f); break;
      case 4: run.config = decodeUpdates(fieldBytes(f)).update; break;
      case 5: run.summary = decodeUpdates(fieldBytes(f)).update; break;
      case 6: run.runGroup = fieldText(f); break;
      case 7: run.jobType = fieldText(f); break;
      case 8: run.displayName = fieldText(f); break;
      case 9: run.notes = fieldText(f); break;
      case 10: tags.push(fieldText(f)); break;
      case 13: run.host = fieldText(f); break;
      case 17: {
        let seconds = 0;
        let nanos = 0;
        for (const g of decodeFields(fieldBytes(f))) {
          if (g.field === 1) seconds = fieldInt(g);
          else if (g.field === 2) nanos = fieldInt(g);
        }
        run.startTime = { seconds, nanos };
        break;
      }
      default: break; // settings, telemetry, git, ...: not needed to rebuild a run
    }
  }
  if (tags.length) run.tags = tags;
  return run;
}

function encodeUpdates(update: readonly RecordItem[], remove: readonly RecordItem[]): Uint8Array {
  const w = new ProtoWriter();
  for (const item of update) w.message(1, encodeItem(item));
  for (const item of remove) w.message(2, encodeItem(item));
  return w.finish();
}

function decodeUpdates(bytes: Uint8Array): { update: RecordItem[]; remove?: RecordItem[] } {
  const update: RecordItem[] = [];
  const remove: RecordItem[] = [];
  for (const f of decodeFields(bytes)) {
    if (f.field === 1) update.push(decodeItem(fieldBytes(f)));
    else if (f.field === 2) remove.push(decodeItem(fieldBytes(f)));
  }
  return remove.length ? { update, remove } : { update };
}

function encodeItem(item: RecordItem): Uint8Array {
  return new ProtoWriter().string(1, item.key).strings(2, item.nestedKey ?? []).string(16, item.valueJson).finish();
}

function decodeItem(bytes: Uint8Array): RecordItem {
  let key = "";
  const nestedKey: string[] = [];
  let valueJson = "";
  for (const f of decodeFields(bytes)) {
    if (f.field === 1) key = fieldText(f);
    else if (f.field === 2) nestedKey.push(fieldText(f));
    else if (f.field === 16) valueJson = fieldText(f);
  }
  return nestedKey.length ? { key, nestedKey, valueJson } : { key, valueJson };
}
