import { esc, formatDuration, formatTime } from "../format.js";
import { createChart, GRID, STATE_COLORS } from "./chart-base.js";

/** Bars drawn at most (the most recent trials). */
const MAX_BARS = 2000;

/** One trial's bar from its start to its end (now, while it runs). */
function bar(params, api) {
  const [x1, y] = api.coord([api.value(1), api.value(0)]);
  const [x2] = api.coord([api.value(2), api.value(0)]);
  const height = Math.max(2, Math.min(14, api.size([0, 1])[1] * 0.7));
  return { type: "rect", shape: { x: x1, y: y - height / 2, width: Math.max(2, x2 - x1), height }, style: { fill: api.visual("color") } };
}

/**
 * Timeline: one row per trial, a bar from its start to its end coloured by its state
 * (pruned and failed stand out), so stalls, long trials and how many ran at once show.
 */
export class TimelineChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => p.data && onPick(p.data.value[0]));
  }

  update(store, now) {
    const trials = store
      .list()
      .filter((t) => t.start !== null)
      .slice(-MAX_BARS);
    const states = ["COMPLETE", "PRUNED", "FAIL", "RUNNING"];
    const series = states.map((state) => ({
      name: state.toLowerCase(),
      type: "custom",
      renderItem: bar,
      encode: { x: [1, 2], y: 0 },
      itemStyle: { color: STATE_COLORS[state] },
      data: trials.filter((t) => t.state === state).map((t) => ({ value: [t.number, t.start, t.complete ?? now] })),
    }));
    this.base.chart.setOption(
      {
        animation: false,
        grid: { ...GRID, top: 28 },
        legend: { top: 0, right: 0 },
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: {
          trigger: "item",
          formatter: (p) => `trial ${esc(p.data.value[0])} (${esc(p.seriesName)})<br/>${esc(formatTime(p.data.value[1]))}, ${esc(formatDuration(p.data.value[2] - p.data.value[1]))}`,
        },
        xAxis: { type: "time", name: "time", nameLocation: "middle", nameGap: 24 },
        yAxis: { type: "value", name: "trial", minInterval: 1, inverse: true, scale: true },
        series,
      },
      { notMerge: true },
    );
    this.el.dataset.bars = String(trials.length);
    this.el.dataset.pruned = String(series[1].data.length);
    this.el.dataset.failed = String(series[2].data.length);
  }

  dispose() {
    this.base.dispose();
  }
}
