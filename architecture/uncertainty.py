"""An uncertain future as data: futures with probabilities, what each changes, and the years decisions are taken.

A planner commits some contracts now and keeps others for later. `uncertainty.toml` (docs/inputs.md#uncertaintytoml)
names the decision year (`decide_fy`), the futures that may follow it (each a probability and the study's own changes:
named scenarios, then inline removals, `set`, `scale`, `add`), and how to weigh them (expected cost, the worst
future, or CVaR at a level). A future may decide again (`then_fy`) before futures of its own (`then`) are known: a
tree of decisions by year. `[slips]` draws each future's slips from the offers' slip distributions. Offers awarded
by a decision year (offers.csv `commit_fy`) are decided then, the same in every future that follows; the rest wait
until the future is known. Loading never touches Pyomo.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from architecture.confidence import sample_offer_slips
from architecture.errors import Issue, StudyError
from architecture.policy import Scenario, Strict
from architecture.scenarios import apply_scenario_spec, apply_scenarios
from architecture.study import Study
from architecture.sweep_design import read_design_file

UNCERTAINTY_FILE = "uncertainty.toml"
RISK_MEASURES = ("expected", "worst", "cvar")
#: how far from 1 the probabilities may sum (TOML decimals such as 0.1 + 0.2 are not exact)
PROBABILITY_TOLERANCE = 1e-9
#: the random streams of slip draws (distinct from the optimiser's and the simulations' in architecture/confidence.py)
DRAWS_PURPOSE = 2
#: a future's name, then its branch: `enacted/esa_leaves`; a drawn future: `enacted~03`
BRANCH, DRAW = "/", "~"


class Future(Scenario):
    """One future: its probability, the study scenarios it applies (in order), then its own changes (a scenario's keys).

    `then_fy` and `then`: in this future decisions are taken again in FY then_fy, before one of `then` is known
    (their probabilities are conditional on this future and sum to 1).
    """

    probability: float = Field(gt=0.0, le=1.0)
    scenarios: tuple[str, ...] = ()
    then_fy: int | None = None
    then: dict[str, Future] = Field(default_factory=dict)


class SlipDraws(Strict):
    """`[slips]`: every future drawn `draws` times from the offers' slip distributions (each draw 1/draws of it)."""

    draws: int = Field(ge=1, le=10_000)
    seed: int = Field(default=0, ge=0)


class UncertaintyFile(Strict):
    """The file's top level, as read (validated further against the study by `load_uncertainty`)."""

    description: str = ""
    decide_fy: int
    risk: Literal["expected", "worst", "cvar"] = "expected"
    cvar_level: float | None = Field(default=None, gt=0.0, lt=1.0)
    slips: SlipDraws | None = None
    futures: dict[str, Future]


@dataclass(frozen=True)
class DecisionPoint:
    """A later decision: taken in future `name` in FY `decide_fy`, on the offers awarded after `after_fy` and by then."""

    name: str
    decide_fy: int
    after_fy: int


@dataclass(frozen=True)
class Uncertainty:
    """A validated uncertainty file: the decision year, how futures are weighed, and each future's study.

    The futures are the leaves of the tree: `probabilities[name]` (unconditional) and `studies[name]` (the study in that
    future). `risk` is expected (probability-weighted), worst (the costliest future) or cvar (the mean of the costliest
    1 - cvar_level of probability). `stages[name]`: the later decision points on the way to that future (none in a
    two-stage file).
    """

    path: str
    description: str
    decide_fy: int
    risk: str
    cvar_level: float | None
    probabilities: Mapping[str, float]
    studies: Mapping[str, Study]
    sha256: str = ""  # of the file, for the result folder's provenance
    stages: Mapping[str, tuple[DecisionPoint, ...]] = field(default_factory=dict)
    slip_draws: int = 0
    slip_seed: int = 0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.probabilities)

    def stages_of(self, name: str) -> tuple[DecisionPoint, ...]:
        return self.stages.get(name, ())

    @property
    def decision_points(self) -> tuple[DecisionPoint, ...]:
        """Every later decision point, once each, in the file's order."""
        seen: dict[str, DecisionPoint] = {}
        for name in self.names:
            for point in self.stages_of(name):
                seen.setdefault(point.name, point)
        return tuple(seen.values())

    def futures_after(self, point: str) -> tuple[str, ...]:
        """The futures that follow a later decision point (they share its decisions)."""
        return tuple(n for n in self.names if any(p.name == point for p in self.stages_of(n)))


def awarded_between(study: Study, after_fy: int | None, by_fy: int) -> tuple[tuple[str, str], ...]:
    """The offers awarded after `after_fy` (None: ever) and by `by_fy` (offers.csv commit_fy)."""
    return tuple(key for key, offer in study.offers.items() if offer.commit_fy is not None and offer.commit_fy <= by_fy
                 and (after_fy is None or offer.commit_fy > after_fy))


def committed_now(study: Study, decide_fy: int) -> tuple[tuple[str, str], ...]:
    """The offers decided in the decision year, the same in every future: those awarded by then (`commit_fy`)."""
    return awarded_between(study, None, decide_fy)


def awarded_before(study: Study, decide_fy: int) -> tuple[tuple[str, str], ...]:
    """The offers whose contract was awarded before the decision year: held already, so not keeping one is terminating it."""
    return awarded_between(study, None, decide_fy - 1)


