"""The sections of run, Pareto and compare reports (report.py builds the page; report_what_if.py, report_decisions.py the other kinds)."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from architecture import FAMILY_BY_NAME
from optimizer.output.reading import ResultTables, read_tables
from optimizer.output.report_html import KIND_CSS, Built, behind, figure_html, number_text, section, table_html

# The page script of fronts: hovering a point shows its architecture; clicking pins it (two at most) beside another.
FRONT_SCRIPT = """
(function(){
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const front = data.front; if (!front) return;
  const pinned = [];
  function architecture(point){
    const providers = front.providers[String(point)] || [];
    return front.elements.map((e, i) => [e, providers[i] || '']).filter(row => row[1]);
  }
  function values(point){ return front.objectives.map(n => n + ' = ' + front.values[String(point)][n]).join(', '); }
  function show(point){
    const rows = architecture(point).map(r => '<tr><td>' + r[0] + '</td><td>' + r[1] + '</td></tr>').join('');
    const head = '<p><strong>point ' + point + '</strong>: ' + values(point) + '</p>';
    document.getElementById('architecture').innerHTML = head +
      '<table data-point="' + point + '"><thead><tr><th>element</th><th>provider</th></tr></thead><tbody>' + rows + '</tbody></table>';
  }
  function diff(){
    const box = document.getElementById('pinned');
    if (!pinned.length){ box.innerHTML = '<p class=note>Click a point to pin it; click another to compare the two.</p>'; return; }
    const heads = pinned.map(p => '<th>point ' + p + '</th>').join('');
    const rows = front.elements.map((e, i) => {
      const cells = pinned.map(p => (front.providers[String(p)] || [])[i] || '');
      const changed = cells.some(c => c !== cells[0]);
      return '<tr class="' + (changed ? 'diff' : '') + '"><td>' + e + '</td>' + cells.map(c => '<td>' + (c || '-') + '</td>').join('') + '</tr>';
    }).join('');
    box.innerHTML = '<p>' + pinned.map(p => 'point ' + p + ': ' + values(p)).join('<br>') + '</p>' +
      '<table data-pinned="' + pinned.join(',') + '"><thead><tr><th>element</th>' + heads + '</tr></thead><tbody>' + rows + '</tbody></table>';
  }
  document.querySelectorAll('.front-plot').forEach(div => {
    div.on('plotly_hover', ev => show(ev.points[0].customdata));
    div.on('plotly_click', ev => {
      const p = ev.points[0].customdata;
      if (pinned.includes(p)) return;
      pinned.push(p); if (pinned.length > 2) pinned.shift(); diff();
    });
  });
  diff();
})();
"""



def _objectives(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [o if isinstance(o, dict) else {"name": o, "sense": "", "unit": ""} for o in manifest.get("objectives", [])]


# -- run --------------------------------------------------------------------------------------------


def _run(folder: ResultTables) -> Built:
    m = folder.manifest
    objective = m.get("objective") or {}
    head = f"{objective.get('name')} = {number_text(m.get('objective_value'))} {objective.get('unit', '')} ({objective.get('sense')}), status {m.get('status')}"
    body = [section("Outcome", f"<p>{html.escape(head)}; gap {number_text(m.get('mip_gap'))}; "
                               f"the independent evaluator finds it {'feasible' if m.get('feasible_by_evaluator') else 'not feasible'}.</p>",
                    *(f"<p class=note>{html.escape(v)}</p>" for v in m.get("violations", [])))]
    assignment = folder.tables.get("assignment", pd.DataFrame())
    if assignment.empty:
        body.append(section("Assignment", "<p>No architecture: the run has no solution.</p>"))
        return head, body, {}, ""
    body.append(_assignment_section(assignment))
    body.append(_spending_section(folder))
    if lines := _budget_lines_section(folder):
        body.append(lines)
    if "slips" in folder.tables:
        body.append(_slips_section(folder.tables["slips"]))
    body.append(_binding_section(folder))
    return head, body, {}, ""


def _assignment_section(assignment: pd.DataFrame) -> str:
    fig = go.Figure()
    for kind, rows in assignment.groupby("provider_kind", sort=True):
        fig.add_bar(x=rows["element"], y=rows["cost_musd"], name=str(kind), marker_color=KIND_CSS.get(str(kind), "#888"),
                    customdata=rows["provider"], hovertemplate="%{x}: %{customdata}<br>%{y:,.1f} US$M<extra>" + str(kind) + "</extra>")
    fig.update_layout(barmode="stack", height=380, margin={"t": 30}, yaxis_title="cost to NASA (US$M)", legend_title="provider kind")
    rows = "".join(f"<tr class='kind-{html.escape(str(r.provider_kind))}'><td>{html.escape(r.element)}</td><td>{html.escape(r.provider)}</td>"
                   f"<td>{html.escape(str(r.provider_kind))}</td><td class=num>{number_text(r.cost_musd)}</td></tr>"
                   for r in assignment.itertuples())
    table = ("<table><caption>Assignment by element, coloured by provider kind</caption><thead><tr><th>element</th><th>provider</th>"
             f"<th>provider kind</th><th>cost_musd</th></tr></thead><tbody>{rows}</tbody></table>")
    return section("Assignment by element", figure_html(fig, "assignment-plot"), f"<details><summary>Table: assignment</summary>{table}</details>")


def _spending_section(folder: ResultTables) -> str:
    budget = folder.tables.get("budget_by_year", pd.DataFrame())
    spend = folder.tables.get("spend_by_year")
    fig = go.Figure()
    # stacked by who owns and operates (procurement); a folder written before procurement existed stacks by provider kind
    by = "procurement" if spend is not None and "procurement" in spend.columns else "provider_kind"
    if spend is not None and not spend.empty:
        by_kind = spend.groupby(["fiscal_year", by], as_index=False)["agency_spend_musd"].sum()
        for kind, rows in by_kind.groupby(by, sort=True):
            fig.add_bar(x=rows["fiscal_year"], y=rows["agency_spend_musd"], name=str(kind), marker_color=KIND_CSS.get(str(kind), "#888"))
        table = by_kind.pivot_table(index="fiscal_year", columns=by, values="agency_spend_musd", fill_value=0.0).reset_index()
    else:  # a folder written before spend_by_year.csv: totals only
        fig.add_bar(x=budget["fiscal_year"], y=budget["agency_spend_musd"], name="all offers")
        table = budget[["fiscal_year", "agency_spend_musd"]]
    if not budget.empty and budget["annual_budget_musd"].notna().any():
        fig.add_scatter(x=budget["fiscal_year"], y=budget["annual_budget_musd"], name="annual cap", mode="lines+markers",
                        line={"color": "#c0392b", "dash": "dash"})
        table = table.merge(budget[["fiscal_year", "annual_budget_musd", "headroom_musd"]], on="fiscal_year", how="left")
    fig.update_layout(barmode="stack", height=360, margin={"t": 30}, xaxis_title="fiscal year", yaxis_title="NASA spending (US$M)")
    basis = folder.manifest.get("commercial_share_basis", "builder")
    words = "procurement (who owns and operates)" if by == "procurement" else "provider kind"
    return section(f"NASA spending by fiscal year, by {words}, against the annual caps (commercial share basis: {basis})",
                   figure_html(fig, "spending-plot"),
                   behind(table, "spending by fiscal year"))


def _budget_lines_section(folder: ResultTables) -> str:
    """Each budget line's spending by fiscal year against its annual caps (budget_by_year.csv `spend_musd:LINE`); empty without lines."""
    budget = folder.tables.get("budget_by_year", pd.DataFrame())
    lines = [col.split(":", 1)[1] for col in budget.columns if col.startswith("spend_musd:") and col != "spend_musd:no_line"]
    if not lines:
        return ""
    fig = go.Figure()
    for index, line in enumerate(lines):
        colour = qualitative.Plotly[index % len(qualitative.Plotly)]
        fig.add_scatter(x=budget["fiscal_year"], y=budget[f"spend_musd:{line}"], name=f"{line} spending", mode="lines+markers",
                        line={"color": colour})
        if budget[f"cap_musd:{line}"].notna().any():
            fig.add_scatter(x=budget["fiscal_year"], y=budget[f"cap_musd:{line}"], name=f"{line} cap", mode="lines",
                            line={"color": colour, "dash": "dash"})
    fig.update_layout(height=360, margin={"t": 30}, xaxis_title="fiscal year", yaxis_title="NASA spending (US$M)")
    columns = ["fiscal_year", *(col for col in budget.columns if ":" in col)]
    return section("NASA spending by budget line, against each line's annual caps", figure_html(fig, "budget-lines-plot"),
                   behind(budget[columns], "spending by budget line"))


