import { api } from "../api.js";
import { createChart, GRID } from "../charts/chart-base.js";
import { curveSeries } from "../charts/intermediate-chart.js";
import { NoteEditor, noteOf } from "./note-editor.js";
import { esc, formatDuration, formatNumber, formatParam, h } from "../format.js";

function describe(d) {
  if (!d) return "";
  if (d.type === "categorical") return `categorical ${JSON.stringify(d.choices)}`;
  return `${d.type} [${d.low}, ${d.high}]${d.log ? " log" : ""}${d.step !== null && !(d.type === "int" && d.step === 1) ? ` step ${d.step}` : ""}`;
}

function attrsTable(attrs) {
  const entries = Object.entries(attrs);
  if (!entries.length) return "<p class=\"muted\">none</p>";
  return `<table class="table compact"><tbody>${entries
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === "number" ? formatNumber(v) : JSON.stringify(v))}</td></tr>`)
    .join("")}</tbody></table>`;
}

/**
 * One trial in a side panel: state, values, params with their distributions, its learning
 * curve and attributes. Starts from the REST API (which has every attribute) and follows the
 * feed from then on.
 */
export class TrialDetail {
  constructor(container, studyName, number, store, onClose) {
    this.store = store;
    this.number = number;
    this.panel = h("aside", { class: "trial-detail", "data-testid": "trial-detail", "data-trial": number, role: "dialog", "aria-label": `trial ${number}` });
    this.header = h("header", {}, h("h2", {}, `Trial ${number}`), h("button", { class: "close", title: "close", onclick: onClose, "data-testid": "close-trial" }, "×"));
    this.summary = h("div", { class: "detail-summary" });
    this.chartEl = h("div", { class: "chart small", "data-testid": "trial-curve" });
    this.rest = h("div");
    this.note = new NoteEditor(`/api/studies/${encodeURIComponent(studyName)}/trials/${number}/note`, "trial-note");
    this.panel.append(this.header, this.summary, this.note.el, h("h3", {}, "Intermediate values"), this.chartEl, this.rest);
    container.append(this.panel);
    this.chart = createChart(this.chartEl);
    api(`/api/studies/${encodeURIComponent(studyName)}/trials/${number}`)
      .then(({ trial }) => {
        // Attributes given at creation are not in the events; take them from the REST answer.
        const live = store.trials.get(number);
        if (live) {
          live.userAttrs = { ...trial.userAttrs, ...live.userAttrs };
          live.systemAttrs = { ...trial.systemAttrs, ...live.systemAttrs };
          live.trialId ??= trial.trialId;
        }
        this.render();
      })
      .catch((e) => this.rest.prepend(h("p", { class: "error" }, e.message)));
    this.render();
  }

  render() {
    const t = this.store.trials.get(this.number);
    if (!t) {
      this.summary.textContent = "This trial does not exist (yet).";
      return;
    }
    this.panel.dataset.state = t.state;
    // Trial notes live in the study (finished trials are never rewritten).
    this.note.update(noteOf(this.store.study?.systemAttrs, `hpo:note:trial:${this.number}`));
    const end = t.complete ?? (t.state === "RUNNING" ? Date.now() : null);
    const values = t.values ? t.values.map(formatNumber).join(", ") : "—";
    this.summary.innerHTML = `
      <dl>
        <dt>state</dt><dd><span class="badge state-${esc(t.state.toLowerCase())}" data-testid="trial-state">${esc(t.state)}</span></dd>
        <dt>value${t.values && t.values.length > 1 ? "s" : ""}</dt><dd data-testid="trial-value">${esc(values)}</dd>
        <dt>duration</dt><dd>${esc(t.start !== null && end !== null ? formatDuration(end - t.start) : "—")}</dd>
        <dt>started</dt><dd>${t.start ? esc(new Date(t.start).toLocaleString()) : "—"}</dd>
        <dt>finished</dt><dd>${t.complete ? esc(new Date(t.complete).toLocaleString()) : "—"}</dd>
        ${t.retriedBy !== null ? `<dt>retried as</dt><dd>trial ${esc(t.retriedBy)}</dd>` : ""}
        ${t.systemAttrs.fail_reason ? `<dt>fail reason</dt><dd>${esc(String(t.systemAttrs.fail_reason))}</dd>` : ""}
      </dl>`;
    this.chart.chart.setOption(
      {
        animation: false,
        grid: GRID,
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", name: "step", minInterval: 1 },
        yAxis: { type: "value", scale: true },
        series: [{ ...curveSeries(t, { highlight: true }), showSymbol: true, symbol: "circle" }],
      },
      { replaceMerge: ["series"] },
    );
    this.chartEl.dataset.points = String(t.intermediate.length);
    const params = Object.entries(t.params);
    this.rest.innerHTML = `
      <h3>Parameters</h3>
      ${params.length ? `<table class="table compact" data-testid="trial-params"><tbody>${params
        .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(formatParam(v))}</td><td class="muted">${esc(describe(t.distributions[k]))}</td></tr>`)
        .join("")}</tbody></table>` : "<p class=\"muted\">none yet</p>"}
      <h3>Intermediate values</h3>
      ${metricsTable(t)}
      <h3>User attributes</h3>${attrsTable(t.userAttrs)}
      <h3>System attributes</h3>${attrsTable(t.systemAttrs)}`;
  }

  dispose() {
    this.chart.dispose();
    this.panel.remove();
  }
}

/** Every reported step, a column per metric (the watched one's values when none are named). */
function metricsTable(t) {
  if (t.metrics.length === 0 && t.intermediate.length === 0) return '<p class="muted">none reported</p>';
  const rows = t.metrics.length ? t.metrics : t.intermediate.map(([s, v]) => [s, { value: v }]);
  const names = [...new Set(rows.flatMap(([, m]) => Object.keys(m)))];
  return `<table class="table compact" data-testid="trial-metrics"><thead><tr><th>step</th>${names.map((n) => `<th>${esc(n)}</th>`).join("")}</tr></thead><tbody>${rows
    .map(([s, m]) => `<tr><td class="num">${esc(s)}</td>${names.map((n) => `<td class="num">${m[n] === undefined ? "" : esc(formatNumber(m[n]))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}
