import { FeedClient } from "./feed-client.js";
import { h } from "./format.js";
import { studiesView } from "./views/studies-view.js";
import { studyView } from "./views/study-view.js";

const app = document.getElementById("app");
const crumbs = document.getElementById("crumbs");
const connection = document.getElementById("connection");
const feed = new FeedClient();

const LABELS = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…", unauthorized: "unauthorized: open the page with ?token=…" };
feed.onStatus((state) => {
  connection.dataset.state = state;
  connection.textContent = LABELS[state] ?? state;
});

/** The page for the current hash: #/ (studies), #/study/<name>, #/study/<name>/trial/<n>. */
let current = null;
function route() {
  const m = /^#\/study\/([^/]+)(?:\/trial\/(\d+))?$/.exec(location.hash);
  const name = m ? decodeURIComponent(m[1]) : null;
  const trial = m && m[2] !== undefined ? Number(m[2]) : null;
  if (!current || current.name !== name) {
    current?.dispose();
    current = name === null ? { name, dispose: studiesView(app, feed) } : { name, ...studyView(app, feed, name) };
    crumbs.replaceChildren(...(name === null ? [] : [h("a", { href: "#/" }, "studies"), " / ", h("span", {}, name)]));
    document.title = name === null ? "hpo dashboard" : `${name} · hpo`;
  }
  current.showTrial?.(trial);
}
addEventListener("hashchange", route);
route();
