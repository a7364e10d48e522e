"""Independent evaluator: scores a fixed architecture against a study with plain Python and pandas."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd

from architecture.architecture import Architecture
from architecture.families import FAMILIES as CONSTRAINT_FAMILIES
from architecture.families import CheckRow, ConstraintFamily, LimitCheck, column_unit, slack, tolerance
from architecture.objectives import BUILTIN_OBJECTIVES, objective_kind
from architecture.study import Study
from architecture.tally import StudyTables, Tally

__all__ = [
    "FAMILIES",
    "Evaluation",
    "LimitCheck",
    "StudyEvaluator",
    "evaluate",
    "feasible_objectives",
    "make_evaluator",
    "objective_value",
]

#: Names of the families the evaluator checks, in the order of docs/formulation.md (from the family records).
FAMILIES = tuple(family.name for family in CONSTRAINT_FAMILIES if family.checked)
_CHECKED = tuple(family for family in CONSTRAINT_FAMILIES if family.checked)
_CACHE_SIZE = 16
_CACHE: OrderedDict[int, StudyEvaluator] = OrderedDict()


class StudyEvaluator(StudyTables):
    """The study's tables plus every objective and limit check (the family and objective records)."""

    def __init__(self, study: Study, like: StudyTables | None = None):
        super().__init__(study, like)
        self.objective_names = (*study.objectives, *(b for b in BUILTIN_OBJECTIVES if b not in study.objectives))

    def objective(self, t: Tally, name: str) -> float:
        """Value of objective `name` for a tally."""
        spec = self.spec(name)
        return objective_kind(spec).value(t, spec)

    def rows(self, t: Tally) -> Iterator[tuple[ConstraintFamily, CheckRow]]:
        """Every active limit row, in formulation.md order (lazy: the fast path stops early)."""
        for family in _CHECKED:
            for row in family.rows(self, t):  # type: ignore[misc]
                yield family, row

    def evaluate(self, architecture: Architecture) -> Evaluation:
        """Full evaluation: objectives, every limit row, violations and slips."""
        t = self.tally(architecture)
        checks = []
        violations = []
        for family, (limit, value, bound, sense, unit, context) in self.rows(t):
            check = LimitCheck(family.name, limit, value, bound, sense, unit, slack(value, bound, sense))
            checks.append(check)
            if check.violated:
                violations.append(family.violation(check, context, t))  # type: ignore[misc]
        return Evaluation(
            architecture=architecture,
            objectives={name: self.objective(t, name) for name in self.objective_names},
            limits=tuple(checks),
            violations=tuple(violations),
            element_slip_months=dict(t.element_slip),
            milestone_slip_months=dict(t.milestone_slip),
            study=self.study,
            _tally=t,
        )

    def objective_value(self, architecture: Architecture, name: str) -> float:
        """One objective's value, the same number as `evaluate(...).objectives[name]`."""
        return self.objective(self.tally(architecture), name)

    def feasible_objectives(self, architecture: Architecture, names: Iterable[str]) -> dict[str, float] | None:
        """Objective values by name, or None when `evaluate(...).feasible` would be False."""
        t = self.tally(architecture)
        if t.bad:
            return None
        for _family, (_limit, value, bound, sense, _unit, _context) in self.rows(t):
            if slack(value, bound, sense) < -tolerance(bound):
                return None
        return {name: self.objective(t, name) for name in names}


