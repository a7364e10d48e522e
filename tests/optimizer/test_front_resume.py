"""A front stopped by kill -9 (or a time limit) resumes from its checkpoint and gives the front an uninterrupted run gives.

The study is the published 2kp50 knapsack (tests/studies/momkp), written as a study folder so that `trade pareto`
runs it as a planner would: 35 points, about a second of HiGHS work, so a kill lands in the middle of the search.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from architecture.momkp import momkp_study, published_front
from optimizer.output import ANSWERS_FILE, IDENTITY_FILE
from optimizer.pareto.front import ParetoOptions, pareto_front

ROOT = Path(__file__).resolve().parents[2]
MOMKP = ROOT / "tests" / "studies" / "momkp" / "2kp50"


def write_study_folder(folder: Path) -> Path:
    """The 2kp50 instance as a study folder: each item an optional element, each knapsack row a metric_max limit."""
    study = momkp_study(MOMKP)
    folder.mkdir(parents=True)
    columns = list(study.metric_columns)
    elements = ["id,name,category,location,required,critical_path,requires,milestones,export_controlled,source"]
    offers = [",".join(["element", "provider", "cost_musd", "slip_months", *columns, "source"])]
    for eid, element in study.elements.items():
        elements.append(f"{eid},{element.name},item,surface,false,false,,,false,MOMKP 2kp50")
        offer = study.offers[(eid, "maker")]
        offers.append(",".join([eid, "maker", "0", "0", *(f"{offer.metrics[c]:g}" for c in columns), "MOMKP 2kp50"]))
    (folder / "elements.csv").write_text("\n".join(elements) + "\n")
    (folder / "offers.csv").write_text("\n".join(offers) + "\n")
    (folder / "providers.csv").write_text("id,name,kind,country,first_time,onboarding_cost_musd,accords_signatory,export_restricted,source\n"
                                          "maker,maker,commercial,US,false,0,true,false,MOMKP 2kp50\n")
    limits = "\n".join(f"{column} = {bound:g}" for column, bound in study.limits.metric_max.items())
    objectives = "\n".join(f'[objectives.{name}]\nsense = "max"\ncolumn = "{name}"\nunit = "value"\n' for name in study.objectives)
    (folder / "study.toml").write_text(f'[study]\nname = "2kp50"\nfirst_year = 2025\nlast_year = 2025\n\n[limits.metric_max]\n{limits}\n\n{objectives}')
    return folder


@pytest.fixture(scope="module")
def knapsack(tmp_path_factory):
    return write_study_folder(tmp_path_factory.mktemp("momkp") / "2kp50")


def trade(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "trade.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True, **kwargs)


def points(folder: Path) -> list[tuple]:
    frame = pd.read_csv(folder / "points.csv")
    return sorted(map(tuple, frame[["c1", "c2", "status"]].itertuples(index=False)))


@pytest.mark.parametrize(("workers", "resolution"), [(1, ()), (2, ()), (2, ("--resolution", "c2=40"))])
def test_kill_9_then_the_same_command_gives_the_uninterrupted_front(knapsack, tmp_path, workers, resolution):
    whole = tmp_path / "whole"
    assert trade("pareto", knapsack, "--objectives", "c1,c2", "--workers", workers, *resolution, "--out", whole).returncode == 0
    expected = points(whole)
    if not resolution:
        assert {(c1, c2) for c1, c2, _ in expected} == published_front(MOMKP)  # the uninterrupted front is the published one
    else:  # at a resolution: fewer points, and the same ones every time (one worker keeps the order of answers)
        assert len(expected) < len(published_front(MOMKP))
        again = tmp_path / "again"
        assert trade("pareto", knapsack, "--objectives", "c1,c2", "--workers", workers, *resolution, "--out", again).returncode == 0
        assert points(again) == expected
    out = tmp_path / "killed"
    command = [sys.executable, "trade.py", "pareto", str(knapsack), "--objectives", "c1,c2", "--workers", str(workers), *resolution,
               "--out", str(out)]
    for attempt in range(20):  # kill once some boxes are checkpointed and before the front is written
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (out / ANSWERS_FILE).is_file():
            time.sleep(0.01)
        time.sleep(random.Random(attempt).uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not (out / "points.csv").exists():
            break
        subprocess.run(["rm", "-rf", str(out)], check=True)
    else:
        pytest.skip("the front finished before every kill")
    answered = (out / ANSWERS_FILE).read_text().count("\n")
    resumed = trade(*command[2:])
    assert resumed.returncode == 0, resumed.stderr
    assert f"{answered} boxes answered before it stopped" in resumed.stdout or answered == 0
    assert points(out) == expected
    assert not (out / ANSWERS_FILE).exists() and not (out / IDENTITY_FILE).exists()  # a complete front drops its checkpoint


def test_a_checkpoint_of_another_front_is_refused_in_one_line(knapsack, tmp_path):
    out = tmp_path / "front"
    stopped = trade("pareto", knapsack, "--objectives", "c2,c1", "--workers", 1, "--time-limit-s", 0.2, "--out", out)
    assert stopped.returncode == 0 and (out / IDENTITY_FILE).is_file()  # an incomplete front keeps its checkpoint
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    refused = trade("pareto", knapsack, "--objectives", "c1,c2", "--out", out)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"error: {out / IDENTITY_FILE}: is the checkpoint of another front (not the same objectives); "
                                      "pass --overwrite to start afresh or choose another --out")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing written
    (out / IDENTITY_FILE).write_text(json.dumps({**json.loads((out / IDENTITY_FILE).read_text()), "engine_version": "0.0.1"}))
    stale = trade("pareto", knapsack, "--objectives", "c2,c1", "--out", out)
    assert stale.returncode == 2 and "(not the same engine version)" in stale.stderr
    assert trade("pareto", knapsack, "--objectives", "c1,c2", "--out", out, "--overwrite").returncode == 0
    assert {(c1, c2) for c1, c2, _ in points(out)} == published_front(MOMKP)


def test_a_front_stopped_by_its_time_limit_continues_with_the_same_command(knapsack, tmp_path):
    out = tmp_path / "front"
    first = trade("pareto", knapsack, "--objectives", "c1,c2", "--workers", 1, "--time-limit-s", 0.3, "--out", out)
    assert first.returncode == 0, first.stderr
    assert (out / ANSWERS_FILE).is_file() and json.loads((out / "manifest.json").read_text())["complete"] is False
    again = trade("pareto", knapsack, "--objectives", "c1,c2", "--workers", 1, "--out", out)
    assert again.returncode == 0 and "resuming the front" in again.stdout
    assert {(c1, c2) for c1, c2, _ in points(out)} == published_front(MOMKP)


def test_replayed_answers_give_the_same_front_in_process():
    """Any prefix of a search's answers, replayed, gives the same points and statuses (the engine half of resuming)."""
    study = momkp_study(MOMKP)
    for workers in (1, 2):
        log = []
        whole = pareto_front(study, ["c1", "c2"], ParetoOptions(workers=workers, on_answer=lambda key, answer, log=log: log.append((key, answer))))
        for cut in (1, len(log) // 2, len(log)):
            again = pareto_front(study, ["c1", "c2"], ParetoOptions(workers=workers, replay=dict(log[:cut])))
            assert again.points[["c1", "c2", "status"]].equals(whole.points[["c1", "c2", "status"]])
            assert again.replayed >= 1
