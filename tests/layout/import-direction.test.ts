/**
 * The floors of src/ (docs/layout.md, "Inside src/"): every import between two src/ folders
 * points to a lower floor, no module is part of an import circle (the feed's subscription ⇄
 * channel pair excepted: each holds the other by reference, type-only on one side), and no
 * module grows past the size a reader takes in at once.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Each folder of src/ and its floor: a folder may import only from folders on a lower floor. */
const FLOORS: Record<string, number> = {
  vocabulary: 0,
  internal: 1,
  random: 1,
  numpy: 1,
  distributions: 1,
  storage: 2,
  pruners: 2,
  samplers: 2,
  tracking: 2,
  importance: 2,
  checkpoints: 3,
  feed: 3,
  workers: 3,
  study: 4,
  "study-file": 5,
  server: 5,
  cli: 6,
  "(root)": 7,
};
const MAX_LINES = 420;
const ALLOWED_CIRCLES = [["src/feed/study-channel.ts", "src/feed/subscription.ts"]];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) ? [path] : [];
  });
}

const posix = (path: string) => path.split(sep).join("/");

/** The repo-relative modules a file imports or re-exports by relative path (type-only included). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.[^"']+)["']/gm)) {
    found.push(posix(relative(repo, resolve(dirname(file), match[1]!))).replace(/\.js$/, ".ts"));
  }
  return found;
}

/** The src/ folder a module belongs to ("(root)" for src/index.ts). */
function srcFolder(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "src") return null;
  return parts.length > 2 ? parts[1]! : "(root)";
}

/** Strongly connected groups of more than one module (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = [...sourceFiles(join(repo, "src")), ...sourceFiles(join(repo, "samplers"))].map((f) => posix(relative(repo, f)));

describe("import direction", () => {
  test("every src/ folder has a floor, and imports between src/ folders point down", () => {
    const unknown = new Set<string>();
    const upward: string[] = [];
    for (const file of files) {
      const from = srcFolder(file);
      if (from === null) continue;
      if (!(from in FLOORS)) unknown.add(from);
      for (const target of relativeImports(join(repo, file))) {
        const to = srcFolder(target);
        if (to === null || to === from) continue;
        if (!(to in FLOORS)) unknown.add(to);
        else if (FLOORS[to]! >= FLOORS[from]!) upward.push(`${file} (floor ${FLOORS[from]}) imports ${target} (floor ${FLOORS[to]})`);
      }
    }
    expect([...unknown], "folders missing from FLOORS (and from docs/layout.md)").toEqual([]);
    expect(upward).toEqual([]);
  });

  test("the vocabulary imports nothing else of hpo", () => {
    const outside = files
      .filter((f) => f.startsWith("src/vocabulary/"))
      .flatMap((f) => relativeImports(join(repo, f)).filter((t) => !t.startsWith("src/vocabulary/")).map((t) => `${f} imports ${t}`));
    expect(outside).toEqual([]);
  });

  test("no import circle in src/ or samplers/ but the feed pair", () => {
    const graph = new Map(files.map((f) => [f, relativeImports(join(repo, f))]));
    expect(circles(graph)).toEqual(ALLOWED_CIRCLES);
  });

  test(`no module in src/ or samplers/ is over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => [f, readFileSync(join(repo, f), "utf8").trimEnd().split("\n").length] as const)
      .filter(([, lines]) => lines > MAX_LINES)
      .map(([f, lines]) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  test("the checks see real imports (the scan is not vacuous)", () => {
    const studyImports = files.filter((f) => f.startsWith("src/study/")).flatMap((f) => relativeImports(join(repo, f)));
    expect(studyImports.some((t) => t.startsWith("src/vocabulary/"))).toBe(true);
    expect(circles(new Map([["a", ["b"]], ["b", ["a"]], ["c", ["a"]]]))).toEqual([["a", "b"]]);
  });
});
