// A protocol's panels: draws whatever `state.view.sections` holds, for any protocol
// (including one added from outside the repository), from the vocabulary of
// protocols/kernel/panels.py — text, badges, table, list, lists, callout, form. Nothing
// here knows a protocol: words, tones, hues and what a form sends all come with the data
// (docs/kernel-api.md, "Panels: what view() returns"). Every string becomes text, never
// markup. The diagram's own overlays (eras, bands) are drawn by diagram-overlays.js.

import { h, refresh } from "./dom.js";
import { hueColour } from "./palette.js";

const TONES = new Set(["info", "ok", "warning", "violation"]);
const EMPHASES = new Set(["strong", "muted", "struck"]);

const tone = (x) => (TONES.has(x && x.tone) ? ` tone-${x.tone}` : "");
const emphasis = (x) => (EMPHASES.has(x && x.emphasis) ? ` emph-${x.emphasis}` : "");
const hueStyle = (x) => {
  const colour = hueColour(x && x.hue);
  return colour ? { "--hue": colour } : null;
};
const str = (x) => (x === null || x === undefined ? "" : String(x));
const list = (x) => (Array.isArray(x) ? x : []);

/** The current value of each named control in a form (a select's or input's). */
function formValues(form) {
  const out = {};
  for (const el of form.elements) if (el.name && el.type !== "checkbox") out[el.name] = el.value;
  return out;
}

/** Whether a field's `when` ({other field: [values]}) holds for the form's current values. */
function whenHolds(f, current) {
  return Object.entries(f.when || {}).every(([other, values]) =>
    !(other in current) || list(values).map(String).includes(String(current[other])));
}

/** Show each field whose `when` holds for what the form says now, hide the others. */
function showWhen(form, fields) {
  const current = formValues(form);
  for (const f of fields) {
    if (!f.when) continue;
    const el = form.querySelector(`[data-field="${CSS.escape(str(f.name))}"]`);
    if (el) el.hidden = !whenHolds(f, current);
  }
}

/** {past, future} of `key` in a list whose items name the items they follow (`after`). */
export function relations(items, key) {
  const byKey = new Map(items.map((e) => [e.key, e]));
  const next = new Map();
  for (const e of items) {
    for (const a of list(e.after)) {
      if (!next.has(a)) next.set(a, []);
      next.get(a).push(e.key);
    }
  }
  const walk = (start, step) => {
    const seen = new Set();
    const stack = [...step(start)];
    while (stack.length) {
      const cur = stack.pop();
      if (seen.has(cur) || !byKey.has(cur)) continue;
      seen.add(cur);
      stack.push(...step(cur));
    }
    return seen;
  };
  return {
    past: walk(key, (x) => list(byKey.get(x) && byKey.get(x).after)),
    future: walk(key, (x) => next.get(x) || []),
  };
}

export class ViewPanels {
  /** diagram: the SequenceDiagram; act(action) and send(intent) talk to the server;
   * history: the client-history panel's root, whose operations badges can mark;
   * forms: false where the reader only watches (a room's followers): no form is drawn. */
  constructor({ diagram, act, send, history, forms = true }) {
    this.diagram = diagram;
    this.forms = forms;
    this.act = act;
    this.send = send;
    this.history = history;
    this.copy = null;
    this.selected = new Map();   // list id -> selected item key
    this.showing = new Set();    // callout ids whose events are lit on the diagram
    this.edits = new Map();      // form id -> {field: value the user entered}
    this.selectable = [];        // [list id, items] of the lists that relate their items
    this.el = h("section", { class: "panel view-panels", "aria-label": "Protocol view", hidden: true });
    // Clicking an event on the diagram selects the list item it shows.
    diagram.root.addEventListener("click", (event) => {
      const mark = event.target.closest && event.target.closest("[data-event]");
      if (!mark) return;
      const index = Number(mark.dataset.event);
      for (const [id, items] of this.selectable) {
        const hit = items.find((e) => list(e.events).includes(index));
        if (hit) {
          this.select(id, hit.key);
          return;
        }
      }
    });
  }

