"""The report sections of decision-support folders: alternatives, break-even prices, sensitivity (report.py builds the page)."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from optimizer.output.plots import MILESTONE_COLOURS
from optimizer.output.reading import ResultTables
from optimizer.output.report_html import Built, behind, figure_html, number_text, section, table_html

CHOSEN, OTHER = "#1f4e9c", "#9aa5b1"


def _alternatives(folder: ResultTables) -> Built:
    m = folder.manifest
    objective = m.get("objective") or {}
    head = (f"optimum {objective.get('name')} = {number_text(m.get('optimum'))} {objective.get('unit', '')}; "
            f"{m.get('alternatives', 0)} alternatives within {100 * float(m.get('slack', 0)):.3g} %")
    table = folder["alternatives"]
    assignments = folder.tables.get("assignments", pd.DataFrame(columns=["alternative", "element", "provider"]))
    decisions = folder.tables.get("decisions", pd.DataFrame())
    fig = go.Figure(go.Bar(x=table["alternative"].astype(str), y=100 * table["gap"],
                           customdata=table[["objective_value", "distance", "new_decisions"]],
                           marker_color=[CHOSEN if a == 0 else OTHER for a in table["alternative"]],
                           hovertemplate="alternative %{x}: gap %{y:.2f} %<br>" + str(objective.get("name")) + " %{customdata[0]:,.6~g}, "
                                         "%{customdata[1]} elements differ, %{customdata[2]} new decisions<extra></extra>"))
    fig.update_layout(height=340, margin={"t": 30}, xaxis_title="alternative (0 = the optimum)",
                      yaxis_title=f"gap from the optimum's {objective.get('name')} (%)")
    grid = assignments.pivot(index="element", columns="alternative", values="provider").fillna("-") if not assignments.empty else assignments
    if not grid.empty:
        grid.columns = [f"alt {c}" for c in grid.columns]
        grid = grid.reset_index()
    body = [section("Alternatives within the slack", figure_html(fig, "alternatives-plot"), behind(table, "alternatives.csv")),
            section("Who builds what in each", table_html(grid, "element by alternative (- : left out)")),
            section("Decisions that hold", "<p class=note>Proven: no architecture within the slack gives a holding element another "
                                           "provider or leaves it out.</p>", table_html(decisions, "decisions.csv"))]
    return head, body, {}, ""


def _breakeven(folder: ResultTables) -> Built:
    m = folder.manifest
    objective = m.get("objective") or {}
    table = folder["breakeven"]
    finite = table[table["breakeven_cost_musd"].apply(lambda v: isinstance(v, (int, float)) and math.isfinite(v))]
    head = f"optimum {objective.get('name')} = {number_text(m.get('optimum'))} {objective.get('unit', '')}; {len(table)} offers priced"
    labels = finite["element"] + " / " + finite["provider"]
    fig = go.Figure()
    for chosen, name, colour in ((True, "chosen", CHOSEN), (False, "not chosen", OTHER)):
        rows = finite[finite["chosen"] == chosen]
        rows_labels = labels[finite["chosen"] == chosen]
        fig.add_scatter(x=rows["cost_musd"], y=rows_labels, mode="markers", marker={"symbol": "circle-open", "size": 9, "color": colour},
                        name=f"{name}: cost", hovertemplate="%{y}: cost %{x:,.2f}<extra></extra>")
        fig.add_scatter(x=rows["breakeven_cost_musd"], y=rows_labels, mode="markers", marker={"symbol": "diamond", "size": 9, "color": colour},
                        name=f"{name}: break-even", hovertemplate="%{y}: break-even %{x:,.2f}<extra></extra>")
    fig.update_layout(height=max(320, 22 * len(finite) + 120), margin={"t": 30, "l": 260}, xaxis_title="US$M",
                      yaxis={"autorange": "reversed"}, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    body = [section("Cost and break-even price of each offer",
                    "<p class=note>A chosen offer stays in some optimum up to its break-even; another joins one at or below it. "
                    "Offers with a note (indispensable, cannot be chosen, ...) are in the table.</p>",
                    figure_html(fig, "breakeven-plot"), behind(table, "breakeven.csv"))]
    return head, body, {}, ""


def _sensitivity(folder: ResultTables) -> Built:
    m = folder.manifest
    method, objective = m.get("method", "morris"), m.get("objective", "")
    key = "mu_star" if method == "morris" else "ST"
    indices = folder["indices"]
    counts = m.get("counts") or {}
    head = (f"{method}: {counts.get('samples', '?')} samples, {counts.get('runs', '?')} runs "
            f"({counts.get('runs_with_solution', '?')} with a solution); objective {objective}")
    body = []
    for output in (objective, "feasible"):
        rows = indices[indices["output"] == output].sort_values(key, na_position="first")
        if rows.empty:
            continue
        if rows["note"].fillna("").str.contains("does not vary").all():
            body.append(section(f"What moves {output}", f"<p>{html.escape(output)} is the same in every run: no input moves it.</p>"))
            continue
        fig = go.Figure(go.Bar(x=rows[key], y=rows["input"], orientation="h", marker_color=CHOSEN, name=key,
                               error_x={"type": "data", "array": rows[f"{key}_conf"]}))
        if method == "morris":
            fig.add_scatter(x=rows["sigma"], y=rows["input"], mode="markers", marker={"color": "#c0392b", "size": 9}, name="sigma")
        else:
            fig.add_bar(x=rows["S1"], y=rows["input"], orientation="h", marker_color="#d9822b", name="S1", width=0.4)
        fig.update_layout(height=max(300, 40 * len(rows) + 120), margin={"t": 30, "l": 360}, barmode="overlay",
                          xaxis_title=key, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
        notes = "; ".join(sorted({n for n in rows["note"].dropna() if n}))
        body.append(section(f"What moves {output}", f"<p class=note>{html.escape(notes)}</p>" if notes else "",
                            figure_html(fig, f"sensitivity-{len(body)}"), behind(rows, f"indices of {output}")))
    body.append(section("Every output", behind(indices, "indices.csv"), behind(folder.tables.get("samples", pd.DataFrame()), "samples.csv", 500)))
    return head, body, {}, ""


def _confidence(folder: ResultTables) -> Built:
    m = folder.manifest
    confidence, curves, criticality = folder["confidence"], folder["s_curves"], folder["criticality"]
    source = m.get("source") or {}
    what = f"the optimum of {source['objective']}" if "objective" in source else ("a run's architecture" if "run" in source else "an assigned architecture")
    head = f"{what}: {m.get('samples', 0):,} samples, seed {m.get('seed')}"
    # one colour per milestone, the same in every chart of the page; limits are legend entries, so labels never overprint
    colour = {str(ms): MILESTONE_COLOURS[i % len(MILESTONE_COLOURS)] for i, ms in enumerate(confidence["milestone"])}
    fig = go.Figure()
    for ms, rows in curves.groupby("milestone", sort=False):
        fig.add_scatter(x=rows["slip_months"], y=rows["probability"], mode="lines", name=str(ms), line={"color": colour.get(str(ms))},
                        legendgroup=str(ms), hovertemplate=f"{ms}: P(slip <= %{{x:.1f}} months) = %{{y:.0%}}<extra></extra>")
    for row in confidence.itertuples():
        if isinstance(row.limit_months, float) and math.isfinite(row.limit_months):
            fig.add_scatter(x=[row.limit_months, row.limit_months], y=[0, 1.02], mode="lines", legendgroup=str(row.milestone),
                            name=f"{row.milestone} limit {row.limit_months:g} months (P = {row.p_meet:.0%})",
                            line={"color": colour.get(str(row.milestone)), "dash": "dot"}, hoverinfo="name")
    fig.update_layout(height=420, margin={"t": 30}, xaxis_title="milestone slip (months)", yaxis_title="P(slip <= x)",
                      yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    bars = go.Figure()
    for ms, rows in criticality.groupby("milestone", sort=False):
        bars.add_bar(x=rows["criticality"], y=rows["element"], orientation="h", name=str(ms), marker_color=colour.get(str(ms)))
    bars.update_layout(height=max(300, 26 * len(criticality) + 120), margin={"t": 30, "l": 220}, barmode="group",
                       xaxis={"title": "share of samples in which the element sets the milestone's slip", "tickformat": ".0%"})
    body = [section("Chance of keeping each milestone", table_html(confidence, "confidence.csv")),
            section("S-curves", figure_html(fig, "confidence-s-curves"), behind(curves, "s_curves.csv", 404)),
            section("What drives each milestone", figure_html(bars, "confidence-criticality"), behind(criticality, "criticality.csv")),
            section("Architecture simulated", table_html(folder.tables.get("assignment", pd.DataFrame()), "assignment.csv"))]
    return head, body, {}, ""


BY_KIND = {"alternatives": _alternatives, "breakeven": _breakeven, "sensitivity": _sensitivity, "confidence": _confidence}
