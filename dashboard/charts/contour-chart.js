import { esc, formatNumber } from "../format.js";
import { createChart } from "./chart-base.js";

/** Cells per numeric axis. */
const BINS = 12;

/** The bins of one param: its categories, or equal steps over its range (log steps on a log scale). */
function binsFor(d) {
  if (d.type === "categorical") {
    const labels = d.choices.map((c) => JSON.stringify(c));
    return { labels, of: (v) => labels.indexOf(JSON.stringify(v)) };
  }
  const f = d.log ? Math.log : (v) => v;
  const lo = f(d.low);
  const span = f(d.high) - lo || 1;
  const inv = d.log ? Math.exp : (v) => v;
  const labels = Array.from({ length: BINS }, (_, i) => formatNumber(Number(inv(lo + ((i + 0.5) * span) / BINS).toPrecision(3))));
  return { labels, of: (v) => Math.min(BINS - 1, Math.max(0, Math.floor(((f(v) - lo) / span) * BINS))) };
}

/**
 * Contour of a chosen pair of params: their ranges cut into a grid, each cell coloured by
 * the best objective among the COMPLETE trials that fell in it (empty cells stay blank).
 */
export class ContourChart {
  constructor(el) {
    this.el = el;
    this.base = createChart(el);
  }

  update(store, objective, xName, yName) {
    const minimize = store.study.directions[objective] === "minimize";
    const trials = store.list().filter((t) => t.state === "COMPLETE" && t.values && Number.isFinite(t.values[objective]) && xName in t.params && yName in t.params);
    const dx = trials.find((t) => t.distributions[xName])?.distributions[xName];
    const dy = trials.find((t) => t.distributions[yName])?.distributions[yName];
    const cells = new Map();
    let bx = { labels: [] };
    let by = { labels: [] };
    if (dx && dy) {
      bx = binsFor(dx);
      by = binsFor(dy);
      for (const t of trials) {
        const key = `${bx.of(t.params[xName])},${by.of(t.params[yName])}`;
        const v = t.values[objective];
        const cell = cells.get(key);
        if (!cell) cells.set(key, { best: v, n: 1 });
        else {
          cell.n++;
          if (minimize ? v < cell.best : v > cell.best) cell.best = v;
        }
      }
    }
    const data = [...cells].map(([key, c]) => [...key.split(",").map(Number), c.best, c.n]);
    const values = data.map((d) => d[2]);
    this.base.chart.setOption(
      {
        animation: false,
        grid: { left: 64, right: 72, top: 16, bottom: 48 },
        tooltip: { trigger: "item", formatter: (p) => `${esc(xName)} ≈ ${esc(bx.labels[p.data[0]])}, ${esc(yName)} ≈ ${esc(by.labels[p.data[1]])}<br/>best ${esc(formatNumber(p.data[2]))} of ${esc(p.data[3])} trial(s)` },
        xAxis: { type: "category", data: bx.labels, name: xName, nameLocation: "middle", nameGap: 30, splitArea: { show: true } },
        yAxis: { type: "category", data: by.labels, name: yName, splitArea: { show: true } },
        visualMap: {
          min: values.length ? Math.min(...values) : 0,
          max: values.length ? Math.max(...values) : 1,
          dimension: 2,
          inRange: { color: minimize ? ["#1d3f8f", "#9ec5ff", "#f3d3c4"] : ["#f3d3c4", "#9ec5ff", "#1d3f8f"] },
          right: 0,
          top: "middle",
          itemHeight: 120,
          calculable: false,
        },
        series: [{ type: "heatmap", data }],
      },
      { notMerge: true },
    );
    this.el.dataset.cells = String(data.length);
    this.el.dataset.trials = String(trials.length);
  }

  dispose() {
    this.base.dispose();
  }
}
