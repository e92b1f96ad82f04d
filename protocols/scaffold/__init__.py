"""`python -m protocols new NAME`: a protocol package to start from, outside this repository.

    NAME/
        pyproject.toml          setuptools; the entry point that registers the protocol
        .gitignore              what pip install -e and pytest leave behind
        src/NAME/               the package: __init__, nodes, checks, presets, protocol
        tests/test_NAME.py      passing tests: the story, the check, a search

The package sits under src/ because the project directory has the package's name: made in
the playground's own directory (the default), a flat NAME/NAME/ would let `import NAME` find
the project directory, as an empty namespace package, before the installed package.

The package holds a small working protocol (a pinger and a ponger) written with the public
kernel API only (`from protocols.kernel import ...`), in the shape of the built-in ones.
`pip install -e NAME` registers it under the entry-point group protocol_playground.protocols
(see registry.py). The files are made from the templates in template/ (string.Template:
$name, $Class, $title, $dist, $playground).
"""

import importlib.util
import keyword
import os
import re
import sys
from pathlib import Path
from string import Template

from ..kernel import PlaygroundError

TEMPLATE = Path(__file__).resolve().parent / "template"
PLAYGROUND = Path(__file__).resolve().parents[2]     # the checkout `protocols` lives in
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
# Package files, in the order they are listed.
PACKAGE_FILES = ("__init__.py", "nodes.py", "checks.py", "presets.py", "protocol.py")


class ScaffoldError(PlaygroundError):
    """Why the package cannot be made (a bad name, a directory that exists)."""

    code = "bad_scaffold"


def problem_with_name(name, taken=()):
    """Why `name` cannot name a new protocol package, or None."""
    if not _NAME.match(name or ""):
        return (f"NAME {name!r} must be a lowercase Python identifier: a letter, then letters, "
                "digits or _ (e.g. gossip, heartbeat_fd)")
    if keyword.iskeyword(name):
        return f"NAME {name!r} is a Python keyword"
    if name in taken:
        return f"NAME {name!r} is already a protocol (python -m protocols list)"
    if name in sys.stdlib_module_names:
        return f"NAME {name!r} would hide Python's own module {name}"
    return None


def _importable(name):
    """Where `import name` would already find something, or None."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "an installed package"
    if spec is None:
        return None
    if spec.origin not in (None, "namespace"):
        return spec.origin
    return ", ".join(spec.submodule_search_locations or ()) or "an installed package"


def class_name(name):
    """gossip -> Gossip, heartbeat_fd -> HeartbeatFd."""
    return "".join(part.capitalize() for part in name.split("_") if part)


def title(name):
    """gossip -> Gossip, heartbeat_fd -> Heartbeat fd."""
    return name.replace("_", " ").strip().capitalize()


def create(name, parent=".", taken=()):
    """Write the package NAME in `parent`/NAME and return the paths written, in order.
    `taken`: protocol names already in use. Raises ScaffoldError and writes nothing when the
    name is unusable or the directory exists."""
    problem = problem_with_name(name, taken)
    if problem:
        raise ScaffoldError(problem)
    parent = Path(parent)
    project = parent / name
    if project.exists():
        raise ScaffoldError(f"--dir: {project} already exists; choose another NAME or --dir")
    if parent.exists() and not parent.is_dir():
        raise ScaffoldError(f"--dir: {parent} is not a directory")
    found = _importable(name)
    if found:
        raise ScaffoldError(f"NAME {name!r}: `import {name}` already finds {found}; "
                            "choose another")
    fields = {"name": name, "Class": class_name(name), "title": title(name),
              "dist": f"playground-{name.replace('_', '-')}",
              "playground": _relative(PLAYGROUND, project)}
    files = [("pyproject.toml.tmpl", Path("pyproject.toml")),
             ("gitignore.tmpl", Path(".gitignore"))]
    files += [(f"package/{f}.tmpl", Path("src") / name / f) for f in PACKAGE_FILES]
    files += [("tests/test_NAME.py.tmpl", Path("tests") / f"test_{name}.py")]
    # Render everything first, so a broken template leaves no half-made directory.
    rendered = [(project / target, Template((TEMPLATE / source).read_text(encoding="utf-8"))
                 .substitute(fields)) for source, target in files]
    for path, text in rendered:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in rendered]


def _relative(target, start):
    """`target` as seen from `start` (which need not exist yet), with / separators."""
    try:
        return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()
    except ValueError:      # another drive (Windows): no relative path
        return target.resolve().as_posix()
