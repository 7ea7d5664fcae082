import { esc, formatDuration, formatNumber, formatParam, h } from "../format.js";
import { matchesFilter, parseFilter } from "./trial-filter.js";

/** Rows on one page of the table. */
const PAGE_SIZE = 100;

const STATES = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"];

/** A cell's sort key: numbers as numbers, the rest as text; missing sorts last either way. */
function sortKey(v) {
  if (v === undefined || v === null) return null;
  return typeof v === "number" ? v : typeof v === "string" ? v : JSON.stringify(v);
}

function compareKeys(a, b) {
  if (a === null || (typeof a === "number" && Number.isNaN(a))) return b === null ? 0 : 1;
  if (b === null || (typeof b === "number" && Number.isNaN(b))) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * The trials table: sortable by any column (a value column sorts best first), filtered by
 * state and by a filter line (`optimizer=sgd lr<0.01 text`), with user attrs and the fail
 * reason as columns, paged 100 rows at a time.
 */
export class TrialsTable {
  #sort = { column: "#", descending: true };
  #page = 0;
  #state = "";
  #filter = [];
  #store = null;
  #now = 0;

  constructor(onChange) {
    this.table = h("table", { class: "table trials", "data-testid": "trials-table" });
    this.stateSelect = h(
      "select",
      { "aria-label": "state", "data-testid": "state-filter" },
      h("option", { value: "" }, "all states"),
      ...STATES.map((s) => h("option", { value: s }, s.toLowerCase())),
    );
    this.filterInput = h("input", { type: "search", placeholder: "filter: optimizer=sgd lr<0.01 text", "aria-label": "filter", "data-testid": "trial-filter" });
    this.pageNote = h("span", { class: "muted", "data-testid": "page-note" });
    this.prev = h("button", { type: "button", "data-testid": "page-prev" }, "‹ newer");
    this.next = h("button", { type: "button", "data-testid": "page-next" }, "older ›");
    this.el = h(
      "div",
      {},
      h("div", { class: "table-tools" }, this.stateSelect, this.filterInput, h("span", { class: "pager" }, this.prev, this.pageNote, this.next)),
      h("div", { class: "table-wrap" }, this.table),
    );
    const changed = () => {
      this.#page = 0;
      onChange();
    };
    this.stateSelect.addEventListener("change", () => {
      this.#state = this.stateSelect.value;
      changed();
    });
    this.filterInput.addEventListener("input", () => {
      this.#filter = parseFilter(this.filterInput.value);
      changed();
    });
    this.prev.addEventListener("click", () => {
      this.#page = Math.max(0, this.#page - 1);
      onChange();
    });
    this.next.addEventListener("click", () => {
      this.#page++;
      onChange();
    });
    this.table.addEventListener("click", (e) => {
      const th = e.target.closest("th[data-column]");
      if (!th) return;
      const column = th.dataset.column;
      if (this.#sort.column === column) this.#sort = { column, descending: !this.#sort.descending };
      else this.#sort = { column, descending: th.dataset.better === "max" };
      this.#page = 0;
      onChange();
    });
  }

  /** Draws the current page; returns a note on what is shown. */
  render(store, now) {
    this.#store = store;
    this.#now = now;
    const all = store.list();
    const params = [];
    const attrs = [];
    for (const t of all) {
      for (const name of Object.keys(t.params)) if (!params.includes(name)) params.push(name);
      for (const name of Object.keys(t.userAttrs)) if (!attrs.includes(name)) attrs.push(name);
    }
    const directions = store.study.directions;
    const values = directions.length === 1 ? [{ label: "value", i: 0 }] : directions.map((_, i) => ({ label: `value ${i}`, i }));
    const hasReasons = all.some((t) => typeof t.systemAttrs.fail_reason === "string");
    const columns = [
      { id: "#", label: "#", num: true, key: (t) => t.number, cell: (t) => esc(t.number) },
      { id: "state", label: "state", key: (t) => t.state, cell: (t) => `<span class="badge state-${esc(t.state.toLowerCase())}">${esc(t.state)}</span>` },
      ...values.map(({ label, i }) => ({
        id: label,
        label,
        num: true,
        better: directions[i] === "maximize" ? "max" : "min",
        key: (t) => (t.values ? t.values[i] : null),
        cell: (t) => esc(formatNumber(t.values ? t.values[i] : null)),
      })),
      ...params.map((p) => ({ id: `param:${p}`, label: p, key: (t) => sortKey(t.params[p]), cell: (t) => (p in t.params ? esc(formatParam(t.params[p])) : "") })),
      ...attrs.map((a) => ({
        id: `attr:${a}`,
        label: a,
        attr: true,
        key: (t) => sortKey(t.userAttrs[a]),
        cell: (t) => (a in t.userAttrs ? esc(formatAttr(t.userAttrs[a])) : ""),
      })),
      ...(hasReasons
        ? [{ id: "reason", label: "fail reason", key: (t) => t.systemAttrs.fail_reason ?? null, cell: (t) => esc(clip(t.systemAttrs.fail_reason ?? "")), title: (t) => t.systemAttrs.fail_reason ?? "" }]
        : []),
      { id: "duration", label: "duration", num: true, key: (t) => this.#duration(t), cell: (t) => esc(formatDuration(this.#duration(t))) },
    ];
    const sortColumn = columns.find((c) => c.id === this.#sort.column) ?? columns[0];
    const filtered = all.filter((t) => (!this.#state || t.state === this.#state) && matchesFilter(t, this.#filter));
    const sign = this.#sort.descending ? -1 : 1;
    filtered.sort((a, b) => {
      const ka = sortColumn.key(a);
      const kb = sortColumn.key(b);
      // Missing values last whichever way the column sorts.
      if (ka === null || kb === null || Number.isNaN(ka) || Number.isNaN(kb)) return compareKeys(ka, kb) || a.number - b.number;
      return sign * compareKeys(ka, kb) || a.number - b.number;
    });
    const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
    this.#page = Math.min(this.#page, pages - 1);
    const shown = filtered.slice(this.#page * PAGE_SIZE, (this.#page + 1) * PAGE_SIZE);
    const arrow = this.#sort.descending ? " ▾" : " ▴";
    const head = columns
      .map(
        (c) =>
          `<th data-column="${esc(c.id)}"${c.better ? ` data-better="${c.better}"` : ""}${c.attr ? ' class="attr"' : ""} title="sort by ${esc(c.label)}">${esc(c.label)}${c === sortColumn ? arrow : ""}</th>`,
      )
      .join("");
    const rows = shown.map(
      (t) =>
        `<tr data-trial="${esc(t.number)}" data-state="${esc(t.state)}" tabindex="0">${columns
          .map((c) => `<td${c.num ? ' class="num"' : ""}${c.title ? ` title="${esc(c.title(t))}"` : ""}>${c.cell(t)}</td>`)
          .join("")}</tr>`,
    );
    this.table.innerHTML = `<thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody>`;
    this.table.dataset.rows = String(shown.length);
    this.table.dataset.total = String(filtered.length);
    const first = filtered.length ? this.#page * PAGE_SIZE + 1 : 0;
    this.pageNote.textContent = `${first}–${this.#page * PAGE_SIZE + shown.length} of ${filtered.length}`;
    this.prev.disabled = this.#page === 0;
    this.next.disabled = this.#page >= pages - 1;
    return filtered.length === all.length ? `${all.length} trials` : `${filtered.length} of ${all.length} trials`;
  }

  /** Redraws with the last store (running durations tick). */
  refresh(now) {
    return this.#store ? this.render(this.#store, now) : "";
  }

  #duration(t) {
    const end = t.complete ?? (t.state === "RUNNING" ? this.#now : null);
    return t.start !== null && end !== null ? end - t.start : null;
  }
}

function formatAttr(v) {
  return typeof v === "number" ? formatNumber(v) : typeof v === "string" ? clip(v) : clip(JSON.stringify(v));
}

/** Long text cut for a cell (the whole text is in the trial's detail and the cell's title). */
function clip(text) {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
