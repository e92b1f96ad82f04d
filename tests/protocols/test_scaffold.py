"""`python -m protocols new NAME`: a protocol package made outside the repository, whose own
tests pass and which the registry finds once it is installed (protocols/scaffold/)."""

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from protocols import cli
from protocols.kernel import Protocol, Simulation

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "writing-a-protocol.md"


def _run(args, cwd, pythonpath):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in pythonpath))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """`python -m protocols new example`, run in an empty directory: the project it made."""
    where = tmp_path_factory.mktemp("elsewhere")
    made = _run(["-m", "protocols", "new", "example"], cwd=where, pythonpath=[ROOT])
    assert made.returncode == 0, made.stderr
    assert made.stderr == ""
    return where / "example"


def test_new_makes_a_project_with_the_package_its_tests_and_an_entry_point(example):
    assert sorted(str(p.relative_to(example)) for p in example.rglob("*") if p.is_file()) == [
        ".gitignore", "pyproject.toml", "src/example/__init__.py", "src/example/checks.py",
        "src/example/nodes.py", "src/example/presets.py", "src/example/protocol.py",
        "tests/test_example.py"]
    pyproject = (example / "pyproject.toml").read_text()
    assert '[project.entry-points."protocol_playground.protocols"]\n' \
           'example = "example:Example"' in pyproject
    for path in (example / "src" / "example").glob("*.py"):
        text = path.read_text()
        assert "from .." not in text and "$" not in text, path   # public API, all filled in


def test_the_scaffolded_tests_pass_when_run_with_pytest_in_the_project(example):
    # No PYTHONPATH: the generated pyproject tells pytest where the package and the kernel are.
    run = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=example, pythonpath=[])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_an_installed_scaffolded_protocol_is_listed_by_the_registry(example):
    # What `pip install -e` leaves behind, by hand: a distribution's metadata with its entry
    # point, beside the package on the path. importlib.metadata finds it there.
    src = example / "src"
    dist_info = src / "example-0.1.dist-info"
    dist_info.mkdir(exist_ok=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: example\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(
        "[protocol_playground.protocols]\nexample = example:Example\n")
    run = _run(["-m", "protocols", "list", "--json"], cwd=ROOT, pythonpath=[src])
    assert run.returncode == 0 and run.stderr == "", run.stderr
    listed = {p["name"]: p for p in json.loads(run.stdout)}
    assert list(listed)[-1] == "example"          # after the built-in protocols
    assert listed["example"]["messages"] == {"PING": "the pinger asks to be acknowledged",
                                             "ACK": "the ponger acknowledges a ping"}
    assert listed["example"]["presets"]["lost-ping"]["narration"]["1"] == \
        "The network loses PING #1."
    assert [c["name"] for c in listed["example"]["checks"]] == ["acknowledged in order"]


def test_the_scaffolded_protocol_keeps_the_kernels_vocabulary_rules(example, monkeypatch):
    monkeypatch.syspath_prepend(str(example / "src"))
    module = importlib.import_module("example")
    try:
        proto = module.Example()
        assert isinstance(proto, Protocol) and proto.name == "example"
        assert proto.vocabulary is not None and proto.node_types
        preset = proto.presets["lost-ping"]
        sim = Simulation(proto, preset["variant"], preset["config"], preset["seed"])
        labels = []
        for action in preset["actions"]:
            labels += [e["label"] for e in sim.apply(action) if e["type"] == "send"]
        assert labels == ["PING #1", "ACK #1"]
        assert all(c["ok"] for c in sim.checks)
    finally:
        for name in [m for m in sys.modules if m == "example" or m.startswith("example.")]:
            del sys.modules[name]


@pytest.mark.parametrize("name,reason", [
    ("twopc", "NAME 'twopc' is already a protocol"),
    ("failure_detector", "NAME 'failure_detector' is already a protocol"),
    ("My-Proto", "NAME 'My-Proto' must be a lowercase Python identifier"),
    ("2pc", "NAME '2pc' must be a lowercase Python identifier"),
    ("class", "NAME 'class' is a Python keyword"),
    ("json", "NAME 'json' would hide Python's own module json"),
])
def test_a_bad_name_exits_2_with_a_one_line_reason_and_makes_nothing(name, reason, tmp_path,
                                                                     capsys):
    assert cli.main(["new", name, "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {reason}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_exits_2_and_is_left_alone(tmp_path, capsys):
    (tmp_path / "gossip").mkdir()
    (tmp_path / "gossip" / "notes.txt").write_text("mine")
    assert cli.main(["new", "gossip", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --dir: {tmp_path / 'gossip'} already exists; choose another NAME " \
                  "or --dir\n"
    assert [p.name for p in (tmp_path / "gossip").iterdir()] == ["notes.txt"]


# -- docs/writing-a-protocol.md does what it says ---------------------------------------------

def _blocks(after):
    """The Python code blocks of the tutorial right after a line matching `after` (a regex
    with one group), as (group, code)."""
    return re.findall(after + r"\n\n```python\n(.*?)\n```", TUTORIAL.read_text(), re.S)


def test_the_tutorial_quotes_the_failure_detectors_real_code():
    quotes = _blocks(r"From `(protocols/failure_detector/[a-z_]+\.py)`:")
    assert len(quotes) >= 6
    for path, code in quotes:
        assert code in (ROOT / path).read_text(), f"{path} no longer has:\n{code}"


def test_the_tutorials_files_make_a_protocol_whose_tests_pass(tmp_path):
    files = _blocks(r"\*\*`(heartbeat/[^`]+)`\*\* \(the whole file\):")
    assert [path for path, _ in files] == [
        "heartbeat/src/heartbeat/nodes.py", "heartbeat/src/heartbeat/protocol.py",
        "heartbeat/src/heartbeat/checks.py", "heartbeat/src/heartbeat/presets.py",
        "heartbeat/tests/test_heartbeat.py"]
    assert cli.main(["new", "heartbeat", "--dir", str(tmp_path)]) == 0
    for path, code in files:
        assert "from protocols.kernel import" in code or path.endswith("test_heartbeat.py")
        (tmp_path / path).write_text(code + "\n")
    run = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path / "heartbeat",
               pythonpath=[])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
