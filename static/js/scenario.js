// Scenarios in the browser (docs/scenarios.md): the scrubber and jump-to-step, undo of a
// fork, share links (a token in the URL, or a short link saved on the server with a title and
// a remark), exports (Mermaid, SVG, JSON trace) and importing a JSON trace back.
//
// A run is replay(protocol, variant, config, seed, actions): a share token is that scenario
// as JSON, zlib-compressed ("deflate" in CompressionStream is the zlib format), in URL-safe
// base64 — the same as protocols/links/share.py, which decodes it on the server.

import { h } from "./dom.js";

const LINK_VERSION = 1;
const URL_DELAY_MS = 600;
const SEEK_EVERY_MS = 80;   // while dragging the scrubber: at most this often

/** The scenario dict a link carries, for this run at its cursor. */
export function linkScenario(protocol, run, cursor) {
  const actions = Array.isArray(run.actions) ? run.actions : [];
  const scenario = {
    v: LINK_VERSION, protocol, variant: run.variant, config: run.config || {},
    seed: run.seed ?? 0, actions, cursor: Math.min(cursor, actions.length),
  };
  if (run.preset) scenario.preset = run.preset;   // the story's remarks travel with the link
  return scenario;
}

function base64url(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The longest token a link may carry in its URL (protocols/links/share.py MAX_TOKEN_CHARS). */
export const MAX_LINK_TOKEN = 16_000;

/** The share token of a scenario dict. */
export async function encodeScenario(scenario) {
  const data = new TextEncoder().encode(JSON.stringify(scenario));
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return base64url(bytes);
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// Presentation properties copied inline, so the SVG looks the same outside the page.
const SVG_STYLE_PROPS = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity",
  "opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor",
  "dominant-baseline", "visibility", "display", "color", "paint-order", "stroke-linejoin",
  "stroke-linecap", "letter-spacing", "text-decoration",
];

/** An element and its descendants copied with their computed styles inlined. */
function inlinedClone(el) {
  const clone = el.cloneNode(true);
  const source = [el, ...el.querySelectorAll("*")];
  const target = [clone, ...clone.querySelectorAll("*")];
  source.forEach((node, i) => {
    const style = getComputedStyle(node);
    // Through the CSSOM, which the Content-Security-Policy allows (a style attribute set as
    // text would be an inline style it blocks); it serializes as the same attribute.
    target[i].style.cssText =
      SVG_STYLE_PROPS.map((p) => `${p}:${style.getPropertyValue(p)}`).join(";");
    target[i].removeAttribute("class");
  });
  return clone;
}

/**
 * SVG documents stacked top to bottom (the diagram's node headers over its body) as one
 * standalone SVG, styles inlined, so it looks the same outside the page.
 */
export function standaloneSvg(parts) {
  const svgNs = "http://www.w3.org/2000/svg";
  const root = document.createElementNS(svgNs, "svg");
  root.setAttribute("xmlns", svgNs);
  let y = 0;
  let width = 0;
  for (const part of parts) {
    const w = Number(part.getAttribute("width")) || Math.ceil(part.getBoundingClientRect().width);
    const hgt = Number(part.getAttribute("height")) || Math.ceil(part.getBoundingClientRect().height);
    const clone = inlinedClone(part);
    clone.setAttribute("x", "0");
    clone.setAttribute("y", String(y));
    clone.setAttribute("width", String(w));
    clone.setAttribute("height", String(hgt));
    root.appendChild(clone);
    y += hgt;
    width = Math.max(width, w);
  }
  root.setAttribute("width", String(width));
  root.setAttribute("height", String(y));
  root.setAttribute("viewBox", `0 0 ${width} ${y}`);
  // A white page, as on screen.
  const page = document.createElementNS(svgNs, "rect");
  for (const [k, v] of Object.entries({ x: 0, y: 0, width, height: y, fill: "#ffffff" })) page.setAttribute(k, String(v));
  root.insertBefore(page, root.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(root)}\n`;
}

export class ScenarioTools {
  /**
   * @param {object} opts  protocol (describe() dict), copy (RunCopy), send(intent), toasts,
   *   boot (the page's bootstrap)
   */
  constructor(toolbar, { protocol, copy, send, sendStart, toasts, boot }) {
    this.protocol = protocol;
    this.copy = copy;
    this.send = send;
    this.sendStart = sendStart || send;   // a start intent, as a token when it is long
    this.toasts = toasts;
    this.expectHash = new URLSearchParams(location.search).get("expect");
    this.baseline = null;     // the token of the run as the page opened it (a promise)
    this.urlTimer = null;
    this.lastSeek = 0;
    this.seekTimer = null;

    this.scrubber = h("input", { id: "scrubber", type: "range", min: 0, max: 0, step: 1, value: 0,
      "aria-label": "Step in the run", title: "Drag to any step of the run" });
    this.scrubber.addEventListener("input", () => this.scrubTo(Number(this.scrubber.value)));
    this.scrubber.addEventListener("change", () => this.seek(Number(this.scrubber.value)));
    this.jump = h("input", { id: "jump", type: "number", min: 0, step: 1, inputmode: "numeric",
      "aria-label": "Jump to step", title: "Jump to step (Enter)", placeholder: "step" });
    this.jump.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const step = Number.parseInt(this.jump.value, 10);
      if (Number.isFinite(step)) this.seek(Math.max(0, Math.min(step, this.length())));
    });
    this.undoBtn = h("button", { type: "button", class: "btn", id: "undo-fork", hidden: true,
      onclick: () => this.undoFork() }, "Undo fork");

    this.shareBtn = h("button", { type: "button", class: "btn", id: "share",
      "aria-expanded": "false", onclick: () => this.toggleShare() }, "Share");
    this.exportSel = h("select", { id: "export", "aria-label": "Export or import" },
      h("option", { value: "" }, "Export…"),
      h("option", { value: "mermaid" }, "Mermaid sequence diagram"),
      h("option", { value: "svg" }, "SVG of the diagram"),
      h("option", { value: "json" }, "JSON trace"),
      h("option", { value: "import" }, "Import a JSON trace…"));
    this.exportSel.addEventListener("change", () => {
      const what = this.exportSel.value;
      this.exportSel.value = "";
      if (what) this.exportAs(what);
    });
    this.importInput = h("input", { type: "file", id: "import-trace", accept: "application/json,.json",
      hidden: true });
    this.importInput.addEventListener("change", () => this.importFile(this.importInput.files[0]));

    this.shareUrl = h("input", { id: "share-url", type: "text", readonly: true, "aria-label": "Share link" });
    this.titleInput = h("input", { id: "share-title", type: "text", maxlength: 120,
      placeholder: "Title (optional)", "aria-label": "Title" });
    this.noteInput = h("textarea", { id: "share-note", maxlength: 500, rows: 2,
      placeholder: "A remark shown at this step (optional)", "aria-label": "Remark at this step" });
    this.shortUrl = h("input", { id: "short-url", type: "text", readonly: true, hidden: true,
      "aria-label": "Short link" });
    this.sharePanel = h("div", { class: "share-panel", id: "share-panel", hidden: true, role: "dialog",
      "aria-label": "Share this run" },
    h("label", { class: "share-row" }, h("span", { class: "tb-label" }, "Link"), this.shareUrl,
      h("button", { type: "button", class: "btn", onclick: () => this.copyText(this.shareUrl) }, "Copy")),
    h("div", { class: "share-row" }, this.titleInput),
    h("div", { class: "share-row" }, this.noteInput),
    h("div", { class: "share-row" },
      h("button", { type: "button", class: "btn btn-primary", id: "save-short",
        onclick: () => this.saveShort() }, "Save short link"),
      this.shortUrl));

    const runRow = toolbar.querySelector(".tb-row-run") || toolbar;
    const transport = toolbar.querySelector(".tb-transport") || toolbar;
    runRow.appendChild(h("div", { class: "tb-group tb-scenario" },
      this.undoBtn, this.shareBtn, this.exportSel, this.importInput));
    transport.appendChild(h("label", { class: "tb-field tb-scrub" },
      h("span", { class: "tb-label" }, "Steps"), this.scrubber, this.jump));
    toolbar.appendChild(this.sharePanel);
  }

  length() {
    const run = this.copy.run;
    return run && Array.isArray(run.actions) ? run.actions.length : 0;
  }

  // -- time travel --------------------------------------------------------------------------

  seek(step) {
    clearTimeout(this.seekTimer);
    if (step !== this.copy.step) this.send({ type: "seek", step });
  }

  /** While dragging: seek at most every SEEK_EVERY_MS, and to the last position at the end. */
  scrubTo(step) {
    const wait = this.lastSeek + SEEK_EVERY_MS - performance.now();
    clearTimeout(this.seekTimer);
    if (wait <= 0) {
      this.lastSeek = performance.now();
      this.seek(step);
    } else {
      this.seekTimer = setTimeout(() => this.scrubTo(step), wait);
    }
  }

  /** Called after every server message has been applied to the copy. */
  afterMessage(msg) {
    if (msg.type === "snapshot") {
      if (this.baseline === null && this.copy.run) this.baseline = this.token().catch(() => "");
      if (this.expectHash && this.copy.state) {
        this.reportImport(this.expectHash);
        this.expectHash = null;
      }
    }
    // The server keeps what a fork cut (the Run's undo): offer it while it is there.
    const fork = this.copy.run && this.copy.run.fork;
    this.undoBtn.hidden = !fork;
    if (fork) {
      this.undoBtn.title = `The run forked at step ${fork.at}: its old future ` +
        `(${fork.cut} steps) was cut. Undo brings it back.`;
    }
  }

  undoFork() {
    if (this.copy.run && this.copy.run.fork) this.send({ type: "undo_fork" });
  }

  // -- rendering and the URL ------------------------------------------------------------------

  update() {
    const length = this.length();
    this.scrubber.max = String(length);
    this.scrubber.value = String(this.copy.step);
    this.scrubber.disabled = length === 0;
    this.jump.max = String(length);
    this.scheduleUrl();
  }

  /** Keep the current run in the address bar, so a reload (or a restart) resumes it. */
  scheduleUrl() {
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => this.updateUrl(), URL_DELAY_MS);
  }

  async updateUrl() {
    if (!this.copy.run || this.baseline === null || typeof CompressionStream === "undefined") return;
    let token;
    try {
      token = await this.token();
    } catch {
      return;
    }
    // The run as the page opened it keeps its address (a short link, a preset, a fresh page).
    if (token === await this.baseline) return;
    if (token.length > MAX_LINK_TOKEN) {
      // The server refuses links this long: keep the last address that fits, and say so once.
      if (!this.warnedLong) {
        this.warnedLong = true;
        this.toasts.show("This run is too long for the address bar",
          "A reload would reopen an earlier step. Share → Save short link keeps the whole run.",
          { tone: "warn", timeoutMs: 10_000 });
      }
      return;
    }
    this.warnedLong = false;
    const run = this.copy.run;
    const url = run.preset && run.as_written
      ? `/play/${this.protocol.name}/?preset=${encodeURIComponent(run.preset)}&cursor=${this.copy.step}`
      : `/play/${this.protocol.name}/?s=${token}`;
    if (location.pathname + location.search !== url) history.replaceState(null, "", url);
  }

  token() {
    return encodeScenario(linkScenario(this.protocol.name, this.copy.run, this.copy.step));
  }

  // -- sharing -----------------------------------------------------------------------------------

  async toggleShare(show = this.sharePanel.hidden) {
    this.sharePanel.hidden = !show;
    this.shareBtn.setAttribute("aria-expanded", String(show));
    if (!show || !this.copy.run) return;
    const token = await this.token();
    if (token.length > MAX_LINK_TOKEN) {
      // Too long for a URL (the server refuses such links): only a short link can carry it.
      this.shareUrl.value = "";
      this.shareUrl.placeholder = `This run is too long for a link (${token.length.toLocaleString("en")} characters): save a short link below`;
    } else {
      this.shareUrl.value = `${location.origin}/play/${this.protocol.name}/?s=${token}`;
    }
    this.noteInput.placeholder = `A remark shown at step ${this.copy.step} (optional)`;
    this.shortUrl.hidden = true;
  }

  copyText(input) {
    input.select();
    navigator.clipboard?.writeText(input.value).catch(() => {});
  }

  async saveShort() {
    const run = this.copy.run;
    if (!run) return;
    const body = { ...linkScenario(this.protocol.name, run, this.copy.step), title: this.titleInput.value };
    delete body.v;
    if (this.noteInput.value.trim()) body.narration = { [String(this.copy.step)]: this.noteInput.value };
    let reply;
    try {
      const response = await fetch("/api/scenarios", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      reply = await response.json();
      if (!response.ok) throw new Error(reply.message || `HTTP ${response.status}`);
    } catch (err) {
      this.toasts.show("Could not save the link", String(err.message || err));
      return;
    }
    this.shortUrl.value = reply.url;
    this.shortUrl.hidden = false;
    this.copyText(this.shortUrl);
    this.toasts.show("Short link saved", reply.url, { tone: "info", timeoutMs: 6000 });
  }

  // -- export and import ---------------------------------------------------------------------------

  async exportAs(what) {
    if (what === "import") {
      this.importInput.click();
      return;
    }
    if (!this.copy.run) return;
    const name = `${this.protocol.name}-seed${this.copy.run.seed}-step${this.copy.step}`;
    if (what === "svg") {
      // The whole diagram as shown: node headers, every message, note and band (all of it
      // drawn for the export, even where the page draws only what is on screen).
      const diagram = window.playground && window.playground.diagram;
      if (diagram) download(`${name}.svg`, diagram.exportSvg(standaloneSvg), "image/svg+xml");
      return;
    }
    const path = what === "mermaid" ? "mermaid" : "trace";
    try {
      const token = await this.token();
      // A run too long for a URL goes in the body instead (docs/api.md).
      const response = token.length > MAX_LINK_TOKEN
        ? await fetch(`/api/export/${path}`, { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ s: token }) })
        : await fetch(`/api/export/${path}?s=${token}`);
      const text = await response.text();
      if (!response.ok) throw new Error(text);
      if (what === "mermaid") download(`${name}.mmd`, text, "text/plain");
      else download(`${name}.json`, text, "application/json");
    } catch (err) {
      this.toasts.show("Export failed", String(err.message || err));
    }
  }

  async importFile(file) {
    this.importInput.value = "";
    if (!file) return;
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      this.toasts.show("Import failed", "the file is not JSON");
      return;
    }
    this.importTrace(doc);
  }

  /** Replay a JSON trace's scenario; the first snapshot then says whether its hash matches. */
  async importTrace(doc) {
    const scen = doc && doc.scenario;
    if (!scen || typeof scen !== "object" || !Array.isArray(scen.actions)) {
      this.toasts.show("Import failed", "this is not a JSON trace exported from the playground (no scenario)");
      return;
    }
    if (scen.protocol !== this.protocol.name) {
      const token = await encodeScenario(scen);
      location.href = `/play/${encodeURIComponent(scen.protocol)}/?s=${token}&expect=${encodeURIComponent(doc.trace_hash || "")}`;
      return;
    }
    this.expectHash = String(doc.trace_hash || "");
    this.sendStart({ type: "start", variant: scen.variant, config: scen.config || {}, seed: scen.seed ?? 0,
      actions: scen.actions, cursor: scen.cursor ?? scen.actions.length });
  }

  reportImport(expected) {
    const got = this.copy.state.trace_hash;
    if (!expected) {
      this.toasts.show("Imported", "the trace carries no hash to compare", { tone: "warn" });
    } else if (got === expected) {
      this.toasts.show("Imported", "the replayed run has the same trace hash: it is the same run",
        { tone: "info", timeoutMs: 6000, code: "import-match" });
    } else {
      this.toasts.show("Imported, but the run differs",
        `the replayed trace hash ${got.slice(0, 12)}… differs from the file's ${expected.slice(0, 12)}…`,
        { tone: "warn", code: "import-differs", timeoutMs: 0 });
    }
  }
}