  render(copy) {
    this.copy = copy;
    const view = copy.state && copy.state.view;
    const sections = view && Array.isArray(view.sections) ? view.sections : [];
    this.el.hidden = !sections.length;
    this.selectable = [];
    // The skeleton (sections and their slots) is rebuilt only when its shape changes, so
    // a form being typed in survives a count in a heading going up.
    const shape = sections.map((sec) => [sec.key, list(sec.items).map((c) => c && c.type)]);
    refresh(this.el, shape, () => sections.map((sec, n) => h("div", {
      class: "vp-section", "data-section": str(sec.key) },
    h(n ? "h3" : "h2", { class: n ? "vp-subtitle" : "panel-title" }),
    list(sec.items).map(() => h("div", { class: "vp-slot" })))));
    const ops = [];
    sections.forEach((sec, n) => {
      refresh(this.el.children[n].firstChild, [sec.title, sec.count, sec.hint], () => [str(sec.title),
        sec.count !== undefined ? h("span", { class: "panel-count" }, str(sec.count)) : null,
        sec.hint ? h("span", { class: "panel-hint" }, str(sec.hint)) : null]);
      const slots = this.el.children[n].querySelectorAll(":scope > .vp-slot");
      list(sec.items).forEach((component, k) => {
        if (!component || !slots[k]) return;
        const id = `${str(sec.key)}/${str(component.key ?? k)}`;
        this.collectOps(component, ops);
        if (component.type === "list" && component.relate) this.selectable.push([id, list(component.items)]);
        refresh(slots[k], [component, this.local(id, component)], () => this.component(component, id));
      });
    });
    this.markHistory(ops);
    this.syncDiagram();
    const root = this.diagram.root;
    if (root.hasAttribute("data-selectable") !== this.selectable.length > 0) {
      root.toggleAttribute("data-selectable", this.selectable.length > 0);
    }
  }

  /** What, besides its data, a component's drawing depends on. */
  local(id, component) {
    if (component.type === "list") return this.selected.get(id) ?? null;
    if (component.type === "callout") return this.showing.has(id);
    return null;
  }

  component(c, id) {
    switch (c.type) {
      case "text": return h("p", { class: `vp-text${tone(c)}`, title: c.title || null }, str(c.text));
      case "badges": return this.badges(c);
      case "table": return this.table(c);
      case "list": return this.itemList(c, id);
      case "lists": return this.lists(c);
      case "callout": return this.callout(c, id);
      case "form": return this.forms ? this.form(c, id) : null;
      default: return null;   // a component this page does not know: shown as nothing
    }
  }

  // -- chips ----------------------------------------------------------------------------
  badges(c) {
    return h("p", { class: "vp-badges" }, c.label ? h("span", { class: "vp-badges-label" }, str(c.label)) : null,
      list(c.items).map((b) => this.badge(b)));
  }

  badge(b) {
    return h("span", {
      class: `vp-badge${tone(b)}${b.strong ? " strong" : ""}${b.hue !== undefined ? " hued" : ""}`,
      title: b.title || null, "data-op": b.op ?? null, style: hueStyle(b),
    }, str(b.text));
  }

  collectOps(c, out) {
    const chips = c.type === "badges" ? list(c.items) : c.type === "callout" && c.refs ? list(c.refs.items) : [];
    for (const b of chips) if (b && b.op !== undefined && b.op !== null) out.push(b);
  }

  /** Mark on the client history the operations that badges name, in their tone. */
  markHistory(ops) {
    if (!this.history) return;
    const byOp = new Map(ops.map((b) => [String(b.op), b]));
    for (const bar of this.history.querySelectorAll(".op[data-op]")) {
      const b = byOp.get(bar.dataset.op);
      const cls = b ? `vp-op vp-op-${TONES.has(b.tone) ? b.tone : "info"}${b.strong ? " vp-op-strong" : ""}` : "";
      if ((bar.dataset.vpMark || "") === cls) continue;
      bar.classList.remove(...(bar.dataset.vpMark || "").split(" ").filter(Boolean));
      if (cls) bar.classList.add(...cls.split(" ").filter(Boolean));
      bar.dataset.vpMark = cls;
    }
  }

