import { esc, formatNumber } from "../format.js";
import { createChart, GRID, STATE_COLORS } from "./chart-base.js";

/** Whether values `a` dominate `b`: no worse in every objective and better in one. */
export function dominates(a, b, directions) {
  let better = false;
  for (let i = 0; i < directions.length; i++) {
    const x = directions[i] === "minimize" ? a[i] : -a[i];
    const y = directions[i] === "minimize" ? b[i] : -b[i];
    if (!(x <= y)) return false;
    if (x < y) better = true;
  }
  return better;
}

/** COMPLETE trials with finite values, split into the Pareto front and the rest. */
export function paretoSplit(store) {
  const directions = store.study.directions;
  const complete = store.list().filter((t) => t.state === "COMPLETE" && t.values && t.values.every(Number.isFinite));
  const front = complete.filter((t) => !complete.some((o) => o !== t && dominates(o.values, t.values, directions)));
  const onFront = new Set(front);
  return { front, rest: complete.filter((t) => !onFront.has(t)) };
}

/**
 * A multi-objective study's Pareto front: every COMPLETE trial by two chosen objectives
 * (x and y), the front drawn strong and joined, the selected trial ringed. Clicking a point
 * opens the trial.
 */
export class ParetoChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => p.data && onPick(p.data.trial));
  }

  update(store, { x = 0, y = 1, selected = null } = {}) {
    const directions = store.study.directions;
    const { front, rest } = paretoSplit(store);
    const point = (t) => ({ value: [t.values[x], t.values[y]], trial: t.number });
    const frontLine = front.map(point).sort((a, b) => a.value[0] - b.value[0]);
    const chosen = [...front, ...rest].find((t) => t.number === selected);
    this.base.chart.setOption(
      {
        animation: false,
        grid: { ...GRID, right: 24 },
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: { trigger: "item", formatter: (p) => `trial ${esc(p.data.trial)}<br/>${esc(formatNumber(p.data.value[0]))}, ${esc(formatNumber(p.data.value[1]))}` },
        legend: { top: 0, right: 0, data: ["Pareto front", "dominated"] },
        xAxis: { type: "value", scale: true, name: `objective ${x} (${directions[x]})`, nameLocation: "middle", nameGap: 24 },
        yAxis: { type: "value", scale: true, name: `objective ${y} (${directions[y]})` },
        series: [
          { name: "dominated", type: "scatter", symbolSize: 6, itemStyle: { color: STATE_COLORS.FAIL, opacity: 0.7 }, data: rest.map(point) },
          { name: "Pareto front", type: "scatter", symbolSize: 9, itemStyle: { color: "#d1345b" }, data: frontLine, z: 3 },
          ...(directions.length === 2
            ? [{ name: "front line", type: "line", step: false, showSymbol: false, silent: true, lineStyle: { color: "#d1345b", width: 1, type: "dashed" }, data: frontLine }]
            : []),
          ...(chosen ? [{ name: "selected", type: "scatter", symbol: "circle", symbolSize: 18, itemStyle: { color: "transparent", borderColor: "#1d2330", borderWidth: 2 }, data: [point(chosen)], z: 4, silent: true }] : []),
        ],
      },
      { notMerge: true },
    );
    this.el.dataset.front = String(front.length);
    this.el.dataset.points = String(front.length + rest.length);
    this.el.dataset.selected = chosen ? String(chosen.number) : "";
    this.el.dataset.axes = `${x},${y}`;
  }

  dispose() {
    this.base.dispose();
  }
}
