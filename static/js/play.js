// The playground page: wires the socket, the client's copy of the run and the views.
// The server runs the protocol; this page only renders frames and sends intents.

import { PlaygroundSocket, socketUrl } from "./socket.js";
import { RunCopy } from "./run.js";
import { RunView } from "./run-view.js";
import { Controls } from "./controls.js";
import { Toasts } from "./toast.js";
import { humanize } from "./labels.js";
import { oncePerFrame } from "./dom.js";
import { ExplorePanel } from "./explore.js";
import { ScenarioTools, encodeScenario, linkScenario } from "./scenario.js";

const $ = (id) => document.getElementById(id);

function readBootstrap() {
  const el = $("bootstrap");
  const boot = el ? JSON.parse(el.textContent) : {};
  const app = $("app");
  boot.protocol = boot.protocol || { name: app.dataset.protocol, title: "", variants: {} };
  boot.ws_path = boot.ws_path || app.dataset.wsPath || `/ws/play/${boot.protocol.name}/`;
  return boot;
}

/** The run a fresh page starts: from the bootstrap (a shared run) or ?variant=&seed=. */
function initialRun(boot) {
  const run = { ...(boot.run || {}) };
  // A short link's remarks (its author's) travel with its run: the server keeps them.
  if (boot.narration && Object.keys(boot.narration).length) run.narration = boot.narration;
  const params = new URLSearchParams(location.search);
  if (params.has("variant")) run.variant = params.get("variant");
  if (params.has("seed") && /^\d+$/.test(params.get("seed"))) run.seed = Number(params.get("seed"));
  if (params.has("preset") && !boot.run) {
    run.preset = params.get("preset");   // /presets/ links here; ?cursor= keeps the place
    if (/^\d+$/.test(params.get("cursor") || "")) run.cursor = Number(params.get("cursor"));
  }
  return run;
}

/** What makes two runs different runs (rather than one run at two cursors). */
function runKey(run) {
  return JSON.stringify([run.variant, run.seed, run.config || {}, run.preset || null]);
}

function main() {
  const boot = readBootstrap();
  const protocol = boot.protocol;
  const app = $("app");
  const copy = new RunCopy();
  const toasts = new Toasts();
  let connection = "connecting";

  const send = (intent) => {
    if (!socket.send(intent)) {
      toasts.show("Not connected", "The server is unreachable; retrying…", { tone: "warn", timeoutMs: 4000 });
    }
  };
  const act = (action) => send({ type: "action", action });
  // A long run's action list does not fit in one message (64 KiB): send it as a share token.
  const sendStart = (intent) => {
    if (!Array.isArray(intent.actions) || JSON.stringify(intent).length <= 48_000) return send(intent);
    const cursor = intent.cursor ?? intent.actions.length;
    encodeScenario(linkScenario(protocol.name, intent, cursor))
      .then((token) => send({ type: "start", token }))
      .catch((err) => toasts.show("Could not resume the run", String(err)));
  };

  const view = new RunView({ diagram: $("diagram"), cards: $("cards"), checks: $("checks"),
    history: $("history") }, { actionsHelp: protocol.actions, act, send });
  const diagram = view.diagram;
  // "Find a counterexample", under the checks (static/js/explore.js).
  const explore = new ExplorePanel({ protocol, send: (intent) => send(intent), toasts });
  $("checks").appendChild(explore.el);
  const first = initialRun(boot);
  const controls = new Controls($("toolbar"), $("help"), { protocol, onIntent: send, initial: first });
  // Scrubber, undo of a fork, share, export and import (static/js/scenario.js).
  const tools = new ScenarioTools($("toolbar"), { protocol, copy, send, sendStart, toasts, boot });

  const render = oncePerFrame(() => {
    if (copy.state) {
      view.render(copy);
      explore.render(copy);
    }
    controls.update(copy, connection);
    tools.update();
    // State for tests and for styling the page as a whole.
    app.dataset.connection = connection;
    app.dataset.step = String(copy.step);
    app.dataset.playing = String(copy.playing);
    app.dataset.quiescent = String(copy.quiescent);
    app.dataset.seq = String(socket.lastSeq ?? "");
  });

  const socket = new PlaygroundSocket(socketUrl(boot.ws_path), {
    onOpen(reconnected) {
      if (reconnected && copy.run) {
        // The server keeps a run per connection: replay ours exactly (a run is a pure
        // function of these inputs), at the same cursor.
        sendStart(copy.restartIntent());
      } else {
        sendStart({ type: "start", ...first });
      }
    },
    onStatus(status, detail) {
      connection = status;
      if (status === "closed" && copy.state && detail) {
        toasts.show("Connection lost", `Reconnecting in ${Math.ceil(detail.retryInMs / 1000)} s…`,
          { tone: "warn", timeoutMs: Math.max(2500, detail.retryInMs) });
      }
      render();
    },
    onMessage(msg) {
      switch (msg.type) {
        case "snapshot":
          if (copy.run && msg.run && runKey(copy.run) !== runKey(msg.run)) {
            // Another run: what a check pointed at in the old one means nothing here.
            diagram.highlighted = new Set();
            view.checks.selected = null;
          }
          copy.applySnapshot(msg);
          break;
        case "frame":
          copy.applyFrame(msg);
          break;
        case "playing":
          copy.setPlaying(msg.playing);
          break;
        case "explore":
          explore.onMessage(msg);
          break;
        case "error":
          explore.onError(msg);
          toasts.show(`Error: ${humanize(String(msg.code || "error"))}`, String(msg.message || ""),
            { code: msg.code });
          // The server restored the run after its own failure: fetch the state it restored.
          if (msg.code === "internal") socket.requestSnapshot();
          break;
        default:
          return;
      }
      tools.afterMessage(msg);
      render();
    },
  });
  socket.connect();
  render();

  // For tests and the console: the live objects, read-only by convention.
  window.playground = { socket, copy, send, act, diagram, tools };
}

main();
