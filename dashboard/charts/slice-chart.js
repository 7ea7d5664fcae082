import { esc, formatNumber, formatParam } from "../format.js";
import { createChart, GRID, STATE_COLORS } from "./chart-base.js";
import { positiveOnly, valueAxis } from "./log-scale-toggle.js";

/**
 * Slice: one param (the user picks which) against the objective, every COMPLETE trial that
 * has it as a point, on the param's own scale (log, or its categories).
 */
export class SliceChart {
  constructor(el, onPick) {
    this.el = el;
    this.base = createChart(el);
    this.base.chart.on("click", (p) => p.data && onPick(p.data.trial));
  }

  update(store, objective, param, { logY = false } = {}) {
    const complete = store.list().filter((t) => t.state === "COMPLETE" && t.values && Number.isFinite(t.values[objective]) && param in t.params);
    const d = complete.find((t) => t.distributions[param])?.distributions[param];
    const categorical = d?.type === "categorical";
    const categories = categorical ? d.choices.map((c) => JSON.stringify(c)) : null;
    const all = complete.map((t) => ({ value: [categorical ? JSON.stringify(t.params[param]) : t.params[param], t.values[objective]], trial: t.number }));
    const { points: data, hidden } = positiveOnly(all, logY);
    this.base.chart.setOption(
      {
        animation: false,
        grid: GRID,
        // ECharts puts a formatter's string in the page as HTML: every part is escaped.
        tooltip: { trigger: "item", formatter: (p) => `trial ${esc(p.data.trial)}<br/>${esc(param)} = ${esc(categorical ? p.data.value[0] : formatParam(p.data.value[0]))}<br/>value ${esc(formatNumber(p.data.value[1]))}` },
        xAxis: categorical
          ? { type: "category", data: categories, name: param, nameLocation: "middle", nameGap: 24 }
          : { type: d?.log ? "log" : "value", scale: true, name: param, nameLocation: "middle", nameGap: 24 },
        yAxis: valueAxis(logY, { name: store.study.directions[objective] }),
        series: [{ type: "scatter", symbolSize: 7, itemStyle: { color: STATE_COLORS.COMPLETE, opacity: 0.8 }, data }],
      },
      { notMerge: true },
    );
    this.el.dataset.points = String(data.length);
    this.el.dataset.param = param ?? "";
    this.el.dataset.log = String(logY);
    this.el.dataset.hidden = String(hidden);
  }

  dispose() {
    this.base.dispose();
  }
}
