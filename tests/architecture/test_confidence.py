"""Schedule confidence by Monte Carlo: closed forms, an independent simulation written from the contract, bad inputs."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from architecture import Architecture, StudyError, apply_overrides, check_study, load_study
from architecture.elements import Element
from architecture.offers import Offer
from architecture.policy import Limits, StudyInfo
from architecture.providers import Provider
from architecture.schedule_confidence import confidence_checks, schedule_confidence
from architecture.study import Study
from tests.conftest import STUDIES

PHI = NormalDist().cdf
Z80 = 0.8416212335729143
SAMPLES = 100_000


def schedule(*overrides: str) -> Study:
    """The schedule study with `--set` overrides, checked as the CLI checks it."""
    study = apply_overrides(load_study(STUDIES / "schedule"), overrides)
    errors = [issue for issue in check_study(study) if issue.severity == "error"]
    if errors:
        raise StudyError(errors)
    return study


def within(estimate: float, truth: float, n: int, sigmas: float = 4.5) -> bool:
    return abs(estimate - truth) <= sigmas * math.sqrt(max(truth * (1 - truth), 1e-4) / n)


def one_study(offers: list[tuple[str, str, float, float | None, float]], requires: dict[str, tuple[str, ...]] | None = None,
              gates: tuple[str, ...] = (), limit: float = 30.0, propagation: str = "max", rho: float = 0.0, reprocure: float = 36.0) -> Study:
    """Elements named in `offers` (element, provider, median, p80, failure); `gates` gate milestone m with slip limit `limit`."""
    requires = requires or {}
    elements = {e: Element(id=e, name=e, category=e, location="surface", required=True, critical_path=False,
                           requires=requires.get(e, ()), milestones=("m",) if e in gates else ())
                for e in dict.fromkeys(o[0] for o in offers)}
    providers = {p: Provider(id=p, name=p, kind="commercial") for p in dict.fromkeys(o[1] for o in offers)}
    built = {(e, p): Offer(element=e, provider=p, cost_musd=1.0, slip_months=m, slip_p80_months=p80, failure_probability=f)
             for e, p, m, p80, f in offers}
    info = StudyInfo(name="closed", first_year=2025, last_year=2030, slip_propagation=propagation, slip_correlation=rho,
                     reprocurement_months=reprocure)
    return Study(info=info, elements=elements, providers=providers, offers=built, limits=Limits(max_milestone_slip_months={"m": limit}))


def p_meet(study: Study, seed: int = 0) -> float:
    arch = Architecture({e: p for e, p in study.offers})
    frame = schedule_confidence(study, arch, SAMPLES, seed).confidence_frame().set_index("milestone")
    return float(frame.loc["m", "p_meet"])


def lognormal_cdf(limit: float, median: float, p80: float) -> float:
    return PHI(math.log(limit / median) / (math.log(p80 / median) / Z80)) if limit > 0 else 0.0


def test_one_element_is_the_lognormal_cdf():
    study = one_study([("a", "x", 20.0, 32.0, 0.0)], gates=("a",), limit=30.0)
    truth = lognormal_cdf(30.0, 20.0, 32.0)
    assert within(p_meet(study), truth, SAMPLES)


def test_the_latest_of_independent_chains_is_the_product_of_their_cdfs():
    offers = [("a", "x", 20.0, 32.0, 0.0), ("b", "y", 25.0, 30.0, 0.0), ("c", "z", 10.0, 40.0, 0.0)]
    study = one_study(offers, requires={"b": ("c",)}, gates=("a", "b"), limit=30.0)
    truth = lognormal_cdf(30, 20, 32) * lognormal_cdf(30, 25, 30) * lognormal_cdf(30, 10, 40)
    assert within(p_meet(study), truth, SAMPLES)


def test_a_failure_mixes_in_the_reprocured_slip():
    study = one_study([("a", "x", 20.0, 32.0, 0.3)], gates=("a",), limit=50.0, reprocure=24.0)
    truth = 0.7 * lognormal_cdf(50, 20, 32) + 0.3 * lognormal_cdf(50 - 24, 20, 32)
    assert within(p_meet(study), truth, SAMPLES)


def test_a_certain_slip_is_met_or_not():
    assert p_meet(one_study([("a", "x", 20.0, None, 0.0)], gates=("a",), limit=20.0)) == 1.0
    assert p_meet(one_study([("a", "x", 20.0, 20.0, 0.0)], gates=("a",), limit=19.0)) == 0.0


def contract_simulation(study: Study, arch: Architecture, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Milestone slips written from issue 12's contract alone: its own random numbers, one sample at a time per element."""
    info = study.info
    chosen = {e: study.offers[(e, p)] for e, p in arch.assignment.items()}
    providers = sorted({o.provider for o in chosen.values()})
    y = {p: rng.standard_normal(n) for p in providers}
    own = {}
    for e, o in chosen.items():
        z = math.sqrt(info.slip_correlation) * y[o.provider] + math.sqrt(1 - info.slip_correlation) * rng.standard_normal(n)
        if o.slip_p80_months is None or o.slip_p80_months == o.slip_months:
            s = np.full(n, o.slip_months)
        else:
            s = o.slip_months * np.exp(math.log(o.slip_p80_months / o.slip_months) / Z80 * z)
        own[e] = s + np.where(rng.random(n) < o.failure_probability, info.reprocurement_months, 0.0)
    done: dict[str, np.ndarray] = {}

    def ready(e: str) -> np.ndarray:
        if e not in done:
            before = [ready(r) for r in study.elements[e].requires if r in chosen]
            upstream = np.max(before, axis=0) if before else np.zeros(n)
            done[e] = own[e] + upstream if info.slip_propagation == "add" else np.maximum(own[e], upstream)
        return done[e]

    out = {}
    for ms in study.milestones:
        gates = [e for e, el in study.elements.items() if ms in el.gated_milestones and e in chosen]
        out[ms] = np.max([ready(e) for e in gates], axis=0) if gates else np.zeros(n)
    return out


