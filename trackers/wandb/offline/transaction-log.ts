import { crc32 } from "../../../src/internal/crc32.ts";

/**
 * W&B's transaction log (the `.wandb` file of an offline run): a 7-byte file header, then
 * LevelDB log framing. The file is cut into 32 KiB blocks counted from the start of the
 * file (header included); each record is written as one FULL chunk or a FIRST, MIDDLEs and
 * a LAST chunk; a chunk header is checksum (uint32 LE), length (uint16 LE) and type (uint8);
 * a block tail too short for a chunk header is zero padding. The checksum is plain CRC-32
 * over the type byte and the data.
 */
export const BLOCK_SIZE = 32_768;
/** Size of a chunk header, and of the file header. */
export const CHUNK_HEADER_SIZE = 7;

/** Chunk types of the LevelDB log format. */
export const ChunkType = { FULL: 1, FIRST: 2, MIDDLE: 3, LAST: 4 } as const;

/** `:W&B`, magic 0xBEE1 (little-endian), version 0. */
export const FILE_HEADER: Uint8Array = Uint8Array.of(0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe, 0x00);

/** A file that is not a well-formed transaction log (bad header, checksum, framing). */
export class TransactionLogError extends Error {
  override readonly name = "TransactionLogError";
}

/**
 * Frames records for appending to a log, keeping track of where in its block the file
 * ends. Starts right after the file header.
 */
export class TransactionLogFramer {
  #offset: number;

  constructor(fileOffset = FILE_HEADER.length) {
    this.#offset = fileOffset;
  }

  /** The file size after everything framed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** The bytes to append for one record (padding, chunk headers and data). */
  frame(record: Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [];
    let spaceLeft = BLOCK_SIZE - (this.#offset % BLOCK_SIZE);
    if (spaceLeft < CHUNK_HEADER_SIZE) {
      parts.push(new Uint8Array(spaceLeft));
      this.#offset += spaceLeft;
      spaceLeft = BLOCK_SIZE;
    }
    if (record.length + CHUNK_HEADER_SIZE <= spaceLeft) {
      parts.push(this.#chunk(ChunkType.FULL, record));
    } else {
      // FIRST fills the current block (possibly with zero data bytes), MIDDLEs fill whole
      // blocks, LAST carries the rest.
      let used = spaceLeft - CHUNK_HEADER_SIZE;
      parts.push(this.#chunk(ChunkType.FIRST, record.subarray(0, used)));
      const fullBlockData = BLOCK_SIZE - CHUNK_HEADER_SIZE;
      while (record.length - used > fullBlockData) {
        parts.push(this.#chunk(ChunkType.MIDDLE, record.subarray(used, used + fullBlockData)));
        used += fullBlockData;
      }
      parts.push(this.#chunk(ChunkType.LAST, record.subarray(used)));
    }
    return concat(parts);
  }

  #chunk(type: number, data: Uint8Array): Uint8Array {
    const out = new Uint8Array(CHUNK_HEADER_SIZE + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, chunkChecksum(type, data), true);
    view.setUint16(4, data.length, true);
    out[6] = type;
    out.set(data, CHUNK_HEADER_SIZE);
    this.#offset += out.length;
    return out;
  }
}

/** What reading a whole log found. */
export interface TransactionLogContents {
  /** Each record's bytes (a serialised protobuf `Record`), in file order. */
  readonly records: Uint8Array[];
  /** How many chunks were read; each one's checksum was verified. */
  readonly chunks: number;
}

/** A complete log: the file header followed by the framed records. */
export function frameTransactionLog(records: readonly Uint8Array[]): Uint8Array {
  const framer = new TransactionLogFramer();
  return concat([FILE_HEADER, ...records.map((r) => framer.frame(r))]);
}

/** Reads a whole log, verifying the header, every checksum, the chunk order and padding. */
export function readTransactionLog(bytes: Uint8Array): TransactionLogContents {
  if (bytes.length < FILE_HEADER.length || FILE_HEADER.some((b, i) => bytes[i] !== b)) {
    throw new TransactionLogError("not a W&B transaction log: the file does not start with :W&B, magic 0xBEE1, version 0");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let chunks = 0;
  let pos = FILE_HEADER.length;
  let pending: Uint8Array[] | null = null;
  while (pos < bytes.length) {
    const spaceLeft = BLOCK_SIZE - (pos % BLOCK_SIZE);
    if (spaceLeft < CHUNK_HEADER_SIZE) {
      const end = Math.min(pos + spaceLeft, bytes.length);
      for (let i = pos; i < end; i++) {
        if (bytes[i] !== 0) throw new TransactionLogError(`non-zero block padding at byte ${i}`);
      }
      pos = end;
      continue;
    }
    if (pos + CHUNK_HEADER_SIZE > bytes.length) {
      throw new TransactionLogError(`truncated chunk header at byte ${pos} (the file ends mid-write)`);
    }
    const checksum = view.getUint32(pos, true);
    const length = view.getUint16(pos + 4, true);
    const type = bytes[pos + 6];
    if (CHUNK_HEADER_SIZE + length > spaceLeft) {
      throw new TransactionLogError(`chunk at byte ${pos} of ${length} bytes crosses a block boundary`);
    }
    if (pos + CHUNK_HEADER_SIZE + length > bytes.length) {
      throw new TransactionLogError(`truncated chunk at byte ${pos} (the file ends mid-write)`);
    }
    const data = bytes.subarray(pos + CHUNK_HEADER_SIZE, pos + CHUNK_HEADER_SIZE + length);
    if (chunkChecksum(type, data) !== checksum) {
      throw new TransactionLogError(`checksum mismatch in the chunk at byte ${pos}`);
    }
    chunks++;
    switch (type) {
      case ChunkType.FULL:
        if (pending) throw new TransactionLogError(`FULL chunk at byte ${pos} inside a fragmented record`);
        records.push(data.slice());
        break;
      case ChunkType.FIRST:
        if (pending) throw new TransactionLogError(`FIRST chunk at byte ${pos} inside a fragmented record`);
        pending = [data];
        break;
      case ChunkType.MIDDLE:
        if (!pending) throw new TransactionLogError(`MIDDLE chunk at byte ${pos} without a FIRST`);
        pending.push(data);
        break;
      case ChunkType.LAST:
        if (!pending) throw new TransactionLogError(`LAST chunk at byte ${pos} without a FIRST`);
        pending.push(data);
        records.push(concat(pending));
        pending = null;
        break;
      default:
        throw new TransactionLogError(`unknown chunk type ${type} at byte ${pos}`);
    }
    pos += CHUNK_HEADER_SIZE + length;
  }
  if (pending) throw new TransactionLogError("the file ends inside a fragmented record");
  return { records, chunks };
}

function chunkChecksum(type: number, data: Uint8Array): number {
  return crc32(data, crc32(Uint8Array.of(type)));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
