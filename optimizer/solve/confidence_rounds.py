"""Confidence limits that hold out of sample: sample average approximation with a validation step (docs/formulation.md).

The optimiser meets `milestone_confidence` on its own sample set, which flatters the architecture it picks. After each
solve the answer is checked on fresh samples; while a limit's fresh-sample lower 95 % bound falls below the asked
level, the in-sample level is raised by the shortfall (plus one sample's share) and the sample set doubled, and the
study is solved again, for at most MAX_ROUNDS rounds. What is asked of the planner's study never changes: every
check is against the asked level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from architecture import Study, confidence_checks
from optimizer.solve.run import RunResult
from optimizer.solve.solver import SolveOptions
from optimizer.solve.study_model import run_study

MAX_ROUNDS = 4
MAX_SAMPLES = 1600  # the sample set doubles each round up to this size


@dataclass(frozen=True)
class ConfidentRun:
    """The run whose architecture is reported, its checks against the asked levels, and every round tried."""

    result: RunResult
    checks: tuple[Any, ...]
    rounds: tuple[dict[str, Any], ...]
    met: bool  # every asked level is reached by the fresh-sample lower bound

    @property
    def status(self) -> str:
        """`met`, or `short` when MAX_ROUNDS did not reach every asked level out of sample (a distinct exit code)."""
        return "met" if self.met else "short"


def _with(study: Study, levels: dict[str, float], samples: int) -> Study:
    return study.with_changes(limits=study.limits.model_copy(update={"milestone_confidence": levels}),
                              info=study.info.model_copy(update={"confidence_samples": samples}))


def run_confident(study: Study, objective: str | None = None, options: SolveOptions | None = None, rounds: int = MAX_ROUNDS) -> ConfidentRun:
    """`run_study`, repeated with tighter in-sample levels and more samples until the asked levels hold on fresh samples."""
    asked = dict(study.limits.milestone_confidence)
    levels, samples = dict(asked), study.info.confidence_samples
    current, kept, log = study, None, []
    for number in range(1, rounds + 1):
        result = run_study(current, objective, options)
        if result.architecture is None:  # tightened past what any architecture reaches: keep the last answer
            log.append({"round": number, "samples": samples, "in_sample_levels": dict(levels), "status": str(result.report.status)})
            break
        checks = confidence_checks(_with(current, asked, samples), result.architecture)
        log.append({"round": number, "samples": samples, "in_sample_levels": dict(levels), "status": str(result.report.status),
                    "out_of_sample_low": {c.milestone: c.out_of_sample_low for c in checks}})
        kept = (result, checks)
        short = [c for c in checks if c.out_of_sample_low < c.required - 1e-12]
        if not short:
            return ConfidentRun(result, checks, tuple(log), True)
        if all(levels[c.milestone] >= 1.0 for c in short) and samples >= MAX_SAMPLES:
            break
        samples = min(2 * samples, MAX_SAMPLES)
        for c in short:
            levels[c.milestone] = min(1.0, levels[c.milestone] + (c.required - c.out_of_sample_low) + 1.0 / samples)
        current = _with(study, levels, samples)
    if kept is None:
        return ConfidentRun(result, (), tuple(log), False)
    return ConfidentRun(kept[0], kept[1], tuple(log), False)
