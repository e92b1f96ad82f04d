// What a protocol's view asks to draw on the sequence diagram (state.view.diagram):
// `eras`, regions across the diagram by step range, and `bands`, intervals on one lifeline
// (solid, hatched or dashed). Placed on the diagram's current layout by step: an era runs
// from the top of its first step's row, a band from its first step's event line; an open
// end (null) runs to the "now" line.

import { s } from "./dom.js";
import { GEOMETRY as G } from "./diagram-layout.js";
import { HUES, TONE_COLOURS, hueColour, paint } from "./palette.js";

/** Layout items (layer "overlays") for the view's overlays on `layout`. */
export function overlayItems(overlays, layout) {
  const rows = layout.items.filter((i) => i.kind === "row").sort((a, b) => a.step - b.step);
  if (!rows.length || !Array.isArray(overlays)) return [];
  const now = layout.nowY !== undefined ? layout.nowY - 14 : rows[rows.length - 1].top + rows[rows.length - 1].height;
  // The row of `step`, or of the first step after it that has one.
  const rowAt = (step) => rows.find((r) => r.step >= step);
  const topOf = (step) => (step === null || step === undefined ? now : rowAt(step)?.top ?? now);
  const lineOf = (step) => {
    if (step === null || step === undefined) return now;
    const row = rowAt(step);
    return row ? row.top + G.rowTop : now;
  };
  const xOf = new Map(layout.head.map((head) => [head.id, head.x]));
  const items = [];
  overlays.forEach((overlay, n) => {
    const list = overlay && Array.isArray(overlay.items) ? overlay.items : [];
    list.forEach((o, k) => {
      if (!o || typeof o.start !== "number") return;
      if (overlay.type === "eras") {
        const top = topOf(o.start);
        const bottom = Math.max(top, topOf(o.end));
        items.push({ key: `ov-${n}-${k}`, layer: "overlays", kind: "era", top, bottom,
          ymin: top, ymax: bottom, width: layout.width - 8, label: String(o.label ?? ""),
          title: o.title ? String(o.title) : null, hue: o.hue ?? null });
      } else if (overlay.type === "bands") {
        const x = xOf.get(o.lane);
        if (x === undefined) return;
        const top = lineOf(o.start);
        const bottom = Math.max(top + 2, lineOf(o.end));
        items.push({ key: `ov-${n}-${k}`, layer: "overlays", kind: "overlay-band", x, top, bottom,
          ymin: top, ymax: bottom, lane: String(o.lane), style: ["hatched", "dashed"].includes(o.style) ? o.style : "solid",
          band: o.key ? String(o.key) : null, hue: o.hue ?? null, tone: o.tone || null,
          title: o.title ? String(o.title) : null });
      }
    });
  });
  return items;
}

/** One hatch pattern per hue and per tone, for hatched bands (SVG patterns cannot take a
 * colour from the element that uses them). */
export function hatchPatterns() {
  const pattern = (id, colour) => s("pattern", { id, width: 6, height: 6, patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)" },
  s("rect", { width: 6, height: 6, fill: colour, "fill-opacity": 0.14 }),
  s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: colour, "stroke-width": 2 }));
  return [...HUES.map((c, k) => pattern(`pp-hatch-h${k}`, c)),
    ...Object.entries(TONE_COLOURS).map(([tone, c]) => pattern(`pp-hatch-${tone}`, c))];
}

function hatchId(item) {
  if (TONE_COLOURS[item.tone]) return `pp-hatch-${item.tone}`;
  const colour = hueColour(item.hue);
  return colour ? `pp-hatch-h${HUES.indexOf(colour)}` : "pp-hatch-info";
}

export function drawEra(item) {
  const height = Math.max(0, item.bottom - item.top);
  return s("g", { class: "ov-era", "data-label": item.label, style: { "--hue": paint(item) } },
    item.title ? s("title", {}, item.title) : null,
    s("rect", { class: "ov-era-tint", x: 0, y: item.top, width: item.width, height }),
    s("rect", { class: "ov-era-edge", x: 0, y: item.top, width: 4, height }),
    s("text", { class: "ov-era-label", x: 7, y: item.top + 11 }, item.label));
}

export function drawBand(item) {
  const rect = { x: item.x - 5, y: item.top, width: 10, height: item.bottom - item.top, rx: 3 };
  // Inline, so that it wins over the stylesheet's fill for bands.
  if (item.style === "hatched") rect.style = { fill: `url(#${hatchId(item)})` };
  return s("g", {
    class: `ov-band style-${item.style}${item.tone ? ` tone-${item.tone}` : ""}`,
    "data-lane": item.lane, "data-key": item.band, "data-style": item.style,
    style: { "--hue": paint(item) },
  }, item.title ? s("title", {}, item.title) : null, s("rect", rect));
}
