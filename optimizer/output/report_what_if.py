"""The report sections of what-if folders: sweeps (a parallel-coordinates chart of every run) and stress tests (report.py builds the page)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from optimizer.output.reading import ResultTables
from optimizer.output.report_html import KIND_CSS, Built, behind, figure_html, number_text, section, table_html

# The page script of sweeps: a text filter over the runs table.
FILTER_SCRIPT = """
(function(){
  const input = document.getElementById('run-filter'); if (!input) return;
  const rows = Array.from(document.querySelectorAll('#runs-table tbody tr'));
  input.addEventListener('input', () => { const q = input.value.toLowerCase();
    let shown = 0; rows.forEach(r => { const hit = r.textContent.toLowerCase().includes(q); r.style.display = hit ? '' : 'none'; shown += hit; });
    document.getElementById('run-count').textContent = shown + ' of ' + rows.length + ' runs'; });
})();
"""


# -- sweep ------------------------------------------------------------------------------------------


def _sweep(folder: ResultTables) -> Built:
    m = folder.manifest
    runs = folder["runs"]
    head = f"{len(runs)} rows; runs by status {m.get('counts', {}).get('by_status', {})} ({m.get('status')})"
    fixed = {"run", "run_id", "name", "overrides", "point", "status", "objective", "objective_value", "best_bound", "mip_gap",
             "feasible_by_evaluator", "message", "solve_s", "wall_s"}
    start, end = list(runs.columns).index("overrides") + 1, list(runs.columns).index("status")
    changes = [c for c in runs.columns[start:end] if c not in fixed]
    metrics = [c for c in runs.columns if c not in fixed and c not in changes and not c.startswith("assign:")]
    dims = []
    for column in changes:
        values = runs[column]
        if pd.api.types.is_numeric_dtype(values):
            dims.append({"label": column, "values": values.fillna(values.min() if values.notna().any() else 0)})
        else:
            labels = sorted({str(v) for v in values.fillna("")})
            dims.append({"label": column, "values": values.fillna("").astype(str).map(labels.index), "tickvals": list(range(len(labels))),
                         "ticktext": [v or "(none)" for v in labels]})
    statuses = sorted(runs["status"].astype(str).unique())
    dims.append({"label": "status", "values": runs["status"].astype(str).map(statuses.index), "tickvals": list(range(len(statuses))),
                 "ticktext": statuses})
    for column in ["objective_value", *[c for c in metrics if c in (m.get("objectives") or [])]]:
        values = pd.to_numeric(runs[column], errors="coerce")
        if values.notna().any():
            low, high = float(values.min()), float(values.max())
            floor = low - 0.05 * (high - low or abs(low) or 1.0)  # runs without a solution sit below every value: shown, not dropped
            dims.append({"label": f"{column} (bottom: none)", "values": values.fillna(floor), "range": [floor, high]})
    fig = parallel_coordinates(dims, runs["status"].astype(str))
    objectives = metrics[:metrics.index("total_cost_musd")] if "total_cost_musd" in metrics else metrics  # the evaluator lists them first
    shown = runs[["run", "name", *changes, "status", "objective", "objective_value", "mip_gap", "feasible_by_evaluator", "message", *objectives]]
    caption = "every run: its changes, outcome and objectives (runs.csv holds every metric and assignment)"
    table = f"<div class=big>{table_html(shown, caption, table_id='runs-table')}</div>"
    body = [section("Overrides against the objectives (every run; runs without a solution at the bottom)", figure_html(fig, "sweep-plot"),
                    "<p class=note>The table behind this chart is the table of runs below.</p>", section_id="sweep"),
            section("Runs", "<label for=run-filter>Filter runs: </label><input type=search id=run-filter placeholder='e.g. infeasible, esa'> "
                            f"<span id=run-count>{len(runs)} of {len(runs)} runs</span>", table, section_id="runs")]
    return head, body, {}, FILTER_SCRIPT


def parallel_coordinates(dims: list[dict[str, Any]], status: pd.Series) -> go.Figure:
    """Parallel coordinates drawn in SVG: one line per run across the axes, each axis scaled to its own range, a colour per status.

    (Plotly's own parcoords draws with WebGL, which software rendering makes slow to open.)
    """
    colours = {"optimal": "#1f4e9c", "feasible": "#2a9d5b", "infeasible": "#c0392b", "invalid": "#8e44ad", "error": "#000000"}
    scaled = []
    for dim in dims:
        values = pd.Series(dim["values"], dtype=float).reset_index(drop=True)
        low, high = dim.get("range", [values.min(), values.max()])
        scaled.append((values - low) / ((high - low) or 1.0))
    fig = go.Figure()
    for name in sorted(status.unique()):
        xs: list[Any] = []
        ys: list[Any] = []
        for row in [i for i, s in enumerate(status) if s == name]:
            xs += [*range(len(dims)), None]
            ys += [*(float(column[row]) for column in scaled), None]
        fig.add_scatter(x=xs, y=ys, mode="lines", name=f"{name} ({int((status == name).sum())})", hoverinfo="skip",
                        line={"width": 1, "color": colours.get(name, "#888888")}, opacity=0.5)
    for index, dim in enumerate(dims):
        if "ticktext" in dim:
            low, high = min(dim["tickvals"]), max(dim["tickvals"])
            ticks = [((v - low) / ((high - low) or 1.0), t) for v, t in zip(dim["tickvals"], dim["ticktext"], strict=True)]
        else:
            values = pd.Series(dim["values"], dtype=float)
            low, high = dim.get("range", [values.min(), values.max()])
            ticks = [(0.0, number_text(low)), (1.0, number_text(high))]
        for y, text in ticks:
            fig.add_annotation(x=index, y=y, text=html.escape(str(text)), showarrow=False, xanchor="left", xshift=4, font={"size": 10})
        fig.add_shape(type="line", x0=index, x1=index, y0=0, y1=1, line={"color": "#444", "width": 1})
    fig.update_layout(height=480, margin={"t": 40, "l": 40, "r": 120}, plot_bgcolor="#fff",
                      xaxis={"tickvals": list(range(len(dims))), "ticktext": [d["label"] for d in dims], "range": [-0.2, len(dims) - 0.5]},
                      yaxis={"visible": False, "range": [-0.05, 1.05]}, legend_title="status")
    return fig


# -- stress -----------------------------------------------------------------------------------------


def _stress(folder: ResultTables) -> Built:
    m = folder.manifest
    table = folder["stress"]
    objective = m.get("objective") or {}
    base = m.get("baseline") or {}
    head = f"baseline {base.get('status')}: {objective.get('name')} = {number_text(base.get('objective_value'))} {objective.get('unit', '')}"
    solved = table["recovery"].eq("recovered") if "recovery" in table.columns else table["status"].isin(["optimal", "feasible"])
    recovered, lost = table[solved], table[~solved]
    fig = go.Figure(go.Bar(x=recovered["provider"], y=recovered["recovery_cost"], marker_color=recovered["kind"].map(KIND_CSS),
                           customdata=recovered["moved"].fillna(""), hovertemplate="%{x}: %{y:,.6~g}<br>%{customdata}<extra></extra>"))
    if not lost.empty:  # no recovery is the worst outcome: a full-height red bar, never an empty one that reads as a free drop
        top = max([float(v) for v in recovered["recovery_cost"].dropna()] + [1.0]) * 1.15
        fig.add_bar(x=lost["provider"], y=[top] * len(lost), name="NO RECOVERY", text=["NO RECOVERY"] * len(lost), textposition="inside",
                    marker={"color": "#c0392b", "pattern": {"shape": "/"}}, customdata=lost["message"].fillna(""),
                    hovertemplate="%{x}: NO RECOVERY (the programme has no solution without it)<br>%{customdata}<extra></extra>")
    fig.update_layout(height=380, margin={"t": 30}, yaxis_title=f"recovery cost ({objective.get('unit', '')}, + = worse)", showlegend=False)
    by = m.get("by", "provider")
    what = "provider dropped" if by == "provider" else "builder grounded (every offer it builds)"
    drops = m.get("drops", "")
    lost_text = (f"<p><strong>NO RECOVERY without: {html.escape(', '.join(lost['provider']))}</strong>: the programme has no solution "
                 "once it goes (red bars; stress.csv column recovery).</p>") if not lost.empty else ""
    body = [section(f"Recovery cost by {what} ({objective.get('name')})", f"<p>{html.escape(drops)}</p>" if drops else "", lost_text,
                    figure_html(fig, "stress-plot"), behind(table, "stress.csv")),
            section("Moves", table_html(folder.tables.get("moves", pd.DataFrame()), "element moves per provider dropped"))]
    return head, body, {}, ""


BY_KIND = {"sweep": _sweep, "stress": _stress}
