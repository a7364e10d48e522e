"""The building blocks of report pages: style, tables, charts, sections, provenance and the page itself."""

from __future__ import annotations

import html
import json
import math
from typing import Any

import pandas as pd

#: What a report section builder returns: (headline, body sections, page data, page script).
Built = tuple[str, list[str], dict[str, Any], str]

KIND_CSS = {"nasa": "#1f4e9c", "international": "#2a9d5b", "commercial": "#d9822b", "": "#888888",
            # procurements in the colours of the provider kinds they default from
            "agency_owned": "#1f4e9c", "partner_contribution": "#2a9d5b", "commercial_service": "#d9822b"}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#fafafa}
header{background:#0b1d3a;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.4rem}header p{margin:.3rem 0 0;opacity:.85}
main{padding:1rem 2rem;max-width:1400px}section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
h2{font-size:1.15rem;margin:.2rem 0 .6rem}table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
th,td{border:1px solid #ddd;padding:.2rem .45rem;text-align:left;vertical-align:top}th{background:#f0f2f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}details summary{cursor:pointer;color:#1f4e9c;margin:.3rem 0}
.kind-nasa{border-left:6px solid #1f4e9c}.kind-international{border-left:6px solid #2a9d5b}.kind-commercial{border-left:6px solid #d9822b}
.note{color:#555;font-size:.9rem}
.big{content-visibility:auto;contain-intrinsic-size:auto 1200px}.diff{background:#fff3c4}
.panels{display:flex;gap:1rem;flex-wrap:wrap}.panels>div{flex:1 1 320px}
input[type=search]{padding:.3rem;width:20rem;margin:.3rem 0}.scroll{overflow-x:auto;max-width:100%}
"""


def number_text(value: Any) -> str:
    """A number for a report cell: '-' for none or NaN, else up to 6 significant digits with thousands separators."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.6g}"


def table_html(frame: Any, caption: str = "", classes: str = "", max_rows: int | None = None, table_id: str = "") -> str:
    """A pandas frame as a plain table (numbers right-aligned), with its caption."""
    rows = frame if max_rows is None else frame.head(max_rows)
    head = "".join(f"<th scope=col>{html.escape(str(c))}</th>" for c in rows.columns)
    body = []
    for record in rows.itertuples(index=False):
        cells = []
        for value in record:
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            missing = value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))
            text = "" if missing else (f"{value:,.6g}" if number else str(value))
            cells.append(f"<td class=num>{text}</td>" if number else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = f"<p class=note>{len(frame) - len(rows)} more rows in the folder's CSV.</p>" if len(rows) < len(frame) else ""
    ident = f" id='{table_id}'" if table_id else ""
    return f"<div class=scroll><table{ident} class='{classes}'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{more}"


def behind(frame: Any, what: str, max_rows: int | None = None) -> str:
    """The table behind a chart, in a disclosure that works without JavaScript."""
    return f"<details><summary>Table: {html.escape(what)}</summary>{table_html(frame, what, max_rows=max_rows)}</details>"


def figure_html(figure: Any, div_id: str) -> str:
    """A plotly figure as a div and its script, without plotly.js (inlined once in the page's head)."""
    return str(figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                              config={"displaylogo": False, "responsive": True, "showSendToCloud": False,
                                      "modeBarButtonsToRemove": ["sendDataToCloud", "showEditInChartStudio"]}))


def section(title: str, *parts: str, section_id: str = "") -> str:
    ident = f" id='{section_id}'" if section_id else ""
    return f"<section{ident}><h2>{html.escape(title)}</h2>{''.join(parts)}</section>"


def page(title: str, subtitle: str, body: list[str], data: dict[str, Any], script: str) -> str:
    """The whole page: plotly.js inlined in the head, the sections, the page's data as JSON, its script."""
    from plotly.offline import get_plotlyjs

    payload = json.dumps(data, default=str).replace("</", "<\\/")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
            f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header><main>{''.join(body)}</main>"
            f"<script type='application/json' id=report-data>{payload}</script><script>{script}</script></body></html>")


def provenance(manifest: dict[str, Any]) -> str:
    """Where the folder came from: command, time, engine, solver, the study, its scenario chain and input hashes."""
    study = manifest.get("study") or {}
    solver = manifest.get("solver") or {}
    rows = [("kind", manifest.get("kind")), ("command", manifest.get("command")), ("created (UTC)", manifest.get("created_utc")),
            ("engine", f"{(manifest.get('engine') or {}).get('name', '')} {(manifest.get('engine') or {}).get('version', '')}"),
            ("solver", f"{solver.get('name', '')} {solver.get('version', '')}".strip()),
            ("solver options", json.dumps(solver.get("options", {}), default=str)),
            ("study", f"{study.get('name', '')} ({study.get('path', '')})"),
            ("scenario chain", " + ".join(study.get("scenario_chain", [])) or "base")]
    rows += [(f"change by {c.get('by')}", f"{c.get('key')}: {c.get('old')!r} -> {c.get('new')!r}") for c in study.get("changes", [])]
    rows += [(f"sha256 {name}", digest) for name, digest in (study.get("input_sha256") or {}).items()]
    rows = [(k, v) for k, v in rows if str(v).strip() not in ("", "()", "{}", "None")]
    body = "".join(f"<tr><th scope=row>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return section("Provenance", f"<table><tbody>{body}</tbody></table>", section_id="provenance")
