"""Each protocol's panels: `protocols/panels/<name>.py` exposes `view(sim)`, which its
Protocol's `view()` returns. Pure and deterministic, no Django; they speak the vocabulary of
`protocols.kernel.panels` and read the nodes' state (and, through `fold_trace`, what the
trace recorded), so the browser draws them with no code per protocol."""
