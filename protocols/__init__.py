"""Protocol engines: a deterministic simulation kernel and the protocols built on it.

Pure Python: nothing here imports Django. A run is a pure function of
(protocol, variant, config, seed, actions); see docs/kernel-api.md.
"""
