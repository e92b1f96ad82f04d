// Node state rendered readably: dicts as key/value lists, lists of records (a log) as
// numbered lists of one-line records, scalars as text. Never HTML: every value is text.

import { h } from "./dom.js";

const isScalar = (v) => v === null || v === undefined || typeof v !== "object";

function scalar(value) {
  if (value === null || value === undefined) return h("span", { class: "v v-null", title: "no value" }, "nil");
  if (typeof value === "boolean") return h("span", { class: "v v-bool" }, value ? "true" : "false");
  if (typeof value === "number") return h("span", { class: "v v-num" }, String(value));
  return h("span", { class: "v v-str" }, String(value));
}

/** One line of text for a value nested too deep to lay out: "x=1, y=2", "p1, p2". */
export function inlineText(value) {
  if (isScalar(value)) return value === null || value === undefined ? "nil" : String(value);
  if (Array.isArray(value)) return value.length ? value.map(inlineText).join(", ") : "[]";
  const entries = Object.entries(value);
  return entries.length ? entries.map(([k, v]) => `${k}=${inlineText(v)}`).join(", ") : "{}";
}

/** A record on one line: "tx 1 · decision commit · at 120". */
function inlineRecord(value) {
  return h("span", { class: "v-record" }, Object.entries(value).map(([k, v]) =>
    h("span", { class: "kv" }, h("span", { class: "k" }, k), " ",
      isScalar(v) ? scalar(v) : h("span", { class: "v" }, inlineText(v)))));
}

function empty(text) {
  return h("span", { class: "v v-empty" }, text);
}

export function renderValue(value, depth = 0) {
  if (isScalar(value)) return scalar(value);
  if (Array.isArray(value)) {
    if (!value.length) return empty("empty");
    if (value.every(isScalar)) {
      return h("span", { class: "v-chips" }, value.map((v) => h("span", { class: "chip" },
        v === null ? "nil" : String(v))));
    }
    return h("ol", { class: "v-list" }, value.map((v) =>
      h("li", {}, isScalar(v) ? scalar(v) : Array.isArray(v) ? inlineText(v) : inlineRecord(v))));
  }
  const entries = Object.entries(value);
  if (!entries.length) return empty("empty");
  if (depth >= 3) return inlineRecord(value);
  return h("dl", { class: `v-dict depth-${depth}` }, entries.map(([k, v]) => [
    h("dt", {}, k),
    h("dd", {}, renderValue(v, depth + 1)),
  ]));
}