  // -- table ----------------------------------------------------------------------------
  table(c) {
    const columns = list(c.columns);
    const rows = list(c.rows);
    if (!rows.length) return h("p", { class: "vp-empty" }, str(c.empty || "Nothing yet."));
    // A table of a few columns keeps its natural width rather than spreading them apart.
    const fit = c.scroll ? " scroll" : columns.length <= 3 ? " narrow" : "";
    return h("div", { class: `vp-table-wrap${fit}` }, h("table", { class: "vp-table" },
      h("thead", {}, h("tr", {}, columns.map((col) => h("th", {
        scope: "col", "data-col": str(col.key), style: col.width ? { width: col.width } : null,
      }, str(col.title))))),
      h("tbody", {}, rows.map((row) => h("tr", {
        class: `${row.highlight ? "highlight" : ""}${tone(row)}`.trim() || null,
        "data-key": str(row.key), "data-status": row.status || null, title: row.title || null,
      }, columns.map((col, k) => this.cell(list(row.cells)[k], col, k === 0)))))));
  }

  cell(c, col, heading) {
    const attrs = { "data-col": str(col.key) };
    if (heading) attrs.scope = "row";
    const tag = heading ? "th" : "td";
    if (c === null || c === undefined) return h(tag, { ...attrs, class: "vp-cell empty" });
    const text = c.text !== undefined ? h("span", { class: "vp-value" }, str(c.text)) : null;
    return h(tag, { ...attrs, class: `vp-cell${tone(c)}${emphasis(c)}`, title: c.title || null, style: hueStyle(c) },
      c.chip ? h("span", { class: "vp-chip" }, str(c.text)) : [
        c.mark ? h("span", { class: "vp-mark", "aria-hidden": "true" }, str(c.mark)) : null,
        text,
        c.sub !== undefined ? h("sub", { class: "vp-sub" }, str(c.sub)) : null,
      ]);
  }

  // -- lists ----------------------------------------------------------------------------
  entry(e, rel, onSelect, words) {
    return h("li", {
      class: `vp-item${tone(e)}${emphasis(e)}${rel ? ` rel-${rel}` : ""}`,
      title: e.title || (rel === "neither" && words ? str(words.neither) : null), "data-key": str(e.key),
      "data-relation": onSelect ? rel || "" : null,
      role: onSelect ? "button" : null, tabindex: onSelect ? 0 : null,
      "aria-pressed": onSelect ? String(rel === "selected") : null,
      onclick: onSelect, onkeydown: onSelect ? (ev) => {
        if (ev.key !== "Enter" && ev.key !== " ") return;
        ev.preventDefault();
        ev.stopPropagation();   // not the page's play/pause shortcut
        onSelect();
      } : null,
    },
    e.mark !== undefined ? h("span", { class: "vp-mark" }, str(e.mark)) : null,
    h("span", { class: "vp-text" }, str(e.text)),
    e.sub !== undefined ? h("span", { class: "vp-sub" }, str(e.sub)) : null,
    rel && rel !== "selected" && words ? h("span", { class: "vp-rel" }, str(words[rel])) : null);
  }

  itemList(c, id) {
    const items = list(c.items);
    const relate = c.relate || null;
    let selected = relate ? this.selected.get(id) : null;
    if (selected !== undefined && selected !== null && !items.some((e) => e.key === selected)) selected = null;
    const rel = selected ? relations(items, selected) : null;
    const relation = (key) => {
      if (!rel) return null;
      if (key === selected) return "selected";
      if (rel.past.has(key)) return "before";
      if (rel.future.has(key)) return "after";
      return "neither";
    };
    const words = relate || {};
    const summary = rel
      ? `${selected}: ${rel.past.size} ${str(words.before)} it, ${rel.future.size} ${str(words.after)} it, `
        + `${items.length - 1 - rel.past.size - rel.future.size} ${str(words.neither)}`
      : c.hint;
    return [
      summary ? h("p", { class: "vp-hint" }, str(summary)) : null,
      items.length
        ? h("ol", { class: `vp-list${relate ? " selectable" : ""}` }, items.map((e) =>
          this.entry(e, relation(e.key), relate ? () => this.select(id, e.key) : null, words)))
        : h("p", { class: "vp-empty" }, str(c.empty || "Nothing yet.")),
    ];
  }

