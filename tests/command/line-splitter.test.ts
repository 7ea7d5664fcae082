import { describe, expect, it } from "vitest";
import { BoundedTail, LineSplitter } from "hpo/command";

describe("LineSplitter", () => {
  it("splits across chunk boundaries, with \\n or \\r\\n, and flushes the last line", () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from("one\r\ntw"))).toEqual(["one"]);
    expect(splitter.push(Buffer.from("o\n\nthr"))).toEqual(["two", ""]);
    expect(splitter.push(Buffer.from("ee"))).toEqual([]);
    expect(splitter.end()).toEqual(["three"]);
    expect(splitter.end()).toEqual([]);
  });

  it("keeps a multi-byte character split between chunks whole", () => {
    const bytes = Buffer.from("météo 🌧\n");
    const splitter = new LineSplitter();
    const lines = [...bytes].flatMap((byte) => splitter.push(Buffer.from([byte])));
    expect(lines).toEqual(["météo 🌧"]);
  });

  it("holds at most maxLineLength characters of a line that never ends", () => {
    const splitter = new LineSplitter({ maxLineLength: 1000 });
    const chunk = Buffer.alloc(64 * 1024, "x");
    let maxPending = 0;
    for (let i = 0; i < 160; i++) {
      // 10 MiB without a newline
      expect(splitter.push(chunk)).toEqual([]);
      maxPending = Math.max(maxPending, splitter.pendingLength);
    }
    expect(maxPending).toBe(1000);
    const [line] = splitter.push(Buffer.from("tail\n"));
    expect(line.startsWith("x".repeat(1000))).toBe(true);
    expect(line).toContain(`[… ${160 * 64 * 1024 + 4 - 1000} more characters dropped]`);
    expect(splitter.pendingLength).toBe(0);
  });
});

describe("BoundedTail", () => {
  it("keeps the last lines, each cut short", () => {
    const tail = new BoundedTail({ maxLines: 3, maxLineLength: 5 });
    for (const line of ["a", "b", "c", "d", "0123456789"]) tail.push(line);
    expect(tail.lines()).toEqual(["c", "d", "01234…"]);
    expect(tail.toString()).toBe("c\nd\n01234…");
  });
});
