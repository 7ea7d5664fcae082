import { api } from "../api.js";
import { HistoryChart } from "../charts/history-chart.js";
import { ImportanceChart } from "../charts/importance-chart.js";
import { IntermediateChart } from "../charts/intermediate-chart.js";
import { ParallelChart } from "../charts/parallel-chart.js";
import { ParetoChart } from "../charts/pareto-chart.js";
import { SliceChart } from "../charts/slice-chart.js";
import { EdfChart } from "../charts/edf-chart.js";
import { RankChart } from "../charts/rank-chart.js";
import { AxisPicker } from "../charts/axis-picker.js";
import { ContourChart } from "../charts/contour-chart.js";
import { pairPicks } from "../charts/pair-picks.js";
import { TimelineChart } from "../charts/timeline-chart.js";
import { logScaleToggle } from "../charts/log-scale-toggle.js";
import { esc, formatNumber, h } from "../format.js";
import { isBetter, StudyStore } from "../study-store.js";
import { NoteEditor, noteOf } from "./note-editor.js";
import { TrialDetail } from "./trial-detail.js";
import { TrialsTable } from "./trials-table.js";

/** Least time between two redraws: events may arrive by the thousand per second. */
const REDRAW_MS = 250;
/** Least time between two importance requests. */
const IMPORTANCE_MS = 3000;

