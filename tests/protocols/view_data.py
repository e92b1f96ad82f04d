"""Reading a protocol's panels (protocols.kernel.panels) in tests: find a component, a
table's cells by row and column, a list's entries."""


def components(view, kind, section=None):
    return [c for s in view["sections"] if section in (None, s["key"], s["title"])
            for c in s["items"] if c["type"] == kind]


def component(view, kind, section=None):
    found = components(view, kind, section)
    assert found, f"no {kind} in section {section!r}: {[s['key'] for s in view['sections']]}"
    return found[0]


def table_cells(table):
    """{row key: {column key: cell text (None for an empty cell)}}."""
    keys = [c["key"] for c in table["columns"]]
    return {r["key"]: {k: (None if c is None else c.get("text"))
                       for k, c in zip(keys, r["cells"])} for r in table["rows"]}


def table_cell(table, row, column):
    keys = [c["key"] for c in table["columns"]]
    r = next(r for r in table["rows"] if r["key"] == row)
    return r["cells"][keys.index(str(column))]


def overlay(view, kind):
    return next(o["items"] for o in view.get("diagram", []) if o["type"] == kind)
