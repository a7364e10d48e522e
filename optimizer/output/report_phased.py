"""The report of a phased folder (`trade phased`): what to commit now, each future's cost, and what can wait (report.py builds the page).

The folder's files are docs/results.md#phased-folders. Columns are read by name: a column added later shows as it is in
the tables, a documented column missing or a file missing makes a damaged folder (one line, exit 2).
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from optimizer.output.reading import ResultTables
from optimizer.output.report_html import Built, behind, figure_html, number_text, section, table_html

COMMITTED, ARCHITECTURE, WALKED = "#1f4e9c", "#9aa5b1", "#c0392b"
#: The columns this page reads from each file of a phased folder.
NEEDED = {"commitments": ["element", "provider", "procurement", "commit_fy", "termination_musd", "committed", "used_in", "walked_in",
                          "protects_musd"],
          "futures": ["future", "probability", "cost_musd", "walked", "walked_musd"],
          "recourse": ["future", "element", "provider", "decided"]}
#: Planner's headers for the documented columns (US$M in the header, not in the cells).
COMMITMENT_HEADERS = {"element": "element", "provider": "provider", "procurement": "procurement", "committed": "commit now?",
                      "commit_fy": "contract award (FY)", "termination_musd": "termination liability (US$M)",
                      "used_in": "used in futures", "walked_in": "walked away from in", "protects_musd": "protects (US$M)"}
FUTURE_HEADERS = {"future": "future", "probability": "probability", "cost_musd": "cost (US$M)",
                  "walked": "commitments walked away from", "walked_musd": "paid walking away (US$M)"}
INDISPENSABLE = "indispensable: no plan works without it"
#: Columns of decisions by year, read when present (a folder written before them decides once, now).
AT_POINTS = ["decided_fy", "decided_in"]
#: Up to this many futures the page shows the element-by-future matrix; past it, each element's providers by share of probability.
MATRIX_FUTURES = 12


def _table(folder: ResultTables, name: str) -> pd.DataFrame:
    """A file of the folder with the columns this page reads; ValueError (a damaged folder) when it or one of them is missing."""
    if name not in folder.tables:
        raise ValueError(f"{name}.csv is missing")
    frame = folder.tables[name]
    missing = [c for c in NEEDED[name] if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}.csv has no column {', '.join(missing)}")
    return frame


def _flag(value: Any) -> bool:
    """A commitments.csv `committed` cell (True/False) read back as a bool or as text."""
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _listed(value: Any) -> str:
    """A ';'-separated list of futures for a cell ('' when none)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return ", ".join(part for part in str(value).split(";") if part)


def _walked(value: Any) -> str:
    """futures.csv's walked (element=provider;...) in words: 'halo from nasa, ...'."""
    return _listed(value).replace("=", " from ")


def _musd(value: Any) -> float | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _money(value: Any, unit: str = " US$M") -> str:
    number = _musd(value)
    return "-" if number is None else f"{number:,.6g}{unit}"


def _risk_words(uncertainty: dict[str, Any]) -> str:
    risk, level = uncertainty.get("risk", "expected"), uncertainty.get("cvar_level")
    if risk == "worst":
        return "the worst future's cost"
    if risk == "cvar" and isinstance(level, (int, float)):
        return f"CVaR at {level:g} (the mean cost of the costliest {1 - level:.0%} of probability)"
    return "the expected (probability-weighted) cost" if risk == "expected" else str(risk)


def _vss_text(m: dict[str, Any]) -> str:
    if m.get("deterministic_known") is False:  # progressive hedging on a tree: the plan on the study as given was not priced
        return "not computed"
    return "unbounded" if m.get("vss_unbounded") else _money(m.get("vss_musd"))


def _method_note(m: dict[str, Any]) -> str:
    """How the optimum was found, when not by the extensive form (proven optimal)."""
    method = m.get("method") or {}
    if method.get("name", "extensive_form") == "extensive_form":
        return ""
    gap = method.get("gap")
    words = (f"Found by {str(method.get('name')).replace('_', ' ')} ({method.get('library', '')}): {method.get('iterations', '?')} "
             f"iterations, {'converged' if method.get('converged') else 'not converged'}; bound {_money(method.get('bound_musd'))}"
             f"{f', gap {gap:.2%}' if isinstance(gap, (int, float)) else ''}. Not proven optimal.")
    return f"<p class=note>{html.escape(words)}</p>"


