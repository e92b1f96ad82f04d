"""Panels: the vocabulary a protocol's `view(sim)` answers in (see docs/kernel-api.md,
"Panels: what view() returns").

The browser has one renderer for this data (static/js/panels.js) and no code per protocol,
so a protocol added from outside the repository gets its panels drawn too. A view is

    {"sections": [section, ...],     panels shown above the node cards, in order
     "diagram":  [eras | bands, ...]}  overlays drawn on the sequence diagram

Every constructor returns plain JSON-able dicts and leaves out what is None, so views stay
small (they travel in every frame). Colours are never literals: a `hue` is a small integer
the browser maps onto its palette (the same hue, the same colour, everywhere on the page);
a `tone` says what a thing means: info, ok, warning or violation.
"""

import re
import weakref

TONES = ("info", "ok", "warning", "violation")
BAND_STYLES = ("solid", "hatched", "dashed")
EMPHASES = ("strong", "muted", "struck")
FIELD_KINDS = ("text", "number", "select", "checkboxes")


def _clean(**fields):
    return {k: v for k, v in fields.items() if v is not None}


def _tone(tone):
    if tone is not None and tone not in TONES:
        raise ValueError(f"tone must be one of {', '.join(TONES)}, not {tone!r}")
    return tone


def _emphasis(emphasis):
    if emphasis is not None and emphasis not in EMPHASES:
        raise ValueError(f"emphasis must be one of {', '.join(EMPHASES)}, not {emphasis!r}")
    return emphasis


def view(sections, diagram=None):
    """The whole answer of `Protocol.view(sim)`: sections (panels), and diagram overlays."""
    return _clean(sections=[s for s in sections if s is not None],
                  diagram=[d for d in diagram or [] if d is not None] or None)


def section(title, *items, key=None, hint=None, count=None):
    """A titled panel: `items` are components (table, text, badges, item_list, lists,
    callout, form) drawn one under the other. `hint` is a short grey line beside the
    title, `count` a number-like word after it ("2 claimed")."""
    key = key or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return _clean(key=key, title=title, hint=hint,
                  count=count, items=[i for i in items if i is not None])


# -- components ----------------------------------------------------------------------------

def text(words, tone=None, title=None):
    """A line of text, coloured by its tone."""
    return _clean(type="text", text=str(words), tone=_tone(tone), title=title)


def badge(words, tone=None, hue=None, title=None, op=None, strong=None):
    """A small chip. `op`: the id of a client operation it names; the browser also marks
    that operation on the client-history panel (in the badge's tone)."""
    return _clean(text=str(words), tone=_tone(tone), hue=hue, title=title, op=op,
                  strong=strong or None)


def badges(items, label=None):
    """Chips in a row, after an optional label ("Operations involved:")."""
    return _clean(type="badges", label=label, items=[i for i in items if i is not None])


def column(key, title, width=None):
    """A table column; `width` a CSS length, when the content should not decide it."""
    return _clean(key=str(key), title=str(title), width=width)


def cell(words=None, mark=None, sub=None, hue=None, tone=None, emphasis=None, chip=None,
         title=None):
    """A table cell: `mark` a glyph before the text (●), `sub` a small subscript after
    it, `hue` the colour of mark and sub (or of the whole chip when `chip`), `tone` the
    cell's meaning (violation: a red cell), `emphasis` strong / muted / struck."""
    return _clean(text=None if words is None else str(words), mark=mark,
                  sub=None if sub is None else str(sub), hue=hue, tone=_tone(tone),
                  emphasis=_emphasis(emphasis), chip=chip or None, title=title)


def row(key, cells, status=None, tone=None, title=None, highlight=None):
    """A table row: `cells` one per column (a str, None for empty, or a cell()); the
    first is the row's heading. `status` up / crashed / paused dims or marks the row like
    the node it is about; `highlight` marks it as the one that matters now (a leader)."""
    return _clean(key=str(key), cells=[c if c is None or isinstance(c, dict) else cell(c)
                                       for c in cells],
                  status=status, tone=_tone(tone), title=title, highlight=highlight or None)


def table(columns, rows, empty=None, scroll=None):
    """A table. `empty`: what to say when there is no row. `scroll`: keep the columns at
    their natural width and scroll sideways (a log that grows to the right)."""
    return _clean(type="table", columns=columns, rows=rows, empty=empty, scroll=scroll or None)


def item(key, words, mark=None, sub=None, tone=None, emphasis=None, title=None, events=None,
         after=None, via=None):
    """An entry of an item_list. `mark` a short prefix (a timestamp, #slot), `sub` a
    small trailing word. `events`: trace indices that show this entry on the diagram.
    `after`: keys of the entries it directly follows (its causal predecessors); `via`:
    {key in after: trace indices of what carried that link (a message)}."""
    return _clean(key=str(key), text=str(words), mark=mark, sub=sub, tone=_tone(tone),
                  emphasis=_emphasis(emphasis), title=title, events=events or None,
                  after=after or None, via=via or None)


def item_list(items, empty=None, hint=None, relate=None):
    """Ordered entries, with a `hint` line above them. With `relate` ({"before", "after",
    "neither"}: the words for the three relations), an entry can be selected (here, or by
    clicking one of its `events` on the diagram): the entries reachable backwards /
    forwards through `after` are labelled with those words and lit on the diagram with it;
    the rest are greyed, here and on the diagram."""
    return _clean(type="list", items=items, empty=empty, hint=hint, relate=relate)


