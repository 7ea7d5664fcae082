import { esc } from "../format.js";
import { createChart, GRID } from "./chart-base.js";

/** A whisker from `low` to `high` on a category row: the spread of an importance across the forest's trees. */
function whisker(params, api) {
  const [x1, y] = api.coord([api.value(0), api.value(2)]);
  const [x2] = api.coord([api.value(1), api.value(2)]);
  const cap = 5;
  const style = { stroke: "#1d2330", lineWidth: 1.2 };
  return {
    type: "group",
    children: [
      { type: "line", shape: { x1, y1: y, x2, y2: y }, style },
      { type: "line", shape: { x1, y1: y - cap, x2: x1, y2: y + cap }, style },
      { type: "line", shape: { x1: x2, y1: y - cap, x2, y2: y + cap }, style },
    ],
  };
}

/** Parameter importance (computed by the server), most important on top, with its spread (± one standard deviation). */
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
      tooltip: {
        trigger: "item",
        formatter: (p) => (p.seriesType === "bar" ? `${esc(p.name)}: ${(p.value * 100).toFixed(1)} % ± ${((params[p.dataIndex].std ?? 0) * 100).toFixed(1)}` : ""),
      },
      xAxis: { type: "value", max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
      yAxis: { type: "category", data: params.map((p) => p.name) },
      series: [
        {
          type: "bar",
          data: params.map((p) => p.importance),
          itemStyle: { color: "#3b6fd4" },
          // The share stands at the bar's foot, clear of the whisker at its end.
          label: { show: true, position: "insideLeft", color: "#fff", fontSize: 11, formatter: (p) => (p.value >= 0.12 ? `${(p.value * 100).toFixed(1)}%` : "") },
        },
        {
          type: "custom",
          renderItem: whisker,
          silent: true,
          data: params.map((p, i) => [Math.max(0, p.importance - (p.std ?? 0)), Math.min(1, p.importance + (p.std ?? 0)), i]),
          z: 3,
        },
      ],
    });
    this.el.dataset.params = String(result.params.length);
    this.el.dataset.trials = String(result.nTrials);
    this.el.dataset.spread = params.map((p) => (p.std ?? 0).toFixed(4)).join(",");
  }

  dispose() {
    this.base.dispose();
  }
}
