"""Re-use never changes an answer: a re-solve on a kept model equals a fresh run of the same what-if.

Random sequences of what-ifs (every limit a re-solve may change, plus structural changes that force a
new model) go through a sweep, which keeps one model per structure (ModelCache) and re-solves it,
and through a fresh `run_study` each; status, objective and the evaluator's verdict must agree,
whatever the process solved before.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from architecture import SweepDesign, SweepPoint, apply_point, check_study
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import SolveOptions, run_study, run_sweep

CANDIDATES = (generate_study(SyntheticSize(9, 5, 4, (1, 3)), seed=seed, tightness=0.8) for seed in range(40))
BASES = [study for study in CANDIDATES if not check_study(study)][:3]
OPTIONS = SolveOptions(threads=1)


def what_if(study, draw: st.DrawFn) -> SweepPoint:
    """Scale one or more limits the model holds as parameters; sometimes remove a provider (a new structure)."""
    limits = study.limits
    sets, scales = [], []
    if limits.total_budget_musd is not None and draw(st.booleans()):
        scales.append(("limits.total_budget_musd", draw(st.sampled_from((0.6, 0.8, 1.0, 1.3)))))
    for year in sorted(limits.annual_budget_musd):
        if draw(st.booleans()):
            sets.append((f"limits.annual_budget_musd.{year}", round(limits.annual_budget_musd[year] * draw(st.sampled_from((0.5, 0.9, 1.5))), 1)))
    for milestone, months in sorted(limits.max_milestone_slip_months.items()):
        if draw(st.booleans()):
            sets.append((f"limits.max_milestone_slip_months.{milestone}", round(months * draw(st.sampled_from((0.5, 0.8, 1.2))), 1)))
    if limits.critical_path_max_owners is not None and draw(st.booleans()):
        sets.append(("limits.critical_path_max_owners", draw(st.sampled_from((1, 2, 3)))))
    for category in sorted(limits.min_providers_per_category):
        if draw(st.booleans()):
            sets.append((f"limits.min_providers_per_category.{category}", draw(st.sampled_from((1, 2, 3)))))
    for column, floor in sorted(limits.metric_min.items()):
        if draw(st.booleans()):
            sets.append((f"limits.metric_min.{column}", round(floor * draw(st.sampled_from((0.5, 1.5, 3.0))), 1)))
    removed = ()
    if draw(st.integers(0, 4)) == 0:
        removed = (draw(st.sampled_from([p for p in study.providers if p != "nasa"])),)
    return SweepPoint(remove_providers=removed, set=tuple(sets), scale=tuple(scales))


@st.composite
def sequences(draw: st.DrawFn) -> tuple[int, list[SweepPoint]]:
    index = draw(st.integers(0, len(BASES) - 1))
    points = [what_if(BASES[index], draw) for _ in range(draw(st.integers(2, 6)))]
    unique = {point.run_id: point for point in points}
    return index, list(unique.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=sequences(), objective=st.sampled_from(("cost", "partnership", "slip")), first=st.integers(0, len(BASES) - 1))
def test_reuse_equals_a_fresh_run(sequence, objective, first):
    index, points = sequence
    run_study(BASES[first], objective, OPTIONS)  # something else solved first in this process
    base = BASES[index]
    design = SweepDesign.from_points(points, source="property test")
    table = run_sweep(base, design, objective=objective, options=OPTIONS, workers=1).table
    for point, row in zip(design.points, table.to_dict("records"), strict=True):
        fresh = run_study(apply_point(base, point), objective, OPTIONS)
        assert row["status"] == str(fresh.report.status), (point, row["message"], fresh.report.message)
        if fresh.report.objective is not None:
            assert row["objective_value"] == pytest.approx(fresh.report.objective, rel=1e-5, abs=1e-6), point
            assert bool(row["feasible_by_evaluator"]) is fresh.evaluation.feasible is True


def test_bases_are_valid_studies():
    assert len(BASES) == 3


def test_sequences_reuse_models():
    """The property above is about re-use: a design of limit changes only shares one model."""
    from optimizer import ModelCache
    from optimizer.sweep.runner import run_points, sweep_context

    base = BASES[0]
    design = SweepDesign.from_points([SweepPoint(scale=(("limits.total_budget_musd", f),)) for f in (0.9, 1.0, 1.1)], source="test")
    cache = ModelCache(4)
    run_points(sweep_context(base, design, "cost", OPTIONS), list(enumerate(design.points, start=1)), cache)
    assert cache.builds == 1 and cache.hits == 2