def _slips_section(slips: pd.DataFrame) -> str:
    """For each milestone, its gating elements and what they require, as bars: the wait for what is required, then the own slip."""
    slips = slips.fillna("")
    by_element = {row.element: row for row in slips.itertuples()}
    rows = []
    for milestone in sorted({m for value in slips["milestones"] for m in str(value).split(";") if m}):
        order: list[str] = []
        for row in slips.itertuples():
            if milestone in str(row.milestones).split(";"):
                _chain(row.element, by_element, order)
        for element in order:
            row = by_element[element]
            start = max(float(row.element_slip_months) - float(row.slip_months), 0.0)
            rows.append({"milestone": milestone, "element": element, "requires": row.requires, "waits_months": start,
                         "own_slip_months": float(row.element_slip_months) - start, "element_slip_months": float(row.element_slip_months)})
    chains = pd.DataFrame(rows, columns=["milestone", "element", "requires", "waits_months", "own_slip_months", "element_slip_months"])
    if chains.empty:
        return section("Milestone slip chains", "<p>No element gates a milestone.</p>")
    labels = chains["milestone"] + " · " + chains["element"]
    fig = go.Figure([go.Bar(y=labels, x=chains["waits_months"], orientation="h", name="waits for what it requires", marker_color="#c8d1dc"),
                     go.Bar(y=labels, x=chains["own_slip_months"], orientation="h", name="own slip", marker_color="#1f4e9c")])
    fig.update_layout(barmode="stack", height=max(260, 22 * len(chains) + 80), margin={"t": 30, "l": 260}, xaxis_title="slip (months)",
                      yaxis={"autorange": "reversed"})
    return section("Milestone slip chains along requires", figure_html(fig, "slips-plot"), behind(chains, "slip chains"))


