"""`trade report`: one self-contained page per kind of result folder, checked in a real (headless) Chromium.

The browser tests need Debian's chromium (`/usr/bin/chromium`). `.ci/run` installs it when it is
missing and sets GATEWAY_TRADE_REQUIRE_BROWSER=1, so there they fail instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import REFERENCE
from trade import cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("GATEWAY_TRADE_REQUIRE_BROWSER") == "1"
KINDS = ("run", "pareto", "pareto3", "compare", "sweep", "stress", "alternatives", "breakeven", "sensitivity", "confidence")


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One result folder of every kind, from the reference study, each with its report."""
    root = tmp_path_factory.mktemp("reports")
    sweep_file = root / "sweep.toml"
    sweep_file.write_text('[grid]\n"limits.total_budget_musd" = [5000, 26235.4]\nscenario = ["", "esa_withdraws"]\n'
                          'remove_providers = ["", "jaxa"]\n', encoding="utf-8")
    sens_file = root / "sens.toml"
    sens_file.write_text('[sensitivity]\ntrajectories = 4\n[ranges]\n"offers[element=crewed_lander,provider=nasa].cost_musd" = [1300.0, 1900.0]\n'
                         '[scale]\n"limits.annual_budget_musd" = [0.95, 1.15]\n', encoding="utf-8")
    commands = {
        "run": ("run", REFERENCE, "--explain", "--out", root / "run"),
        "pareto": ("pareto", REFERENCE, "--objectives", "cost,partnership", "--out", root / "pareto"),
        "pareto3": ("pareto", REFERENCE, "--objectives", "cost,landing_slip,partnership", "--out", root / "pareto3"),
        "esa": ("pareto", REFERENCE, "--objectives", "cost,partnership", "--scenario", "esa_withdraws", "--out", root / "esa"),
        "sweep": ("sweep", REFERENCE, "--grid", sweep_file, "--workers", "1", "--out", root / "sweep"),
        "stress": ("stress", REFERENCE, "--workers", "1", "--out", root / "stress"),
        "alternatives": ("alternatives", REFERENCE, "--count", "4", "--out", root / "alternatives"),
        "breakeven": ("breakeven", REFERENCE, "--objective", "partnership", "--out", root / "breakeven"),
        "sensitivity": ("sensitivity", REFERENCE, "--design", sens_file, "--workers", "1", "--out", root / "sensitivity"),
        "confidence": ("confidence", REFERENCE, "--samples", "2000", "--out", root / "confidence"),
    }
    for name, command in commands.items():
        result = invoke(*command)
        assert result.exit_code == 0, (name, result.output)
    assert invoke("compare", root / "pareto", root / "esa", "--out", root / "compare").exit_code == 0
    out = {name: root / name for name in KINDS}
    for name, folder in out.items():
        result = invoke("report", folder)
        assert result.exit_code == 0, (name, result.output)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_gets_one_self_contained_page(folders, kind):
    from plotly.offline import get_plotlyjs

    page = (folders[kind] / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and get_plotlyjs() in page  # plotly.js inlined
    ours = page.replace(get_plotlyjs(), "")
    assert "src=" not in ours and "http://" not in ours and "https://" not in ours  # nothing else to fetch
    assert "<table" in page  # a table behind the charts
    assert len(page) < 8_000_000


def test_the_run_page_shows_what_it_promises(folders):
    page = (folders["run"] / "report.html").read_text(encoding="utf-8")
    for text in ("Assignment by element", "kind-nasa", "NASA spending by fiscal year", "annual cap", "NASA spending by budget line", "hls cap",
                 "Milestone slip chains", "Limits at their bound", "improvement_if_dropped", "Provenance", "sha256 offers.csv"):
        assert text in page, text


def test_a_folder_that_is_not_a_result_is_one_line_and_exit_2(tmp_path, folders):
    (tmp_path / "plain").mkdir()
    result = invoke("report", tmp_path / "plain")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "is not a result folder" in result.output
    damaged = tmp_path / "damaged"
    shutil.copytree(folders["pareto"], damaged)
    (damaged / "report.html").unlink()
    (damaged / "points.csv").write_text('point,cost\n1,"unclosed\n', encoding="utf-8")
    result = invoke("report", damaged)
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "points.csv" in result.output
    assert not (damaged / "report.html").exists()


def test_an_existing_page_is_replaced_only_when_asked(folders, tmp_path):
    again = invoke("report", folders["stress"])
    assert again.exit_code == 2 and "already exists" in again.output
    before = (folders["stress"] / "report.html").stat().st_mtime_ns
    assert invoke("report", folders["stress"], "--overwrite").exit_code == 0
    assert (folders["stress"] / "report.html").stat().st_mtime_ns != before
    elsewhere = tmp_path / "pages" / "stress.html"
    assert invoke("report", folders["stress"], "--out", elsewhere).exit_code == 0 and elsewhere.is_file()


# -- in a real browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip("no Chromium (apt-get install chromium chromium-driver); .ci/run installs it and never skips these")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run"])
        yield launched
        launched.close()


def open_page(browser, path: Path, shots: Path):
    """The page loaded from file://, with every console error, page error and request it made."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    seen = {"errors": [], "requests": []}
    page.on("console", lambda message: seen["errors"].append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    start = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0 && "
                           "Array.from(document.querySelectorAll('.js-plotly-plot')).every(d => d._fullLayout)")
    seen["interactive_s"] = time.perf_counter() - start
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{path.parent.name}.png"), full_page=True)
    return page, seen


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_loads_offline_without_errors(browser, folders, kind, tmp_path):
    page, seen = open_page(browser, folders[kind] / "report.html", tmp_path / "screenshots")
    assert seen["errors"] == []
    assert seen["requests"] == [(folders[kind] / "report.html").resolve().as_uri()], "the page fetches nothing"
    assert (tmp_path / "screenshots" / f"{kind}.png").stat().st_size > 10_000
    page.close()


def _providers(folder: Path, point: int) -> dict[str, str]:
    assignments = pd.read_csv(folder / "assignments.csv")
    rows = assignments[assignments["point"] == point]
    return dict(zip(rows["element"], rows["provider"], strict=True))


@pytest.mark.parametrize("kind", ["pareto", "pareto3"])
def test_the_front_shows_every_point_and_the_architecture_under_the_pointer(browser, folders, kind, tmp_path):
    folder = folders[kind]
    points = pd.read_csv(folder / "points.csv")
    page, seen = open_page(browser, folder / "report.html", tmp_path / "screenshots")
    first_panel = page.locator("#front-plot .subplot.xy").first.locator(".scatterlayer .points path.point")
    assert first_panel.count() == len(points)
    markers = first_panel.all()
    for index in (0, len(markers) - 1):
        markers[index].hover(force=True)
        table = page.locator("#architecture table")
        table.wait_for()
        point = int(table.get_attribute("data-point"))
        shown = dict(row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all())
        assert shown == _providers(folder, point)
    for marker, pinned_count in ((markers[0], 1), (markers[-1], 2)):
        page.mouse.move(5, 5)
        page.wait_for_timeout(400)  # two clicks within plotly's double-click interval would be a double click
        marker.click(force=True)
        page.wait_for_function(f"() => ((document.querySelector('#pinned table') || {{dataset: {{}}}}).dataset.pinned || '')"
                               f".split(',').filter(Boolean).length === {pinned_count}", timeout=5000)
    pinned = page.locator("#pinned table")
    first, second = (int(p) for p in pinned.get_attribute("data-pinned").split(","))
    rows = [row.locator("td").all_inner_texts() for row in pinned.locator("tbody tr").all()]
    for element, a, b in rows:
        assert a == _providers(folder, first).get(element, "-") and b == _providers(folder, second).get(element, "-")
    assert first != second and seen["errors"] == []
    page.close()


def test_the_sweep_table_filters_and_keeps_runs_without_a_solution(browser, folders, tmp_path):
    runs = pd.read_csv(folders["sweep"] / "runs.csv")
    assert "infeasible" in set(runs["status"])
    page, _ = open_page(browser, folders["sweep"] / "report.html", tmp_path / "screenshots")
    assert page.locator("#runs-table tbody tr").count() == len(runs)
    page.fill("#run-filter", "infeasible")
    shown = [c for c in runs.columns if not c.startswith("assign:")]
    expected = runs[shown].apply(lambda row: "infeasible" in " ".join(str(v) for v in row).lower(), axis=1).sum()
    assert page.locator("#runs-table tbody tr:visible").count() == expected > 0
    page.close()


def test_the_manifest_kind_decides_the_page(folders):
    manifest = json.loads((folders["compare"] / "manifest.json").read_text())
    assert manifest["kind"] == "compare"
    page = (folders["compare"] / "report.html").read_text(encoding="utf-8")
    assert "The fronts overlaid" in page and "Dominance and coverage" in page


@pytest.mark.parametrize(("kind", "sections"), [
    ("alternatives", ("Alternatives within the slack", "Who builds what in each", "Decisions that hold")),
    ("breakeven", ("Cost and break-even price of each offer", "breakeven.csv")),
    ("sensitivity", ("What moves cost", "What moves feasible", "indices.csv", "samples.csv")),
    ("confidence", ("Chance of keeping each milestone", "S-curves", "What drives each milestone", "criticality.csv")),
])
def test_decision_support_pages_show_their_sections(folders, kind, sections):
    page = (folders[kind] / "report.html").read_text(encoding="utf-8")
    for text in sections:
        assert text in page, (kind, text)


def test_report_takes_several_folders_one_page_each_and_writes_none_when_one_would_be_replaced(tmp_path):
    from click.testing import CliRunner

    from tests.conftest import TINY
    from trade import cli

    runner = CliRunner()
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, objective in ((a, "cost"), (b, "partnership")):
        assert runner.invoke(cli, ["run", str(TINY), "--objective", objective, "--out", str(folder)]).exit_code == 0
    (b / "report.html").write_text("mine")
    refused = runner.invoke(cli, ["report", str(a), str(b)])
    assert refused.exit_code == 2 and not (a / "report.html").exists() and (b / "report.html").read_text() == "mine"
    one_out = runner.invoke(cli, ["report", str(a), str(b), "--out", str(tmp_path / "x.html")])
    assert one_out.exit_code == 2 and "--out" in one_out.output and not (tmp_path / "x.html").exists()
    both = runner.invoke(cli, ["report", str(a), str(b), "--overwrite"])
    assert both.exit_code == 0, both.output
    assert (a / "report.html").stat().st_size > 1000 and (b / "report.html").read_text() != "mine"
