"""The evaluator's check of each constraint family: its rows (value, bound, sense) and the planner's words for a violation.

`architecture.families` pairs each family record with its (rows, words) functions from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from architecture.policy import NONE
from architecture.tally import StudyTables, Tally

# (limit, value, bound, sense, unit, context for the violation text)
CheckRow = tuple[str, float, float, str, str, Any]


def tolerance(bound: float) -> float:
    """Absolute tolerance of a row: 1e-6 times max(1, |bound|)."""
    return 1e-6 * max(1.0, abs(bound))


def slack(value: float, bound: float, sense: str) -> float:
    if sense == "<=":
        return bound - value
    if sense == ">=":
        return value - bound
    return -abs(value - bound)


def number(value: float) -> str:
    """A number for a violation line: one decimal, more digits when that would show 0.0."""
    if value == 0 or abs(value) >= 0.05:
        return f"{value:.1f}"
    return f"{value:.3g}"


def column_unit(column: str) -> str:
    if column.endswith("_musd"):
        return "US$M"
    if column.endswith("_months"):
        return "months"
    return column


@dataclass(frozen=True)
class LimitCheck:
    """One row of one limit family, evaluated for one architecture.

    `slack` is `bound - value` for `<=`, `value - bound` for `>=` and `-|value - bound|` for `==`;
    negative means violated. Rows follow the linear rows of docs/formulation.md:

    - eligibility: one row per bad assignment entry, value 1 <= bound 0 (elements).
    - assign_required_once: `required[e]`, value = 1 if e has an eligible provider, == 1.
    - requires_selected: `requires[e,r]`, value = sigma_e - sigma_r <= 0.
    - commercial_share_min: value = commercial offer cost (US$M; commercial on `limits.commercial_share_basis`:
      procurement commercial_service, or a commercial builder) >= bound = phi * total offer cost (US$M), so it holds
      at zero spending.
    - partner_share_max: `max_partner_share[p]`, value = programme cost of p (US$M) <= bound =
      psi * total programme cost (US$M).
    - builder_share_max: `max_builder_share[b]`, value = NASA cost of the offers b builds (US$M) <= bound =
      psi * total offer cost (US$M).
    - scoped_metric_limits: `metric_limit[i].max` / `.min`, the i-th [[limits.metric_limit]] (0-based).
    """

    family: str
    limit: str
    value: float
    bound: float
    sense: str
    unit: str
    slack: float

    @property
    def tolerance(self) -> float:
        """Absolute tolerance: 1e-6 times max(1, |bound|)."""
        return tolerance(self.bound)

    @property
    def violated(self) -> bool:
        return self.slack < -self.tolerance

    @property
    def binding(self) -> bool:
        return abs(self.slack) <= self.tolerance


Rows = Callable[[StudyTables, Tally], Iterator[CheckRow]]
Words = Callable[[LimitCheck, Any, Tally], str]


# -- the evaluator's checks, one pair (rows, words) per family --------------------------------------


def _eligibility(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for limit, text in t.bad:
        yield (limit, 1.0, 0.0, "<=", "elements", text)


def _required(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for e in tables.required:
        yield (f"required[{e}]", float(e in t.chosen), 1.0, "==", "elements", e)


def _requires(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for e, r in tables.requires_rows:
        yield (f"requires[{e},{r}]", float(e in t.chosen) - float(r in t.chosen), 0.0, "<=", "elements", (e, r))


def _contracts(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for contract, keys in tables.contracts.items():
        chosen = sorted(e for e, p in keys if e in t.chosen and t.chosen[e].provider == p)
        yield (f"contract_exclusive[{contract}]", float(len(chosen)), 1.0, "<=", "elements", (contract, chosen))


def _contract_text(check: LimitCheck, context: Any, t: Tally) -> str:
    contract, chosen = context
    return f"contract {contract} delivers {len(chosen)} elements ({', '.join(chosen)}); one contract delivers one element"


def _budget_total(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    cap = tables.study.limits.total_budget_musd
    if cap is not None:
        yield ("total_budget_musd", t.agency, cap, "<=", "US$M", None)


def _budget_annual(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for year, cap in tables.annual:
        spend = sum(data.spend.get(year, 0.0) for data in t.chosen.values())
        yield (f"annual_budget_musd[{year}]", spend, cap, "<=", "US$M", year)


def _line_total(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for line, cap in tables.study.limits.line_budget_musd.items():
        yield (f"line_budget_musd[{line}]", t.per_line.get(line, 0.0), cap, "<=", "US$M", line)


def _line_annual(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for line, caps in tables.study.limits.line_annual_budget_musd.items():
        for year, cap in sorted(caps.items()):
            yield (f"line_annual_budget_musd[{line},{year}]", t.line_spend(line, year), cap, "<=", "US$M", (line, year))


def _critical_owners(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    most = tables.study.limits.critical_path_max_owners
    if most is not None:
        owners = sorted({data.owner for e, data in t.chosen.items() if e in tables.critical})
        yield ("critical_path_max_owners", float(len(owners)), float(most), "<=", "providers", owners)


def _milestone_slip(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for ms, cap in tables.study.limits.max_milestone_slip_months.items():
        yield (f"max_milestone_slip_months[{ms}]", t.milestone_slip.get(ms, 0.0), cap, "<=", "months", ms)


def _milestone_confidence(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    limits = tables.study.limits
    for ms, alpha in limits.milestone_confidence.items():
        yield (f"milestone_confidence[{ms}]", t.confidence(ms), alpha, ">=", "probability", (ms, limits.max_milestone_slip_months.get(ms)))


def _confidence_text(check: LimitCheck, context: Any, t: Tally) -> str:
    ms, limit = context
    samples = t.tables.study.info.confidence_samples
    return (f"milestone {ms} keeps its {number(limit)}-month slip limit in {check.value:.1%} of the {samples} samples, "
            f"below the required {check.bound:.1%}")


def _commercial_share(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    phi = tables.study.limits.min_commercial_share
    if phi is not None:
        yield ("min_commercial_share", t.commercial, phi * t.cost, ">=", "US$M", phi)


def _partner_share(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    psi = tables.study.limits.max_partner_share
    if psi is not None:
        for p in tables.international:
            yield (f"max_partner_share[{p}]", t.intl_programme.get(p, 0.0), psi * t.programme, "<=", "US$M", (p, psi))


def _category_redundancy(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for category, need in tables.study.limits.min_providers_per_category.items():
        providers = {data.provider for e, data in t.chosen.items() if tables.categories[e] == category}
        yield (f"min_providers_per_category[{category}]", float(len(providers)), float(need), ">=", "providers", category)


def _builder_redundancy(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for category, need in tables.study.limits.min_builders_per_category.items():
        builders = sorted({data.builder for e, data in t.chosen.items() if tables.categories[e] == category})
        yield (f"min_builders_per_category[{category}]", float(len(builders)), float(need), ">=", "builders", (category, builders))


def _builder_share(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    psi = tables.study.limits.max_builder_share
    if psi is not None:
        for b in tables.builders:
            yield (f"max_builder_share[{b}]", t.per_builder.get(b, 0.0), psi * t.cost, "<=", "US$M", (b, psi))


def _builder_share_text(check: LimitCheck, context: Any, t: Tally) -> str:
    builder, psi = context
    share = check.value / t.cost if t.cost > 0 else 0.0
    return f"{builder} builds {share:.1%} of NASA offer spending, above max_builder_share {psi:.1%} (over by {_over(check)} US$M)"


def _capacity(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for p, capacity in tables.capacities:
        yield (f"capacity[{p}]", float(t.per_provider.get(p, 0)), float(capacity), "<=", "elements", p)


def _metric_limits(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    limits = tables.study.limits
    for col, cap in limits.metric_max.items():
        yield (f"metric_max[{col}]", t.column_sum(col), cap, "<=", column_unit(col), col)
    for col, floor in limits.metric_min.items():
        yield (f"metric_min[{col}]", t.column_sum(col), floor, ">=", column_unit(col), col)


def _scoped_metrics(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    for index, (limit, scope) in enumerate(zip(tables.study.limits.metric_limit, tables.scopes, strict=True)):
        total = sum(data.value(limit.metric) for e, data in t.chosen.items() if (e, data.provider) in scope)
        for sense, bound in (("<=", limit.max), (">=", limit.min)):
            if bound is not None:
                end = "max" if sense == "<=" else "min"
                yield (f"metric_limit[{index}].{end}", total, bound, sense, column_unit(limit.metric), limit)


def _scoped_metric_text(check: LimitCheck, limit: Any, t: Tally) -> str:
    where = "above its max" if check.sense == "<=" else "below its min"
    return f"{limit.describe()} totals {number(check.value)}, {where} {number(check.bound)}"


def _decisions(tables: StudyTables, t: Tally) -> Iterator[CheckRow]:
    limits = tables.study.limits
    for e, p in limits.fixed.items():
        if p == NONE:
            yield (f"fixed[{e}]", float(e not in t.chosen), 1.0, "==", "elements", (e, p, t.chosen.get(e)))
        else:
            chosen = t.chosen.get(e)
            yield (f"fixed[{e}]", float(chosen is not None and chosen.provider == p), 1.0, "==", "elements", (e, p, chosen))
    for e, providers in limits.forbidden.items():
        for p in providers:
            chosen = t.chosen.get(e)
            yield (f"forbidden[{e},{p}]", float(chosen is not None and chosen.provider == p), 0.0, "<=", "elements", (e, p, chosen))


def _decision_text(check: LimitCheck, context: Any, t: Tally) -> str:
    element, provider, chosen = context
    now = "is left out" if chosen is None else f"goes to {chosen.provider}"
    if check.limit.startswith("forbidden"):
        return f"{element} goes to {provider}, which --forbid rules out"
    return f"{element} is fixed {'out' if provider == NONE else 'to ' + provider} but {now}"


def _over(check: LimitCheck) -> str:
    return number(-check.slack)


def _owners_text(check: LimitCheck, owners: Any, t: Tally) -> str:
    return f"critical path has {len(owners)} owners ({', '.join(owners)}), more than critical_path_max_owners = {int(check.bound)}"


def _commercial_text(check: LimitCheck, phi: Any, t: Tally) -> str:
    basis = "commercial services" if t.tables.study.limits.commercial_share_basis == "procurement" else "offers commercial companies build"
    return (f"commercial share {t.commercial_share:.1%} of NASA offer spending ({basis}) is below the minimum {phi:.1%} "
            f"(short by {_over(check)} US$M)")


def _partner_text(check: LimitCheck, context: Any, t: Tally) -> str:
    provider, psi = context
    share = check.value / t.programme if t.programme > 0 else 0.0
    return f"international partner {provider} holds {share:.1%} of programme cost, above the maximum {psi:.1%} (over by {_over(check)} US$M)"


def _metric_text(check: LimitCheck, column: Any, t: Tally) -> str:
    if check.sense == "<=":
        return f"{column} totals {number(check.value)}, above metric_max {number(check.bound)}"
    return f"{column} totals {number(check.value)}, below metric_min {number(check.bound)}"
