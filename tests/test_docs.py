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
