// Module hook for study files (registered by bin/hpo.js, and again by the study-file loader
// after tsx's hooks so that it also runs before them):
// - "hpo" and "hpo/..." resolve to this package wherever the study file lies (a study in
//   /tmp has no node_modules/hpo beside it), and to the same modules the CLI runs;
// - a TypeScript study file, and the TypeScript it imports, load as ES modules even outside
//   any "type": "module" package, so study files may use import and top-level await. Only
//   files the study-file loader hands to tsx qualify: a .ts file imported by anything else
//   is left to Node (which refuses it: tsx is not registered for the whole process).
const packageJsonUrl = new URL("../package.json", import.meta.url).href;
const studyLoaderUrl = new URL("../dist/src/study-file/load-study-file.js", import.meta.url).href;

function importedForStudy(parentURL) {
  if (!parentURL) return false;
  if (parentURL === studyLoaderUrl) return true;
  const params = new URL(parentURL).searchParams;
  return params.has("tsx-namespace") || params.has("namespace");
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "hpo" || specifier.startsWith("hpo/")) return nextResolve(specifier, { ...context, parentURL: packageJsonUrl });
  const target = await nextResolve(specifier, context);
  if ((target.format === "commonjs" || target.format == null) && target.url.startsWith("file:") && importedForStudy(context.parentURL)) {
    const path = new URL(target.url).pathname;
    if (/\.(ts|tsx)$/.test(path) && !path.includes("/node_modules/")) return { ...target, format: "module" };
  }
  return target;
}
