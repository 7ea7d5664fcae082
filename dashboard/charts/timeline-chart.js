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

/** A worker id ("host:pid:random") as a row label: host and pid say which process it was. */
function workerLabel(workerId) {
  if (!workerId) return "worker unknown";
  const parts = workerId.split(":");
  return parts.length >= 3 ? parts.slice(0, -1).join(":") : workerId;
}

/**
 * Rows of the timeline: one per worker, in the order workers first started a trial; a
 * worker that ran trials at once (--concurrency) gets a lane per trial running together,
 * so bars never hide each other. Returns the row labels and each trial's row.
 */
export function timelineRows(trials, now) {
  const lanes = new Map(); // worker -> end time of each of its lanes
  const rowOf = new Map(); // "worker|lane" -> row index
  const labels = [];
  const placed = [];
  for (const t of [...trials].sort((a, b) => a.start - b.start || a.number - b.number)) {
    const worker = t.workerId ?? null;
    const ends = lanes.get(worker) ?? [];
    lanes.set(worker, ends);
    let lane = ends.findIndex((end) => end <= t.start);
    if (lane < 0) lane = ends.push(0) - 1;
    const end = t.complete ?? now;
    ends[lane] = end;
    const key = `${worker}|${lane}`;
    if (!rowOf.has(key)) {
      rowOf.set(key, labels.length);
      labels.push(lane === 0 ? workerLabel(worker) : `${workerLabel(worker)} (${lane + 1})`);
    }
    placed.push({ trial: t, row: rowOf.get(key), end });
  }
  return { labels, placed, workers: lanes.size };
}

/**
 * Timeline: one row per worker, a bar per trial from its start to its end coloured by its
 * state (pruned and failed stand out), so stalls, long trials, idle workers and how many
 * ran at once show.
 */
export class TimelineChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => p.data && onPick(p.data.value[3]));
  }

  update(store, now) {
    const trials = store
      .list()
      .filter((t) => t.start !== null)
      .slice(-MAX_BARS);
    const { labels, placed, workers } = timelineRows(trials, now);
    const states = ["COMPLETE", "PRUNED", "FAIL", "RUNNING"];
    const series = states.map((state) => ({
      name: state.toLowerCase(),
      type: "custom",
      renderItem: bar,
      encode: { x: [1, 2], y: 0 },
      itemStyle: { color: STATE_COLORS[state] },
      data: placed.filter((p) => p.trial.state === state).map((p) => ({ value: [p.row, p.trial.start, p.end, p.trial.number], workerId: p.trial.workerId })),
    }));
    this.base.chart.setOption(
      {
        animation: false,
        grid: { ...GRID, top: 28, left: 8, containLabel: true },
        legend: { top: 0, right: 0 },
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: {
          trigger: "item",
          formatter: (p) =>
            `trial ${esc(p.data.value[3])} (${esc(p.seriesName)}) on ${esc(p.data.workerId ?? "an unknown worker")}<br/>${esc(formatTime(p.data.value[1]))}, ${esc(formatDuration(p.data.value[2] - p.data.value[1]))}`,
        },
        xAxis: { type: "time", name: "time", nameLocation: "middle", nameGap: 24 },
        yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 140, overflow: "truncate" } },
        series,
      },
      { notMerge: true },
    );
    this.el.dataset.bars = String(trials.length);
    this.el.dataset.workers = String(workers);
    this.el.dataset.rows = labels.join("\n");
    this.el.dataset.pruned = String(series[1].data.length);
    this.el.dataset.failed = String(series[2].data.length);
  }

  dispose() {
    this.base.dispose();
  }
}
