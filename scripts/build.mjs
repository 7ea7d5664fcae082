#!/usr/bin/env node
// `npm run build` (`--clean` first empties dist/, as prepack does): compiles the package to dist/ and places the files it reads at run time
// beside the compiled modules, so dist/ is the whole runtime (the tarball ships dist/, bin/).
//   1. tsc -p tsconfig.build.json (JavaScript, declarations, source maps; incremental)
//   2. the dashboard (plain ES modules) and echarts' built ES module file
//   3. the WordNet 3.0 pack METEOR reads
//   4. a guard in front of each subpath with optional peers: it names the packages to
//      install in one line instead of Node's "Cannot find package" deep inside the graph
// Runs with plain Node (no tsx) so it works in `prepack` and in CI before anything else.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const require = createRequire(import.meta.url);
const started = Date.now();

// --clean (prepack): start from an empty dist/, so no output of a moved or deleted source
// file can reach the tarball.
if (process.argv.includes("--clean")) rmSync(dist, { recursive: true, force: true });

execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

rmSync(join(dist, "dashboard"), { recursive: true, force: true });
cpSync(join(root, "dashboard"), join(dist, "dashboard"), { recursive: true });
mkdirSync(join(dist, "dashboard", "vendor"), { recursive: true });
cpSync(require.resolve("echarts/dist/echarts.esm.min.js"), join(dist, "dashboard", "vendor", "echarts.js"));

cpSync(join(root, "objectives", "metrics", "wordnet-data"), join(dist, "objectives", "metrics", "wordnet-data"), { recursive: true });

// Subpaths whose modules import optional peers statically. ESM links the whole graph before
// running any of it, so the check must sit in a module that loads the rest dynamically.
const GUARDED = [{ subpath: "hpo/captioner", entry: "objectives/captioner/index.js", peers: "CAPTIONER_PEERS" }];
for (const { subpath, entry, peers } of GUARDED) {
  const file = join(dist, entry);
  const inner = file.replace(/index\.js$/, "exports.js");
  if (!readFileSync(file, "utf8").startsWith("// guard")) renameSync(file, inner);
  for (const ext of [".js.map"]) if (existsSync(file.replace(/\.js$/, ext))) renameSync(file.replace(/\.js$/, ext), inner.replace(/\.js$/, ext));
  const names = valueExports(readFileSync(inner, "utf8"));
  const guardPath = join(dist, "src", "internal", "peer-dependencies.js");
  const rel = (to) => {
    const parts = dirname(file).split("/");
    const target = to.split("/");
    let i = 0;
    while (i < parts.length && parts[i] === target[i]) i++;
    return [...parts.slice(i).map(() => ".."), ...target.slice(i)].join("/");
  };
  writeFileSync(
    file,
    [
      `// guard written by scripts/build.mjs: ${subpath} checks its optional peers, then loads.`,
      `import { ${peers}, requirePeerDependencies } from "${rel(guardPath)}";`,
      `requirePeerDependencies(${JSON.stringify(subpath)}, ${peers});`,
      `const m = await import("./exports.js");`,
      `export const { ${names.join(", ")} } = m;`,
      "",
    ].join("\n"),
  );
}

/** The value names a compiled barrel exports (`export { a, b as c } from "..."`, `export const`...). */
function valueExports(js) {
  const names = new Set();
  for (const m of js.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/).pop()?.trim();
      if (name && !name.startsWith("type ")) names.add(name);
    }
  }
  for (const m of js.matchAll(/export\s+(?:const|let|var|function\*?|class|async\s+function)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  if (/export\s*\*/.test(js)) throw new Error("build: a guarded entry may not use export * (list its names)");
  return [...names];
}

console.log(`build: dist/ ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
