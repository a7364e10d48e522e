"""The minimal study printed in docs/inputs.md loads and solves as the page says."""

from __future__ import annotations

import re
from pathlib import Path

from architecture import load_study
from optimizer import run_study

DOC = Path(__file__).parent.parent / "docs" / "inputs.md"


def test_minimal_example_solves_as_documented(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## A minimal study"):text.index("## `elements.csv`")]
    for name, body in re.findall(r"`([a-z]+\.(?:toml|csv))`\n```(?:toml)?\n(.*?)```", section, re.S):
        (tmp_path / name).write_text(body, encoding="utf-8")
    result = run_study(load_study(tmp_path))
    assert result.report.objective == 1050
    assert dict(result.architecture.assignment) == {"cargo": "esa", "halo": "nasa"}


def test_architecture_lookup_table_matches_the_records():
    """docs/architecture.md's name -> math, code, check, test table is the one the records give today."""
    from tests.lookup import documented_table, lookup_table

    text = (Path(__file__).parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert documented_table(text) == lookup_table(), "regenerate the table with tests.lookup.lookup_table()"


def test_architecture_lookup_links_resolve():
    """Every file the table names exists, every function is defined there, every math link is a heading of formulation.md."""
    from tests.lookup import documented_table

    root = Path(__file__).parent.parent
    table = documented_table((root / "docs" / "architecture.md").read_text(encoding="utf-8"))
    formulation = (root / "docs" / "formulation.md").read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9_ -]", "", h.lower()).strip().replace(" ", "-") for h in re.findall(r"^#+ (.+)$", formulation, re.M)}
    for anchor in re.findall(r"formulation\.md#([\w-]+)", table):
        assert anchor in anchors, anchor
    for path, name in re.findall(r"`([\w/]+\.py)` `(\w+)`", table):
        assert re.search(rf"^def {name}\(|^    {name} *[:=]|\b{name}\b", (root / path).read_text(encoding="utf-8"), re.M), (path, name)