@pytest.mark.parametrize("propagation", ["max", "add"])
def test_agrees_with_an_independent_simulation(propagation):
    study = schedule()
    study = study.with_changes(info=study.info.model_copy(update={"slip_propagation": propagation, "slip_correlation": 0.6}))
    arch = Architecture({"ppe": "spacex", "halo": "esa", "lander": "spacex", "suits": "axiom", "rover": "jaxa"})
    n = 40_000
    engine = schedule_confidence(study, arch, n, seed=3).simulation.milestone_slip
    ours = contract_simulation(study, arch, n, np.random.default_rng(12345))
    for ms in study.milestones:
        for x in np.percentile(ours[ms], [10, 30, 50, 70, 90, 97]):
            a, b = float(np.mean(engine[ms] <= x)), float(np.mean(ours[ms] <= x))
            spread = math.sqrt(max(a * (1 - a), 1e-4) * 2 / n)
            assert abs(a - b) <= 5 * spread, (ms, x, a, b)


def test_criticality_names_what_sets_the_milestone():
    study = one_study([("a", "x", 10.0, 11.0, 0.0), ("b", "y", 30.0, 31.0, 0.0)], gates=("a", "b"), limit=40.0)
    frame = schedule_confidence(study, Architecture({"a": "x", "b": "y"}), 2_000).criticality_frame().set_index("element")
    assert frame.loc["b", "criticality"] == 1.0 and frame.loc["a", "criticality"] == 0.0
    chain = one_study([("a", "x", 10.0, 11.0, 0.0), ("b", "y", 30.0, 31.0, 0.0)], requires={"a": ("b",)}, gates=("a",), limit=40.0,
                      propagation="add")
    frame = schedule_confidence(chain, Architecture({"a": "x", "b": "y"}), 2_000).criticality_frame().set_index("element")
    assert frame.loc["a", "criticality"] == 1.0 and frame.loc["b", "criticality"] == 1.0


