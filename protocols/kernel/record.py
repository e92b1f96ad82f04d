"""Node state as plain JSON data with attribute access, so handlers read like prose
(`self.durable.log`) while snapshots, hashing and cloning stay trivial."""


class Record(dict):
    __slots__ = ()

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None


_ATOMS = frozenset((str, int, float, bool, type(None)))


def deep_copy(value):
    """Copy JSON-like data (dicts, lists, scalars) much faster than copy.deepcopy.
    Records stay Records, other dicts become dicts, lists and tuples become lists."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    # The common shapes first, without a call per scalar (the search copies a lot).
    if kind is dict:
        return {k: v if type(v) in _ATOMS else deep_copy(v) for k, v in value.items()}
    if kind is Record:
        return Record({k: v if type(v) in _ATOMS else deep_copy(v) for k, v in value.items()})
    if kind is list or kind is tuple:
        return [v if type(v) in _ATOMS else deep_copy(v) for v in value]
    if isinstance(value, dict):
        copied = {k: deep_copy(v) for k, v in value.items()}
        return Record(copied) if isinstance(value, Record) else copied
    if isinstance(value, (list, tuple)):
        return [deep_copy(v) for v in value]
    return value