function card(title, testid, tools = null) {
  const el = h("div", { class: "chart", "data-testid": testid });
  return { el, card: h("section", { class: "card" }, h("h2", { class: "card-head" }, h("span", {}, title), tools), el) };
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

  const summary = h("section", { class: "summary", "data-testid": "study-summary" });
  const studyNote = new NoteEditor(`/api/studies/${encodeURIComponent(name)}/note`, "study-note");
  const objectivePick = h("select", { class: "objective", hidden: true, "aria-label": "objective" });
  objectivePick.addEventListener("change", () => {
    objective = Number(objectivePick.value);
    lastImportance = -1;
    redraw(true);
  });
  const historyLog = logScaleToggle("history-log", () => redraw(true));
  const curvesLog = logScaleToggle("curves-log", () => redraw(true));
  const history = card("Optimization history", "history-chart", historyLog.el);
  // Which metric the learning curves show: the watched one (what pruners read) by default.
  let metric = null;
  const metricPick = h("select", { class: "metric", "aria-label": "metric", "data-testid": "metric-pick", hidden: true });
  metricPick.addEventListener("change", () => {
    metric = metricPick.value;
    redraw(true);
  });
  const curves = card("Intermediate values", "intermediate-chart", h("span", { class: "axis-picks" }, metricPick, " ", curvesLog.el));
  const axisPicker = new AxisPicker(() => redraw(true));
  const parallel = card("Parallel coordinates", "parallel-chart", axisPicker.el);
  // Multi-objective studies: the Pareto front by two objectives the user picks.
  const paretoAxes = { x: h("select", { "aria-label": "x objective", "data-testid": "pareto-x" }), y: h("select", { "aria-label": "y objective", "data-testid": "pareto-y" }) };
  for (const pick of Object.values(paretoAxes)) pick.addEventListener("change", () => redraw(true));
  const pareto = card("Pareto front", "pareto-chart", h("span", { class: "axis-picks" }, "x ", paretoAxes.x, " y ", paretoAxes.y));
  pareto.card.hidden = true;
  const slicePick = h("select", { "aria-label": "slice param", "data-testid": "slice-param" });
  slicePick.addEventListener("change", () => redraw(true));
  const sliceLog = logScaleToggle("slice-log", () => redraw(true));
  const edfLog = logScaleToggle("edf-log", () => redraw(true), "log x");
  const slice = card("Slice", "slice-chart", h("span", { class: "axis-picks" }, slicePick, " ", sliceLog.el));
  const edf = card("Empirical distribution (EDF)", "edf-chart", edfLog.el);
  const rankPicks = pairPicks("rank", () => redraw(true));
  const rank = card("Rank", "rank-chart", rankPicks.el);
  const contourPicks = pairPicks("contour", () => redraw(true));
  const contour = card("Contour (best per cell)", "contour-chart", contourPicks.el);
  const timeline = card("Timeline by worker", "timeline-chart");
  const importance = card("Parameter importance (fANOVA)", "importance-chart");
  const importanceNote = h("p", { class: "muted note" }, "needs 2 complete trials");
  importance.card.append(importanceNote);
  const tableNote = h("span", { class: "muted" });
  const trialsTable = new TrialsTable(() => (tableNote.textContent = `(${trialsTable.render(store, Date.now())})`));
  const table = trialsTable.table;
  table.addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-trial]");
    if (row) nav(Number(row.dataset.trial));
  });
  table.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-trial]");
    if (row && e.key === "Enter") nav(Number(row.dataset.trial));
  });
  const error = h("p", { class: "error", hidden: true, "data-testid": "study-error" });
  // Hidden until the snapshot: a study that does not exist shows its one error line only.
  const body = h(
    "div",
    { hidden: true },
    summary,
    h("section", { class: "card" }, studyNote.el),
    h("div", { class: "grid" }, pareto.card, history.card, curves.card, parallel.card, importance.card, slice.card, rank.card, contour.card, edf.card, timeline.card),
    h("section", { class: "card" }, h("h2", {}, "Trials ", tableNote), trialsTable.el),
  );
  const loading = h("p", { class: "muted", "data-testid": "study-loading" }, "loading…");
  root.replaceChildren(h("div", { class: "study-head" }, h("h1", {}, name), objectivePick), error, loading, body);
  const charts = {
    history: new HistoryChart(history.el, nav),
    curves: new IntermediateChart(curves.el, nav),
    parallel: new ParallelChart(parallel.el),
    pareto: new ParetoChart(pareto.el, nav),
    slice: new SliceChart(slice.el, nav),
    edf: new EdfChart(edf.el),
    rank: new RankChart(rank.el, nav),
    contour: new ContourChart(contour.el),
    timeline: new TimelineChart(timeline.el, nav),
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
    studyNote.update(noteOf(store.study.systemAttrs, "hpo:note"));
    charts.history.update(store, objective, { logY: historyLog.log });
    renderMetricPick();
    charts.curves.update(store, { logY: curvesLog.log, metric: metric ?? store.watchedMetric() });
    drawPareto();
    drawSlice();
    charts.edf.update(store, objective, { logX: edfLog.log });
    charts.timeline.update(store, Date.now());
    // A study whose trials report nothing (most multi-objective ones) gets no empty axes.
    curves.card.hidden = ![...store.trials.values()].some((t) => t.intermediate.length > 0 || t.metrics.length > 0);
    charts.parallel.update(store, objective, { order: axisPicker.sync(paramNames()) });
    tableNote.textContent = `(${trialsTable.render(store, Date.now())})`;
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
      tableNote.textContent = `(${trialsTable.refresh(Date.now())})`;
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

  /** Param names in the order trials first used them. */
  const paramNames = () => {
    const names = [];
    for (const t of store.list()) for (const n of Object.keys(t.params)) if (!names.includes(n)) names.push(n);
    return names;
  };

  const drawSlice = () => {
    const names = paramNames();
    if (slicePick.options.length !== names.length) {
      const keep = slicePick.value;
      slicePick.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
      if (names.includes(keep)) slicePick.value = keep;
    }
    slice.card.hidden = names.length === 0;
    if (names.length) charts.slice.update(store, objective, slicePick.value, { logY: sliceLog.log });
    // Rank and contour need two params; they start on the first two.
    const rankPair = rankPicks.sync(names);
    const contourPair = contourPicks.sync(names);
    rank.card.hidden = contour.card.hidden = names.length < 2;
    if (rankPair) charts.rank.update(store, objective, ...rankPair);
    if (contourPair) charts.contour.update(store, objective, ...contourPair);
  };

  const drawPareto = () => {
    const n = store.study.directions.length;
    pareto.card.hidden = n < 2;
    if (n < 2) return;
    if (paretoAxes.x.options.length !== n) {
      for (const [axis, pick] of Object.entries(paretoAxes)) {
        pick.replaceChildren(...store.study.directions.map((d, i) => h("option", { value: i }, `${i} (${d})`)));
        pick.value = axis === "x" ? "0" : "1";
      }
    }
    // Two objectives need no choosing.
    paretoAxes.x.parentElement.hidden = n < 3;
    charts.pareto.update(store, { x: Number(paretoAxes.x.value), y: Number(paretoAxes.y.value), selected: detail?.number ?? null });
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
      loading.remove();
      body.hidden = false;
      store.reset(msg);
      redraw(true);
    },
    onEvents(events) {
      store.apply(events);
      schedule();
    },
    onError(msg) {
      error.hidden = false;
      loading.remove();
      if (msg.code === "unknown_study") body.hidden = true;
      error.textContent = msg.code === "unknown_study" ? `No study named "${name}" in this storage.` : `${msg.code}: ${msg.message}`;
    },
  });

  return {
    showTrial(number) {
      if (detail?.number === number) return;
      detail?.dispose();
      detail = number === null ? null : new TrialDetail(root, name, number, store, () => (location.hash = `#/study/${encodeURIComponent(name)}`));
      if (store.study) drawPareto();
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
