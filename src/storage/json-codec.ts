/**
 * JSON that keeps NaN and ±Infinity: non-finite numbers are written as tagged objects,
 * so attrs and event payloads survive a round trip through storage exactly.
 */
const TAG = "$hpo:num";

/** Serialises like JSON.stringify, preserving non-finite numbers. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return { [TAG]: String(v) };
    return v;
  });
}

/** Parses what {@link encodeJson} wrote. */
export function decodeJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const tagged = (v as Record<string, unknown>)[TAG];
      if (typeof tagged === "string" && Object.keys(v).length === 1) return Number(tagged);
    }
    return v;
  }) as T;
}
