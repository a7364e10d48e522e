"""`trade report`: one self-contained HTML page of any result folder (plotly, its JavaScript inlined; no fetches).

Every chart has a plain HTML table behind it, so the page reads without JavaScript and with a
screen reader. The page is built from the folder's files alone and written atomically. The
sections of each kind of folder are in optimizer/output/report_sections.py (run, Pareto, compare),
report_what_if.py (sweep, stress), report_decisions.py (alternatives, break-even, sensitivity,
confidence) and report_phased.py (phased: commit now, each future's cost, what can wait); the page's building blocks in
report_html.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from architecture import Issue, StudyError
from optimizer.output import report_decisions, report_phased, report_sections, report_what_if
from optimizer.output.folders import refuse_existing
from optimizer.output.reading import ResultTables, read_tables
from optimizer.output.report_html import page, provenance

REPORT_FILE = "report.html"
#: The page of each kind of result folder.
BY_KIND = {**report_sections.BY_KIND, **report_what_if.BY_KIND, **report_decisions.BY_KIND, **report_phased.BY_KIND}


def render_report(folder: ResultTables) -> str:
    """The HTML page of a result folder (any kind in BY_KIND: run, Pareto, compare, sweep, stress, decision support, phased)."""
    builder: Callable[[ResultTables], tuple[str, list[str], dict[str, Any], str]] | None = BY_KIND.get(folder.kind)
    if builder is None:
        known = ", ".join(sorted(BY_KIND))
        raise StudyError(Issue(str(folder.path), f"a '{folder.kind}' folder has no report (known kinds: {known})", "wrong_type"))
    try:
        subtitle, body, data, script = builder(folder)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise StudyError(Issue(str(folder.path), f"is a damaged {folder.kind} folder ({type(exc).__name__}: {exc})", "wrong_type")) from None
    study = (folder.manifest.get("study") or {}).get("name", "")
    title = f"{study}: {folder.kind} report" if study else f"{folder.kind} report"
    return page(title, subtitle, [*body, provenance(folder.manifest)], data, script)


def write_report(result_dir: str | Path, out: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write the report of a result folder (default RESULT_DIR/report.html) atomically; never over a file unasked."""
    folder = read_tables(result_dir)
    target = Path(out) if out is not None else Path(result_dir) / REPORT_FILE
    refuse_existing(target, overwrite)
    text = render_report(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
