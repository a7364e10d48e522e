"""Named checks of a loaded study; each returns Issues and never prints."""

from __future__ import annotations

import math
from collections.abc import Callable

from architecture.elements import CRITICAL_PATH_MILESTONE
from architecture.eligibility import eligible_offers, no_offer_reason, offers_by_element
from architecture.errors import Issue, ordered
from architecture.policy import NONE
from architecture.study import OFFERS_FILE, PROFILE_TOLERANCE_MUSD, STUDY_FILE, Study

E, OF, C = "elements.csv", OFFERS_FILE, "costs.csv"


def check_unknown_ids_in_offers(study: Study) -> list[Issue]:
    """Every offer names a known element and provider."""
    issues = []
    for offer in study.offers.values():
        if offer.element not in study.elements:
            issues.append(Issue(f"{OF}:row {offer.row}:element", f"unknown element '{offer.element}'; add it to elements.csv or fix the id", "unknown_id"))
        if offer.provider not in study.providers:
            issues.append(Issue(f"{OF}:row {offer.row}:provider", f"unknown provider '{offer.provider}'; add it to providers.csv or fix the id", "unknown_id"))
    return issues


def check_unknown_requires(study: Study) -> list[Issue]:
    """`requires` names known elements other than the element itself."""
    issues = []
    for element in study.elements.values():
        for other in element.requires:
            if other == element.id:
                issues.append(Issue(f"{E}:row {element.row}:requires", f"element '{element.id}' requires itself", "dependency_cycle"))
            elif other not in study.elements:
                issues.append(Issue(f"{E}:row {element.row}:requires", f"unknown element '{other}'; fix the id or add the element", "unknown_id"))
    return issues


def check_dependency_cycle(study: Study) -> list[Issue]:
    """`requires` has no cycle (an element cannot wait on itself)."""
    state: dict[str, int] = {}
    issues: list[Issue] = []

    def visit(eid: str, path: list[str]) -> None:
        state[eid] = 1
        for other in study.elements[eid].requires:
            if other not in study.elements or other == eid:
                continue
            if state.get(other) == 1:
                cycle = [*path[path.index(other):], other] if other in path else [eid, other]
                row = study.elements[eid].row
                issues.append(Issue(f"{E}:row {row}:requires", f"dependency cycle {' -> '.join(cycle)}; remove one of these requires", "dependency_cycle"))
            elif other not in state:
                visit(other, [*path, other])
        state[eid] = 2

    for eid in study.elements:
        if eid not in state:
            visit(eid, [eid])
    return issues


def check_offer_years(study: Study) -> list[Issue]:
    """Offer spending years and profiles lie in the horizon; first_year <= last_year; no award after the horizon."""
    issues = []
    first, last = study.info.first_year, study.info.last_year
    for offer in study.offers.values():
        for col in ("first_year", "last_year"):
            year = getattr(offer, col)
            if year is not None and not first <= year <= last:
                issues.append(Issue(f"{OF}:row {offer.row}:{col}", f"year {year} is outside the horizon {first}-{last} in study.toml", "year_outside_horizon"))
        if offer.commit_fy is not None and offer.commit_fy > last:
            issues.append(Issue(f"{OF}:row {offer.row}:commit_fy", f"award year {offer.commit_fy} is after the horizon's last year {last} "
                                "in study.toml", "year_outside_horizon"))
        if offer.first_year is not None and offer.last_year is not None and offer.first_year > offer.last_year:
            issues.append(Issue(f"{OF}:row {offer.row}:first_year", f"first_year {offer.first_year} is after last_year {offer.last_year}", "wrong_type"))
        for year in offer.spend_musd:
            if not first <= year <= last:
                issues.append(Issue(f"{C}:{offer.element},{offer.provider},{year}", f"year {year} is outside the horizon {first}-{last} in study.toml", "year_outside_horizon"))
    return issues


def check_cost_profile_sums_to_cost(study: Study) -> list[Issue]:
    """An explicit spending profile sums to its offer's cost_musd."""
    issues = []
    for offer in study.offers.values():
        if offer.spend_musd:
            total = sum(offer.spend_musd.values())
            if abs(total - offer.cost_musd) > PROFILE_TOLERANCE_MUSD:
                issues.append(Issue(f"{C}:{offer.element},{offer.provider}", f"profile sums to {total:g} US$M but offers.csv row {offer.row} says cost_musd = {offer.cost_musd:g}; make them agree", "profile_sum"))
    return issues


