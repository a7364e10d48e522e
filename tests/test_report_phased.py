"""`trade report` of a phased folder: what to commit now, each future's cost and what can wait, from a real `trade phased` run."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import STUDIES
from tests.test_report import browser, open_page  # noqa: F401 - the headless Chromium of the other report pages
from trade import cli

PHASED = STUDIES / "phased"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


class Tables(HTMLParser):
    """Every table of a page by its caption: its header and its rows, as the cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list]] = {}
        self.caption = self.cell = None
        self.table: dict[str, list] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = {"header": [], "rows": []}
            self.tables[f"table {len(self.tables)}"] = self.table
        elif tag == "caption":
            self.caption = ""
        elif tag == "tr" and self.table is not None:
            self.table["rows"].append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "caption" and self.table is not None:
            self.tables[self.caption] = self.tables.pop(next(k for k, v in self.tables.items() if v is self.table))
            self.caption = None
        elif tag in ("td", "th") and self.table is not None:
            self.table["rows"][-1].append(self.cell)
            self.cell = None
        elif tag == "thead" and self.table is not None:
            self.table["header"] = self.table["rows"].pop()

    def handle_data(self, data):
        if self.caption is not None:
            self.caption += data
        elif self.cell is not None:
            self.cell += data


def tables(page: str) -> dict[str, dict[str, list]]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


