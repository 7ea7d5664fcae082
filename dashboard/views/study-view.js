import { api } from "../api.js";
import { HistoryChart } from "../charts/history-chart.js";
import { ImportanceChart } from "../charts/importance-chart.js";
import { IntermediateChart } from "../charts/intermediate-chart.js";
import { ParallelChart } from "../charts/parallel-chart.js";
import { esc, formatNumber, h } from "../format.js";
import { isBetter, StudyStore } from "../study-store.js";
import { TrialDetail } from "./trial-detail.js";
import { renderTrialsTable } from "./trials-table.js";

/** Least time between two redraws: events may arrive by the thousand per second. */
const REDRAW_MS = 250;
/** Least time between two importance requests. */
const IMPORTANCE_MS = 3000;

function card(title, testid, extra = {}) {
  const el = h("div", { class: "chart", "data-testid": testid, ...extra });
  return { el, card: h("section", { class: "card" }, h("h2", {}, title), el) };
}

/**
 * A study page: summary, optimization history, learning curves, parallel coordinates,
 * parameter importance and the trials table, all following the feed; `trial` opens a
 * trial's detail panel. Returns a controller for the router.
 */
export function studyView(root, feed, name) {
  const store = new StudyStore();
  let objective = 0;
  const nav = (n) => (location.hash = `#/study/${encodeURIComponent(name)}/trial/${n}`);

  const summary = h("section", { class: "summary", "data-testid": "study-summary" }, h("p", { class: "muted" }, "loading…"));
  const objectivePick = h("select", { class: "objective", hidden: true, "aria-label": "objective" });
  objectivePick.addEventListener("change", () => {
    objective = Number(objectivePick.value);
    lastImportance = -1;
    redraw(true);
  });
  const history = card("Optimization history", "history-chart");
  const curves = card("Intermediate values", "intermediate-chart");
  // Which metric the learning curves show: the watched one (what pruners read) by default.
  let metric = null;
  const metricPick = h("select", { class: "metric", "aria-label": "metric", "data-testid": "metric-pick", hidden: true });
  metricPick.addEventListener("change", () => {
    metric = metricPick.value;
    redraw(true);
  });
  curves.card.querySelector("h2").append(" ", metricPick);
  const parallel = card("Parallel coordinates", "parallel-chart");
  const importance = card("Parameter importance (fANOVA)", "importance-chart");
  const importanceNote = h("p", { class: "muted note" }, "needs 2 complete trials");
  importance.card.append(importanceNote);
  const tableNote = h("span", { class: "muted" });
  const table = h("table", { class: "table trials", "data-testid": "trials-table" });
  table.addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-trial]");
    if (row) nav(Number(row.dataset.trial));
  });
  table.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-trial]");
    if (row && e.key === "Enter") nav(Number(row.dataset.trial));
  });
  const error = h("p", { class: "error", hidden: true });
  root.replaceChildren(
    h("div", { class: "study-head" }, h("h1", {}, name), objectivePick),
    error,
    summary,
    h("div", { class: "grid" }, history.card, curves.card, parallel.card, importance.card),
    h("section", { class: "card" }, h("h2", {}, "Trials ", tableNote), h("div", { class: "table-wrap" }, table)),
  );
  const charts = {
    history: new HistoryChart(history.el, nav),
    curves: new IntermediateChart(curves.el, nav),
    parallel: new ParallelChart(parallel.el),
    importance: new ImportanceChart(importance.el),
  };
  let detail = null;

  // -- drawing, throttled --
  let drawnVersion = -1;
  let timer = null;
  let lastDraw = 0;
  const redraw = (force = false) => {
    if (!store.study || (!force && drawnVersion === store.version)) return;
    drawnVersion = store.version;
    lastDraw = performance.now();
    renderSummary();
    charts.history.update(store, objective);
    renderMetricPick();
    charts.curves.update(store, metric ?? store.watchedMetric());
    charts.parallel.update(store, objective);
    tableNote.textContent = `(${renderTrialsTable(table, store, Date.now())})`;
    detail?.render();
    maybeImportance();
  };
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, REDRAW_MS - (performance.now() - lastDraw));
    timer = setTimeout(() => {
      timer = null;
      requestAnimationFrame(() => redraw());
    }, wait);
  };
  // Durations of running trials tick even without events.
  const ticker = setInterval(() => {
    if (store.study && [...store.trials.values()].some((t) => t.state === "RUNNING")) {
      tableNote.textContent = `(${renderTrialsTable(table, store, Date.now())})`;
      detail?.render();
    }
  }, 1000);

  const renderMetricPick = () => {
    const names = store.metricNames();
    if (metricPick.dataset.names === names.join("\u0000")) return;
    metricPick.dataset.names = names.join("\u0000");
    const watched = store.watchedMetric();
    metricPick.replaceChildren(...names.map((n) => h("option", { value: n }, n === watched ? `${n} (pruner)` : n)));
    metricPick.value = metric ?? watched;
    metricPick.hidden = names.length < 2;
  };

  const renderSummary = () => {
    const s = store.study;
    const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0, WAITING: 0 };
    let best = null;
    let bestTrial = null;
    for (const t of store.trials.values()) {
      counts[t.state]++;
      if (t.state === "COMPLETE" && t.values && isBetter(s.directions[objective], t.values[objective], best)) {
        best = t.values[objective];
        bestTrial = t.number;
      }
    }
    if (objectivePick.options.length !== s.directions.length) {
      objectivePick.replaceChildren(...s.directions.map((d, i) => h("option", { value: i }, `objective ${i} (${d})`)));
      objectivePick.hidden = s.directions.length < 2;
    }
    summary.innerHTML = `
      <div><span class="k">direction</span><span class="v">${esc(s.directions.join(", "))}</span></div>
      <div><span class="k">trials</span><span class="v" data-testid="trial-count">${esc(store.trials.size)}</span></div>
      <div><span class="k">complete</span><span class="v">${esc(counts.COMPLETE)}</span></div>
      <div><span class="k">pruned</span><span class="v">${esc(counts.PRUNED)}</span></div>
      <div><span class="k">failed</span><span class="v">${esc(counts.FAIL)}</span></div>
      <div><span class="k">running</span><span class="v">${esc(counts.RUNNING)}</span></div>
      <div><span class="k">best</span><span class="v" data-testid="best-value">${esc(formatNumber(best))}${bestTrial !== null ? ` <a href="${esc(`#/study/${encodeURIComponent(name)}/trial/${bestTrial}`)}">(trial ${esc(bestTrial)})</a>` : ""}</span></div>
      <div><span class="k">events</span><span class="v">${esc(store.seq)}</span></div>`;
  };

  // -- importance, from the server when the set of COMPLETE trials changed --
  let lastImportance = -1;
  let importanceTimer = null;
  let importanceAt = 0;
  const maybeImportance = () => {
    if (store.completeCount < 2 || store.completeCount === lastImportance || importanceTimer) return;
    const wait = Math.max(0, IMPORTANCE_MS - (performance.now() - importanceAt));
    importanceTimer = setTimeout(async () => {
      importanceTimer = null;
      importanceAt = performance.now();
      const count = store.completeCount;
      try {
        const result = await api(`/api/studies/${encodeURIComponent(name)}/importance?objective=${objective}`);
        lastImportance = count;
        charts.importance.update(result);
        importanceNote.textContent = `from ${result.nTrials} complete trials (random forest, ${result.params.length} params)`;
      } catch (e) {
        importanceNote.textContent = e.message;
      }
      if (store.completeCount !== lastImportance) maybeImportance();
    }, wait);
  };

  const unfollow = feed.followStudy(name, {
    onSnapshot(msg) {
      error.hidden = true;
      store.reset(msg);
      redraw(true);
    },
    onEvents(events) {
      store.apply(events);
      schedule();
    },
    onError(msg) {
      error.hidden = false;
      error.textContent = msg.code === "unknown_study" ? `No study named "${name}" in this storage.` : `${msg.code}: ${msg.message}`;
    },
  });

  return {
    showTrial(number) {
      if (detail?.number === number) return;
      detail?.dispose();
      detail = number === null ? null : new TrialDetail(root, name, number, store, () => (location.hash = `#/study/${encodeURIComponent(name)}`));
    },
    dispose() {
      unfollow();
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      if (importanceTimer) clearTimeout(importanceTimer);
      detail?.dispose();
      for (const c of Object.values(charts)) c.dispose();
    },
  };
}
