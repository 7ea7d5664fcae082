import * as echarts from "../vendor/echarts.js";

/** An echarts instance in an element that follows the element's size. */
export function createChart(el) {
  const chart = echarts.init(el, null, { renderer: "canvas" });
  const resize = new ResizeObserver(() => chart.resize());
  resize.observe(el);
  return {
    chart,
    dispose() {
      resize.disconnect();
      chart.dispose();
    },
  };
}

/** Colours of trial states, shared by every chart and the table. */
export const STATE_COLORS = {
  COMPLETE: "#3b6fd4",
  PRUNED: "#e0632b",
  FAIL: "#9aa0a6",
  RUNNING: "#1f9d55",
  WAITING: "#b0b4ba",
};

/** Common layout of the study charts. */
export const GRID = { left: 56, right: 20, top: 28, bottom: 36, containLabel: false };
