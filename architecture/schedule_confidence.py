"""How likely an architecture keeps its milestones: Monte Carlo of its slips (`trade confidence`), and a run's out-of-sample check."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from architecture.architecture import Architecture
from architecture.confidence import CHECK_SAMPLES, OUT_OF_SAMPLE, Simulation, proportion_interval, simulate
from architecture.errors import Issue, StudyError
from architecture.evaluate import make_evaluator
from architecture.study import Study

PERCENTILES = (50, 80, 95)


@dataclass(frozen=True)
class ScheduleConfidence:
    """The simulated slips of one architecture: `samples` draws with `seed` (the out-of-sample streams)."""

    study: Study
    architecture: Architecture
    samples: int
    seed: int
    simulation: Simulation
    runtime_s: float

    @property
    def limits(self) -> dict[str, float]:
        return dict(self.study.limits.max_milestone_slip_months)

    def confidence_frame(self) -> pd.DataFrame:
        """confidence.csv: milestone, limit_months, p_meet, slip_p50_months, slip_p80_months, slip_p95_months."""
        records = []
        for ms, slips in self.simulation.milestone_slip.items():
            limit = self.limits.get(ms)
            p_meet = self.simulation.confidence(ms, limit) if limit is not None else np.nan
            quantiles = np.percentile(slips, PERCENTILES) if len(slips) else [np.nan] * len(PERCENTILES)
            records.append((ms, np.nan if limit is None else limit, p_meet, *quantiles))
        columns = ["milestone", "limit_months", "p_meet", *(f"slip_p{q}_months" for q in PERCENTILES)]
        return pd.DataFrame(records, columns=columns)

    def s_curve_frame(self) -> pd.DataFrame:
        """s_curves.csv: milestone, probability (0 to 1 in 1 % steps), slip_months (that quantile of the milestone's slip)."""
        levels = np.linspace(0.0, 1.0, 101)
        records = [(ms, float(q), float(v)) for ms, slips in self.simulation.milestone_slip.items() if len(slips)
                   for q, v in zip(levels, np.quantile(slips, levels), strict=True)]
        return pd.DataFrame(records, columns=["milestone", "probability", "slip_months"])

    def criticality_frame(self) -> pd.DataFrame:
        """criticality.csv: milestone, element, criticality (share of samples in which the element's slip sets the milestone's)."""
        records = [(ms, e, float(np.mean(marks))) for ms, by_element in self.simulation.critical.items() for e, marks in by_element.items()]
        frame = pd.DataFrame(records, columns=["milestone", "element", "criticality"])
        return frame.sort_values(["milestone", "criticality", "element"], ascending=[True, False, True], ignore_index=True)


def schedule_confidence(study: Study, architecture: Architecture, samples: int = CHECK_SAMPLES, seed: int = 0) -> ScheduleConfidence:
    """Simulate an architecture's milestone slips; StudyError when an entry is not an eligible offer of the study."""
    tables = make_evaluator(study)
    t = tables.tally(architecture)
    if t.bad:
        limit, text = t.bad[0]
        raise StudyError(Issue(f"architecture:{limit}", text, "bad_assignment"))
    start = time.perf_counter()
    simulation = simulate(study, {e: data.offer for e, data in t.chosen.items()}, tables.topo_order, tables.gating, samples, seed,
                          OUT_OF_SAMPLE, criticality=True)
    return ScheduleConfidence(study, architecture, samples, seed, simulation, time.perf_counter() - start)


@dataclass(frozen=True)
class ConfidenceCheck:
    """A confidence limit checked out of sample: the in-sample share the optimiser saw and a fresh simulation's."""

    milestone: str
    required: float
    in_sample: float
    in_sample_low: float
    in_sample_high: float
    in_samples: int
    out_of_sample: float
    out_of_sample_low: float
    out_of_sample_high: float
    out_of_samples: int

    @property
    def short(self) -> bool:
        """The fresh simulation's estimate falls below the required confidence."""
        return self.out_of_sample < self.required - 1e-12

    def sentence(self) -> str:
        verdict = "falls SHORT of" if self.short else "meets"
        hint = f" (more [study] confidence_samples than {self.in_samples} make the optimiser's share a closer estimate)" if self.short else ""
        return (f"milestone_confidence[{self.milestone}]: {self.in_sample:.1%} in the {self.in_samples} optimisation samples "
                f"(95 % interval {self.in_sample_low:.1%}-{self.in_sample_high:.1%}), "
                f"{self.out_of_sample:.1%} (95 % interval {self.out_of_sample_low:.1%}-{self.out_of_sample_high:.1%}) in "
                f"{self.out_of_samples:,} fresh samples: {verdict} the required {self.required:.1%}{hint}")

    def as_dict(self) -> dict[str, float | str | bool | int]:
        return {"milestone": self.milestone, "required": self.required, "in_sample": self.in_sample, "in_sample_low": self.in_sample_low,
                "in_sample_high": self.in_sample_high, "in_samples": self.in_samples,
                "out_of_sample": self.out_of_sample, "out_of_sample_low": self.out_of_sample_low,
                "out_of_sample_high": self.out_of_sample_high, "out_of_samples": self.out_of_samples, "short": self.short}


def confidence_checks(study: Study, architecture: Architecture, samples: int = CHECK_SAMPLES) -> tuple[ConfidenceCheck, ...]:
    """Every confidence limit of the study checked for this architecture: in sample and on `samples` fresh samples.

    The fresh samples are `trade confidence`'s with `--seed confidence_seed`: independent of the optimiser's sample set.
    """
    wanted = study.limits.milestone_confidence
    if not wanted:
        return ()
    tables = make_evaluator(study)
    t = tables.tally(architecture)
    fresh = simulate(study, {e: data.offer for e, data in t.chosen.items()}, tables.topo_order, tables.gating, samples,
                     study.info.confidence_seed, OUT_OF_SAMPLE)
    checks = []
    for ms, alpha in wanted.items():
        limit = study.limits.max_milestone_slip_months[ms]
        share = fresh.confidence(ms, limit)
        low, high = proportion_interval(share, samples)
        inside = t.confidence(ms)
        checks.append(ConfidenceCheck(ms, alpha, inside, *proportion_interval(inside, study.info.confidence_samples),
                                      study.info.confidence_samples, share, low, high, samples))
    return tuple(checks)