def check_metric_values_finite(study: Study) -> list[Issue]:
    """Metric cells are finite numbers."""
    issues = []
    for offer in study.offers.values():
        for col, value in offer.metrics.items():
            if not math.isfinite(value):
                issues.append(Issue(f"{OF}:row {offer.row}:{col}", f"must be a finite number (got {value})", "not_finite"))
    return issues


def check_slip_distributions(study: Study) -> list[Issue]:
    """slip_p80_months is at least slip_months, and zero when slip_months is (a lognormal needs a median above zero)."""
    issues = []
    for offer in study.offers.values():
        p80 = offer.slip_p80_months
        if p80 is None:
            continue
        where = f"{OF}:row {offer.row}:slip_p80_months"
        if p80 < offer.slip_months:
            issues.append(Issue(where, f"{p80:g} is below slip_months {offer.slip_months:g}; the 80th percentile cannot be below the median",
                                "slip_distribution"))
        elif p80 > 0 and offer.slip_months == 0:
            issues.append(Issue(where, f"{p80:g} with slip_months 0: a lognormal slip needs a median above 0 (leave it blank or 0)",
                                "slip_distribution"))
    return issues


def check_contracts(study: Study) -> list[Issue]:
    """A contract is offered at most once per element (it delivers one element; naming it twice for one element is a slip)."""
    issues, seen = [], {}
    for offer in study.offers.values():
        if offer.contract is None:
            continue
        first = seen.setdefault((offer.contract, offer.element), offer)
        if first is not offer:
            issues.append(Issue(f"{OF}:row {offer.row}:contract", f"contract '{offer.contract}' is already offered for element '{offer.element}' "
                                f"on row {first.row}; one contract delivers one element, so name it on one offer per element", "duplicate_id"))
    return issues


def _emptied(study: Study) -> str:
    """Severity of a limit naming a line or category nothing has: an error in the files, a warning after a what-if.

    Once a what-if has removed what was there, the limit holds trivially, or cannot, and the model says which.
    """
    return "warning" if study.changes else "error"


def check_operations(study: Study) -> list[Issue]:
    """Operations need years after delivery: ops_musd_per_year on an offer delivered in the horizon's last year costs nothing."""
    issues = []
    for offer in study.offers.values():
        if offer.ops_musd_per_year > 0 and not study.operations_years(offer):
            issues.append(Issue(f"{OF}:row {offer.row}:ops_musd_per_year", f"{offer.ops_musd_per_year:g} a year counts for no year: the offer is "
                                f"delivered in {study.info.last_year}, the last year of the horizon (set last_year, or a costs.csv profile, "
                                "to the year it is delivered)", "no_operations_years", "warning"))
    return issues


def check_builders(study: Study) -> list[Issue]:
    """A builder is a provider of the study (the company that builds the hardware or runs the service)."""
    issues = []
    for offer in study.offers.values():
        if offer.builder is not None and offer.builder not in study.providers:
            issues.append(Issue(f"{OF}:row {offer.row}:builder", f"unknown builder '{offer.builder}'; a builder is a provider id of providers.csv "
                                "(add the company there, or leave the cell blank when the provider builds it)", "unknown_id"))
    return issues


def check_procurement(study: Study) -> list[Issue]:
    """A procurement fits its provider: a partner contribution comes only from an international partner.

    Otherwise an error; a partner selling a commercial service or handing NASA hardware to own is unusual (a
    warning). NASA may procure a service.
    """
    issues = []
    for offer in study.offers.values():
        provider = study.providers.get(offer.provider)
        if offer.procurement is None or provider is None:
            continue
        where = f"{OF}:row {offer.row}:procurement"
        if offer.procurement == "partner_contribution" and provider.kind != "international":
            issues.append(Issue(where, f"partner_contribution is an in-kind contribution of an international partner; provider {provider.id} is "
                                f"{provider.kind} (use agency_owned or commercial_service)", "procurement_mismatch"))
        elif provider.kind == "international" and offer.procurement != "partner_contribution":
            issues.append(Issue(where, f"{offer.procurement} from international partner {provider.id}: counted as "
                                f"{'commercial spending' if offer.procurement == 'commercial_service' else 'NASA-owned hardware'}, "
                                "not as a partner contribution; say why in the source column", "procurement_unusual", "warning"))
    return issues


