import { CliError, HelpRequested } from "../cli-error.ts";
import { CAPTIONER_PEERS, requirePeerDependencies } from "../../internal/peer-dependencies.ts";

const USAGE = "hpo captioner pretrain [options]   (hpo captioner pretrain --help for the options)";

const HELP = [
  "usage: hpo captioner <command> [options]",
  "",
  "The captioner's own tools (they need the optional peers @tensorflow/tfjs,",
  "@tensorflow/tfjs-backend-wasm and sharp).",
  "",
  "commands:",
  "  pretrain   pretrain a base captioner that studies then fine-tune",
  "             (hpo captioner pretrain --help describes its options)",
].join("\n");

/** `hpo captioner <sub>`: the captioner's own commands, loaded only when used (tfjs is heavy). */
export async function captionerCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    if (sub === "help" && rest[0] === "pretrain") return captionerCommand(["pretrain", "--help"]);
    throw new HelpRequested(HELP);
  }
  if (sub !== "pretrain") throw new CliError(`${sub ? `unknown captioner command "${sub}"` : "expected a captioner command"}\nusage: ${USAGE}`);
  requirePeerDependencies("hpo captioner", CAPTIONER_PEERS);
  const { runPretrainCommand } = await import("../../../objectives/captioner/cli/pretrain-command.ts");
  return runPretrainCommand(rest);
}
