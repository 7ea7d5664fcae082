import { CliError } from "../cli-error.ts";
import { CAPTIONER_PEERS, requirePeerDependencies } from "../../internal/peer-dependencies.ts";

const USAGE = "hpo captioner pretrain [options]   (hpo captioner pretrain --help for the options)";

/** `hpo captioner <sub>`: the captioner's own commands, loaded only when used (tfjs is heavy). */
export async function captionerCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "pretrain") throw new CliError(`${sub ? `unknown captioner command "${sub}"` : "expected a captioner command"}\nusage: ${USAGE}`);
  requirePeerDependencies("hpo captioner", CAPTIONER_PEERS);
  const { runPretrainCommand } = await import("../../../objectives/captioner/cli/pretrain-command.ts");
  return runPretrainCommand(rest);
}
