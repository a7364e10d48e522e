"""The name -> math, code, check, test table of docs/architecture.md, from the records themselves (test_docs checks it)."""

from __future__ import annotations

import inspect
from pathlib import Path

ROOT = Path(__file__).parent.parent
START, END = "<!-- lookup:start -->", "<!-- lookup:end -->"


def _where(func: object) -> str:
    path = Path(inspect.getsourcefile(func)).relative_to(ROOT).as_posix()  # type: ignore[arg-type]
    return f"`{path}` `{func.__name__}`"  # type: ignore[attr-defined]


def lookup_table() -> str:
    """One row per constraint family and per built-in objective, in the order of docs/formulation.md."""
    from architecture import FAMILIES
    from architecture.objectives import BUILTIN_OBJECTIVES
    from optimizer.model import objectives
    from optimizer.model.constraints import CONSTRAINT_FAMILIES

    define = {family.name: func for family, func in CONSTRAINT_FAMILIES}
    rows = ["| name | math (docs/formulation.md) | model | evaluator's check | behaviour test |", "| --- | --- | --- | --- | --- |"]
    for family in FAMILIES:
        anchor = "eligibility-applied-before-building-not-constraints" if family.name == "eligibility" else family.name
        model = _where(define[family.name]) if family.name in define else "`architecture/eligibility.py` (offers filtered before the model)"
        check = _where(family.rows) if family.rows is not None else "no rows: computed directly"
        test = (f"`tests/optimizer/test_constraints.py` `CASES[\"{family.name}\"]`" if family.in_model
                else "`tests/architecture/test_checks.py`, `tests/architecture/test_evaluate.py`")
        rows.append(f"| `{family.name}` | [{family.name}](formulation.md#{anchor}) | {model} | {check} | {test} |")
    for kind in BUILTIN_OBJECTIVES.values():
        build = getattr(objectives, f"objective_{kind.name}")
        rows.append(f"| objective `{kind.name}` | [Objectives](formulation.md#objectives) | {_where(build)} | "
                    f"`architecture/objectives.py` `BUILTIN_OBJECTIVES[\"{kind.name}\"]` | `tests/optimizer/test_objectives.py` |")
    return "\n".join(rows)


def documented_table(text: str) -> str:
    return text.split(START, 1)[1].split(END, 1)[0].strip()
