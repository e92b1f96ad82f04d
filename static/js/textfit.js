// Measuring SVG text without layout: a canvas with the same font gives the width, so
// labels get snug backgrounds and notes wrap to their column.

const FAMILY = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
const context = document.createElement("canvas").getContext("2d");
const cache = new Map();

export function textWidth(text, size = 11, weight = 400) {
  const key = `${size}|${weight}|${text}`;
  let width = cache.get(key);
  if (width === undefined) {
    context.font = `${weight} ${size}px ${FAMILY}`;
    width = context.measureText(text).width;
    if (cache.size > 5000) cache.clear();
    cache.set(key, width);
  }
  return width;
}

/** `text` cut to fit `maxWidth`, with an ellipsis when cut. */
export function clip(text, maxWidth, size = 11, weight = 400) {
  if (textWidth(text, size, weight) <= maxWidth) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (textWidth(text.slice(0, mid) + "…", size, weight) <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return text.slice(0, low) + "…";
}

/** The largest size from `size` down to `min` (half-pixel steps) at which `text` fits. */
export function fitSize(text, maxWidth, size = 13, min = 11, weight = 400) {
  for (let s = size; s > min; s -= 0.5) {
    if (textWidth(text, s, weight) <= maxWidth) return s;
  }
  return min;
}

/** Greedy word wrap into at most `maxLines` lines of `maxWidth`. */
export function wrap(text, maxWidth, maxLines = 3, size = 11, weight = 400) {
  const words = String(text).split(/\s+/).filter(Boolean);
  const lines = [];
  let line = "";
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (!line || textWidth(candidate, size, weight) <= maxWidth) {
      line = candidate;
    } else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = clip(lines.slice(maxLines - 1).join(" "), maxWidth, size, weight);
    return kept.map((l) => clip(l, maxWidth, size, weight));
  }
  return lines.map((l) => clip(l, maxWidth, size, weight));
}
