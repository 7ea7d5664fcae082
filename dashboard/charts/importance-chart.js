import { esc } from "../format.js";
import { createChart, GRID } from "./chart-base.js";

/** Parameter importance (computed by the server), most important on top. */
export class ImportanceChart {
  constructor(el) {
    this.el = el;
    this.base = createChart(el);
  }

  update(result) {
    const params = [...result.params].reverse();
    this.base.chart.setOption({
      animation: false,
      grid: { ...GRID, left: 110, right: 48 },
      // ECharts puts a formatter's string in the page as HTML: a param name is text.
      tooltip: { trigger: "item", formatter: (p) => `${esc(p.name)}: ${(p.value * 100).toFixed(1)} %` },
      xAxis: { type: "value", max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
      yAxis: { type: "category", data: params.map((p) => p.name) },
      series: [
        {
          type: "bar",
          data: params.map((p) => p.importance),
          itemStyle: { color: "#3b6fd4" },
          label: { show: true, position: "right", formatter: (p) => `${(p.value * 100).toFixed(1)}%` },
        },
      ],
    });
    this.el.dataset.params = String(result.params.length);
    this.el.dataset.trials = String(result.nTrials);
  }

  dispose() {
    this.base.dispose();
  }
}
