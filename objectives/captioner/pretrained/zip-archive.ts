/**
 * Lists and extracts the entries of a zip archive held in memory (the container of
 * PyTorch's `torch.save` format). Reads the central directory, including the zip64
 * records large checkpoints need; entries are stored (PyTorch's writer) or deflated.
 */
import { inflateRawSync } from "node:zlib";

/** One file in the archive. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Whether `bytes` starts like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A zip archive's entries by name, and their contents. */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #source: string;

  /** Parses the central directory of `bytes`; `source` names the file in errors. */
  constructor(bytes: Uint8Array, source: string) {
    this.#bytes = bytes;
    this.#source = source;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.#readDirectory();
  }

  #fail(why: string): never {
    throw new Error(`${this.#source}: not a readable zip archive: ${why}`);
  }

  #readDirectory(): Map<string, ZipEntry> {
    const v = this.#view;
    // The end-of-central-directory record sits in the last 22 + 65,535 (comment) bytes.
    let eocd = -1;
    for (let i = this.#bytes.length - 22; i >= Math.max(0, this.#bytes.length - 22 - 0xffff); i--) {
      if (v.getUint32(i, true) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.#fail("no end-of-central-directory record");
    let count: number = v.getUint16(eocd + 10, true);
    let directoryOffset: number = v.getUint32(eocd + 16, true);
    if (eocd >= 20 && v.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
      const zip64 = Number(v.getBigUint64(eocd - 20 + 8, true));
      if (v.getUint32(zip64, true) !== ZIP64_EOCD) this.#fail("broken zip64 end-of-central-directory record");
      count = Number(v.getBigUint64(zip64 + 32, true));
      directoryOffset = Number(v.getBigUint64(zip64 + 48, true));
    }
    const entries = new Map<string, ZipEntry>();
    let at = directoryOffset;
    const utf8 = new TextDecoder();
    for (let n = 0; n < count; n++) {
      if (at + 46 > this.#bytes.length || v.getUint32(at, true) !== CENTRAL) this.#fail(`central directory entry ${n} is missing`);
      const method = v.getUint16(at + 10, true);
      let compressedSize: number = v.getUint32(at + 20, true);
      let size: number = v.getUint32(at + 24, true);
      const nameLength = v.getUint16(at + 28, true);
      const extraLength = v.getUint16(at + 30, true);
      const commentLength = v.getUint16(at + 32, true);
      let localHeaderOffset: number = v.getUint32(at + 42, true);
      const name = utf8.decode(this.#bytes.subarray(at + 46, at + 46 + nameLength));
      // zip64 extra field: the 64-bit values of whichever 32-bit fields are saturated, in order.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = v.getUint16(extra, true);
        const length = v.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let p = extra + 4;
          if (size === 0xffffffff) (size = Number(v.getBigUint64(p, true))), (p += 8);
          if (compressedSize === 0xffffffff) (compressedSize = Number(v.getBigUint64(p, true))), (p += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(v.getBigUint64(p, true));
        }
        extra += 4 + length;
      }
      entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      at = extraEnd + commentLength;
    }
    return entries;
  }

  /** The uncompressed contents of entry `name` (a view into the archive when stored). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) this.#fail(`no entry ${name}`);
    const v = this.#view;
    if (v.getUint32(e.localHeaderOffset, true) !== LOCAL) this.#fail(`entry ${name} has no local header`);
    const start = e.localHeaderOffset + 30 + v.getUint16(e.localHeaderOffset + 26, true) + v.getUint16(e.localHeaderOffset + 28, true);
    if (start + e.compressedSize > this.#bytes.length) this.#fail(`entry ${name} runs past the end of the file`);
    const raw = this.#bytes.subarray(start, start + e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method === 8) return new Uint8Array(inflateRawSync(raw));
    return this.#fail(`entry ${name} uses compression method ${e.method} (only stored and deflate are read)`);
  }
}
