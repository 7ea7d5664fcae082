import { h } from "../format.js";

/**
 * A "log y" checkbox for a value chart: a few diverging trials squash every good curve into
 * a flat line on a linear axis. `onChange(log)` redraws; values ≤ 0 cannot sit on a log
 * axis, so charts leave them out while it is on and say how many.
 */
export function logScaleToggle(testid, onChange, label = "log y") {
  const box = h("input", { type: "checkbox", "data-testid": testid });
  box.addEventListener("change", () => onChange(box.checked));
  return { el: h("label", { class: "toggle" }, box, ` ${label}`), get log() {
    return box.checked;
  } };
}

/** A y axis, on a log scale when asked. */
export function valueAxis(log, extra = {}) {
  return log ? { type: "log", ...extra } : { type: "value", scale: true, ...extra };
}

/** Points a log axis can show (y > 0), and how many it cannot. */
export function positiveOnly(points, log) {
  if (!log) return { points, hidden: 0 };
  const kept = points.filter((p) => (Array.isArray(p) ? p[1] : p.value[1]) > 0);
  return { points: kept, hidden: points.length - kept.length };
}