def check_scopes(study: Study) -> list[Issue]:
    """Metric limits sum known numeric columns, and scopes name known categories and yes/no provider attributes."""
    limits, issues = study.limits, []
    where = f"{STUDY_FILE}:limits"
    categories = {e.category for e in study.elements.values()}
    attributes = study.yes_no_attributes()
    scopes = [(f"{where}.barred[{i}]", rule) for i, rule in enumerate(limits.barred)]
    scopes += [(f"{where}.metric_limit[{i}]", limit) for i, limit in enumerate(limits.metric_limit)]
    for at, scope in scopes:
        for name in scope.attributes:
            if name not in attributes:
                issues.append(Issue(f"{at}.{name}", f"unknown key '{name}': not a yes/no provider attribute (yes/no columns of providers.csv: "
                                    f"{', '.join(attributes) or 'none'})", "unknown_key"))
    for at, limit in scopes[len(limits.barred):]:
        if limit.metric not in study.numeric_columns:
            issues.append(Issue(f"{at}.metric", f"offers.csv has no numeric column '{limit.metric}' (numeric: {', '.join(study.numeric_columns)})",
                                "unknown_column"))
        if limit.category is not None and limit.category not in categories:
            issues.append(Issue(f"{at}.category", f"no element has category '{limit.category}'", "unknown_id", _emptied(study)))
        if limit.min is not None and limit.max is not None and limit.min > limit.max:
            issues.append(Issue(f"{at}.min", f"min {limit.min:g} is above max {limit.max:g}", "wrong_type"))
    return issues


def check_budget_lines(study: Study) -> list[Issue]:
    """Line budgets name lines some offer is paid from, and years in the horizon."""
    limits, issues = study.limits, []
    lines = sorted({offer.budget_line for offer in study.offers.values() if offer.budget_line is not None})
    for key in ("line_budget_musd", "line_annual_budget_musd"):
        for line in getattr(limits, key):
            if line not in lines:
                issues.append(Issue(f"{STUDY_FILE}:limits.{key}.{line}", f"no offer has budget_line '{line}' (lines in offers.csv: "
                                    f"{', '.join(lines) or 'none'})", "unknown_id", _emptied(study)))
    for line, caps in limits.line_annual_budget_musd.items():
        for year in caps:
            if year not in study.fiscal_years:
                issues.append(Issue(f"{STUDY_FILE}:limits.line_annual_budget_musd.{line}.{year}",
                                    f"year {year} is outside the horizon {study.info.first_year}-{study.info.last_year}", "year_outside_horizon"))
    return issues


def check_confidence(study: Study) -> list[Issue]:
    """Confidence limits and objectives name milestones that have a slip limit to keep."""
    limits, issues = study.limits, []
    slip_limits = limits.max_milestone_slip_months
    known = set(study.milestones)
    for ms in limits.milestone_confidence:
        where = f"{STUDY_FILE}:limits.milestone_confidence.{ms}"
        if ms not in known:
            issues.append(Issue(where, f"unknown milestone '{ms}' (known: {', '.join(sorted(known))})", "unknown_id"))
        elif ms not in slip_limits:
            issues.append(Issue(where, f"milestone '{ms}' has no max_milestone_slip_months: a confidence is the chance of keeping that limit",
                                "missing_value"))
    for name, objective in study.objectives.items():
        if objective.builtin != "milestone_confidence":
            continue
        where = f"{STUDY_FILE}:objectives.{name}"
        if objective.milestone is not None and objective.milestone in known and objective.milestone not in slip_limits:
            issues.append(Issue(f"{where}.milestone", f"milestone '{objective.milestone}' has no max_milestone_slip_months to keep", "missing_value"))
        if objective.milestone is None and not slip_limits:
            issues.append(Issue(where, "milestone_confidence needs a max_milestone_slip_months limit to keep", "missing_value"))
    return issues