  lists(c) {
    return h("div", { class: "vp-lists" }, list(c.lists).map((l) => h("div", {
      class: "vp-column", "data-key": str(l.key), "data-status": l.status || null },
    h("div", { class: "vp-column-head" }, h("strong", {}, str(l.title)), list(l.badges).filter(Boolean).map((b) => this.badge(b))),
    list(l.items).length ? h("ol", { class: "vp-list" }, list(l.items).map((e) => this.entry(e, null, null)))
      : h("p", { class: "vp-empty" }, str(l.empty || "nothing yet")))));
  }

  select(id, key) {
    this.selected.set(id, this.selected.get(id) === key ? null : key);
    this.syncDiagram(true);
    if (this.copy) this.render(this.copy);
  }

  /** Light on the diagram the selected item, its past and future (and the messages
   * between them); grey the items related to it in neither direction. */
  syncDiagram(newPick = false) {
    const lit = [];
    const grey = [];
    for (const [id, items] of this.selectable) {
      const key = this.selected.get(id);
      if (key === null || key === undefined || !items.some((e) => e.key === key)) continue;
      const rel = relations(items, key);
      const linked = new Set([key, ...rel.past, ...rel.future]);
      for (const e of items) {
        if (linked.has(e.key)) {
          lit.push(...list(e.events));
          for (const a of list(e.after)) {
            if (linked.has(a) && e.via) lit.push(...list(e.via[a]));
          }
        } else grey.push(...list(e.events));
      }
    }
    if (newPick) this.diagram.highlight(lit);
    this.diagram.dim(grey);
  }

  // -- callout --------------------------------------------------------------------------
  callout(c, id) {
    const showing = this.showing.has(id);
    const events = list(c.events);
    return h("div", { class: `vp-callout${tone(c)}`, role: "status", "data-tone": c.tone || null },
      h("p", { class: "vp-callout-title" }, h("strong", {}, str(c.title)),
        c.subtitle ? h("span", { class: "vp-callout-sub" }, ` ${str(c.subtitle)}`) : null),
      c.detail ? h("p", { class: "vp-detail" }, str(c.detail)) : null,
      c.refs ? this.badges(c.refs) : null,
      events.length ? h("button", {
        type: "button", class: "btn btn-small", "aria-pressed": String(showing),
        onclick: () => {
          if (showing) this.showing.delete(id);
          else this.showing.add(id);
          this.diagram.highlight(showing ? [] : events);
          if (this.copy) this.render(this.copy);
        },
      }, str(showing ? c.hide_label : c.show_label)) : null);
  }

  // -- form -----------------------------------------------------------------------------

  form(c, id) {
    const edits = this.edits.get(id) || {};
    const fields = list(c.fields);
    const el = h("form", {
      class: `vp-form${c.inline ? " inline" : ""}`, "data-form": str(c.key),
      oninput: (ev) => { this.remember(id, ev.target); showWhen(el, fields); },
      onchange: (ev) => { this.remember(id, ev.target); showWhen(el, fields); },
      onsubmit: (ev) => {
        ev.preventDefault();
        this.submit(c, id, el);
      },
    },
    fields.filter((f) => !f.hidden).map((f) => this.field(f, edits, c.inline)),
    h("button", { type: "submit", class: "btn btn-primary btn-small",
      disabled: c.action !== undefined && fields.some((f) => f.kind === "select" && !list(f.options).some((o) => !o.disabled)) },
    str(c.submit)));
    showWhen(el, fields);
    return el;
  }