def _chain(element: str, by_element: dict[str, Any], order: list[str]) -> None:
    """Append the element after what it requires (depth first), each once."""
    if element in order or element not in by_element:
        return
    for required in filter(None, str(by_element[element].requires).split(";")):
        _chain(required, by_element, order)
    order.append(element)


def _binding_section(folder: ResultTables) -> str:
    limits = folder.tables.get("limits", pd.DataFrame())
    if limits.empty:
        return section("Limits at their bound", "<p>The study sets no limit.</p>")
    policy = limits[limits["binding"].astype(bool) & ~limits["family"].map(lambda f: FAMILY_BY_NAME[f].structural if f in FAMILY_BY_NAME else False)]
    cost = folder.tables.get("binding")
    if cost is not None:
        gains = {(row.family, _index(row.row)): row.improvement for row in cost.itertuples()}
        policy = policy.assign(improvement_if_dropped=[gains.get((row.family, _index(row.limit))) for row in policy.itertuples()])
        note = "<p class=note>improvement_if_dropped: how much better the objective gets with that limit alone dropped (`trade explain`).</p>"
    else:
        note = "<p class=note>What each costs: run with <code>trade run --explain</code> (or <code>trade explain</code>).</p>"
    shown = policy[[c for c in ("family", "limit", "value", "bound", "sense", "unit", "improvement_if_dropped") if c in policy]]
    return section("Limits at their bound", table_html(shown, "limits at their bound") if not shown.empty else "<p>None.</p>", note,
                   behind(limits, "every limit row"))


def _index(label: str) -> str:
    """`annual_budget_musd[2028]` -> `2028`; a limit without an index -> ``."""
    return label[label.index("[") + 1:-1] if "[" in label else ""


# -- Pareto -----------------------------------------------------------------------------------------


def _front_data(points: pd.DataFrame, assignments: pd.DataFrame, names: list[str]) -> dict[str, Any]:
    elements = sorted(assignments["element"].unique()) if not assignments.empty else []
    index = {e: i for i, e in enumerate(elements)}
    providers: dict[str, list[str]] = {}
    for point, rows in assignments.groupby("point"):
        chosen = [""] * len(elements)
        for row in rows.itertuples():
            chosen[index[row.element]] = row.provider
        providers[str(int(point))] = chosen
    values = {str(int(row["point"])): {n: row[n] for n in names} for row in points.to_dict("records")}
    return {"objectives": names, "elements": elements, "providers": providers, "values": values}


def front_figure(fronts: list[tuple[str, pd.DataFrame]], objectives: list[dict[str, Any]], marks: dict[str, Any] | None = None) -> go.Figure:
    """A scatter of 2 objectives, or a matrix of every pair for 3 or more (SVG: hover and click work everywhere)."""
    names = [o["name"] for o in objectives]
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    cols = min(3, len(pairs))
    fig = make_subplots(rows=math.ceil(len(pairs) / cols), cols=cols,
                        subplot_titles=[f"{names[j]} vs {names[i]}" for i, j in pairs] if len(pairs) > 1 else None)
    colours = ["#1f4e9c", "#d9822b", "#2a9d5b", "#8e44ad"]
    for k, (i, j) in enumerate(pairs):
        row, col = k // cols + 1, k % cols + 1
        for f, (label, points) in enumerate(fronts):
            symbols = (marks or {}).get(label, {})
            fig.add_scatter(x=points[names[i]], y=points[names[j]], mode="markers", name=label, legendgroup=label, showlegend=k == 0,
                            customdata=points["point"].astype(int), row=row, col=col,
                            marker={"size": 9, "color": colours[f % len(colours)],
                                    "symbol": [symbols.get(int(p), "circle") for p in points["point"]]},
                            hovertemplate=f"{label} point %{{customdata}}<br>{names[i]} %{{x:,.6~g}}<br>{names[j]} %{{y:,.6~g}}<extra></extra>")
        fig.update_xaxes(title_text=f"{names[i]} [{objectives[i].get('unit', '')}] ({objectives[i].get('sense', '')})", row=row, col=col)
        fig.update_yaxes(title_text=f"{names[j]} [{objectives[j].get('unit', '')}] ({objectives[j].get('sense', '')})", row=row, col=col)
    fig.update_layout(height=420 * math.ceil(len(pairs) / cols), margin={"t": 40}, hovermode="closest", clickmode="event")
    return fig


