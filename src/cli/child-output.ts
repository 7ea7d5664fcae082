import type { Readable } from "node:stream";

/**
 * Passes a child process's output on to this process's stream whole line by whole line, so
 * that lines of several workers never mix mid-line and a live progress bar in this process
 * (which clears itself around every write) never has output glued onto it. What is left
 * without a newline is passed on when the stream ends.
 */
export function forwardLines(from: Readable, to: NodeJS.WriteStream): void {
  let pending = "";
  from.setEncoding("utf8");
  from.on("data", (chunk: string) => {
    const text = pending + chunk;
    const end = text.lastIndexOf("\n");
    if (end === -1) {
      pending = text;
      return;
    }
    pending = text.slice(end + 1);
    to.write(text.slice(0, end + 1));
  });
  from.on("end", () => {
    if (pending) to.write(`${pending}\n`);
    pending = "";
  });
}
