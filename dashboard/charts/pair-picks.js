import { h } from "../format.js";

/** Two selects choosing a pair of params (x and y) for a chart; they start on the first two. */
export function pairPicks(testid, onChange) {
  const x = h("select", { "aria-label": `${testid} x param`, "data-testid": `${testid}-x` });
  const y = h("select", { "aria-label": `${testid} y param`, "data-testid": `${testid}-y` });
  for (const pick of [x, y]) pick.addEventListener("change", onChange);
  return {
    el: h("span", { class: "axis-picks" }, "x ", x, " y ", y),
    /** Offers `names`; returns the chosen pair, or null with fewer than two params. */
    sync(names) {
      if (x.options.length !== names.length) {
        for (const [i, pick] of [x, y].entries()) {
          const keep = pick.value;
          pick.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
          pick.value = names.includes(keep) ? keep : (names[i] ?? "");
        }
      }
      return names.length >= 2 ? [x.value, y.value] : null;
    },
  };
}
