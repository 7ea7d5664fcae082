import { clipText, terminalSafe } from "../internal/terminal-text.ts";

/** Widest cell shown; `--json` has every value whole. */
const MAX_CELL_CHARS = 80;

/** A cell as shown: control characters escaped, cut past MAX_CELL_CHARS. */
const shown = (cell: string | undefined) => terminalSafe(clipText(cell ?? "", MAX_CELL_CHARS));

/** Renders rows as an aligned plain-text table with a header line (cells made safe for a terminal, long ones cut). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map(shown);
  const body = rows.map((r) => r.map(shown));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}