def _pareto(folder: ResultTables) -> Built:
    m = folder.manifest
    objectives = _objectives(m)
    names = [o["name"] for o in objectives]
    points, assignments = folder["points"], folder.tables.get("assignments", pd.DataFrame(columns=["point", "element", "provider"]))
    head = f"{len(points)} points of {', '.join(names)} ({m.get('status')}, {m.get('method')})"
    if points.empty:
        return head, [section("Front", "<p>No point: the study is infeasible.</p>")], {}, ""
    fig = front_figure([("front", points)], objectives)
    plot = figure_html(fig, "front-plot").replace("<div id=\"front-plot\"", "<div class=\"front-plot\" id=\"front-plot\"", 1)
    panels = ("<div class=panels><div><h3>Architecture of the point under the pointer</h3><div id=architecture>"
              "<p class=note>Hover a point.</p></div></div><div><h3>Pinned points</h3><div id=pinned></div></div></div>")
    hv = m.get("hypervolume") or {}
    body = [section("The front", f"<p>{len(points)} nondominated points (status: {html.escape(str(m.get('status')))}).</p>", plot, panels,
                    behind(points, "the points (points.csv)"), section_id="front"),
            section("Payoff table", table_html(folder["payoff"], "each objective optimised first")),
            section("Hypervolume", f"<p>{number_text(hv.get('value'))} against the reference point "
                                   f"{html.escape(', '.join(f'{k} = {number_text(v)}' for k, v in (hv.get('reference_point') or {}).items()))}"
                                   f" ({html.escape(str(hv.get('definition', '')))}).</p>")]
    return head, body, {"front": _front_data(points, assignments, names)}, FRONT_SCRIPT


# -- compare ----------------------------------------------------------------------------------------


def _compare(folder: ResultTables) -> Built:
    m = folder.manifest
    objectives = _objectives(m)
    names = [o["name"] for o in objectives]
    moved = folder.tables.get("moved", pd.DataFrame())
    fronts: list[tuple[str, pd.DataFrame]] = []
    for item in m.get("inputs", []):
        label = item["path"].rstrip("/").split("/")[-1]
        try:
            other = read_tables(item["path"])
        except Exception:  # noqa: BLE001 - an input moved away: its points come from moved.csv below
            continue
        points = other.tables.get("points")
        if points is None and "metrics" in other.tables and not other["metrics"].empty:  # a single run
            metrics = dict(zip(other["metrics"]["metric"], other["metrics"]["value"], strict=True))
            points = pd.DataFrame([{"point": 1, **{n: metrics.get(n) for n in names}}])
        if points is not None and not points.empty and all(n in points for n in names):
            fronts.append((label, points))
    marks: dict[str, dict[int, str]] = {}
    for row in moved.itertuples() if not moved.empty else ():
        if row.status == "moved" and not pd.isna(row.point_other):
            marks.setdefault(str(row.other), {})[int(row.point_other)] = "diamond"
        elif row.status == "gone":
            marks.setdefault(str(row.baseline), {})[int(row.point_baseline)] = "x"
    body = []
    if fronts and len(names) >= 2:
        fig = front_figure(fronts, objectives, marks)
        body.append(section("The fronts overlaid (diamond: a point that moved; x: a point that is gone)", figure_html(fig, "overlay-plot"),
                            behind(pd.concat([p.assign(result=label) for label, p in fronts], ignore_index=True), "the points of every front")))
    for name, title in (("summary", "Summary"), ("dominance", "Dominance and coverage"), ("moved", "Points that moved or are gone"),
                        ("changes", "Provider changes in matched points"), ("limit_changes", "Limits that became binding or slack")):
        frame = folder.tables.get(name)
        if frame is not None:
            body.append(section(title, table_html(frame, title) if not frame.empty else "<p>None.</p>"))
    return f"{len(m.get('inputs', []))} result folders over {', '.join(names)}", body, {}, ""


BY_KIND = {"run": _run, "pareto": _pareto, "compare": _compare}