def _headline(m: dict[str, Any], futures: int) -> str:
    u = m.get("uncertainty") or {}
    if not futures:
        return f"decided in FY{u.get('decide_fy', '?')}: no plan has a feasible recourse in every future (status {m.get('status')})"
    points = ", ".join(f"FY{p.get('decide_fy')} at {p.get('name')}" for p in u.get("decision_points") or [])
    again = f" (again in {points})" if points else ""
    return (f"decided in FY{u.get('decide_fy', '?')}{again} across {futures} futures, weighed by {_risk_words(u)}: "
            f"expected {_money(m.get('expected_cost_musd'))}, worst {_money(m.get('worst_cost_musd'))}; "
            f"EVPI {_money(m.get('evpi_musd'))}, VSS {_vss_text(m)}")


def _values_section(m: dict[str, Any]) -> str:
    u = m.get("uncertainty") or {}
    fy = u.get("decide_fy", "?")
    deterministic = ("not computed" if m.get("deterministic_known") is False else _money(m.get("deterministic_musd"), "")
                     if m.get("deterministic_musd") is not None else "none: it strands a future" if m.get("vss_unbounded") else "-")
    rows = [("the plan's risk measure", _money(m.get("risk_value_musd"), ""), f"the optimum of {_risk_words(u)}"),
            ("expected cost", _money(m.get("expected_cost_musd"), ""), "each future's cost weighed by its probability"),
            ("worst future's cost", _money(m.get("worst_cost_musd"), ""), "the costliest future"),
            ("wait and see", _money(m.get("wait_and_see_musd"), ""),
             f"the risk measure with perfect foresight: each future planned on its own, as if known at the FY{fy} decision"),
            ("plan on the study as given (EEV)", deterministic,
             "commit what the study as given (no futures) would, then take each future's best recourse"),
            ("EVPI", _money(m.get("evpi_musd"), ""), f"what knowing the future at the FY{fy} decision would be worth: the plan minus wait and see"),
            ("VSS", _vss_text(m).removesuffix(" US$M"),
             "what planning for the futures saves over planning on the study as given"
             + ("; unbounded: that plan leaves some future without a feasible recourse" if m.get("vss_unbounded") else ""))]
    table = table_html(pd.DataFrame(rows, columns=["measure", "US$M", "what it means"]), "what the decision is worth (US$M)")
    plan = ", ".join(f"{p.get('element')} to {p.get('provider')}" for p in m.get("deterministic_plan") or [])
    note = f"<p class=note>The plan made on the study as given commits {html.escape(plan)}.</p>" if plan else ""
    return section("What the decision is worth", table, note, section_id="values")


def _offers(frame: pd.DataFrame, committed: str, protects: bool) -> pd.DataFrame:
    """Offers decided at one point, committed ones first, in planner's words; columns added later follow as written."""
    frame = frame.assign(_now=frame["committed"].map(_flag)).sort_values("_now", ascending=False, kind="stable")
    shown = pd.DataFrame({
        "element": frame["element"], "provider": frame["provider"], "procurement": frame["procurement"],
        "committed": [committed if now else "no: ended now, at its termination liability" if _listed(walked) else "no (awarded by then, not taken)"
                      for now, walked in zip(frame["_now"], frame["walked_in"], strict=True)],  # a contract already held is ended
        "commit_fy": [_year(v) for v in frame["commit_fy"]], "termination_musd": frame["termination_musd"],
        "used_in": [_listed(v) or ("none" if now else "-") for v, now in zip(frame["used_in"], frame["_now"], strict=True)],
        "walked_in": [_listed(v) or "-" for v in frame["walked_in"]],
        "protects_musd": [_protects(v, now) for v, now in zip(frame["protects_musd"], frame["_now"], strict=True)],
    })
    if not protects:
        shown = shown.drop(columns="protects_musd")
    for extra in (c for c in frame.columns if c not in [*NEEDED["commitments"], *AT_POINTS, "_now"]):  # added later: as written
        shown[extra] = [_year(v) for v in frame[extra]] if extra.endswith("_fy") else frame[extra]
    return shown.rename(columns=COMMITMENT_HEADERS)


