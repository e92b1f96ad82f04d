// Instructor rooms (docs/rooms.md): the follow page, the instructor's page and the presenter
// view. One socket to ws/room/<code>/ (with ?key= for the instructor). The server sends the
// room's run as snapshots and frames numbered by `room_seq`; a gap asks for a snapshot.
// Followers only watch (the server refuses anything else); F forks a private sandbox.

import { PlaygroundSocket, socketUrl } from "./socket.js";
import { RunCopy } from "./run.js";
import { RunView } from "./run-view.js";
import { Toasts } from "./toast.js";
import { h, fill, oncePerFrame } from "./dom.js";
import { humanize } from "./labels.js";
import { DEFAULT_SPEED, SPEEDS, intervalText, nearestSpeed } from "./controls.js";

const $ = (id) => document.getElementById(id);

function main() {
  const boot = JSON.parse($("bootstrap").textContent);
  const app = $("app");
  const presenter = app.dataset.presenter === "true";
  const instructor = Boolean(boot.instructor);
  const copy = new RunCopy();
  const toasts = new Toasts();
  let roomSeq = null;
  let followers = 0;
  let connection = "connecting";

  const send = (intent) => {
    if (!socket.send(intent)) toasts.show("Not connected", "Reconnecting…", { tone: "warn" });
  };
  // Followers cannot act: clicks on the diagram do nothing (the server would refuse them).
  const act = instructor ? (action) => send({ type: "action", action }) : () => {};
  // The play page's components, drawn from the same frames: a class sees what a student alone
  // sees. Only the presenter view binds → to a step (elsewhere the hint would mislead); the
  // strip shows the instructor's captions and a story's remarks — one place, not two.
  const view = new RunView({ diagram: $("diagram"), cards: $("cards"), checks: $("checks"),
    history: $("history") }, { actionsHelp: boot.protocol.actions, act,
    send: instructor && !presenter ? send : () => {}, hint: presenter ? "press →" : "",
    interactive: instructor && !presenter });
  view.narration.el.id = "room-caption";
  const status = $("room-status");

  // One step on: the server walks the run's own timeline (a story's script, or the future
  // after going back), else the scheduler steps.
  const forward = () => send({ type: "step", count: 1 });
  const fork = () => window.open(boot.fork_url, "_blank", "noopener");
  const blank = () => document.body.classList.toggle("room-blank");

  // The room's auto-play speed (snapshots and `playing` messages say what it is now).
  let intervalMs = SPEEDS[DEFAULT_SPEED];
  const togglePlay = () => send(copy.playing ? { type: "pause" } : { type: "play", interval_ms: intervalMs });
  const playButton = h("button", { type: "button", class: "btn", id: "room-play",
    title: "Play / pause (space in the presenter view)", onclick: togglePlay }, "▶ Play");
  const speedInput = h("input", { type: "range", id: "room-speed", min: 0, max: SPEEDS.length - 1,
    step: 1, value: nearestSpeed(intervalMs), "aria-label": "Speed" });
  const speedText = h("span", { class: "speed-text", title: "time between auto-play steps" });
  speedInput.addEventListener("input", () => {
    intervalMs = SPEEDS[Number(speedInput.value)];
    send({ type: "speed", interval_ms: intervalMs });
    render();
  });

  if (instructor && !presenter) {
    const captionInput = h("input", { type: "text", id: "caption-input", maxlength: "500",
      placeholder: "Caption for this step", "aria-label": "Caption for this step" });
    fill($("toolbar"),
      h("button", { type: "button", class: "btn", id: "room-back", onclick: () => send({ type: "back" }) }, "◀ Back"),
      h("button", { type: "button", class: "btn btn-primary", id: "room-step", onclick: () => forward() }, "Step ▶"),
      playButton,
      h("label", { class: "tb-field tb-speed" }, h("span", { class: "tb-label" }, "Speed"), speedInput, speedText),
      captionInput,
      h("button", { type: "button", class: "btn", onclick: () => send({ type: "caption", text: captionInput.value }) }, "Set caption"),
      h("a", { href: `/room/${boot.code}/present?key=${encodeURIComponent(boot.key)}` }, "Presenter view"),
    );
  } else if (!presenter) {
    fill($("toolbar"), h("button", { type: "button", class: "btn", id: "room-fork", onclick: fork },
      "Fork (F): my own copy at this step"));
  }

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!instructor) {
      if (event.key === "f" || event.key === "F") { event.preventDefault(); fork(); }
      return;
    }
    if (!presenter) return;
    // Clickers send PageDown / PageUp, and often B (blank screen) and space.
    if (event.key === "PageDown" || event.key === "ArrowRight") forward();
    else if (event.key === "PageUp" || event.key === "ArrowLeft") send({ type: "back" });
    else if (event.key === " ") togglePlay();
    else if (event.key === "b" || event.key === "B") { send({ type: "pause" }); blank(); }
    else return;
    event.preventDefault();
  });

  const render = oncePerFrame(() => {
    if (copy.state) view.render(copy);
    status.textContent = `Room ${boot.code} · step ${copy.step} · ${followers} follower${followers === 1 ? "" : "s"}`
      + (connection === "open" ? "" : ` · ${connection}`);
    playButton.textContent = copy.playing ? "❚❚ Pause" : "▶ Play";
    if (document.activeElement !== speedInput) speedInput.value = String(nearestSpeed(intervalMs));
    speedText.textContent = intervalText(intervalMs);
    app.dataset.connection = connection;
    app.dataset.step = String(copy.step);
    app.dataset.playing = String(copy.playing);
    app.dataset.roomSeq = String(roomSeq ?? "");
    app.dataset.followers = String(followers);
  });

  const socket = new PlaygroundSocket(socketUrl(boot.ws_path + (instructor ? `?key=${encodeURIComponent(boot.key)}` : "")), {
    onOpen() {},   // the server sends the room's snapshot on connect (a reconnect catches up)
    onStatus(value) { connection = value; render(); },
    onMessage(msg) {
      if (typeof msg.room_seq === "number" && msg.type !== "snapshot" && roomSeq !== null
          && msg.room_seq !== roomSeq + 1) {
        socket.requestSnapshot();   // missed a room frame: catch up
        return;
      }
      if (typeof msg.room_seq === "number") roomSeq = msg.room_seq;
      switch (msg.type) {
        case "snapshot":
          copy.applySnapshot(msg);
          if (msg.room) followers = msg.room.followers;
          if (typeof msg.interval_ms === "number") intervalMs = msg.interval_ms;
          break;
        case "frame":
          copy.applyFrame(msg);
          break;
        case "caption":
          copy.narration = { ...(copy.narration || {}), [String(msg.step)]: msg.text };
          if (!msg.text) delete copy.narration[String(msg.step)];
          break;
        case "playing":
          copy.setPlaying?.(msg.playing);
          if (typeof msg.interval_ms === "number") intervalMs = msg.interval_ms;
          break;
        case "followers":
          followers = msg.count;
          break;
        case "error":
          toasts.show(`Error: ${humanize(String(msg.code || "error"))}`, String(msg.message || ""), { code: msg.code });
          break;
        default:
          return;
      }
      // Followers watch: no action buttons, no clickable messages (the server would refuse).
      // The presenter view hides them too: it is driven by the clicker keys.
      if (!instructor || presenter) copy.enabled = [];
      render();
    },
  });
  socket.connect();
  render();
  window.playground = { socket, copy, send };
}

main();
