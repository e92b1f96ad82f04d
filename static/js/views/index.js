// Protocol-specific panels (static/js/views/<name>.js), for the protocols that have one;
// every protocol also renders generically. A view has `el` (shown above the node cards)
// and `render(copy)`, called after the diagram has rendered the same copy.

import { ElectionView } from "./election.js";
import { LamportView } from "./lamport.js";
import { ReplicationView } from "./replication.js";
import { TobView } from "./tob.js";

const VIEWS = { lamport: LamportView, tob: TobView, election: ElectionView, replication: ReplicationView };

function loadStyles() {
  if (document.querySelector("link[data-views-css]")) return;
  document.head.appendChild(Object.assign(document.createElement("link"), {
    rel: "stylesheet", href: new URL("../../css/views.css", import.meta.url).href,
  })).dataset.viewsCss = "";
}

/** The panel for protocol `name`, or null. options: {act, diagram}. */
export function protocolView(name, options) {
  const View = VIEWS[name];
  if (!View) return null;
  loadStyles();
  return new View(options);
}
