#!/usr/bin/env node
// The hpo command: the compiled CLI (dist/), plus one module hook so that study files
// anywhere on disk resolve `import ... from "hpo"` to this package. TypeScript study files
// are loaded through tsx's scoped API by the study-file loader, not by a process-wide hook.
import { existsSync } from "node:fs";
import { register } from "node:module";

const cli = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("hpo: dist/ is missing: this is a source checkout that was not built; run `npm run build` (npm ci does it)\n");
  process.exit(1);
}
register("./resolve-hpo-hook.js", import.meta.url);
const { main } = await import(cli.href);
const code = await main(process.argv.slice(2));
// Exit explicitly: an interrupted objective may still hold timers or sockets, and nothing
// it could still do matters once the study is closed.
process.exit(code);
