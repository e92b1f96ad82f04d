"""The broadcast group: its nodes, and which of them sequences each epoch."""


def node_ids(config):
    return [f"n{i + 1}" for i in range(config["nodes"])]


def sequencer_of(epoch, ids):
    """The sequencer of each epoch is fixed in advance, round the nodes: n1, n2, n3, n1..."""
    return ids[(epoch - 1) % len(ids)]
