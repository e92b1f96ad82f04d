// "Teach this run": on the play page, open an instructor room (docs/rooms.md) from the run on
// screen at its current step, and show the class's follow link and the private instructor link.

import { h } from "./dom.js";

function currentScenario() {
  const copy = window.playground && window.playground.copy;
  const boot = JSON.parse(document.getElementById("bootstrap").textContent);
  const run = (copy && copy.run) || {};
  const scenario = { protocol: boot.protocol.name };
  if (run.preset) {
    scenario.preset = run.preset;   // the story's scenario; its remarks come with it
  } else {
    if (run.variant) scenario.variant = run.variant;
    if (run.config) scenario.config = run.config;
    if (typeof run.seed === "number") scenario.seed = run.seed;
  }
  scenario.actions = Array.isArray(run.actions) ? run.actions : [];
  scenario.cursor = copy ? Math.min(copy.step, scenario.actions.length) : scenario.actions.length;
  // The run's remarks (a story's, a short link's author's) travel into the room.
  if (copy && copy.narration && Object.keys(copy.narration).length) scenario.narration = copy.narration;
  return scenario;
}

function init() {
  const summary = document.querySelector(".play-summary");
  if (!summary) return;
  const out = h("span", { class: "room-open-links", id: "room-open-links" });
  const button = h("button", { type: "button", class: "room-open", id: "room-open" }, "Teach this run (open a room)");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const response = await fetch("/api/rooms", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ scenario: currentScenario() }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || response.statusText);
      out.replaceChildren(
        " Class link: ", h("a", { href: body.follow_url, id: "room-follow-url", target: "_blank" }, body.follow_url),
        " · your private link: ", h("a", { href: body.instructor_url, id: "room-instructor-url", target: "_blank" }, "instructor page"),
      );
    } catch (err) {
      out.textContent = ` Could not open a room: ${err.message}`;
    } finally {
      button.disabled = false;
    }
  });
  summary.append(" ", button, out);
}

init();
