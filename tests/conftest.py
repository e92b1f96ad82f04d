"""Markers for a fast inner loop (`make test-fast` skips them; `make test` and CI run all):
browser (Playwright + Chromium), multiprocess (real Daphne / redis-server processes), search
(the counterexample search's long runs)."""

import pytest

MULTIPROCESS = {"test_rooms_two_processes.py", "test_restart_survival.py"}
SEARCH = {"test_explore.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if path.name in MULTIPROCESS or "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.multiprocess)
        if path.name in SEARCH:
            item.add_marker(pytest.mark.search)
