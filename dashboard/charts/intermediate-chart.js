import { esc } from "../format.js";
import { createChart, GRID, STATE_COLORS } from "./chart-base.js";
import { positiveOnly, valueAxis } from "./log-scale-toggle.js";

/** A cross: where a pruned trial's curve was cut. */
const CUT = "path://M2,0 L5,3 L8,0 L10,2 L7,5 L10,8 L8,10 L5,7 L2,10 L0,8 L3,5 L0,2 Z";
/** Curves drawn at most (the most recent trials). */
const MAX_CURVES = 150;

/** One trial's [step, value] points of a metric: the watched one is its intermediate values. */
export function metricPoints(t, metric, watched) {
  if (metric === watched) return t.intermediate;
  const points = [];
  for (const [s, m] of t.metrics) if (m[metric] !== undefined) points.push([s, m[metric]]);
  return points;
}

/** The series of one trial's curve (its intermediate values unless `points` are given); pruned curves are dashed and end in a cross. */
export function curveSeries(t, { highlight = false, points = t.intermediate } = {}) {
  const pruned = t.state === "PRUNED";
  const data = points.map(([s, v], i) =>
    pruned && i === points.length - 1 ? { value: [s, v], symbol: CUT, symbolSize: 11, itemStyle: { color: STATE_COLORS.PRUNED } } : [s, v],
  );
  return {
    name: `trial ${t.number}`,
    type: "line",
    data,
    showSymbol: pruned,
    symbol: "none",
    emphasis: { focus: "series" },
    lineStyle: {
      color: STATE_COLORS[t.state] ?? "#888",
      width: highlight || t.state === "RUNNING" ? 2.5 : 1.2,
      type: pruned ? "dashed" : "solid",
      opacity: t.state === "COMPLETE" ? 0.55 : 0.9,
    },
    itemStyle: { color: STATE_COLORS[t.state] ?? "#888" },
  };
}

/** Learning curves: one metric by step (the watched one unless picked), one line per trial. */
export class IntermediateChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => {
      const n = /^trial (\d+)$/.exec(p.seriesName ?? "");
      if (n) onPick(Number(n[1]));
    });
  }

  update(store, { logY = false, metric = store.watchedMetric() } = {}) {
    const watched = store.watchedMetric();
    const withCurves = store
      .list()
      .map((t) => ({ t, points: metricPoints(t, metric, watched) }))
      .filter((c) => c.points.length > 0)
      .slice(-MAX_CURVES);
    let points = 0;
    let hidden = 0;
    for (const c of withCurves) points += c.points.length;
    this.base.chart.setOption(
      {
        animation: false,
        grid: GRID,
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: { trigger: "item", formatter: (p) => `${esc(p.seriesName)}<br/>step ${esc((p.value ?? p.data)[0])}: ${esc((p.value ?? p.data)[1])}` },
        xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 24, minInterval: 1 },
        yAxis: valueAxis(logY, { name: metric }),
        series: withCurves.map((c) => {
          const series = curveSeries(c.t, { points: c.points });
          const kept = positiveOnly(series.data, logY);
          hidden += kept.hidden;
          return { ...series, data: kept.points };
        }),
      },
      { replaceMerge: ["series"] },
    );
    this.el.dataset.points = String(points);
    this.el.dataset.curves = String(withCurves.length);
    this.el.dataset.log = String(logY);
    this.el.dataset.hidden = String(hidden);
    this.el.dataset.pruned = String(withCurves.filter((c) => c.t.state === "PRUNED").length);
    this.el.dataset.metric = metric;
  }

  dispose() {
    this.base.dispose();
  }
}
