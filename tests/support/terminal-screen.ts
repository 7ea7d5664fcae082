/** What a terminal of a given width shows after some output, and whether any line wrapped. */
export interface TerminalScreen {
  /** Every line the terminal holds, scrolled-off ones included, trailing spaces trimmed. */
  lines: string[];
  /** Each line that ran past the last column, whole (the row and the rows it wrapped onto). */
  wrapped: string[];
  /** Every line as it was just before each `\r` or erase redrew it (what the user saw, in time order). */
  snapshots: string[];
}

/**
 * Plays terminal output onto a grid `columns` wide, as an xterm-like terminal would: text,
 * `\r`, `\n`, backspace, erase-line (`ESC[K`, `ESC[2K`) and cursor-up; other escape
 * sequences are dropped. Enough to tell whether a progress bar wraps or leaves stale text.
 */
export function playTerminal(output: string, columns: number): TerminalScreen {
  const lines: string[][] = [[]];
  const snapshots: string[] = [];
  let row = 0;
  let col = 0;
  const wrapRows: number[] = [];
  let pendingWrap = false;
  const line = () => (lines[row] ??= []);
  const snapshot = () => {
    const text = line().join("").trimEnd();
    if (text) snapshots.push(text);
  };
  for (let i = 0; i < output.length; i++) {
    const c = output[i];
    if (c === "\x1b") {
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(output.slice(i, i + 16));
      if (!m) continue;
      i += m[0].length - 1;
      const n = Number(m[1] || "0");
      if (m[2] === "K") {
        snapshot();
        const cells = line();
        if (n === 2) cells.length = 0;
        else if (n === 0) cells.length = Math.min(cells.length, col);
      } else if (m[2] === "A") {
        row = Math.max(0, row - Math.max(1, n));
      }
      pendingWrap = false;
      continue;
    }
    if (c === "\r") {
      snapshot();
      col = 0;
      pendingWrap = false;
    } else if (c === "\n") {
      snapshot();
      row++;
      col = 0;
      line();
      pendingWrap = false;
    } else if (c === "\b") {
      col = Math.max(0, col - 1);
    } else if (c >= " ") {
      if (pendingWrap) {
        wrapRows.push(row);
        row++;
        col = 0;
        pendingWrap = false;
      }
      const cells = line();
      while (cells.length < col) cells.push(" ");
      cells[col] = c;
      if (col === columns - 1) pendingWrap = true;
      else col++;
    }
  }
  snapshot();
  const text = lines.map((l) => (l ?? []).join("").trimEnd());
  // A line that wrapped twice is one entry: its first row and every row it ran onto.
  const wrapped: string[] = [];
  for (const r of wrapRows) {
    if (wrapRows.includes(r - 1)) continue;
    let end = r + 1;
    while (wrapRows.includes(end)) end++;
    wrapped.push(text.slice(r, end + 1).join(""));
  }
  return { lines: text, wrapped, snapshots };
}
