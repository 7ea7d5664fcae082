import type { ParamValue } from "../../src/vocabulary/distribution.ts";
import { clipText, terminalSafe } from "../../src/internal/terminal-text.ts";

/** Longest value shown in one-line output (the JSON export keeps every value whole). */
const MAX_VALUE_CHARS = 200;

/** A compact number for terminal output (4 significant digits, exponent when tiny/huge). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** Params as `name=value` pairs for one-line output (names and values made safe for a terminal, long values cut). */
export function formatParams(params: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${formatText(k)}=${typeof v === "number" ? formatNumber(v) : formatText(JSON.stringify(v))}`)
    .join(" ");
}

/** Text from a study (a name, a value, a reason) for one line of terminal output: control characters escaped, cut past 200 characters. */
export function formatText(text: string, max = MAX_VALUE_CHARS): string {
  return terminalSafe(clipText(text, max));
}

/** Seconds as h:mm:ss or m:ss. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--:--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