def lists(entries):
    """Lists side by side, one per node (a delivered log each)."""
    return {"type": "lists", "lists": entries}


def titled_list(key, title, items, badges=None, status=None, empty=None):
    """One list of `lists`: its heading, chips after it, and the node status it shows."""
    badges = [b for b in badges or [] if b is not None]
    return _clean(key=str(key), title=str(title), badges=badges or None, status=status,
                  items=items, empty=empty)


def callout(title, tone, subtitle=None, detail=None, refs=None, events=None,
            show_label="Show in diagram", hide_label="Hide in diagram"):
    """A boxed verdict in its tone: `title` (✗ Not linearizable), `subtitle` after it,
    `detail` under it, `refs` a badges() of what it names, `events` trace indices a
    button lights up on the diagram."""
    return _clean(type="callout", title=title, tone=_tone(tone), subtitle=subtitle,
                  detail=detail, refs=refs, events=events or None,
                  show_label=show_label if events else None,
                  hide_label=hide_label if events else None)


def option(value, label=None, disabled=None, needs=None):
    """A choice of a select or checkboxes field. `needs` {field: minimum}: the choice is
    sent only while that other field's number is at least the minimum."""
    return _clean(value=value, label=str(value if label is None else label),
                  disabled=disabled or None, needs=needs)


def field(name, label, kind="text", value=None, options=None, minimum=None, maximum=None,
          at_most=None, maxlength=None, placeholder=None, hidden=None, words=None, when=None):
    """A form field. kind text / number / select / checkboxes. `at_most`: the name of
    another number field this one may not exceed (it is lowered to it on submit).
    `hidden`: not shown, but its value is sent (and kept within its options' needs).
    `words`: a word shown before the field in an inline form ("via").
    `when`: {other field: [values]}: shown (and its value sent) only while every named field
    holds one of its values, as the user edits the form; otherwise its value stays as is."""
    if kind not in FIELD_KINDS:
        raise ValueError(f"field kind must be one of {', '.join(FIELD_KINDS)}, not {kind!r}")
    return _clean(name=name, label=label, kind=kind, value=value, options=options,
                  min=minimum, max=maximum, at_most=at_most, maxlength=maxlength,
                  placeholder=placeholder, hidden=hidden or None, words=words,
                  when={k: list(v) for k, v in when.items()} if when else None)


def form(key, fields, submit, action=None, restart=None, inline=None):
    """A form the user fills in. On submit the browser sends either the protocol action
    `action` (its fields as the action's fields: {"type": action, **values}), or, with
    `restart`, a new run of the same variant and seed whose config is the current one
    updated with the values."""
    if (action is None) == (not restart):
        raise ValueError("a form either sends an action or restarts the run")
    return _clean(type="form", key=key, fields=fields, submit=submit, action=action,
                  restart=restart or None, inline=inline or None)


# -- diagram overlays ----------------------------------------------------------------------

def era(start, end, label, hue, title=None):
    """A region across the whole diagram from step `start` up to step `end` (None: until
    now), tinted in `hue`, with `label` at its top left."""
    return _clean(start=start, end=end, label=str(label), hue=hue, title=title)


def eras(items):
    return {"type": "eras", "items": items}


def band(lane, start, end, hue, style="solid", key=None, tone=None, title=None):
    """An interval on one lifeline (`lane`, a node id) from step `start` to step `end`
    (None: until now): solid, hatched or dashed, in `hue` (or in its tone's colour)."""
    if style not in BAND_STYLES:
        raise ValueError(f"band style must be one of {', '.join(BAND_STYLES)}, not {style!r}")
    return _clean(lane=lane, start=start, end=end, hue=hue, style=style, key=key,
                  tone=_tone(tone), title=title)


def bands(items):
    return {"type": "bands", "items": items}


# -- remembering across steps ---------------------------------------------------------------

_FOLDS = weakref.WeakKeyDictionary()


def fold_trace(sim, name, start, step):
    """Fold the simulation's trace into a value, reading each event once: `start()` makes
    the initial value, `step(value, event)` takes in the next event. The value reached is
    kept per simulation (and `name`) with the trace length it covers, so the next call
    reads only the events recorded since; a simulation whose trace is not the one read
    before (another run, a step back) is read again from the start. `step` may change the
    value in place: it belongs to this simulation alone. Never changes the trace.

    In search mode (Simulation.enter_search) the trace keeps only the events since the last
    fork, so only those are read and nothing is kept: the search never shows a view."""
    trace = sim.trace
    if getattr(sim, "searching", False):
        value = start()
        for event in list.__iter__(trace):
            step(value, event)
        return value
    folds = _FOLDS.setdefault(sim, {})
    kept = folds.get(name)
    if kept is not None:
        length, last, value = kept
        if not (length <= len(trace) and (length == 0 or trace[length - 1] is last)):
            kept = None
    if kept is None:
        length, value = 0, start()
    for event in trace[length:]:
        step(value, event)
    folds[name] = (len(trace), trace[-1] if len(trace) else None, value)
    return value
