// The SVG sequence diagram: draws the items diagram-layout.js places, keeps the ones that
// did not change (so in-flight animations run on undisturbed), draws only the viewport
// when there are many, follows the latest step, and turns clicks into actions:
// a message in flight -> deliver, its ✕ -> drop, its ⧉ -> duplicate, an armed timer ->
// fire, a node's header -> crash (or restart when crashed). A protocol's view may add
// eras and bands (diagram-overlays.js); panels may highlight or dim trace events.

import { h, s, fill } from "./dom.js";
import { GEOMETRY as G, layoutDiagram } from "./diagram-layout.js";
import { clip, fitSize, textWidth, wrap } from "./textfit.js";
import { roleColors } from "./palette.js";
import { drawBand, drawEra, hatchPatterns, overlayItems } from "./diagram-overlays.js";
import { groupsText, nodeSubtitle } from "./labels.js";

const VIRTUALIZE_OVER = 300;   // items; above this only the viewport (plus margin) is drawn
const OVERSCAN = 500;          // px drawn above and below the viewport
const FOLLOW_SLACK = 80;       // px from the bottom that still counts as "following"
const reducedMotion = () => matchMedia("(prefers-reduced-motion: reduce)").matches;

/** Keeps one SVG element per item key; redraws an item only when its data changed. */
class KeyedLayer {
  constructor(el) {
    this.el = el;
    this.live = new Map();
  }

  sync(items, draw) {
    const seen = new Set();
    for (const item of items) {
      seen.add(item.key);
      const sig = JSON.stringify(item);
      const current = this.live.get(item.key);
      if (current && current.sig === sig) continue;
      const el = draw(item);
      if (current) current.el.replaceWith(el);
      else this.el.appendChild(el);
      this.live.set(item.key, { sig, el });
    }
    for (const [key, current] of this.live) {
      if (!seen.has(key)) {
        current.el.remove();
        this.live.delete(key);
      }
    }
  }

  clear() {
    for (const { el } of this.live.values()) el.remove();
    this.live.clear();
  }
}

