import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const STARTER = fileURLToPath(new URL("./support/lock-starter.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));
const ROUNDS = 50;
const STARTERS = 3;
const SLOT_MS = 40;

/** Starts a lock-starter process; resolves once it is ready, with a function that starts it and gives its results. */
async function startStarter(base: string, started: ChildProcess[]): Promise<(startAt: number) => Promise<string[]>> {
  const child = spawn(process.execPath, [TSX, STARTER, base, String(ROUNDS), String(SLOT_MS)], { stdio: ["pipe", "pipe", "inherit"] });
  started.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => out.startsWith("ready\n") && resolve());
    child.on("exit", (code) => reject(new Error(`lock starter exited ${code} before it was ready`)));
  });
  const done = new Promise<string[]>((resolve) =>
    child.stdout.on("data", () => {
      const lines = out.split("\n");
      if (lines.length > 2) resolve(JSON.parse(lines[1]) as string[]);
    }),
  );
  return async (startAt) => {
    child.stdin.end(String(startAt));
    return done;
  };
}

describe("PGlite folder lock left by a dead process", { timeout: 180_000 }, () => {
  it(`${STARTERS} synchronized starters take it over: exactly one wins, ${ROUNDS} tries out of ${ROUNDS}`, async () => {
    const base = mkdtempSync(join(tmpdir(), "hpo-lock-race-"));
    // A process that has exited: its lock is stale, and each starter may take it over.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    for (let i = 0; i < ROUNDS; i++) {
      mkdirSync(join(base, String(i)));
      writeFileSync(join(base, String(i), "hpo.lock"), JSON.stringify({ pid: dead, host: hostname(), since: new Date(0).toISOString(), command: "gone" }));
    }
    const children: ChildProcess[] = [];
    let results: string[][];
    try {
      const starters = await Promise.all(Array.from({ length: STARTERS }, () => startStarter(base, children)));
      const startAt = Date.now() + 500;
      // Every starter holds what it won until all have tried every round.
      results = await Promise.all(starters.map((start) => start(startAt)));
    } finally {
      for (const c of children) c.kill("SIGTERM");
    }
    const winners = Array.from({ length: ROUNDS }, (_, i) => results.filter((r) => r[i] === "won").length);
    expect(winners).toEqual(Array(ROUNDS).fill(1));
    // The others are told who holds it (a live process), never a stale or empty lock file.
    for (const r of results.flat().filter((x) => x !== "won")) expect(r).toMatch(/^refused: the embedded storage folder .* is in use by process \d+ on /);
  });
});