@pytest.fixture(scope="module")
def phased(tmp_path_factory) -> Path:
    """A phased folder of the tiny phased study, with its report."""
    out = tmp_path_factory.mktemp("phased") / "phased"
    done = invoke("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out)
    assert done.exit_code == 0, done.output
    reported = invoke("report", out)
    assert reported.exit_code == 0 and reported.output.strip() == f"wrote {out / 'report.html'}", reported.output
    return out


def page_of(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def test_one_self_contained_page_with_the_headline(phased):
    from plotly.offline import get_plotlyjs

    page = page_of(phased)
    assert page.startswith("<!doctype html>") and get_plotlyjs() in page
    ours = page.replace(get_plotlyjs(), "")
    assert "src=" not in ours and "http://" not in ours and "https://" not in ours
    m = json.loads((phased / "manifest.json").read_text())
    head = ours[ours.index("<header>"):ours.index("</header>")]
    futures = len(m["uncertainty"]["futures"])
    assert f"decided in FY{m['uncertainty']['decide_fy']} across {futures} futures" in head and "expected (probability-weighted) cost" in head
    assert f"expected {m['expected_cost_musd']:,.6g} US$M" in head and f"worst {m['worst_cost_musd']:,.6g} US$M" in head
    assert f"EVPI {m['evpi_musd']:,.6g} US$M" in head
    assert m["vss_unbounded"] and "VSS unbounded" in head  # the test study's plan made on the study as given strands a future
    worth = tables(page)["what the decision is worth (US$M)"]
    values = {row[0]: row[1] for row in worth["rows"]}
    assert values["EVPI"] == f"{m['evpi_musd']:,.6g}" and values["VSS"] == "unbounded"
    assert values["wait and see"] == f"{m['wait_and_see_musd']:,.6g}" and values["plan on the study as given (EEV)"].startswith("none")
    for section in ("Commit now", "Cost in each future", "What can wait", "Provenance"):
        assert f"<h2>{section}</h2>" in page, section


def test_commit_now_lists_the_committed_offers_first_with_what_they_protect(phased):
    commitments = pd.read_csv(phased / "commitments.csv")
    table = tables(page_of(phased))
    shown = next(v for k, v in table.items() if k.startswith("offers awarded by FY"))
    header = shown["header"]
    assert {"termination liability (US$M)", "protects (US$M)", "commit now?", "used in futures", "walked away from in"} <= set(header)
    rows = [dict(zip(header, row, strict=True)) for row in shown["rows"]]
    assert len(rows) == len(commitments)
    now = [r["commit now?"] == "commit now" for r in rows]
    assert now == sorted(now, reverse=True) and sum(now) == int(commitments["committed"].sum())  # committed ones first
    committed = {(e, p) for e, p, c in zip(commitments["element"], commitments["provider"], commitments["committed"], strict=True) if c}
    assert {(r["element"], r["provider"]) for r in rows if r["commit now?"] == "commit now"} == committed
    protects = dict(zip(zip(commitments["element"], commitments["provider"], strict=True), commitments["protects_musd"], strict=True))
    for row in rows:
        if row["commit now?"] == "commit now":  # inf: indispensable (every commitment on the test study today)
            value = float(protects[(row["element"], row["provider"])])
            assert row["protects (US$M)"] == ("indispensable: no plan works without it" if value == float("inf") else f"{value:,.6g}"), row
    assert any(row["protects (US$M)"].startswith("indispensable") for row in rows)
    by_offer = {(r["element"], r["provider"]): r for r in rows}
    for offer in commitments[~commitments["committed"].astype(bool) & commitments["walked_in"].notna()].itertuples():
        assert by_offer[(offer.element, offer.provider)]["commit now?"].startswith("no: ended now")  # a contract held already, ended
    for offer in commitments.itertuples():  # the futures as listed in commitments.csv, in words
        walked = ", ".join(str(offer.walked_in).split(";")) if isinstance(offer.walked_in, str) else "-"
        assert by_offer[(offer.element, offer.provider)]["walked away from in"] == walked
    assert by_offer[("halo", "esa")]["walked away from in"] == "esa_leaves"  # ESA's habitat is given up when ESA leaves


def test_each_future_has_its_cost_in_a_chart_with_the_table_behind(phased):
    page = page_of(phased)
    futures = pd.read_csv(phased / "futures.csv")
    chart = page[page.index("<h2>Cost in each future</h2>"):page.index("<h2>What can wait</h2>")]
    assert "futures-plot" in chart and "<details><summary>Table: futures.csv" in chart
    behind = next(v for k, v in tables(page).items() if k.startswith("futures.csv"))
    rows = {row[0]: dict(zip(behind["header"], row, strict=True)) for row in behind["rows"]}
    for future in futures.itertuples():
        assert f"{future.future} (p = {future.probability:g})" in chart  # the bar's label
        assert rows[future.future]["cost (US$M)"] == f"{future.cost_musd:,.6g}" and rows[future.future]["probability"] == f"{future.probability:g}"
        walked = ", ".join(w.replace("=", " from ") for w in future.walked.split(";")) if isinstance(future.walked, str) else "-"
        assert rows[future.future]["commitments walked away from"] == walked
    assert "halo from esa" in rows["esa_leaves"]["commitments walked away from"]


def test_what_can_wait_gives_each_futures_provider_now_or_later(phased):
    recourse = pd.read_csv(phased / "recourse.csv")
    grid = tables(page_of(phased))["element by future: the provider chosen, decided now or later"]
    futures = json.loads((phased / "manifest.json").read_text())["uncertainty"]["futures"]
    assert grid["header"] == ["element", *(f["name"] for f in futures), "decided"]
    cells = {row[0]: dict(zip(grid["header"], row, strict=True)) for row in grid["rows"]}
    assert set(cells) == set(recourse["element"])
    for row in recourse.itertuples():
        assert cells[row.element][row.future] == f"{row.provider} ({row.decided})"
    assert cells["cargo_1"]["decided"].startswith("can wait") and cells["ppe"]["decided"].startswith("now")
    assert [row[0] for row in grid["rows"]][-1] == "cargo_1"  # what can wait comes last


def copy_of(phased: Path, where: Path) -> Path:
    folder = where / "copy"
    shutil.copytree(phased, folder)
    (folder / "report.html").unlink()
    return folder


@pytest.mark.parametrize(("file", "damage", "said"), [
    ("futures.csv", "delete", "futures.csv is missing"),
    ("futures.csv", "cost_musd", "futures.csv has no column cost_musd"),
    ("recourse.csv", "decided", "recourse.csv has no column decided"),
    ("commitments.csv", "committed", "commitments.csv has no column committed"),
])
def test_a_damaged_folder_is_one_line_exit_2_and_no_page(phased, tmp_path, file, damage, said):
    folder = copy_of(phased, tmp_path)
    if damage == "delete":
        (folder / file).unlink()
    else:
        pd.read_csv(folder / file).drop(columns=[damage]).to_csv(folder / file, index=False)
    result = invoke("report", folder)
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "damaged phased folder" in result.output and said in result.output and "Traceback" not in result.output
    assert not (folder / "report.html").exists()


def test_columns_added_later_are_tolerated_and_shown(phased, tmp_path):
    folder = copy_of(phased, tmp_path)
    for file in ("commitments.csv", "futures.csv", "recourse.csv"):
        table = pd.read_csv(folder / file)
        table.insert(1, "stage_fy", 2028)  # e.g. a decision-stage column, not at the end
        table.to_csv(folder / file, index=False)
    assert invoke("report", folder).exit_code == 0
    page = page_of(folder)
    shown = next(v for k, v in tables(page).items() if k.startswith("offers awarded by FY"))
    assert "stage_fy" in shown["header"] and "FY2028" in shown["rows"][0]
    assert "futures.csv" in page and "<h2>What can wait</h2>" in page


def test_a_finite_vss_is_a_number(phased, tmp_path):
    folder = copy_of(phased, tmp_path)
    described = json.loads((folder / "manifest.json").read_text())
    described.update(vss_unbounded=False, vss_musd=12.5, deterministic_musd=4480.5)
    (folder / "manifest.json").write_text(json.dumps(described))
    assert invoke("report", folder).exit_code == 0
    page = page_of(folder)
    assert "VSS 12.5 US$M" in page and "unbounded" not in page
    values = {row[0]: row[1] for row in tables(page)["what the decision is worth (US$M)"]["rows"]}
    assert values["VSS"] == "12.5" and values["plan on the study as given (EEV)"] == "4,480.5"


def test_a_folder_without_a_plan_says_so(phased, tmp_path):
    """As the writer would leave it when no plan has a feasible recourse in every future (no futures, no recourse)."""
    folder = copy_of(phased, tmp_path)
    for file in ("futures.csv", "recourse.csv"):
        pd.read_csv(folder / file).head(0).to_csv(folder / file, index=False)
    described = json.loads((folder / "manifest.json").read_text())
    described.update(status="infeasible", expected_cost_musd=None, worst_cost_musd=None, evpi_musd=None, vss_musd=None)
    (folder / "manifest.json").write_text(json.dumps(described))
    result = invoke("report", folder)
    assert result.exit_code == 0, result.output
    assert "no plan has a feasible recourse in every future (status infeasible)" in page_of(folder)


def test_an_optimum_by_progressive_hedging_says_it_is_not_proven(phased, tmp_path):
    folder = copy_of(phased, tmp_path)
    described = json.loads((folder / "manifest.json").read_text())
    described.update(method={"name": "progressive_hedging", "library": "mpi-sppy", "iterations": 40, "converged": True, "bound_musd": 4400.0,
                             "gap": 0.0152}, deterministic_known=False, vss_musd=None, vss_unbounded=False, deterministic_musd=None)
    (folder / "manifest.json").write_text(json.dumps(described))
    assert invoke("report", folder).exit_code == 0
    page = page_of(folder)
    assert "Found by progressive hedging (mpi-sppy): 40 iterations, converged; bound 4,400 US$M, gap 1.52%. Not proven optimal." in page
    values = {row[0]: row[1] for row in tables(page)["what the decision is worth (US$M)"]["rows"]}
    assert values["VSS"] == "not computed" == values["plan on the study as given (EEV)"] and "VSS not computed" in page


#: the planned future decides again in FY2028 (cargo_2's contracts), before it knows whether ESA stays
TREE = """decide_fy = 2026
[futures.cut]
probability = 0.3
scenarios = ["budget_cut"]
[futures.planned]
probability = 0.7
then_fy = 2028
[futures.planned.then.esa_stays]
probability = 0.6
[futures.planned.then.esa_leaves]
probability = 0.4
scenarios = ["esa_withdraws"]
"""


def test_decisions_by_year_show_each_later_point_and_its_year(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(PHASED, study)
    offers = pd.read_csv(study / "offers.csv")
    offers.loc[offers["element"] == "cargo_2", "termination_musd"] = 30.0  # committing to cargo_2 in FY2028 is a real choice
    offers.to_csv(study / "offers.csv", index=False)
    elements = pd.read_csv(study / "elements.csv")
    elements.loc[elements["id"] == "cargo_2", "required"] = True
    elements.to_csv(study / "elements.csv", index=False)
    (tmp_path / "tree.toml").write_text(TREE, encoding="utf-8")
    out = tmp_path / "tree"
    done = invoke("phased", study, "--uncertainty", tmp_path / "tree.toml", "--out", out)
    assert done.exit_code == 0, done.output
    assert invoke("report", out).exit_code == 0
    page, commitments = page_of(out), pd.read_csv(out / "commitments.csv")
    later = commitments[commitments["decided_in"] == "planned"]
    assert later["committed"].any()  # the test is about something
    assert "decided in FY2026 (again in FY2028 at planned) across 3 futures" in page
    found = tables(page)
    now = next(v for k, v in found.items() if k.startswith("offers awarded by FY"))
    assert len(now["rows"]) == int((commitments["decided_in"] == "now").sum())  # commit now lists only what is decided now
    at_point = found["decided in FY2028 at planned: committed ones first"]
    rows = [dict(zip(at_point["header"], row, strict=True)) for row in at_point["rows"]]
    assert {(r["element"], r["provider"]) for r in rows if r["commit now?"] == "commit in FY2028"} == \
        {(e, p) for e, p in zip(later.loc[later["committed"], "element"], later.loc[later["committed"], "provider"], strict=True)}
    grid = found["element by future: the provider chosen, decided now or later"]
    cells = {row[0]: dict(zip(grid["header"], row, strict=True)) for row in grid["rows"]}
    recourse = pd.read_csv(out / "recourse.csv")
    for row in recourse[recourse["future"].str.startswith("planned/") & (recourse["element"] == "cargo_2")].itertuples():
        assert cells["cargo_2"][row.future] == f"{row.provider} (FY2028)"
    assert cells["cargo_2"]["cut"].endswith("(later)") and cells["cargo_2"]["decided"] == "by future: in FY2028 or once the future is known"


def test_many_futures_give_each_elements_providers_by_probability(tmp_path):
    drawn = tmp_path / "drawn.toml"
    drawn.write_text((PHASED / "uncertainty.toml").read_text().replace('risk = "expected"\n', 'risk = "expected"\n[slips]\ndraws = 5\n'))
    out = tmp_path / "drawn"
    assert invoke("phased", PHASED, "--uncertainty", drawn, "--out", out).exit_code == 0
    assert invoke("report", out).exit_code == 0
    page, futures = page_of(out), pd.read_csv(out / "futures.csv")
    assert len(futures) == 15 and "each future drawn 5 times from the offers&#x27; slip distributions (seed 0)" in page
    found = tables(page)
    summary = found["element: the providers chosen over the futures"]
    assert summary["header"] == ["element", "decided", "chosen (share of probability)"]
    chosen = {row[0]: row[2] for row in summary["rows"]}
    recourse = pd.read_csv(out / "recourse.csv").merge(futures[["future", "probability"]], on="future")
    for element, rows in recourse.groupby("element"):
        shares = rows.assign(label=rows["provider"] + " (" + rows["decided"] + ")").groupby("label")["probability"].sum()
        ordered = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))  # the likeliest first
        assert chosen[element] == "; ".join(f"{label} {share:.0%}" for label, share in ordered)
    assert chosen["cargo_1"].startswith("esa (later) 80%")  # ESA flies it unless ESA leaves (p = 0.2)
    every = found["element by future: the provider chosen, decided now or later (every future)"]
    assert every["header"][1:-1] == list(futures["future"])  # behind it, every future
    assert "<details><summary>Table: element by future" in page


def test_the_page_loads_offline_without_errors(browser, phased, tmp_path):  # noqa: F811 - the fixture imported above
    page, seen = open_page(browser, phased / "report.html", tmp_path / "screenshots")
    assert seen["errors"] == []
    assert seen["requests"] == [(phased / "report.html").resolve().as_uri()], "the page fetches nothing"
    bars = page.locator("#futures-plot .barlayer .point")
    assert bars.count() == 2 * len(pd.read_csv(phased / "futures.csv"))  # architecture and termination, per future
    page.close()
