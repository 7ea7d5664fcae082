/** A usage or input error: printed as one line (no stack) with a non-zero exit code. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** `--help` on a subcommand: its usage goes to stdout and the exit code is 0. */
export class HelpRequested extends Error {
  override readonly name = "HelpRequested";
}
