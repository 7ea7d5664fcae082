import { defineConfig } from "vitest/config";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { exports: Record<string, string | { default: string }> };

// Tests import the package by its name ("hpo", "hpo/captioner"), as a user would; these
// aliases mirror package.json's exports map onto the sources the build compiles
// (./dist/<path>.js comes from ./<path>.ts), so tests see edits without a build.
const alias = Object.entries(pkg.exports)
  .filter(([key]) => key !== "./package.json")
  .sort(([a], [b]) => b.length - a.length)
  .map(([key, target]) => ({
    find: new RegExp(`^${key === "." ? "hpo" : `hpo/${key.slice(2)}`}$`),
    replacement: `${root}${(typeof target === "string" ? target : target.default).replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts")}`,
  }));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
