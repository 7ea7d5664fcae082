import { esc, formatNumber, formatParam } from "../format.js";
import { createChart, GRID } from "./chart-base.js";

function axisFor(store, name) {
  const d = store.list().find((t) => t.distributions[name])?.distributions[name];
  if (d?.type === "categorical") return { type: "category", data: d.choices.map((c) => JSON.stringify(c)), name, nameLocation: "middle", nameGap: 24 };
  return { type: d?.log ? "log" : "value", scale: true, name, nameLocation: "middle", nameGap: 24, categorical: false };
}

/**
 * Rank: two params the user picks against each other, each COMPLETE trial that has both a
 * point coloured by its objective's rank (the best trial strongest), so where good regions
 * lie shows even when values span orders of magnitude.
 */
export class RankChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => p.data && onPick(p.data.trial));
  }

  update(store, objective, xName, yName) {
    const minimize = store.study.directions[objective] === "minimize";
    const trials = store
      .list()
      .filter((t) => t.state === "COMPLETE" && t.values && Number.isFinite(t.values[objective]) && xName in t.params && yName in t.params)
      .sort((a, b) => (minimize ? a.values[objective] - b.values[objective] : b.values[objective] - a.values[objective]));
    const xAxis = axisFor(store, xName);
    const yAxis = axisFor(store, yName);
    const coord = (axis, v) => (axis.type === "category" ? JSON.stringify(v) : v);
    // Rank 0 is the best; the colour scale runs over the share of trials ranked above.
    const data = trials.map((t, rank) => ({
      value: [coord(xAxis, t.params[xName]), coord(yAxis, t.params[yName]), trials.length > 1 ? rank / (trials.length - 1) : 0],
      trial: t.number,
      objective: t.values[objective],
    }));
    delete xAxis.categorical;
    delete yAxis.categorical;
    this.base.chart.setOption(
      {
        animation: false,
        grid: { ...GRID, right: 64 },
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: {
          trigger: "item",
          formatter: (p) =>
            `trial ${esc(p.data.trial)} (rank ${Math.round(p.data.value[2] * (trials.length - 1)) + 1} of ${trials.length})<br/>${esc(xName)} = ${esc(formatParam(p.data.value[0]))}, ${esc(yName)} = ${esc(formatParam(p.data.value[1]))}<br/>value ${esc(formatNumber(p.data.objective))}`,
        },
        xAxis,
        yAxis: { ...yAxis, nameLocation: "end", nameGap: 10 },
        visualMap: { type: "continuous", dimension: 2, min: 0, max: 1, inRange: { color: ["#1d3f8f", "#9ec5ff", "#f3d3c4"] }, right: 0, top: "middle", itemHeight: 120, text: ["worst", "best"], calculable: false },
        series: [{ type: "scatter", symbolSize: 8, data }],
      },
      { notMerge: true },
    );
    this.el.dataset.points = String(data.length);
    this.el.dataset.best = trials.length ? String(trials[0].number) : "";
  }

  dispose() {
    this.base.dispose();
  }
}
