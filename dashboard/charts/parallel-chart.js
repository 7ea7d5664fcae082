import { createChart } from "./chart-base.js";

/** Lines drawn at most (the most recent COMPLETE trials). */
const MAX_LINES = 1000;

/** Where a trial without the param crosses its axis. */
const NONE = "none";

/** A point just below a numeric distribution's range (on its own scale), for "none". */
function belowRange(d) {
  if (d.log) return d.low / Math.pow(d.high / d.low || 2, 0.08);
  return d.low - (d.high - d.low || 1) * 0.08;
}

/** Axis tick labels: short numbers. */
function formatAxis(v) {
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/** Parallel coordinates: each COMPLETE trial as a line through its params and its value. */
export class ParallelChart {
  constructor(el) {
    this.el = el;
    this.base = createChart(el);
  }

  /** `order` picks and orders the params drawn (all, in first-seen order, by default). */
  update(store, objective, { order = null } = {}) {
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
    if (order) names.splice(0, names.length, ...order.filter((n) => n in dists));
    // A trial without a conditional param (momentum only for sgd) still gets its line: it
    // crosses that axis at a "none" mark below the range instead of being dropped.
    const lacking = new Set(names.filter((n) => complete.some((t) => !(n in t.params))));
    const axes = names.map((name, dim) => {
      const d = dists[name];
      if (d.type === "categorical") {
        const data = d.choices.map((c) => JSON.stringify(c));
        return { dim, name, type: "category", data: lacking.has(name) ? [NONE, ...data] : data };
      }
      const axis = { dim, name, type: d.log ? "log" : "value", min: d.low, max: d.high };
      if (!lacking.has(name)) return axis;
      const none = belowRange(d);
      return { ...axis, min: none, axisLabel: { formatter: (v) => (v <= none + Math.abs(none) * 1e-9 ? NONE : formatAxis(v)) } };
    });
    const noneValue = (name) => (dists[name].type === "categorical" ? NONE : belowRange(dists[name]));
    axes.push({ dim: names.length, name: "objective", type: "value", scale: true, nameTextStyle: { fontWeight: "bold" } });
    const rows = complete.map((t) => [
      ...names.map((n) => (!(n in t.params) ? noneValue(n) : dists[n].type === "categorical" ? JSON.stringify(t.params[n]) : t.params[n])),
      t.values[objective],
      t.number,
    ]);
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
    this.el.dataset.order = names.join(",");
    this.el.dataset.lacking = String(complete.filter((t) => names.some((n) => !(n in t.params))).length);
  }

  dispose() {
    this.base.dispose();
  }
}
