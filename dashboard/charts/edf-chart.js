import { esc, formatNumber } from "../format.js";
import { createChart, GRID } from "./chart-base.js";
import { valueAxis } from "./log-scale-toggle.js";

/**
 * Empirical distribution function of the objective: for each value, the share of COMPLETE
 * trials at or below it. A curve that rises early (minimize) means good values are common.
 */
export class EdfChart {
  constructor(el) {
    this.el = el;
    this.base = createChart(el);
  }

  update(store, objective, { logX = false } = {}) {
    const values = store
      .list()
      .filter((t) => t.state === "COMPLETE" && t.values && Number.isFinite(t.values[objective]))
      .map((t) => t.values[objective])
      // A log axis has no place for values ≤ 0.
      .filter((v) => !logX || v > 0)
      .sort((a, b) => a - b);
    const data = values.map((v, i) => [v, (i + 1) / values.length]);
    this.base.chart.setOption(
      {
        animation: false,
        grid: GRID,
        tooltip: { trigger: "item", formatter: (p) => `${esc(formatNumber(p.data[0]))}: ${esc((p.data[1] * 100).toFixed(1))} % of trials at or below` },
        xAxis: valueAxis(logX, { name: "objective value", nameLocation: "middle", nameGap: 24 }),
        yAxis: { type: "value", min: 0, max: 1, name: "share of trials" },
        series: [{ type: "line", step: "end", showSymbol: false, lineStyle: { color: "#3b6fd4", width: 2 }, data }],
      },
      { notMerge: true },
    );
    this.el.dataset.points = String(data.length);
    this.el.dataset.log = String(logX);
  }

  dispose() {
    this.base.dispose();
  }
}
