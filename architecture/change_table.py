"""What a variant changes against its base study, one row per changed value, in the planner's words (`trade scenarios`).

A scenario's log (`Study.changes`) records each step, and a nested limit is logged whole; this reads the log back as
the values that differ: the value before is the base study's, the value after is the last one set.
"""

from __future__ import annotations

from typing import Any

from architecture.study import Study


def _leaves(path: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_leaves(f"{path}.{key}", inner))
        return out
    return {path: value}


def _root(key: str, old: Any, new: Any) -> str:
    """The path the logged values belong to: a nested table is logged whole, under the key of one of its entries."""
    parent, _, last = key.rpartition(".")
    if parent and any(isinstance(v, dict) and last in v for v in (old, new)):
        return parent
    return key


def changed_values(study: Study) -> list[tuple[str, Any, Any]]:
    """(path, before, after) for every value the variant's changes leave different from the base study, in log order."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for change in study.changes:
        root = _root(change.key, change.old, change.new)
        old, new = _leaves(root, change.old), _leaves(root, change.new)
        for path in [*old, *(p for p in new if p not in old)]:
            before.setdefault(path, old.get(path))
            after[path] = new.get(path)
    return [(path, value, after[path]) for path, value in before.items() if not _same(value, after[path])]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def value_text(value: Any) -> str:
    """A value as a planner reads it: numbers without float noise, lists joined, none for absent."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.10g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)
