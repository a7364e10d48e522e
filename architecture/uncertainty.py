"""An uncertain future as data: futures with probabilities, what each changes, and the year decisions are taken.

A planner commits some contracts now and keeps others for later. `uncertainty.toml` (docs/inputs.md#uncertaintytoml)
names the decision year (`decide_fy`), the futures that may follow it (each a probability and the study's own changes:
named scenarios, then inline removals, `set`, `scale`, `add`), and how to weigh them (expected cost, the worst
future, or CVaR at a level). Offers whose contract is awarded by the decision year (offers.csv `commit_fy`) are
decided now, the same in every future; the rest wait until the future is known. Loading never touches Pyomo.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from architecture.errors import Issue, StudyError
from architecture.policy import Scenario, Strict
from architecture.scenarios import apply_scenario_spec, apply_scenarios
from architecture.study import Study
from architecture.sweep_design import read_design_file

UNCERTAINTY_FILE = "uncertainty.toml"
RISK_MEASURES = ("expected", "worst", "cvar")
#: how far from 1 the probabilities may sum (TOML decimals such as 0.1 + 0.2 are not exact)
PROBABILITY_TOLERANCE = 1e-9


class Future(Scenario):
    """One future: its probability, the study scenarios it applies (in order), then its own changes (a scenario's keys)."""

    probability: float = Field(gt=0.0, le=1.0)
    scenarios: tuple[str, ...] = ()


class UncertaintyFile(Strict):
    """The file's top level, as read (validated further against the study by `load_uncertainty`)."""

    description: str = ""
    decide_fy: int
    risk: Literal["expected", "worst", "cvar"] = "expected"
    cvar_level: float | None = Field(default=None, gt=0.0, lt=1.0)
    futures: dict[str, Future]


@dataclass(frozen=True)
class Uncertainty:
    """A validated uncertainty file: the decision year, how futures are weighed, and each future's study.

    `futures[name]` is (probability, the study in that future). `risk` is expected (probability-weighted), worst (the
    costliest future) or cvar (the mean of the costliest 1 - cvar_level of probability).
    """

    path: str
    description: str
    decide_fy: int
    risk: str
    cvar_level: float | None
    probabilities: Mapping[str, float]
    studies: Mapping[str, Study]
    sha256: str = ""  # of the file, for the result folder's provenance

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.probabilities)


def committed_now(study: Study, decide_fy: int) -> tuple[tuple[str, str], ...]:
    """The offers decided in the decision year, the same in every future: those awarded by then (`commit_fy`)."""
    return tuple(key for key, offer in study.offers.items() if offer.commit_fy is not None and offer.commit_fy <= decide_fy)


def _fail(where: str, problem: str, check: str = "wrong_type") -> StudyError:
    return StudyError(Issue(where, problem, check))


def _one_line(exc: ValidationError, where: str) -> StudyError:
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"])
    got = f" (got {err['input']!r})" if err["type"] not in ("missing", "extra_forbidden") else ""
    problem = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].lower() if err["type"] == "missing" else err["msg"]
    return _fail(f"{where}:{loc}", f"{problem}{got}", "unknown_key" if err["type"] == "extra_forbidden" else "wrong_type")


def parse_uncertainty(raw: Mapping[str, Any], study: Study, where: str = UNCERTAINTY_FILE) -> Uncertainty:
    """Validate an uncertainty table against the study; any problem is a one-line StudyError naming the file and key."""
    try:
        parsed = UncertaintyFile.model_validate(dict(raw))
    except ValidationError as exc:
        raise _one_line(exc, where) from None
    info = study.info
    if not info.first_year <= parsed.decide_fy <= info.last_year:
        raise _fail(f"{where}:decide_fy", f"{parsed.decide_fy} is outside the study's horizon {info.first_year}-{info.last_year}")
    if parsed.risk == "cvar" and parsed.cvar_level is None:
        raise _fail(f"{where}:cvar_level", "risk = \"cvar\" needs cvar_level, the share of probability left out (e.g. 0.9)", "missing_key")
    if parsed.risk != "cvar" and parsed.cvar_level is not None:
        raise _fail(f"{where}:cvar_level", f"only read with risk = \"cvar\" (risk is \"{parsed.risk}\")", "unknown_key")
    if not parsed.futures:
        raise _fail(f"{where}:futures", "no futures: name at least one [futures.NAME] with a probability", "missing_key")
    total = math.fsum(future.probability for future in parsed.futures.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        listed = ", ".join(f"{name} {future.probability:g}" for name, future in parsed.futures.items())
        raise _fail(f"{where}:futures", f"probabilities sum to {total:.10g}, not 1 ({listed})")
    studies = {}
    for name, future in parsed.futures.items():
        key = f"{where}:futures.{name}"
        unknown = [s for s in future.scenarios if s not in study.scenarios]
        if unknown:
            raise _fail(f"{key}.scenarios", f"unknown scenario '{unknown[0]}'; the study defines: {', '.join(study.scenarios) or 'none'}",
                        "unknown_scenario")
        try:
            changed = apply_scenarios(study, list(future.scenarios))
            studies[name] = apply_scenario_spec(changed, future, f"future {name}")
        except StudyError as exc:
            first = exc.issues[0]
            raise _fail(f"{key}: {first.location}", first.problem, first.check) from None
    return Uncertainty(where, parsed.description, parsed.decide_fy, parsed.risk, parsed.cvar_level,
                       {name: future.probability for name, future in parsed.futures.items()}, studies)


def load_uncertainty(path: str | Path, study: Study) -> Uncertainty:
    """Read and validate an uncertainty.toml against the study it belongs to."""
    parsed = parse_uncertainty(read_design_file(path, "uncertainty file"), study, str(path))
    return replace(parsed, sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())