def check_limits_refer_to_known_things(study: Study) -> list[Issue]:
    """Limits name known providers, elements, categories, milestones, years and columns."""
    limits, issues = study.limits, []
    where = f"{STUDY_FILE}:limits"
    for pid in limits.excluded_providers:
        if pid not in study.providers:
            issues.append(Issue(f"{where}.excluded_providers", f"unknown provider '{pid}'", "unknown_id"))
    categories = {e.category for e in study.elements.values()}
    countries = {p.country for p in study.providers.values()}
    for index, rule in enumerate(limits.barred):
        for key, known in (("provider", study.providers), ("element", study.elements), ("category", categories), ("country", countries)):
            value = getattr(rule, key)
            if value is not None and value not in known:
                issues.append(Issue(f"{where}.barred[{index}].{key}", f"unknown {key} '{value}'", "unknown_id"))
    for year in limits.annual_budget_musd:
        if year not in study.fiscal_years:
            issues.append(Issue(f"{where}.annual_budget_musd.{year}", f"year {year} is outside the horizon {study.info.first_year}-{study.info.last_year}", "year_outside_horizon"))
    milestones = set(study.milestones) | {CRITICAL_PATH_MILESTONE}
    for ms in limits.max_milestone_slip_months:
        if ms not in milestones:
            issues.append(Issue(f"{where}.max_milestone_slip_months.{ms}", f"unknown milestone '{ms}'; milestones come from the `milestones` column of elements.csv (known: {', '.join(sorted(milestones))})", "unknown_id"))
    for key in ("min_providers_per_category", "min_builders_per_category"):
        for category in getattr(limits, key):
            if category not in categories:
                issues.append(Issue(f"{where}.{key}.{category}", f"no element has category '{category}'", "unknown_id", _emptied(study)))
    for key, choices in (("fixed", {e: (p,) for e, p in limits.fixed.items()}), ("forbidden", limits.forbidden)):
        for eid, pids in choices.items():
            if eid not in study.elements:
                issues.append(Issue(f"{where}.{key}.{eid}", f"unknown element '{eid}'", "unknown_id"))
            for pid in pids:
                if pid not in study.providers and not (key == "fixed" and pid == NONE):
                    issues.append(Issue(f"{where}.{key}.{eid}", f"unknown provider '{pid}'" + ("; use 'none' to leave the element out" if key == "fixed" else ""),
                                        "unknown_id"))
    for key in ("metric_max", "metric_min"):
        for column in getattr(limits, key):
            if column not in study.numeric_columns:
                issues.append(Issue(f"{where}.{key}.{column}", f"offers.csv has no numeric column '{column}' (numeric: {', '.join(study.numeric_columns)})", "unknown_column"))
    return issues


def check_objectives(study: Study) -> list[Issue]:
    """Objectives sum numeric offers columns and name known milestones."""
    issues = []
    for name, objective in study.objectives.items():
        where = f"{STUDY_FILE}:objectives.{name}"
        if objective.column is not None and objective.column not in study.numeric_columns:
            issues.append(Issue(f"{where}.column", f"offers.csv has no numeric column '{objective.column}' (numeric: {', '.join(study.numeric_columns)})", "unknown_column"))
        if objective.milestone is not None and objective.milestone not in study.milestones:
            issues.append(Issue(f"{where}.milestone", f"unknown milestone '{objective.milestone}'", "unknown_id"))
    return issues


def check_required_element_has_eligible_offer(study: Study) -> list[Issue]:
    """Every required element keeps at least one offer after exclusions."""
    eligible, excluded = eligible_offers(study)
    by_element = offers_by_element(eligible)
    issues = []
    for element in study.elements.values():
        if not element.required or by_element.get(element.id):
            continue
        why = no_offer_reason(study, element.id, excluded)
        issues.append(Issue(f"{E}:row {element.row}", f"required element '{element.id}' has no eligible offer{why}", "no_eligible_offer"))
    return issues


CHECKS: tuple[Callable[[Study], list[Issue]], ...] = (
    check_unknown_ids_in_offers,
    check_unknown_requires,
    check_dependency_cycle,
    check_offer_years,
    check_cost_profile_sums_to_cost,
    check_metric_values_finite,
    check_slip_distributions,
    check_contracts,
    check_builders,
    check_procurement,
    check_operations,
    check_scopes,
    check_budget_lines,
    check_confidence,
    check_limits_refer_to_known_things,
    check_objectives,
    check_required_element_has_eligible_offer,
)


def check_study(study: Study) -> list[Issue]:
    """Run every check on a loaded study; all problems, sorted by location."""
    issues: list[Issue] = []
    for check in CHECKS:
        issues.extend(check(study))
    return ordered(issues)