function marker(id, cls) {
  return s("marker", { id, class: cls, viewBox: "0 0 10 10", refX: 9.5, refY: 5,
    markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" },
  s("path", { d: "M0,1 L10,5 L0,9 z" }));
}

function actionAttr(action) {
  return action ? JSON.stringify(action) : null;
}

export class SequenceDiagram {
  constructor(root, { onAction, actionsHelp }) {
    this.root = root;
    this.onAction = onAction;
    this.actionsHelp = actionsHelp;
    this.follow = true;
    this.scrolledTo = -1;
    this.highlighted = new Set();
    this.dimmed = new Set();
    this.layout = null;
    this.copy = null;

    this.banner = h("div", { class: "diagram-banner", role: "status", hidden: true });
    this.head = s("svg", { class: "diagram-head", "aria-label": "Nodes" });
    this.body = s("svg", { class: "diagram-body", "aria-label": "Sequence diagram" });
    this.empty = h("p", { class: "diagram-empty" }, "Connecting to the simulation…");
    this.scroller = h("div", { class: "diagram-scroll", tabindex: "-1" },
      this.head, this.body, this.empty);
    fill(root, this.banner, this.scroller);
    root.classList.add("diagram");

    this.body.appendChild(s("defs", {},
      marker("pp-arrow", "arrow-delivered"),
      marker("pp-arrow-flight", "arrow-flight"),
      marker("pp-arrow-blocked", "arrow-blocked"),
      marker("pp-arrow-copy", "arrow-copy"),
      s("pattern", { id: "pp-hatch", width: 8, height: 8, patternUnits: "userSpaceOnUse",
        patternTransform: "rotate(45)" }, s("rect", { width: 8, height: 8, class: "hatch-bg" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 8, class: "hatch-line" })),
      ...hatchPatterns()));
    const layer = (name) => {
      const g = s("g", { class: `layer-${name}` });
      this.body.appendChild(g);
      return new KeyedLayer(g);
    };
    this.layers = {
      rows: layer("rows"), bands: layer("bands"), overlays: layer("overlays"),
      lifelines: layer("lifelines"),
      messages: layer("messages"), flight: layer("flight"), marks: layer("marks"),
      labels: layer("labels"),
    };
    this.headLayer = new KeyedLayer(this.head);

    this.scroller.addEventListener("click", (event) => this.onClick(event));
    this.scroller.addEventListener("keydown", (event) => this.onKey(event));
    this.scroller.addEventListener("scroll", () => {
      const sc = this.scroller;
      // Only the user's own scrolling decides whether to keep following the latest step.
      if (Math.abs(sc.scrollTop - this.scrolledTo) > 1) {
        this.follow = sc.scrollHeight - sc.scrollTop - sc.clientHeight < FOLLOW_SLACK;
        this.scrolledTo = -1;
      }
      if (this.virtual && !this.scrollQueued) {
        this.scrollQueued = true;
        requestAnimationFrame(() => {
          this.scrollQueued = false;
          this.drawItems();
        });
      }
    }, { passive: true });
    this.width = 0;
    new ResizeObserver(() => {
      const width = this.scroller.clientWidth;
      if (width !== this.width && this.copy) {
        this.width = width;
        this.render(this.copy);
      } else if (this.follow && this.layout) {
        // Taller or shorter (the page around it changed): keep the latest step in view.
        this.scrollToEnd();
      }
    }).observe(this.scroller);
  }

  /** Re-lay out and redraw from the client's copy of the run. */
  render(copy) {
    this.copy = copy;
    const state = copy.state;
    if (!state) return;
    this.empty.hidden = true;
    this.width = this.scroller.clientWidth;
    this.layout = layoutDiagram({
      trace: copy.trace, state, width: this.width || 800,
      canAct: (action) => copy.isEnabled(action), actionsHelp: this.actionsHelp,
      highlight: this.highlighted, dim: this.dimmed,
    });
    const view = state.view;
    this.layout.items.push(...overlayItems(view && view.diagram, this.layout));
    this.colours = roleColors(state.nodes);
    const { width, height } = this.layout;
    this.head.setAttribute("width", width);
    this.head.setAttribute("height", G.headHeight);
    this.head.setAttribute("viewBox", `0 0 ${width} ${G.headHeight}`);
    this.body.setAttribute("width", width);
    this.body.setAttribute("height", height);
    this.body.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.headLayer.sync(this.layout.head, (item) => this.drawHead(item));
    this.renderBanner(copy);
    const wasFollowing = this.follow;
    this.drawItems();
    if (wasFollowing) this.scrollToEnd();
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.scrolledTo = this.scroller.scrollTop;
    this.follow = true;
    if (this.virtual) this.drawItems();
  }

  /** Mark these trace events (e.g. those a failed check names) and bring them into view. */
  highlight(eventIds) {
    this.highlighted = new Set(eventIds || []);
    if (!this.copy) return;
    // Only something to look at stops the diagram following the latest step; clearing the
    // marks (a new run, say) leaves following as it was.
    if (this.highlighted.size) this.follow = false;
    this.render(this.copy);
    const marked = this.layout.items.filter((item) => item.hl);
    if (marked.length) {
      const top = Math.min(...marked.map((item) => item.ymin));
      this.scroller.scrollTo({ top: Math.max(0, top + G.headHeight - 80), behavior: "smooth" });
    }
  }

  /** Grey out these trace events (e.g. those concurrent with a selected one). */
  dim(eventIds) {
    const next = new Set(eventIds || []);
    if (next.size === this.dimmed.size && [...next].every((i) => this.dimmed.has(i))) return;
    this.dimmed = next;
    if (this.copy) this.render(this.copy);
  }

  drawItems() {
    const items = this.layout.items;
    this.virtual = items.length > VIRTUALIZE_OVER;
    let visible = items;
    if (this.virtual) {
      const top = this.scroller.scrollTop - G.headHeight - OVERSCAN;
      const bottom = this.scroller.scrollTop + this.scroller.clientHeight + OVERSCAN;
      visible = items.filter((item) => item.ymax >= top && item.ymin <= bottom);
    }
    const byLayer = {};
    for (const name of Object.keys(this.layers)) byLayer[name] = [];
    for (const item of visible) byLayer[item.layer].push(item);
    for (const [name, layer] of Object.entries(this.layers)) {
      layer.sync(byLayer[name], (item) => this.draw(item));
    }
    this.root.dataset.drawn = String(visible.length);
    this.root.dataset.items = String(items.length);
    this.root.dataset.virtual = String(this.virtual);
  }

  /** The whole diagram (headers over the body, every item drawn) through `toSvg(parts)`. */
  exportSvg(toSvg) {
    if (!this.layout) return toSvg([this.head]);
    const byLayer = {};
    for (const name of Object.keys(this.layers)) byLayer[name] = [];
    for (const item of this.layout.items) byLayer[item.layer].push(item);
    for (const [name, layer] of Object.entries(this.layers)) layer.sync(byLayer[name], (item) => this.draw(item));
    try {
      return toSvg([this.head, this.body]);
    } finally {
      this.drawItems();   // back to drawing what is on screen
    }
  }

  renderBanner(copy) {
    const partition = copy.state.partition;
    if (!partition) {
      this.banner.hidden = true;
      return;
    }
    const heal = copy.isEnabled({ type: "heal" })
      ? h("button", { type: "button", class: "btn btn-small", "data-action": actionAttr({ type: "heal" }),
        onclick: () => this.onAction({ type: "heal" }) }, "Heal")
      : null;
    fill(this.banner,
      h("strong", {}, "Network partitioned"),
      h("span", { class: "banner-groups" },
        partition.map((group, i) => [i ? h("span", { class: "wall", "aria-hidden": "true" }, "‖") : null,
          h("span", { class: "group" }, group.join(" · "))])),
      h("span", { class: "banner-note" }, "messages between groups cannot be delivered"),
      heal);
    this.banner.setAttribute("aria-label", `Network partitioned: ${groupsText(partition)}`);
    this.banner.hidden = false;
  }

  // -- interaction ----------------------------------------------------------------------

  actionFrom(target) {
    const el = target.closest && target.closest("[data-action]");
    if (!el || !this.scroller.contains(el)) return null;
    try {
      return JSON.parse(el.getAttribute("data-action"));
    } catch {
      return null;
    }
  }

  onClick(event) {
    const action = this.actionFrom(event.target);
    if (action) {
      event.preventDefault();
      this.onAction(action);
    }
  }

  onKey(event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    const action = this.actionFrom(event.target);
    if (action) {
      event.preventDefault();
      event.stopPropagation();   // space here acts on the focused item, not play/pause
      this.onAction(action);
    }
  }

  // -- drawing ----------------------------------------------------------------------------

  draw(item) {
    switch (item.kind) {
      case "row": return this.drawRow(item);
      case "zone": return this.drawZone(item);
      case "life": return this.drawLife(item);
      case "band": return this.drawBand(item);
      case "era": return drawEra(item);
      case "overlay-band": return drawBand(item);
      case "msg": return this.drawMessage(item);
      case "pill": return this.drawPill(item);
      case "mark": return this.drawMark(item);
      case "global": return this.drawGlobal(item);
      case "pending-timer": return this.drawPendingTimer(item);
      default: return s("g");
    }
  }

  drawHead(item) {
    const colour = this.colours.get(item.role) || "#64748b";
    const x = item.x - item.width / 2;
    const verb = item.action ? (item.action.type === "restart" ? "restart" : "crash") : null;
    // A long name ("Storage service") steps down to 11 px, then takes two lines (and the
    // line under it goes), before it is cut.
    const room = item.width - 12;
    let size = fitSize(item.label, room, 13, 11, 600);
    let lines = [clip(item.label, room, size, 600)];
    if (textWidth(item.label, size, 600) > room && /\s/.test(item.label.trim())) {
      size = 11.5;
      lines = wrap(item.label, room, 2, size, 600);
    }
    const label = lines.length === 1
      ? [s("text", { class: "head-label", x: item.x, y: 32, "text-anchor": "middle",
        style: { "font-size": `${size}px` } }, lines[0]),
      s("text", { class: "head-sub", x: item.x, y: 48, "text-anchor": "middle" },
        clip(nodeSubtitle(item), room, 11))]
      : lines.map((line, k) => s("text", { class: "head-label", x: item.x, y: 31 + k * 15,
        "text-anchor": "middle", style: { "font-size": `${size}px` } }, line));
    const g = s("g", {
      class: `head status-${item.status}${item.action ? " clickable" : ""}`,
      "data-action": actionAttr(item.action), "data-node": item.id,
      role: item.action ? "button" : null, tabindex: item.action ? 0 : null,
      "aria-label": `${item.label} (${item.role}, ${item.status})${verb ? `: ${verb}` : ""}`,
      style: { "--role": colour },
    },
    s("title", {}, `${item.label} (${item.id}) — ${item.role}, ${item.status}` +
      (verb ? `\nClick to ${verb} ${item.id}` : "")),
    s("rect", { class: "head-box", x, y: 8, width: item.width, height: 50, rx: 8 }),
    s("rect", { class: "head-strip", x: x + 1, y: 9, width: item.width - 2, height: 4, rx: 2 }),
    ...label);
    if (item.status !== "up") {
      const text = item.status === "crashed" ? "✕ crashed" : "❚❚ paused";
      const w = textWidth(text, 10, 600) + 10;
      g.appendChild(s("g", { class: "head-badge" },
        s("rect", { x: x + item.width - w - 4, y: 1, width: w, height: 15, rx: 7.5 }),
        s("text", { x: x + item.width - w / 2 - 4, y: 12, "text-anchor": "middle" }, text)));
    }
    return g;
  }

  drawRow(item) {
    const g = s("g", { class: `row${item.odd ? " odd" : ""}${item.current ? " current" : ""}`,
      "data-step": item.step },
      s("rect", { class: "row-bg", x: 0, y: item.top, width: item.width, height: item.height }),
      s("text", { class: "step-no", x: G.gutter - 10, y: item.top + G.rowTop + 4,
        "text-anchor": "end" }, item.step === 0 ? "start" : String(item.step)),
      s("text", { class: "step-t", x: G.gutter - 10, y: item.top + G.rowTop + 16,
        "text-anchor": "end" }, `${item.t} ms`));
    item.checks.forEach((check, k) => {
      const cx = 10 + k * 14;
      const cy = item.top + G.rowTop + 1;
      g.appendChild(s("g", { class: `gutter-check ${check.ok ? "ok" : "bad"}` },
        s("title", {}, check.text),
        s("circle", { cx, cy, r: 6 }),
        s("text", { x: cx, y: cy + 3.5, "text-anchor": "middle" }, check.ok ? "✓" : "✗")));
    });
    return g;
  }

  drawZone(item) {
    return s("g", { class: `zone${item.empty ? " empty" : ""}` },
      s("rect", { class: "zone-bg", x: 0, y: item.top, width: item.width, height: item.height }),
      s("line", { class: "zone-edge", x1: 0, x2: item.width, y1: item.top, y2: item.top }),
      s("text", { class: "zone-label", x: G.gutter - 10, y: item.top + 24, "text-anchor": "end" },
        item.empty ? "quiet" : "next"));
  }

  drawLife(item) {
    return s("line", { class: `life status-${item.status}`, x1: item.x, x2: item.x,
      y1: item.top, y2: item.bottom });
  }

  drawBand(item) {
    return s("rect", { class: "band", x: item.left, y: item.top, width: item.right - item.left,
      height: Math.max(0, item.bottom - item.top) });
  }

  drawGlobal(item) {
    const w = textWidth(item.text, 11, 600) + 18;
    const cx = (item.left + item.right) / 2;
    return s("g", { class: `global global-${item.type}` },
      s("line", { x1: item.left, x2: item.right, y1: item.y, y2: item.y }),
      s("rect", { x: cx - w / 2, y: item.y - 9, width: w, height: 18, rx: 9 }),
      s("text", { x: cx, y: item.y + 4, "text-anchor": "middle" }, item.text));
  }

  messagePath(item) {
    if (item.x1 === item.x2) {   // a node writing to itself: a small loop
      const bend = item.x1 + 46;
      return `M${item.x1},${item.y1} C${bend},${item.y1} ${bend},${item.y2} ${item.x2},${item.y2}`;
    }
    return `M${item.x1},${item.y1} L${item.x2},${item.y2}`;
  }

  drawMessage(item) {
    const d = this.messagePath(item);
    const classes = ["msg", `msg-${item.status}`];
    if (item.copyOf !== null) classes.push("copy");
    if (item.hl) classes.push("hl");
    const flying = item.status === "inflight";
    if (flying && item.blocked) classes.push("blocked");
    if (flying && item.deliver) classes.push("clickable");
    const deliver = flying && item.deliver ? { type: "deliver", msg: item.id } : null;
    const markerId = item.status === "dropped" ? null
      : item.blocked ? "pp-arrow-blocked"
        : item.copyOf !== null ? "pp-arrow-copy"
          : flying ? "pp-arrow-flight" : "pp-arrow";
    const g = s("g", {
      class: classes.join(" "), "data-msg": item.id, "data-kind": String(item.msgKind || "?").toUpperCase(),
      "data-tone": item.tone || "info",
      "data-action": actionAttr(deliver), role: deliver ? "button" : null,
      tabindex: deliver ? 0 : null,
      "aria-label": `${item.label} from ${item.src} to ${item.dst}, ${item.status}` +
        (deliver ? ": deliver" : ""),
    },
    s("title", {}, item.title),
    s("path", { class: "hit", d }),
    s("path", { class: "line", d, "marker-end": markerId ? `url(#${markerId})` : null }));

    if (flying && !item.blocked) {
      const dot = s("circle", { class: "dot", r: 3.5, cx: 0, cy: 0 });
      if (reducedMotion()) {
        dot.setAttribute("cx", item.x1 + (item.x2 - item.x1) * 0.6);
        dot.setAttribute("cy", item.y1 + (item.y2 - item.y1) * 0.6);
      } else {
        dot.appendChild(s("animateMotion", { dur: "1.8s", repeatCount: "indefinite", path: d,
          keyPoints: "0;1", keyTimes: "0;1", calcMode: "linear" }));
      }
      g.appendChild(dot);
    }
    if (item.status === "dropped") {
      const { x2, y2 } = item;
      g.appendChild(s("g", { class: "cross" },
        s("line", { x1: x2 - 5, y1: y2 - 5, x2: x2 + 5, y2: y2 + 5 }),
        s("line", { x1: x2 - 5, y1: y2 + 5, x2: x2 + 5, y2: y2 - 5 })));
    }

    // A label the layout found no room for is left to the tooltip and the aria-label.
    // Its backdrop keeps the text clear of the arrows that cross it (its own included).
    if (!flying && !item.unlabelled) {
      const baseline = item.below ? item.ly + 12 : item.ly - 5;
      g.appendChild(s("rect", { class: "msg-label-bg", x: item.lx - item.lw / 2, y: baseline - 10.5,
        width: item.lw, height: 14, rx: 3 }));
      g.appendChild(s("text", { class: "msg-label", x: item.lx, y: baseline,
        "text-anchor": "middle" }, item.text));
    }
    return g;
  }

  /** An in-flight message's label: click to deliver; its ✕ drops, its copy button duplicates. */
  drawPill(item) {
    const deliver = item.deliver ? { type: "deliver", msg: item.id } : null;
    const classes = ["msg-pill", item.blocked ? "blocked" : "", deliver ? "clickable" : "",
      item.copyOf !== null ? "copy" : ""].filter(Boolean).join(" ");
    const g = s("g", {
      class: classes, "data-msg": item.id, "data-kind": String(item.msgKind || "?").toUpperCase(),
      "data-tone": item.tone || "info", "data-action": actionAttr(deliver),
      role: deliver ? "button" : null, tabindex: deliver ? 0 : null,
      "aria-label": `${item.label} from ${item.src} to ${item.dst}, in flight` + (deliver ? ": deliver" : ""),
    }, s("title", {}, item.title));
    const w = item.pill;
    const buttons = [];
    if (item.drop) buttons.push({ cls: "drop", action: { type: "drop", msg: item.id },
      tip: "Drop this message" });
    if (item.duplicate) buttons.push({ cls: "dup", action: { type: "duplicate", msg: item.id },
      tip: "Duplicate this message" });
    const total = w + buttons.length * G.button;
    const left = item.lx - total / 2;
    g.appendChild(s("g", { class: "pill" },
      s("rect", { x: left, y: item.ly - 9, width: w, height: 18, rx: 9 }),
      s("text", { x: left + w / 2, y: item.ly + 4, "text-anchor": "middle" }, item.text)));
    buttons.forEach((b, k) => {
      const cx = left + w + 10 + k * G.button;
      const cy = item.ly;
      const glyph = b.cls === "drop"
        ? s("path", { class: "btn-ink", d: `M${cx - 3},${cy - 3} L${cx + 3},${cy + 3} M${cx - 3},${cy + 3} L${cx + 3},${cy - 3}` })
        : s("path", { class: "btn-ink", d: `M${cx - 3.5},${cy - 1.5} h5 v5 h-5 z M${cx - 1.5},${cy - 3.5} h5 v5` });
      g.appendChild(s("g", {
        class: `msg-btn ${b.cls}`, "data-action": actionAttr(b.action), role: "button",
        tabindex: 0, "aria-label": `${b.tip} (${item.label})`,
      },
      s("title", {}, b.tip),
      s("circle", { cx, cy, r: 8 }),
      glyph));
    });
    return g;
  }

  drawMark(item) {
    const { x, y } = item;
    const g = s("g", { class: `mark mark-${item.mark} tone-${item.tone}${item.hl ? " hl" : ""}${item.dim ? " dim" : ""}`,
      "data-event": item.event },
      s("title", {}, item.title));
    switch (item.mark) {
      case "crash":
        g.append(s("rect", { class: "glyph", x: x - 13, y: y - 5, width: 26, height: 10, rx: 3 }),
          s("path", { class: "glyph-ink", d: `M${x - 3},${y - 3} L${x + 3},${y + 3} M${x - 3},${y + 3} L${x + 3},${y - 3}` }));
        break;
      case "restart":
        g.append(s("circle", { class: "glyph", cx: x, cy: y, r: 6.5 }),
          s("path", { class: "glyph-ink", d: `M${x - 2.5},${y - 3.5} L${x + 3.5},${y} L${x - 2.5},${y + 3.5} z` }));
        break;
      case "pause":
        g.append(s("rect", { class: "glyph", x: x - 6, y: y - 6, width: 12, height: 12, rx: 2 }),
          s("path", { class: "glyph-ink", d: `M${x - 2},${y - 3} V${y + 3} M${x + 2},${y - 3} V${y + 3}` }));
        break;
      case "resume":
        g.append(s("circle", { class: "glyph", cx: x, cy: y, r: 5.5 }));
        break;
      case "timer":
        g.append(s("circle", { class: "glyph", cx: x, cy: y, r: 6 }),
          s("path", { class: "glyph-ink", d: `M${x},${y - 3.5} V${y} L${x + 2.5},${y + 1.5}` }));
        break;
      case "request":
        g.append(s("path", { class: "glyph", d: `M${x},${y - 6} L${x + 6},${y} L${x},${y + 6} L${x - 6},${y} z` }));
        break;
      default:
        g.append(s("circle", { class: "glyph", cx: x, cy: y, r: 3.5 }));
    }
    // Labels sit right of the lifeline, or left of it on the last one (item.left).
    const note = item.mark === "note";
    const sign = item.left ? -1 : 1;
    const anchor = item.left ? "end" : "start";
    if (note) {
      g.append(s("rect", { class: "note-box", x: item.left ? x - 9 - item.width : x + 9,
        y: y - 8, width: item.width, height: item.lines.length * G.slot, rx: 5 }));
    }
    item.lines.forEach((line, k) => {
      g.append(s("text", { class: "mark-text", x: x + sign * (note ? 15 : 12), y: y + 4 + k * G.slot,
        "text-anchor": anchor }, line));
    });
    return g;
  }

  drawPendingTimer(item) {
    const { x, y } = item;
    const action = item.fire ? { type: "fire", timer: item.id } : null;
    return s("g", {
      class: `pending-timer${action ? " clickable" : ""}`, "data-action": actionAttr(action),
      "data-timer": item.id, role: action ? "button" : null, tabindex: action ? 0 : null,
      "aria-label": `timer ${item.name} at ${item.at} ms${action ? ": fire now" : ""}`,
    },
    s("title", {}, `Timer ${item.name}, due at ${item.at} ms` + (action ? "\nClick to fire it now" : "")),
    s("circle", { class: "glyph", cx: x, cy: y, r: 7 }),
    s("path", { class: "glyph-ink", d: `M${x},${y - 4} V${y} L${x + 3},${y + 2}` }),
    s("text", { class: "mark-text", x: item.left ? x - 12 : x + 12, y: y + 4,
      "text-anchor": item.left ? "end" : "start" }, item.text));
  }
}
