"""The three rules that hold the layout together (design guide 8.1)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_architecture_never_imports_pyomo_or_optimizer():
    for path in (ROOT / "architecture").glob("*.py"):
        assert not imports(path) & {"pyomo", "optimizer", "highspy"}, path


def test_optimizer_opens_files_only_in_output():
    for path in (ROOT / "optimizer").glob("*.py"):
        if path.name == "output.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("open(", "read_csv", "to_csv", "write_text", "read_text"):
            assert needle not in text, f"{path.name} uses {needle}"


def test_output_never_solves():
    text = (ROOT / "optimizer" / "output.py").read_text(encoding="utf-8")
    assert not imports(ROOT / "optimizer" / "output.py") & {"pyomo", "highspy"}
    assert ".solve(" not in text and "build_model" not in text


def test_cli_uses_only_public_functions():
    tree = ast.parse((ROOT / "trade.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            allowed = ("architecture", "optimizer", "__future__", "collections", "typing", "pathlib", "click", "datetime", "pandas")
            assert node.module.split(".")[0] in allowed, node.module
