import { describe, expect, it } from "vitest";
import { clipText, terminalSafe } from "../../src/internal/terminal-text.ts";
import { renderAttrs } from "../../src/cli/study-summary.ts";
import { renderTable } from "../../src/cli/render-table.ts";

describe("text from a study on a terminal", () => {
  it("shows every control character as an escape", () => {
    expect(terminalSafe("a\u001b[2Jb\u0007c\u009bd\u202ee\u2028f\tg\nh\u007f")).toBe("a\\x1b[2Jb\\x07c\\x9bd\\u202ee\\u2028f\\tg\\nh\\x7f");
    expect(terminalSafe("one\ntwo\u001b", { keepNewlines: true })).toBe("one\ntwo\\x1b");
    expect(terminalSafe("plain ünïcode ✓")).toBe("plain ünïcode ✓");
  });

  it("cuts long text, saying how long it was", () => {
    expect(clipText("abc", 5)).toBe("abc");
    expect(clipText("x".repeat(12), 5)).toBe("xxxxx… (12 characters)");
  });

  it("keeps the summary's attrs bounded however many and however large", () => {
    const attrs = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "v".repeat(1000)]));
    const nested = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`group${i}`, { a: 1, b: "x\u001b" }]));
    const lines = renderAttrs({ ...attrs, ...nested });
    expect(lines.length).toBeLessThanOrEqual(13);
    expect(lines.at(-1)).toMatch(/^… \d+ more attr\(s\) \(hpo export shows them all\)$/);
    expect(lines.join("\n")).not.toContain("\u001b");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(16 * 260);
  });

  it("makes table cells safe and narrow", () => {
    const table = renderTable(["name\u001b"], [["v".repeat(500)]]);
    expect(table).not.toContain("\u001b");
    expect(table.split("\n")[2]).toBe(`${"v".repeat(80)}… (500 characters)`);
  });
});
