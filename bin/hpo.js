#!/usr/bin/env node
// The hpo command. Registers TypeScript loading (tsx) and the hooks that let study files
// anywhere import "hpo", then hands over to the CLI.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("./resolve-hpo-hook.js", import.meta.url);
const { main } = await import("../src/cli/main.ts");
const { exitWhenDone, reportWorkThatNeverSettles } = await import("../src/cli/process-exit.ts");
const stopWatching = reportWorkThatNeverSettles();
const code = await main(process.argv.slice(2));
stopWatching();
// Exit explicitly (an interrupted objective may still hold timers or sockets, and nothing
// it could still do matters once the study is closed), but only once programs stopping in
// their grace period are gone and stdout has drained.
await exitWhenDone(code);
