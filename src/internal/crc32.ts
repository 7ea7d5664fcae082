/**
 * CRC-32 (IEEE 802.3, the zlib polynomial, Python's binascii.crc32). Hyperband hashes trials
 * into brackets with it, as Optuna does; W&B's transaction log checksums its chunks with it.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const encoder = new TextEncoder();

/** Continues a CRC-32 over `bytes` from a previous value (0 to start); unsigned 32-bit. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 of a string's UTF-8 bytes. */
export function crc32Text(text: string): number {
  return crc32(encoder.encode(text));
}
