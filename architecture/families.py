"""Constraint families: each is one record, read by the model, the evaluator, explain, sweeps and the docs check.

A record holds the family's name (its section in docs/formulation.md, and `define_<name>_constraints`
in optimizer/model/constraints.py), the planner's words for it, the Pyomo components it creates, the limit
keys it reads and which of them a re-solve may change (the model holds those as Params), how
`trade explain` relaxes it, and the evaluator's check: one LimitCheck row per model row, with the
planner's words for a violation (architecture/limit_checks.py). Adding a family means adding its record
here, its check there and its `define_<name>_constraints` function in optimizer/model/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from architecture.limit_checks import (
    CheckRow,
    LimitCheck,
    Rows,
    Words,
    _budget_annual,
    _budget_total,
    _builder_redundancy,
    _builder_share,
    _builder_share_text,
    _capacity,
    _category_redundancy,
    _commercial_share,
    _commercial_text,
    _confidence_text,
    _contract_text,
    _contracts,
    _critical_owners,
    _decision_text,
    _decisions,
    _eligibility,
    _line_annual,
    _line_total,
    _metric_limits,
    _metric_text,
    _milestone_confidence,
    _milestone_slip,
    _over,
    _owners_text,
    _partner_share,
    _partner_text,
    _required,
    _requires,
    _scoped_metric_text,
    _scoped_metrics,
    column_unit,
    number,
    slack,
    tolerance,
)

__all__ = ["BY_NAME", "FAMILIES", "MUTABLE_LIMITS", "CheckRow", "ConstraintFamily", "LimitCheck", "column_unit", "number", "slack", "tolerance"]




@dataclass(frozen=True)
class ConstraintFamily:
    """One constraint family, as the module docstring says.

    `rows`/`violation` are None for families that only define quantities (slips, used providers):
    the evaluator computes those directly, and the limits built on them check them. `in_model` is
    False for eligibility, applied to the offers before any model exists.
    `elastic_weight` (None: never relaxed) weighs a unit of relative relaxation in `trade explain`,
    relative to the row's bound, or to the programme's size (`elastic_scale = "programme"`) for rows
    whose bound is 0 by construction (the shares); `structural` marks rules every architecture keeps,
    as opposed to policy limits a planner sets.
    """

    name: str
    words: str
    components: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()
    mutable: tuple[str, ...] = ()
    elastic_weight: float | None = None
    elastic_scale: str = "bound"
    structural: bool = False
    rows: Rows | None = None
    violation: Words | None = None
    in_model: bool = True
    #: (model component, limit key): the name a row of that component goes by in every output, the evaluator's and the
    #: `--set` key's (`metric_limits_min[science_value]` is `metric_min[science_value]`); components not listed
    #: (definitions, links) are no limit of their own
    labels: tuple[tuple[str, str], ...] = ()

    def limit_label(self, component: str, index: Any) -> str | None:
        """The planner's name of one model row (LimitCheck.limit's vocabulary), or None for a row that is no limit."""
        key = dict(self.labels).get(component)
        if key is None:
            return None
        if index is None:
            return key
        if component == "scoped_metric_limits":  # (i, "max") -> metric_limit[i].max, as the --set path reads
            return f"{key}[{index[0]}].{index[1]}"
        return f"{key}[{','.join(map(str, index)) if isinstance(index, tuple) else index}]"

    @property
    def checked(self) -> bool:
        """Whether the evaluator writes rows for it."""
        return self.rows is not None


#: Every family in the order of docs/formulation.md (eligibility first: it applies before the model).
FAMILIES: tuple[ConstraintFamily, ...] = (
    ConstraintFamily(
        "eligibility", "who may deliver what (law, policy, export control)", in_model=False, structural=True,
        rows=_eligibility, violation=lambda check, text, t: str(text),
    ),
    ConstraintFamily(
        "assign_required_once", "every required element delivered once", ("assign_required_once",),
        elastic_weight=1000.0, structural=True,
        rows=_required, violation=lambda check, e, t: f"required element {e} has no provider",
        labels=(("assign_required_once", "required"),),
    ),
    ConstraintFamily("assign_optional_at_most_once", "an optional element delivered at most once", ("assign_optional_at_most_once",),
                     structural=True),
    ConstraintFamily(
        "requires_selected", "an element flies only with what it requires", ("requires_selected",), elastic_weight=1000.0, structural=True,
        rows=_requires, violation=lambda check, pair, t: f"element {pair[0]} requires {pair[1]}, which is not in the architecture",
        labels=(("requires_selected", "requires"),),
    ),
    ConstraintFamily(
        "contract_exclusive", "one contract delivers one element", ("contract_exclusive",), elastic_weight=1000.0, structural=True,
        rows=_contracts, violation=_contract_text,
        labels=(("contract_exclusive", "contract_exclusive"),),
    ),
    ConstraintFamily(
        "budget_total", "total budget", ("budget_total",), ("total_budget_musd",), ("total_budget_musd",), 1.0,
        labels=(("budget_total", "total_budget_musd"),),
        rows=_budget_total, violation=lambda check, _, t: f"total budget exceeded by {_over(check)} US$M",
    ),
    ConstraintFamily(
        "budget_annual", "annual budgets", ("budget_annual",), ("annual_budget_musd",), ("annual_budget_musd",), 1.0,
        labels=(("budget_annual", "annual_budget_musd"),),
        rows=_budget_annual, violation=lambda check, year, t: f"annual budget {year} exceeded by {_over(check)} US$M",
    ),
    ConstraintFamily(
        "budget_line_total", "budget lines", ("budget_line_total",), ("line_budget_musd",), ("line_budget_musd",), 1.0,
        labels=(("budget_line_total", "line_budget_musd"),),
        rows=_line_total, violation=lambda check, line, t: f"budget line {line} exceeded by {_over(check)} US$M",
    ),
    ConstraintFamily(
        "budget_line_annual", "annual budgets of budget lines", ("budget_line_annual",), ("line_annual_budget_musd",),
        ("line_annual_budget_musd",), 1.0, rows=_line_annual,
        violation=lambda check, key, t: f"budget line {key[0]} in {key[1]} exceeded by {_over(check)} US$M",
        labels=(("budget_line_annual", "line_annual_budget_musd"),),
    ),
    ConstraintFamily(
        "critical_path_single_owner", "owners of the critical path", ("critical_path_owner_link", "critical_path_single_owner"),
        ("critical_path_max_owners",), ("critical_path_max_owners",), 1.0, rows=_critical_owners, violation=_owners_text,
        labels=(("critical_path_single_owner", "critical_path_max_owners"),),
    ),
    ConstraintFamily("slip_propagation", "slips passed along requires", ("slip_own", "slip_propagation"), structural=True),
    ConstraintFamily("milestone_slip", "a milestone waits for its latest element", ("milestone_slip",), structural=True),
    ConstraintFamily(
        "milestone_slip_limit", "milestone slip limits", ("milestone_slip_limit",), ("max_milestone_slip_months",),
        ("max_milestone_slip_months",), 1.0, rows=_milestone_slip,
        violation=lambda check, ms, t: f"milestone {ms} slips {number(check.value)} months, {_over(check)} over the limit of {number(check.bound)}",
        labels=(("milestone_slip_limit", "max_milestone_slip_months"),),
    ),
    # its rows are built from the slip limits' values (which samples are late): a changed slip limit is a new model
    ConstraintFamily("sample_milestone_miss", "a milestone misses its slip limit in a sample of slips",
                     ("milestone_miss_link", "sample_slip_own", "sample_slip_propagation"), ("max_milestone_slip_months",), structural=True),
    ConstraintFamily(
        "milestone_confidence_limit", "milestone confidence limits", ("milestone_confidence_limit",), ("milestone_confidence",),
        ("milestone_confidence",), 1.0, rows=_milestone_confidence, violation=_confidence_text,
        labels=(("milestone_confidence_limit", "milestone_confidence"),),
    ),
    ConstraintFamily(
        "commercial_share_min", "minimum commercial share", ("commercial_share_min",), ("min_commercial_share", "commercial_share_basis"), (), 1.0,
        "programme",
        rows=_commercial_share, violation=_commercial_text,
        labels=(("commercial_share_min", "min_commercial_share"),),
    ),
    ConstraintFamily(
        "partner_share_max", "maximum share of one partner", ("programme_cost_definition", "partner_share_max"), ("max_partner_share",), (),
        1.0, "programme", rows=_partner_share, violation=_partner_text,
        labels=(("partner_share_max", "max_partner_share"),),
    ),
    ConstraintFamily(
        "category_redundancy", "providers per category", ("category_provider_link", "category_redundancy"),
        ("min_providers_per_category",), ("min_providers_per_category",), 1.0, rows=_category_redundancy,
        violation=lambda check, c, t: f"category {c} has {int(check.value)} distinct provider(s), needs at least {int(check.bound)}",
        labels=(("category_redundancy", "min_providers_per_category"),),
    ),
    ConstraintFamily(
        "builder_redundancy", "builders per category", ("category_builder_link", "builder_redundancy"),
        ("min_builders_per_category",), ("min_builders_per_category",), 1.0, rows=_builder_redundancy,
        violation=lambda check, c, t: (f"category {c[0]} has {int(check.value)} distinct builder(s) ({', '.join(c[1]) or 'none'}), "
                                       f"needs at least {int(check.bound)}"),
        labels=(("builder_redundancy", "min_builders_per_category"),),
    ),
    ConstraintFamily(
        "builder_share_max", "maximum share of one builder", ("builder_share_max",), ("max_builder_share",), (), 1.0, "programme",
        rows=_builder_share, violation=_builder_share_text,
        labels=(("builder_share_max", "max_builder_share"),),
    ),
    ConstraintFamily(
        "provider_capacity", "provider capacities", ("provider_capacity",), (), (), 1.0, rows=_capacity,
        violation=lambda check, p, t: f"provider {p} delivers {int(check.value)} elements, above its capacity of {int(check.bound)}",
        labels=(("provider_capacity", "capacity"),),
    ),
    ConstraintFamily("provider_used_link", "a provider is engaged when it delivers something", ("provider_used_upper", "provider_used_link"),
                     structural=True),
    ConstraintFamily(
        "metric_limits", "limits on offers columns", ("metric_limits_max", "metric_limits_min"), ("metric_max", "metric_min"),
        ("metric_max", "metric_min"), 1.0, rows=_metric_limits, violation=_metric_text,
        labels=(("metric_limits_max", "metric_max"), ("metric_limits_min", "metric_min")),
    ),
    ConstraintFamily(
        "scoped_metric_limits", "limits on offers columns within a scope", ("scoped_metric_limits",), ("metric_limit",), (), 1.0,
        rows=_scoped_metrics, violation=_scoped_metric_text,
        labels=(("scoped_metric_limits", "metric_limit"),),
    ),
    ConstraintFamily(
        "decisions", "decisions taken as given (--fix, --forbid)", ("decision_fixed", "decision_forbidden"), ("fixed", "forbidden"),
        structural=True, rows=_decisions, violation=_decision_text,
    ),
)

#: Families by name.
BY_NAME: dict[str, ConstraintFamily] = {family.name: family for family in FAMILIES}

#: Limit keys the model holds as Params (a re-solve may change them): the union of every family's `mutable`.
MUTABLE_LIMITS: tuple[str, ...] = tuple(key for family in FAMILIES for key in family.mutable)
