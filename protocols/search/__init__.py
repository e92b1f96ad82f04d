"""The counterexample search: explore the tree of enabled actions for a broken check."""