@dataclass(frozen=True)
class Evaluation:
    """An architecture scored against a study.

    `objectives` holds every declared objective and every built-in by name; `limits` every
    active limit row in formulation.md order; `violations` one readable line per violated row.
    Elements whose entry is not an eligible offer are ignored for every sum (and reported
    under the `eligibility` family).
    """

    architecture: Architecture
    objectives: dict[str, float]
    limits: tuple[LimitCheck, ...]
    violations: tuple[str, ...]
    element_slip_months: dict[str, float]
    milestone_slip_months: dict[str, float]
    study: Study = field(repr=False, compare=False)
    _tally: Tally = field(repr=False, compare=False)

    @property
    def feasible(self) -> bool:
        return not self.violations

    def metrics(self) -> pd.DataFrame:
        """Columns metric, value, unit: objectives first, then totals, metric sums, milestones, counts."""
        return pd.DataFrame(self.metric_rows(), columns=["metric", "value", "unit"])

    def metric_rows(self) -> list[tuple[str, float, str]]:
        """The rows of `metrics()` as (metric, value, unit) tuples."""
        t = self._tally
        evaluator = make_evaluator(self.study)
        rows: dict[str, tuple[float, str]] = {}
        for name, value in self.objectives.items():
            rows[name] = (value, evaluator.spec(name).display_unit)
        extra: list[tuple[str, float, str]] = [
            ("total_cost_musd", t.cost, "US$M"),
            ("agency_cost_musd", t.agency, "US$M"),
            ("programme_cost_musd", t.programme, "US$M"),
            ("partner_cost_musd", t.partner, "US$M"),
            ("onboarding_cost_musd", t.onboarding, "US$M"),
            ("commercial_share", t.commercial_share, "fraction"),
            *((col, t.column_sum(col), column_unit(col)) for col in self.study.metric_columns),
            *((f"milestone_slip_months:{ms}", slip, "months") for ms, slip in t.milestone_slip.items()),
            ("elements_chosen", float(len(t.chosen)), "elements"),
            ("providers_engaged", float(len(t.per_provider)), "providers"),
            ("international_partners", float(len(t.intl_programme)), "count"),
        ]
        for name, value, unit in extra:
            rows.setdefault(name, (value, unit))
        return [(name, value, unit) for name, (value, unit) in rows.items()]

    def limits_frame(self) -> pd.DataFrame:
        """One row per limit check: family, limit, value, bound, sense, unit, slack, binding, violated."""
        columns = ["family", "limit", "value", "bound", "sense", "unit", "slack", "binding", "violated"]
        return pd.DataFrame(
            [(c.family, c.limit, c.value, c.bound, c.sense, c.unit, c.slack, c.binding, c.violated) for c in self.limits],
            columns=columns,
        )

    def assignment_frame(self) -> pd.DataFrame:
        """One row per eligible chosen element, sorted by element, with offer data and slips."""
        study = self.study
        metric_columns = [col for col in study.metric_columns if col != "partner_cost_musd"]
        columns = [
            "element", "provider", "element_name", "category", "location", "critical_path", "provider_kind",
            "cost_musd", "partner_cost_musd", "programme_cost_musd", "slip_months", "element_slip_months",
            *metric_columns, "builder", "builder_kind", "budget_line", "operations_musd", "procurement", "owner", "commercial",
        ]  # fmt: skip
        records = []
        for e in sorted(self._tally.chosen):
            data = self._tally.chosen[e]
            element = study.elements[e]
            records.append(
                [
                    e, data.provider, element.name, element.category, element.location, element.critical_path, data.kind,
                    data.cost, data.partner, data.programme, data.slip, self._tally.element_slip[e],
                    *(data.offer.value(col) for col in metric_columns),
                    data.builder, data.builder_kind, data.line or "", data.cost - data.offer.cost_musd, data.procurement, data.owner,
                    data.commercial,
                ]
            )  # fmt: skip
        return pd.DataFrame(records, columns=columns)

    def spend_frame(self) -> pd.DataFrame:
        """NASA spending of each chosen offer by fiscal year (rows with spending only), by year then element."""
        records = []
        for year in self.study.fiscal_years:
            for e in sorted(self._tally.chosen):
                data = self._tally.chosen[e]
                amount = data.spend.get(year, 0.0)
                if amount:
                    records.append((year, e, data.provider, data.kind, amount, data.line or "", data.procurement))
        return pd.DataFrame(records, columns=["fiscal_year", "element", "provider", "provider_kind", "agency_spend_musd", "budget_line",
                                              "procurement"])

    def slips_frame(self) -> pd.DataFrame:
        """Each chosen element's own slip, what it requires, its slip with theirs, and the milestones it gates."""
        study, t = self.study, self._tally
        records = []
        for e in sorted(t.chosen):
            element = study.elements[e]
            records.append((e, ";".join(r for r in element.requires if r in t.chosen), t.chosen[e].slip, t.element_slip[e],
                            ";".join(element.gated_milestones)))
        return pd.DataFrame(records, columns=["element", "requires", "slip_months", "element_slip_months", "milestones"])

    def budget_by_year(self) -> pd.DataFrame:
        """NASA offer spending per fiscal year of the horizon against the annual caps (onboarding excluded).

        With budget lines (offers.csv budget_line), each line adds `spend_musd:LINE`, `cap_musd:LINE` and `headroom_musd:LINE`,
        and `spend_musd:no_line` holds the spending of offers without a line.
        """
        limits, t = self.study.limits, self._tally
        caps = limits.annual_budget_musd
        lines = sorted({offer.budget_line for offer in self.study.offers.values() if offer.budget_line is not None})
        records = []
        for year in self.study.fiscal_years:
            spend = sum(data.spend.get(year, 0.0) for data in t.chosen.values())
            cap = caps.get(year, math.nan)
            row: dict[str, float] = {"fiscal_year": year, "agency_spend_musd": spend, "annual_budget_musd": cap, "headroom_musd": cap - spend}
            for line in lines:
                line_spend, line_cap = t.line_spend(line, year), limits.line_annual_budget_musd.get(line, {}).get(year, math.nan)
                row.update({f"spend_musd:{line}": line_spend, f"cap_musd:{line}": line_cap, f"headroom_musd:{line}": line_cap - line_spend})
            if lines:
                row["spend_musd:no_line"] = sum(data.spend.get(year, 0.0) for data in t.chosen.values() if data.line is None)
            records.append(row)
        columns = ["fiscal_year", "agency_spend_musd", "annual_budget_musd", "headroom_musd"]
        columns += [f"{kind}:{line}" for line in lines for kind in ("spend_musd", "cap_musd", "headroom_musd")]
        return pd.DataFrame(records, columns=[*columns, *(["spend_musd:no_line"] if lines else [])])


def make_evaluator(study: Study) -> StudyEvaluator:
    """The evaluator of a study, built once and cached by identity (the last few studies)."""
    key = id(study)
    evaluator = _CACHE.get(key)
    if evaluator is not None and evaluator.study is study:
        _CACHE.move_to_end(key)
        return evaluator
    evaluator = StudyEvaluator(study, next(reversed(_CACHE.values()), None))  # a what-if shares the last study's offers
    _CACHE[key] = evaluator
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return evaluator


def evaluate(study: Study, architecture: Architecture) -> Evaluation:
    """Score an architecture: objectives, limit checks, violations and slips."""
    return make_evaluator(study).evaluate(architecture)


def objective_value(study: Study, architecture: Architecture, name: str) -> float:
    """One objective's value (declared or built-in), as in `evaluate(...).objectives[name]`."""
    return make_evaluator(study).objective_value(architecture, name)


def feasible_objectives(study: Study, architecture: Architecture, names: Iterable[str]) -> dict[str, float] | None:
    """Fast path for brute force: objective values by name, or None if the architecture is infeasible."""
    return make_evaluator(study).feasible_objectives(architecture, names)
