/**
 * JSON as W&B's Python SDK writes it: like JSON, but non-finite numbers are written as the
 * bare tokens `NaN`, `Infinity` and `-Infinity` (Python's `json.dumps` default), which the
 * W&B backend accepts. A diverged trial's NaN loss therefore stays NaN instead of null.
 */

/** Serialises a JSON-compatible value, writing non-finite numbers as NaN/Infinity. */
export function toWandbJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return "NaN";
      if (value === Infinity) return "Infinity";
      if (value === -Infinity) return "-Infinity";
      return JSON.stringify(value);
    case "boolean":
    case "string":
      return JSON.stringify(value);
    case "bigint":
      return value.toString();
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => toWandbJson(v)).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== "function");
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toWandbJson(v)}`).join(",")}}`;
    }
    default:
      return "null";
  }
}

/** Parses what {@link toWandbJson} (or Python's json.dumps) wrote. */
export function parseWandbJson(text: string): unknown {
  // Rewrite the bare tokens outside strings into tagged strings JSON.parse accepts, then
  // turn them back into numbers.
  const TAG = "\u0000wandb-num:";
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const rest = text.startsWith("NaN", i) ? "NaN" : text.startsWith("Infinity", i) ? "Infinity" : text.startsWith("-Infinity", i) ? "-Infinity" : null;
    if (rest) {
      out += JSON.stringify(TAG + rest);
      i += rest.length;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out, (_key, v: unknown) => (typeof v === "string" && v.startsWith(TAG) ? Number(v.slice(TAG.length)) : v));
}