def _commitments_sections(commitments: pd.DataFrame, fy: Any) -> list[str]:
    """Commit now (commitments.csv's rows decided now), then the offers decided again at later points (decided_in, decided_fy)."""
    point = commitments["decided_in"].fillna("now").astype(str) if "decided_in" in commitments.columns else pd.Series("now", commitments.index)
    now = commitments[point == "now"]
    count = int(now["committed"].map(_flag).sum())
    note = (f"<p class=note>{count} of the {len(now)} offers whose contracts are awarded by FY{fy} are committed now. "
            "A future that does not use a commitment walks away from it and pays to end it (its termination liability, and the "
            "spending on it by then when the future ends it once known: each future's figure is in Cost in each future). "
            "Protects: what doing without the commitment would cost on the risk measure (the best plan without it minus the optimum); "
            "indispensable: no plan has a feasible recourse in every future without it.</p>")
    sections = [section("Commit now", note, table_html(_offers(now, "commit now", True), f"offers awarded by FY{fy}: committed ones first"),
                        section_id="commit-now")]
    later = commitments[point != "now"]
    if not later.empty:
        parts = ["<p class=note>A future may decide again in a later year, before the futures after that point are known: the offers "
                 "awarded by then at each decision point, committed or not, and the futures after it that use or walk away from them.</p>"]
        for name, rows in later.groupby(point[point != "now"], sort=False):
            year = _year(rows["decided_fy"].iloc[0]) if "decided_fy" in rows.columns else "a later year"
            parts.append(table_html(_offers(rows, f"commit in {year}", False), f"decided in {year} at {name}: committed ones first"))
        sections.append(section("Decided again at later points", *parts, section_id="later-points"))
    return sections


def _year(value: Any) -> str:
    number = _musd(value)
    return "-" if number is None else f"FY{number:.0f}" if number.is_integer() else str(value)


def _protects(value: Any, now: bool) -> str:
    number = _musd(value)
    if number is None:
        return "-" if not now else "not computed"
    return INDISPENSABLE if math.isinf(number) else f"{number:,.6g}"


def _futures_section(futures: pd.DataFrame, expected: Any) -> str:
    cost = pd.to_numeric(futures["cost_musd"], errors="coerce")
    walked = pd.to_numeric(futures["walked_musd"], errors="coerce").fillna(0.0)
    probability = pd.to_numeric(futures["probability"], errors="coerce")
    costs = [f"<br>{number_text(c)} US$M" if len(futures) <= MATRIX_FUTURES else "" for c in cost]  # many futures: in the hover
    labels = [f"{f} (p = {p:g}){c}" for f, p, c in zip(futures["future"].astype(str), probability, costs, strict=True)]
    walked_text = [_walked(v) or "none" for v in futures["walked"]]
    fig = go.Figure()
    fig.add_bar(x=labels, y=cost - walked, name="the future's architecture", marker_color=ARCHITECTURE,
                customdata=cost, hovertemplate="%{x}: %{customdata:,.1f} US$M, architecture %{y:,.1f}<extra></extra>")
    fig.add_bar(x=labels, y=walked, name="paid walking away from commitments", marker_color=WALKED, customdata=walked_text,
                hovertemplate="%{y:,.1f} US$M terminating %{customdata}<extra></extra>")
    if _musd(expected) is not None:
        fig.add_hline(y=_musd(expected), line={"color": COMMITTED, "dash": "dash"},
                      annotation_text=f"expected {_money(expected)}", annotation_position="top left")
    fig.update_layout(barmode="stack", height=380, margin={"t": 40}, yaxis_title="cost (US$M)",
                      xaxis_title="future (probability, cost)" if len(futures) <= MATRIX_FUTURES else "future (probability)",
                      yaxis={"rangemode": "tozero"}, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "traceorder": "normal"})
    table = futures.assign(walked=[_walked(v) or "-" for v in futures["walked"]]).rename(columns=FUTURE_HEADERS)
    note = ("<p class=note>Each future's cost: its architecture (the commitments it keeps and what it chooses once it is known), "
            "plus what it pays to walk away from the commitments it does not use.</p>")
    return section("Cost in each future", note, figure_html(fig, "futures-plot"), behind(table, "futures.csv: each future's cost (US$M)"),
                   section_id="futures")


def _stage_words(stages: set[str]) -> str:
    """When an element is decided over the futures: now, at a later decision point (FY...), once the future is known, or a mix."""
    if len(stages) == 1:
        stage = next(iter(stages))
        return {"now": "now, before the future is known", "later": "can wait: chosen once the future is known"}.get(
            stage, f"in {stage}, before the futures after it are known")
    order = sorted(stages, key=lambda s: (s != "now", s == "later", s))
    return "by future: " + " or ".join({"now": "now", "later": "once the future is known"}.get(s, f"in {s}") for s in order)