def test_same_seed_same_numbers_and_out_of_sample_check():
    study = schedule("limits.milestone_confidence.first_landing=0.8")
    arch = Architecture({"ppe": "spacex", "halo": "esa", "lander": "spacex"})
    first = schedule_confidence(study, arch, 5_000, seed=7).confidence_frame()
    assert first.equals(schedule_confidence(study, arch, 5_000, seed=7).confidence_frame())
    (check,) = confidence_checks(study, arch)
    assert check.out_of_samples == 10_000 and check.out_of_sample_low <= check.out_of_sample <= check.out_of_sample_high
    frame = schedule_confidence(study, arch, 10_000, seed=study.info.confidence_seed).confidence_frame().set_index("milestone")
    assert check.out_of_sample == pytest.approx(frame.loc["first_landing", "p_meet"])  # the same fresh samples as `trade confidence`


def copy_study(tmp_path: Path) -> Path:
    target = tmp_path / "schedule"
    shutil.copytree(STUDIES / "schedule", target)
    return target


@pytest.mark.parametrize(("row", "column", "value", "words"), [
    (2, "slip_p80_months", "20", "offers.csv:row 2:slip_p80_months: 20 is below slip_months 24"),
    (9, "slip_p80_months", "5", "offers.csv:row 9:slip_p80_months: 5 is below slip_months 6"),
    (2, "slip_p80_months", "inf", "offers.csv:row 2:slip_p80_months: must be a finite number"),
    (2, "failure_probability", "1", "offers.csv:row 2:failure_probability"),
    (2, "failure_probability", "-0.1", "offers.csv:row 2:failure_probability"),
])
def test_bad_slip_columns_name_file_row_and_key(tmp_path, row, column, value, words):
    import pandas as pd

    folder = copy_study(tmp_path)
    frame = pd.read_csv(folder / "offers.csv", dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value
    frame.to_csv(folder / "offers.csv", index=False)
    with pytest.raises(StudyError) as caught:
        load_study(folder)
    assert words in str(caught.value)


def test_a_p80_with_no_median_slip_is_refused(tmp_path):
    import pandas as pd

    folder = copy_study(tmp_path)
    frame = pd.read_csv(folder / "offers.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "slip_months"] = "0"
    frame.to_csv(folder / "offers.csv", index=False)
    with pytest.raises(StudyError, match=r"offers.csv:row 2:slip_p80_months: 36 with slip_months 0"):
        load_study(folder)


@pytest.mark.parametrize(("override", "words"), [
    ("study.slip_correlation=1", "study.slip_correlation"),
    ("study.reprocurement_months=-1", "study.reprocurement_months"),
    ("study.confidence_samples=0", "study.confidence_samples"),
    ("limits.milestone_confidence.first_landing=1.5", "limits.milestone_confidence"),
    ("limits.milestone_confidence.nowhere=0.5", "limits.milestone_confidence.nowhere: unknown milestone 'nowhere'"),
])
def test_bad_confidence_keys_are_one_line_errors(override, words):
    with pytest.raises(StudyError) as caught:
        schedule(override)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_a_confidence_limit_needs_a_slip_limit(tmp_path):
    folder = copy_study(tmp_path)
    toml = (folder / "study.toml").read_text().replace("surface_base = 40\n", "")
    (folder / "study.toml").write_text(toml + "\n[limits.milestone_confidence]\nsurface_base = 0.5\n")
    with pytest.raises(StudyError, match="limits.milestone_confidence.surface_base: milestone 'surface_base' has no max_milestone_slip_months"):
        load_study(folder)


def test_a_what_if_of_limits_shares_the_sample_set():
    """Sweeps evaluate many what-ifs of one study: the sample set is drawn once for all of them (bench_sweep's overhead)."""
    from architecture.evaluate import make_evaluator

    study = schedule()
    what_if = apply_overrides(study, ["limits.total_budget_musd=9000"])
    assert make_evaluator(what_if).in_sample is make_evaluator(study).in_sample
    later = apply_overrides(study, ["study.confidence_seed=5"])
    assert make_evaluator(later).in_sample is not make_evaluator(study).in_sample