  remember(id, target) {
    if (!target || !target.name) return;
    const edits = this.edits.get(id) || {};
    if (target.type === "checkbox") {
      const form = target.form;
      edits[target.name] = [...form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(target.name)}"]:checked`)]
        .map((box) => box.value);
    } else edits[target.name] = target.value;
    this.edits.set(id, edits);
  }

  field(f, edits, inline) {
    const edited = Object.prototype.hasOwnProperty.call(edits, f.name);
    const value = edited ? edits[f.name] : f.value;
    const word = inline && f.words ? h("span", { class: "vp-word" }, str(f.words)) : null;
    let control;
    if (f.kind === "checkboxes") {
      const chosen = new Set(list(value).map(String));
      const options = list(f.options);
      return h("fieldset", { class: "vp-checks", "data-field": str(f.name) }, h("legend", {}, str(f.label)),
        options.length ? options.map((o) => h("label", { class: "vp-check" },
          h("input", { type: "checkbox", name: f.name, value: str(o.value), checked: chosen.has(str(o.value)),
            disabled: !!o.disabled }), str(o.label)))
          : h("span", { class: "vp-muted" }, "none"));
    }
    if (f.kind === "select") {
      const options = list(f.options);
      const usable = options.filter((o) => !o.disabled).map((o) => str(o.value));
      const pick = usable.includes(str(value)) ? str(value) : usable.includes(str(f.value)) ? str(f.value) : usable[0];
      control = h("select", { name: f.name, "aria-label": inline ? str(f.label) : null },
        options.map((o) => h("option", { value: str(o.value), disabled: !!o.disabled, selected: str(o.value) === pick },
          str(o.label))));
    } else {
      control = h("input", {
        type: f.kind === "number" ? "number" : "text", name: f.name, value: str(value), required: true,
        min: f.min ?? null, max: f.max ?? null, maxlength: f.maxlength ?? null,
        placeholder: f.placeholder || null, autocomplete: "off", "aria-label": inline ? str(f.label) : null,
      });
    }
    if (inline) return [word, control];
    return h("label", { class: "vp-field", "data-field": str(f.name) }, str(f.label), control);
  }

  /** The form's values, each kept within what its spec allows. */
  values(c, el) {
    const data = new FormData(el);
    const out = {};
    const current = formValues(el);
    for (const f of list(c.fields)) {
      if (f.hidden || !whenHolds(f, current)) out[f.name] = f.value;
      else if (f.kind === "checkboxes") out[f.name] = data.getAll(f.name).map(String);
      else if (f.kind === "number") out[f.name] = Number(data.get(f.name));
      else out[f.name] = f.kind === "text" ? str(data.get(f.name)).trim() : str(data.get(f.name));
    }
    for (const f of list(c.fields)) {
      if (f.kind === "number" && f.at_most && typeof out[f.at_most] === "number") {
        out[f.name] = Math.min(out[f.name], out[f.at_most]);
      }
      if (f.kind === "checkboxes") {
        const allowed = new Map(list(f.options).map((o) => [str(o.value), o]));
        out[f.name] = list(out[f.name]).filter((v) => {
          const needs = allowed.get(str(v)) ? allowed.get(str(v)).needs || {} : {};
          return Object.entries(needs).every(([other, min]) => !(typeof out[other] === "number") || out[other] >= min);
        });
      }
    }
    return out;
  }

  submit(c, id, el) {
    const values = this.values(c, el);
    if (c.action !== undefined) {
      if (Object.values(values).some((v) => v === "")) return;
      this.act({ type: c.action, ...values });
      return;
    }
    if (c.restart) {
      const state = this.copy.state;
      const run = this.copy.run || {};
      this.edits.delete(id);
      this.showing.clear();
      this.diagram.highlight([]);
      this.send({ type: "start", variant: run.variant || state.variant, seed: run.seed ?? state.seed,
        config: { ...(state.config || {}), ...values } });
    }
  }
}
