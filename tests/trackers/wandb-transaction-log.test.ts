import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BLOCK_SIZE,
  ChunkType,
  FILE_HEADER,
  ProtoWriter,
  TransactionLogError,
  TransactionLogFramer,
  crc32,
  decodeFields,
  decodeRecord,
  encodeFields,
  encodeRecord,
  frameTransactionLog,
  readTransactionLog,
  type WandbRecord,
} from "hpo/trackers/wandb";

/** Byte equality that stays fast on large buffers (deep equality walks them element-wise). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let i = 0;
  while (i < Math.min(a.length, b.length) && a[i] === b[i]) i++;
  expect.fail(`bytes differ at ${i} (lengths ${a.length} and ${b.length})`);
}

const FIXTURE = new Uint8Array(readFileSync(new URL("../fixtures/wandb/run-g9dvvkua.wandb", import.meta.url)));

describe("W&B transaction log: the real offline run from the W&B SDK", () => {
  it("reads every chunk (checksums verified) and decodes every record", () => {
    const { records, chunks } = readTransactionLog(FIXTURE);
    expect(chunks).toBe(10);
    const decoded = records.map(decodeRecord);
    expect(decoded.map((r) => (r.type === "other" ? r.name : r.type))).toEqual([
      "header", "run", "files", "artifact", "telemetry", "exit", "stats", "summary", "final", "footer",
    ]);
    const run = decoded[1];
    expect(run.type === "run" && run.run).toMatchObject({
      runId: "g9dvvkua",
      project: "code-toad",
      host: "cvp",
      startTime: { seconds: 1613519047, nanos: 0 },
      config: [{ key: "_wandb", valueJson: '{"code_path": "code/standalone_tests/code-toad.py"}' }],
    });
    expect(run.uuid).toBe("1ecb752b592a4561bb2449c14d750afb");
    expect(decoded[5]).toMatchObject({ type: "exit", exitCode: 0, runtime: 0 });
    // Every record, modelled or not, is well-formed protobuf down to its last byte.
    for (const r of records) expectSameBytes(encodeFields(decodeFields(r)), r);
  });

  it("re-framing its records gives the same bytes", () => {
    const { records } = readTransactionLog(FIXTURE);
    expectSameBytes(frameTransactionLog(records), FIXTURE);
  });

  it("re-encodes the records it models byte for byte", () => {
    const { records } = readTransactionLog(FIXTURE);
    for (const raw of records) {
      const r = decodeRecord(raw);
      if (r.type === "other" || r.type === "run") continue; // run carries telemetry we do not model
      expectSameBytes(encodeRecord(r), raw);
    }
  });

  it("uses plain CRC-32 over the type byte and the data", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926); // the CRC-32 check value
    const view = new DataView(FIXTURE.buffer, FIXTURE.byteOffset);
    const length = view.getUint16(FILE_HEADER.length + 4, true);
    const typeAndData = FIXTURE.subarray(FILE_HEADER.length + 6, FILE_HEADER.length + 7 + length);
    expect(view.getUint32(FILE_HEADER.length, true)).toBe(crc32(typeAndData));
  });

  it("rejects a flipped bit, a bad header and a truncated file", () => {
    const flipped = FIXTURE.slice();
    flipped[500] ^= 0x01;
    expect(() => readTransactionLog(flipped)).toThrow(/checksum mismatch/);
    const badHeader = FIXTURE.slice();
    badHeader[4] = 0;
    expect(() => readTransactionLog(badHeader)).toThrow(TransactionLogError);
    expect(() => readTransactionLog(FIXTURE.subarray(0, FIXTURE.length - 3))).toThrow(/truncated/);
  });
});

describe("W&B transaction log: framing across 32 KiB blocks", () => {
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

  it("splits a record larger than a block into FIRST, MIDDLE and LAST chunks and reads it back", () => {
    const records = [bytes(100, 1), bytes(3 * BLOCK_SIZE + 123, 2), bytes(10, 3), new Uint8Array(0)];
    const file = frameTransactionLog(records);
    const { records: back, chunks } = readTransactionLog(file);
    expect(back).toHaveLength(records.length);
    back.forEach((r, i) => expectSameBytes(r, records[i]));
    // The big record fills the rest of block 0 (FIRST), blocks 1 and 2 (MIDDLE) and ends in
    // block 3 (LAST): 4 chunks, plus one FULL chunk for each other record.
    expect(chunks).toBe(1 + 4 + 1 + 1);
    expect(file[BLOCK_SIZE + 6]).toBe(ChunkType.MIDDLE);
    expect(file[2 * BLOCK_SIZE + 6]).toBe(ChunkType.MIDDLE);
    expect(file[3 * BLOCK_SIZE + 6]).toBe(ChunkType.LAST);
  });

  it("pads a block tail shorter than a chunk header with zeros, and fills exactly 7 bytes with an empty FIRST", () => {
    // First record leaves 5 bytes in block 0: padding. Second leaves exactly 7: empty FIRST.
    const first = bytes(BLOCK_SIZE - FILE_HEADER.length - 7 - 5, 4);
    const second = bytes(BLOCK_SIZE - 7 - 7, 5);
    const third = bytes(20, 6);
    const file = frameTransactionLog([first, second, third]);
    expect([...file.subarray(BLOCK_SIZE - 5, BLOCK_SIZE)]).toEqual([0, 0, 0, 0, 0]);
    const emptyFirstAt = 2 * BLOCK_SIZE - 7;
    expect(file[emptyFirstAt + 6]).toBe(ChunkType.FIRST);
    expect(file[emptyFirstAt + 4] | file[emptyFirstAt + 5]).toBe(0);
    const back = readTransactionLog(file).records;
    expect(back).toHaveLength(3);
    [first, second, third].forEach((r, i) => expectSameBytes(back[i], r));
    const padded = file.slice();
    padded[BLOCK_SIZE - 2] = 1;
    expect(() => readTransactionLog(padded)).toThrow(/padding/);
  });

  it("frames incrementally exactly as it frames a whole file", () => {
    const records = Array.from({ length: 40 }, (_, i) => bytes(977 * (i + 1), i));
    const framer = new TransactionLogFramer();
    const parts = [FILE_HEADER, ...records.map((r) => framer.frame(r))];
    const incremental = Buffer.concat(parts.map((p) => Buffer.from(p)));
    expectSameBytes(incremental, frameTransactionLog(records));
    expect(framer.offset).toBe(incremental.length);
  });
});

describe("W&B records: the protobuf subset hpo writes", () => {
  it("round-trips every record type hpo writes", () => {
    const records: WandbRecord[] = [
      { type: "header" },
      {
        type: "run",
        run: {
          runId: "abc12345", entity: "alice", project: "p", runGroup: "study", jobType: "trial", displayName: "trial-0",
          notes: "n", tags: ["a", "b"], host: "h", startTime: { seconds: 1_700_000_000, nanos: 5_000_000 },
          config: [{ key: "lr", valueJson: "0.01" }],
        },
      },
      { type: "config", update: [{ key: "freeze", valueJson: '"encoder"' }] },
      { type: "history", items: [{ key: "value", valueJson: "NaN" }, { key: "_step", valueJson: "3" }], step: 3 },
      { type: "summary", update: [{ key: "trial_state", valueJson: '"pruned"' }, { key: "x", nestedKey: ["a", "b"], valueJson: "1" }] },
      { type: "exit", exitCode: 1, runtime: 12 },
      { type: "final" },
      { type: "footer", num: 7, uuid: "u" },
    ];
    for (const r of records) expect(decodeRecord(encodeRecord(r))).toEqual(r);
  });

  it("writes negative int32 values as ten-byte varints, as protobuf requires", () => {
    const bytes = new ProtoWriter().int(1, -1).finish();
    expect([...bytes]).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(decodeRecord(encodeRecord({ type: "exit", exitCode: -2, runtime: 0 }))).toMatchObject({ exitCode: -2 });
  });

  it("rejects malformed protobuf", () => {
    expect(() => decodeFields(Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(/runs past the end/);
    expect(() => decodeFields(Uint8Array.of(0x08))).toThrow(/truncated varint/);
    expect(() => decodeRecord(Uint8Array.of())).toThrow(/no record_type/);
  });
});
