// Module hooks for study files: "hpo" and "hpo/..." resolve to this package wherever the
// study file lies, and TypeScript files outside any "type": "module" package load as ES
// modules (a study file in /tmp with no package.json beside it may use import and await).
const packageJsonUrl = new URL("../package.json", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const target =
    specifier === "hpo" || specifier.startsWith("hpo/")
      ? await nextResolve(specifier, { ...context, parentURL: packageJsonUrl })
      : await nextResolve(specifier, context);
  if (
    target.format === "commonjs" &&
    /\.(ts|tsx)$/.test(target.url.split("?")[0]) &&
    target.url.startsWith("file:") &&
    !target.url.includes("/node_modules/")
  ) {
    return { ...target, format: "module" };
  }
  return target;
}
