import { esc } from "../format.js";
import { createChart, GRID, STATE_COLORS } from "./chart-base.js";
import { positiveOnly, valueAxis } from "./log-scale-toggle.js";

/** A cross: where a pruned trial's curve was cut. */
const CUT = "path://M2,0 L5,3 L8,0 L10,2 L7,5 L10,8 L8,10 L5,7 L2,10 L0,8 L3,5 L0,2 Z";
/** Curves drawn at most (the most recent trials). */
const MAX_CURVES = 150;

/** The series of one trial's intermediate values; pruned curves are dashed and end in a cross. */
export function curveSeries(t, { highlight = false } = {}) {
  const pruned = t.state === "PRUNED";
  const data = t.intermediate.map(([s, v], i) =>
    pruned && i === t.intermediate.length - 1 ? { value: [s, v], symbol: CUT, symbolSize: 11, itemStyle: { color: STATE_COLORS.PRUNED } } : [s, v],
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

/** Learning curves: intermediate values by step, one line per trial. */
export class IntermediateChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => {
      const n = /^trial (\d+)$/.exec(p.seriesName ?? "");
      if (n) onPick(Number(n[1]));
    });
  }

  update(store, { logY = false } = {}) {
    const withCurves = store.list().filter((t) => t.intermediate.length > 0).slice(-MAX_CURVES);
    let points = 0;
    let hidden = 0;
    for (const t of withCurves) points += t.intermediate.length;
    this.base.chart.setOption(
      {
        animation: false,
        grid: GRID,
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: { trigger: "item", formatter: (p) => `${esc(p.seriesName)}<br/>step ${esc((p.value ?? p.data)[0])}: ${esc((p.value ?? p.data)[1])}` },
        xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 24, minInterval: 1 },
        yAxis: valueAxis(logY),
        series: withCurves.map((t) => {
          const series = curveSeries(t);
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
    this.el.dataset.pruned = String(withCurves.filter((t) => t.state === "PRUNED").length);
  }

  dispose() {
    this.base.dispose();
  }
}
