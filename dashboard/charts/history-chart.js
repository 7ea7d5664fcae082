import { isBetter } from "../study-store.js";
import { esc } from "../format.js";
import { createChart, GRID, STATE_COLORS } from "./chart-base.js";
import { positiveOnly, valueAxis } from "./log-scale-toggle.js";

/** Optimization history: every COMPLETE trial's value by trial number, and the best so far. */
export class HistoryChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => Array.isArray(p.data) && onPick(p.data[0]));
  }

  update(store, objective, { logY = false } = {}) {
    const direction = store.study.directions[objective];
    const points = [];
    const best = [];
    let bestValue = null;
    for (const t of store.list()) {
      if (t.state !== "COMPLETE" || !t.values) continue;
      const v = t.values[objective];
      if (!Number.isFinite(v)) continue;
      points.push([t.number, v]);
      if (isBetter(direction, v, bestValue)) bestValue = v;
      best.push([t.number, bestValue]);
    }
    const shown = positiveOnly(points, logY);
    const bestShown = positiveOnly(best, logY);
    this.base.chart.setOption({
      animation: false,
      grid: GRID,
      // ECharts puts a formatter's string in the page as HTML: every part is escaped.
      tooltip: { trigger: "item", formatter: (p) => `trial ${esc(p.data[0])}<br/>${esc(p.seriesName)}: ${esc(p.data[1])}` },
      legend: { top: 0, right: 0, data: ["objective value", "best so far"] },
      xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 24, minInterval: 1 },
      yAxis: valueAxis(logY, { name: direction }),
      series: [
        { name: "objective value", type: "scatter", symbolSize: 7, itemStyle: { color: STATE_COLORS.COMPLETE }, data: shown.points },
        { name: "best so far", type: "line", step: "end", showSymbol: false, lineStyle: { color: "#d1345b", width: 2 }, itemStyle: { color: "#d1345b" }, data: bestShown.points },
      ],
    });
    this.el.dataset.points = String(points.length);
    this.el.dataset.log = String(logY);
    this.el.dataset.hidden = String(shown.hidden);
  }

  dispose() {
    this.base.dispose();
  }
}
