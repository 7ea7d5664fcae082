import { esc, formatNumber, h } from "../format.js";

/** The studies list, kept current by the feed's `studies` messages. */
export function studiesView(root, feed) {
  const body = h("tbody");
  const empty = h("p", { class: "muted", hidden: true }, "No studies in this storage yet. Start one with ", h("code", {}, "hpo run study.ts"), ".");
  root.replaceChildren(
    h("h1", {}, "Studies"),
    h(
      "table",
      { class: "table studies", "data-testid": "studies-table" },
      h("thead", {}, h("tr", {}, ...["study", "direction", "trials", "complete", "pruned", "failed", "running", "best", "created"].map((c) => h("th", {}, c)))),
      body,
    ),
    empty,
  );
  const render = (studies) => {
    empty.hidden = studies.length > 0;
    body.innerHTML = studies
      .map((s) => {
        const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
        const href = `#/study/${encodeURIComponent(s.name)}`;
        return `<tr data-study="${esc(s.name)}">
          <td><a href="${esc(href)}">${esc(s.name)}</a></td><td>${esc(s.directions.join(", "))}</td>
          <td class="num">${esc(total)}</td><td class="num">${esc(s.counts.COMPLETE)}</td><td class="num">${esc(s.counts.PRUNED)}</td>
          <td class="num">${esc(s.counts.FAIL)}</td><td class="num">${esc(s.counts.RUNNING)}</td>
          <td class="num">${esc(formatNumber(s.bestValue))}</td><td>${esc(new Date(s.createdAt).toLocaleString())}</td></tr>`;
      })
      .join("");
  };
  return feed.followStudies(render);
}