def walk_away_musd(study: Study, pair: tuple[str, str], decided_fy: int) -> float:
    """What walking away from a commitment once the future is known costs (US$M).

    Its liability (offers.csv termination_musd) plus what keeping it through the year it was decided in spent. Ending a
    contract at the decision instead costs the liability alone.
    """
    offer = study.offers[pair]
    return offer.termination_musd + study.spend_musd(offer).get(decided_fy, 0.0)


def _fail(where: str, problem: str, check: str = "wrong_type") -> StudyError:
    return StudyError(Issue(where, problem, check))


def _one_line(exc: ValidationError, where: str) -> StudyError:
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"])
    got = f" (got {err['input']!r})" if err["type"] not in ("missing", "extra_forbidden") else ""
    problem = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].lower() if err["type"] == "missing" else err["msg"]
    return _fail(f"{where}:{loc}", f"{problem}{got}", "unknown_key" if err["type"] == "extra_forbidden" else "wrong_type")


def _check_probabilities(futures: Mapping[str, Future], key: str) -> None:
    total = math.fsum(future.probability for future in futures.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        listed = ", ".join(f"{name} {future.probability:g}" for name, future in futures.items())
        raise _fail(key, f"probabilities sum to {total:.10g}, not 1 ({listed})")


def _future_study(base: Study, future: Future, name: str, key: str) -> Study:
    unknown = [s for s in future.scenarios if s not in base.scenarios]
    if unknown:
        raise _fail(f"{key}.scenarios", f"unknown scenario '{unknown[0]}'; the study defines: {', '.join(base.scenarios) or 'none'}",
                    "unknown_scenario")
    try:
        return apply_scenario_spec(apply_scenarios(base, list(future.scenarios)), future, f"future {name}")
    except StudyError as exc:
        first = exc.issues[0]
        raise _fail(f"{key}: {first.location}", first.problem, first.check) from None


def _leaves(base: Study, futures: Mapping[str, Future], prefix: str, probability: float, after_fy: int, path: tuple[DecisionPoint, ...],
            key: str, last_fy: int, out: dict[str, tuple[float, Study, tuple[DecisionPoint, ...]]]) -> None:
    """Walk the tree: every leaf's name, unconditional probability, study and the later decision points on its way."""
    _check_probabilities(futures, key)
    for name, future in futures.items():
        full, where = f"{prefix}{name}", f"{key}.{name}"
        if BRANCH in name or DRAW in name:
            raise _fail(where, f"a future's name may not contain '{BRANCH}' or '{DRAW}' (they name branches and draws)")
        study = _future_study(base, future, full, where)
        p = probability * future.probability
        if future.then_fy is None and not future.then:
            out[full] = (p, study, path)
            continue
        if future.then_fy is None or not future.then:
            missing = "then_fy" if future.then_fy is None else "then"
            raise _fail(f"{where}.{missing}", "a future that decides again needs both then_fy (the year) and [then.NAME] futures",
                        "missing_key")
        if not after_fy < future.then_fy <= last_fy:
            raise _fail(f"{where}.then_fy", f"{future.then_fy} must come after the decision before it (FY{after_fy}) and by the "
                        f"horizon's last year {last_fy}")
        point = DecisionPoint(full, future.then_fy, after_fy)
        _leaves(study, future.then, f"{full}{BRANCH}", p, future.then_fy, (*path, point), f"{where}.then", last_fy, out)


def drawn_study(study: Study, slips: Any) -> Study:
    """The study with every offer's slip set to one drawn value: known in that future (no spread, no failure left)."""
    offers = {key: offer.model_copy(update={"slip_months": round(float(slip), 2), "slip_p80_months": None, "failure_probability": 0.0})
              for (key, offer), slip in zip(study.offers.items(), slips, strict=True)}
    return study.with_changes(offers=offers)


def _draw(leaves: dict[str, tuple[float, Study, tuple[DecisionPoint, ...]]], draws: SlipDraws) -> dict[str, tuple[float, Study, tuple[DecisionPoint, ...]]]:
    """Each future `draws` times, its offers' slips drawn from their distributions (common random numbers across futures)."""
    width = len(str(draws.draws))
    out = {}
    for name, (p, study, path) in leaves.items():
        sampled = sample_offer_slips(study, list(study.offers.values()), draws.draws, draws.seed, DRAWS_PURPOSE)
        for k in range(draws.draws):
            out[f"{name}{DRAW}{k + 1:0{width}d}"] = (p / draws.draws, drawn_study(study, sampled[k]), path)
    return out


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
    leaves: dict[str, tuple[float, Study, tuple[DecisionPoint, ...]]] = {}
    _leaves(study, parsed.futures, "", 1.0, parsed.decide_fy, (), f"{where}:futures", info.last_year, leaves)
    if parsed.slips is not None:
        leaves = _draw(leaves, parsed.slips)
    return Uncertainty(where, parsed.description, parsed.decide_fy, parsed.risk, parsed.cvar_level,
                       {name: p for name, (p, _, _) in leaves.items()}, {name: s for name, (_, s, _) in leaves.items()},
                       stages={name: path for name, (_, _, path) in leaves.items() if path},
                       slip_draws=parsed.slips.draws if parsed.slips else 0, slip_seed=parsed.slips.seed if parsed.slips else 0)


def load_uncertainty(path: str | Path, study: Study) -> Uncertainty:
    """Read and validate an uncertainty.toml against the study it belongs to."""
    parsed = parse_uncertainty(read_design_file(path, "uncertainty file"), study, str(path))
    return replace(parsed, sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())
