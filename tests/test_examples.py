"""Every script under examples/ runs as documented (docs/scripting.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXPECTED = {  # what each example must print
    "sweep_reference.py": ["sweep: 24 runs (0 already done)", *(f"without {p} " for p in ("esa", "jaxa", "csa", "mbrsc", "asi", "cnsa"))],
}


def test_there_are_examples():
    assert EXAMPLES and {path.name for path in EXAMPLES} >= set(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "out")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "an example prints what it found"
    for text in EXPECTED.get(script.name, []):
        assert text in done.stdout
