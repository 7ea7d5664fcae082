import { esc, formatDuration, formatNumber, formatParam } from "../format.js";

/** Rows rendered at most (the most recent trials). */
const MAX_ROWS = 500;

/** The live trials table: number, state, value(s), params, duration. */
export function renderTrialsTable(table, store, now) {
  const trials = store.list();
  const params = [];
  for (const t of trials) for (const name of Object.keys(t.params)) if (!params.includes(name)) params.push(name);
  const objectives = store.study.directions.length;
  const valueHeads = objectives === 1 ? ["value"] : store.study.directions.map((_, i) => `value ${i}`);
  const head = ["#", "state", ...valueHeads, ...params, "duration"];
  const shown = trials.slice(-MAX_ROWS).reverse();
  const rows = shown.map((t) => {
    const values = valueHeads.map((_, i) => `<td class="num">${esc(formatNumber(t.values ? t.values[i] : null))}</td>`).join("");
    const cells = params.map((p) => `<td>${p in t.params ? esc(formatParam(t.params[p])) : ""}</td>`).join("");
    const end = t.complete ?? (t.state === "RUNNING" ? now : null);
    const duration = t.start !== null && end !== null ? formatDuration(end - t.start) : "—";
    return `<tr data-trial="${esc(t.number)}" data-state="${esc(t.state)}" tabindex="0"><td class="num">${esc(t.number)}</td>
      <td><span class="badge state-${esc(t.state.toLowerCase())}">${esc(t.state)}</span></td>${values}${cells}<td class="num">${esc(duration)}</td></tr>`;
  });
  table.innerHTML = `<thead><tr>${head.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody>`;
  table.dataset.rows = String(shown.length);
  return trials.length > MAX_ROWS ? `showing the latest ${MAX_ROWS} of ${trials.length} trials` : `${trials.length} trials`;
}
