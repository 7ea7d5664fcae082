import { createChart } from "./chart-base.js";

/** Lines drawn at most (the most recent COMPLETE trials). */
const MAX_LINES = 1000;

/** Parallel coordinates: each COMPLETE trial as a line through its params and its value. */
export class ParallelChart {
  constructor(el) {
    this.el = el;
    this.base = createChart(el);
  }

  update(store, objective) {
    const complete = store
      .list()
      .filter((t) => t.state === "COMPLETE" && t.values && Number.isFinite(t.values[objective]))
      .slice(-MAX_LINES);
    const names = [];
    const dists = {};
    for (const t of complete) {
      for (const [name, d] of Object.entries(t.distributions)) {
        if (!(name in dists)) {
          names.push(name);
          dists[name] = d;
        }
      }
    }
    const axes = names.map((name, dim) => {
      const d = dists[name];
      if (d.type === "categorical") return { dim, name, type: "category", data: d.choices.map((c) => JSON.stringify(c)) };
      return { dim, name, type: d.log ? "log" : "value", min: d.low, max: d.high };
    });
    axes.push({ dim: names.length, name: "objective", type: "value", scale: true, nameTextStyle: { fontWeight: "bold" } });
    const rows = complete
      .filter((t) => names.every((n) => n in t.params))
      .map((t) => [...names.map((n) => (dists[n].type === "categorical" ? JSON.stringify(t.params[n]) : t.params[n])), t.values[objective], t.number]);
    const values = rows.map((r) => r[names.length]);
    const minimize = store.study.directions[objective] === "minimize";
    this.base.chart.setOption(
      {
        animation: false,
        parallel: { left: 48, right: 72, top: 36, bottom: 24 },
        parallelAxis: axes,
        visualMap: {
          type: "continuous",
          dimension: names.length,
          min: values.length ? Math.min(...values) : 0,
          max: values.length ? Math.max(...values) : 1,
          // The better end is the strong colour.
          inRange: { color: minimize ? ["#1d3f8f", "#9ec5ff", "#f3d3c4"] : ["#f3d3c4", "#9ec5ff", "#1d3f8f"] },
          right: 0,
          top: "middle",
          itemHeight: 120,
          calculable: false,
        },
        series: [{ type: "parallel", lineStyle: { width: 1.2, opacity: 0.7 }, data: rows }],
      },
      { notMerge: true },
    );
    this.el.dataset.points = String(rows.length);
    this.el.dataset.axes = String(axes.length);
  }

  dispose() {
    this.base.dispose();
  }
}