def _wait_section(recourse: pd.DataFrame, probability: dict[str, float], first: list[str], fy: Any) -> str:
    futures = list(dict.fromkeys([*probability, *recourse["future"].astype(str)]))
    seen = set(recourse["element"].astype(str))  # the elements decided now in the study's order, then the others
    elements = list(dict.fromkeys([*(e for e in first if e in seen), *recourse["element"].astype(str)]))
    cells: dict[tuple[str, str], list[str]] = {}
    stages: dict[str, set[str]] = {e: set() for e in elements}
    shares: dict[str, dict[str, float]] = {}
    years = recourse["decided_fy"] if "decided_fy" in recourse.columns else pd.Series(None, recourse.index, dtype=object)
    for row, year in zip(recourse.itertuples(index=False), years, strict=True):
        element, decided = str(row.element), str(row.decided)
        if decided == "later" and _musd(year) is not None:  # committed at a later decision point, before the futures after it
            decided = _year(year)
        cells.setdefault((element, str(row.future)), []).append(f"{row.provider} ({decided})")
        stages[element].add(decided)
        chosen = shares.setdefault(element, {})
        chosen[f"{row.provider} ({decided})"] = chosen.get(f"{row.provider} ({decided})", 0.0) + probability.get(str(row.future), 0.0)
    # decided now first, what can wait last (stable: the study's order otherwise)
    elements.sort(key=lambda e: (stages[e] != {"now"}, "later" in stages[e], stages[e] == {"later"}))
    rows = []
    for element in elements:
        summary = _stage_words(stages[element])
        chosen = "; ".join(f"{label} {share:.0%}" for label, share in sorted(shares.get(element, {}).items(), key=lambda kv: (-kv[1], kv[0])))
        rows.append([element, *(" / ".join(cells.get((element, f), ["-"])) for f in futures), summary, chosen])
    grid = pd.DataFrame(rows, columns=["element", *futures, "decided", "chosen (share of probability)"])
    note = (f"<p class=note>The provider each future chooses for each element. (now): an offer awarded by FY{fy}, decided before the "
            "future is known; (FY...): committed at a later decision point, before the futures after it are known; "
            "(later): chosen once the future is known; -: the element is left out in that future.</p>")
    caption = "element by future: the provider chosen, decided now or later"
    if len(futures) <= MATRIX_FUTURES:
        return section("What can wait", note, table_html(grid.drop(columns="chosen (share of probability)"), caption), section_id="what-can-wait")
    summary = table_html(grid[["element", "decided", "chosen (share of probability)"]], "element: the providers chosen over the futures")
    return section("What can wait", note, summary, behind(grid.drop(columns="chosen (share of probability)"), f"{caption} (every future)"),
                   section_id="what-can-wait")


def _phased(folder: ResultTables) -> Built:
    m = folder.manifest
    commitments, futures, recourse = (_table(folder, name) for name in ("commitments", "futures", "recourse"))
    fy = (m.get("uncertainty") or {}).get("decide_fy", "?")
    head = _headline(m, len(futures))
    u = m.get("uncertainty") or {}
    drawn = f"; each future drawn {u['slip_draws']} times from the offers' slip distributions (seed {u.get('slip_seed')})" if u.get("slip_draws") else ""
    source = (f"<p class=note>Futures and decision years from {html.escape(str(u.get('path')))} "
              f"(sha256 {html.escape(str(u.get('sha256')))}){html.escape(drawn)}.</p>")
    body = [section("Outcome", f"<p>{html.escape(head)}.</p>", _method_note(m), source if u.get("path") else "", section_id="outcome")]
    if futures.empty:
        body.append(section("Commit now", "<p>No plan: no commitment works in every future.</p>"))
        return head, body, {}, ""
    body += [_values_section(m), *_commitments_sections(commitments, fy), _futures_section(futures, m.get("expected_cost_musd")),
             _wait_section(recourse, dict(zip(futures["future"].astype(str), pd.to_numeric(futures["probability"], errors="coerce"), strict=True)),
                           list(commitments["element"].astype(str)), fy)]
    return head, body, {}, ""


BY_KIND = {"phased": _phased}
