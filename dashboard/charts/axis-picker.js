import { h } from "../format.js";

/**
 * Which params parallel coordinates draw, and in what order: a list with a checkbox and
 * "move left" / "move right" per param. New params join at the end, shown.
 */
export class AxisPicker {
  #order = [];
  #hidden = new Set();

  constructor(onChange) {
    this.onChange = onChange;
    this.list = h("ol", { class: "axis-list", "data-testid": "axis-list" });
    this.button = h("button", { type: "button", class: "link", "data-testid": "axis-button", "aria-expanded": "false" }, "axes");
    this.el = h("span", { class: "axis-picker" }, this.button, this.list);
    this.list.hidden = true;
    this.button.addEventListener("click", () => {
      this.list.hidden = !this.list.hidden;
      this.button.setAttribute("aria-expanded", String(!this.list.hidden));
    });
    this.list.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-move]");
      if (!button) return;
      const name = button.closest("li").dataset.axis;
      const i = this.#order.indexOf(name);
      const j = i + Number(button.dataset.move);
      if (j < 0 || j >= this.#order.length) return;
      [this.#order[i], this.#order[j]] = [this.#order[j], this.#order[i]];
      this.#render();
      this.onChange();
    });
    this.list.addEventListener("change", (e) => {
      const li = e.target.closest("li");
      if (!li) return;
      if (e.target.checked) this.#hidden.delete(li.dataset.axis);
      else this.#hidden.add(li.dataset.axis);
      this.onChange();
    });
  }

  /** Takes in the params the study has now (in first-seen order); returns those to draw, in order. */
  sync(names) {
    const added = names.filter((n) => !this.#order.includes(n));
    if (added.length) {
      this.#order.push(...added);
      this.#render();
    }
    return this.#order.filter((n) => names.includes(n) && !this.#hidden.has(n));
  }

  #render() {
    this.list.replaceChildren(
      ...this.#order.map((name) =>
        h(
          "li",
          { "data-axis": name },
          h("label", {}, h("input", { type: "checkbox", checked: !this.#hidden.has(name) }), ` ${name}`),
          h("button", { type: "button", "data-move": "-1", title: `move ${name} left`, "aria-label": `move ${name} left` }, "◀"),
          h("button", { type: "button", "data-move": "1", title: `move ${name} right`, "aria-label": `move ${name} right` }, "▶"),
        ),
      ),
    );
  }
}
