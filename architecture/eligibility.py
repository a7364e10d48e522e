"""Which offers policy and law allow, and why each other offer is excluded."""

from __future__ import annotations

from collections.abc import Mapping

from architecture.elements import Element
from architecture.offers import Offer
from architecture.policy import NONE, BarRule, ProviderScope
from architecture.providers import Provider
from architecture.study import Study


def in_scope(scope: ProviderScope, element: Element, provider: Provider) -> bool:
    """Whether an offer of `provider` for `element` matches every key of the scope (kind, location, category, yes/no attributes)."""
    return (
        (scope.kind is None or scope.kind == provider.kind)
        and (scope.location is None or scope.location == element.location)
        and (scope.category is None or scope.category == element.category)
        and all(provider.flag(name) is value for name, value in scope.attributes.items())
    )


def offer_in_scope(study: Study, scope: ProviderScope, offer: Offer) -> bool:
    """Whether an offer of the study matches a scope (False for an offer of an unknown element or provider)."""
    element, provider = study.elements.get(offer.element), study.providers.get(offer.provider)
    return element is not None and provider is not None and in_scope(scope, element, provider)


def _bar_matches(rule: BarRule, element: Element, provider: Provider) -> bool:
    return (
        in_scope(rule, element, provider)
        and (rule.provider is None or rule.provider == provider.id)
        and (rule.country is None or rule.country == provider.country)
        and (rule.element is None or rule.element == element.id)
    )


def exclusion_reason(study: Study, offer: Offer) -> str | None:
    """Why an offer may not be chosen under the study's rules, or None if it is eligible."""
    element = study.elements.get(offer.element)
    provider = study.providers.get(offer.provider)
    if element is None or provider is None:
        return "unknown element or provider"
    limits = study.limits
    if provider.id in limits.excluded_providers:
        return f"provider {provider.id} is in excluded_providers"
    for rule in limits.barred:
        if _bar_matches(rule, element, provider):
            return f"barred: {rule.describe()}"
    if element.critical_path and limits.critical_path_owners is not None and study.owner_kind(offer) not in limits.critical_path_owners:
        owners = ", ".join(limits.critical_path_owners) or "none"
        return (f"critical-path element; its owner {study.owner(offer)} ({study.owner_kind(offer)}, {study.procurement(offer)}) may not own "
                f"the critical path (critical_path_owners: {owners})")
    if element.export_controlled and provider.export_restricted:
        return f"export-controlled element; provider {provider.id} is export_restricted"
    return None


def eligible_offers(study: Study) -> tuple[dict[tuple[str, str], Offer], dict[tuple[str, str], str]]:
    """Split the study's offers into eligible ones and excluded ones with their reasons."""
    eligible: dict[tuple[str, str], Offer] = {}
    excluded: dict[tuple[str, str], str] = {}
    for key, offer in study.offers.items():
        reason = exclusion_reason(study, offer)
        if reason is None:
            eligible[key] = offer
        else:
            excluded[key] = reason
    return eligible, excluded


def offers_by_element(offers: Mapping[tuple[str, str], Offer]) -> dict[str, list[Offer]]:
    out: dict[str, list[Offer]] = {}
    for offer in offers.values():
        out.setdefault(offer.element, []).append(offer)
    return out


def no_offer_reason(study: Study, element: str, excluded: Mapping[tuple[str, str], str]) -> str:
    """Why an element has no eligible offer, to follow "has no eligible offer": " once excluded: <reasons>" or " in offers.csv"."""
    reasons = sorted({reason for (eid, _), reason in excluded.items() if eid == element})
    return f" once excluded: {'; '.join(reasons)}" if reasons else " in offers.csv"


def blocked_requirements(study: Study) -> list[str]:
    """Required elements that no architecture can hold because something they require (down the chain) has no offer.

    One line per such element, naming the chain and why its last element has no eligible offer. A required
    element without an eligible offer of its own is check_required_element_has_eligible_offer's to report.
    """
    eligible, excluded = eligible_offers(study)
    has_offer = set(offers_by_element(eligible))
    chains: dict[str, tuple[str, ...] | None] = {}

    def chain(eid: str, seen: frozenset[str]) -> tuple[str, ...] | None:
        """The requires path from eid to an element without offers, or None."""
        if eid in chains:
            return chains[eid]
        found = None
        for other in study.elements[eid].requires:
            if other not in study.elements or other in seen:
                continue
            if other not in has_offer:
                found = (other,)
                break
            below = chain(other, seen | {other})
            if below is not None:
                found = (other, *below)
                break
        chains[eid] = found
        return found

    lines = []
    for element in study.elements.values():
        if element.required and element.id in has_offer and (path := chain(element.id, frozenset({element.id}))) is not None:
            via = " -> ".join(f"'{e}'" for e in path)
            lines.append(f"required element '{element.id}' cannot be chosen: it requires {via}, which has "
                         f"no eligible offer{no_offer_reason(study, path[-1], excluded)}")
    return lines


def decision_conflicts(study: Study) -> list[str]:
    """Decisions (--fix, --forbid) no architecture can keep, one line each naming why; the study is then infeasible."""
    limits = study.limits
    lines = []
    for e, p in limits.fixed.items():
        element = study.elements.get(e)
        if element is None or (p != NONE and p not in study.providers):
            continue  # an unknown id: check_limits_refer_to_known_things reports it
        if p == NONE:
            if element.required:
                lines.append(f"--fix {e}=none: {e} is required, so it cannot be left out")
            continue
        offer = study.offers.get((e, p))
        if offer is None:
            lines.append(f"--fix {e}={p}: {p} made no offer for {e}")
        elif (reason := exclusion_reason(study, offer)) is not None:
            lines.append(f"--fix {e}={p}: the offer is not eligible: {reason}")
        elif p in limits.forbidden.get(e, ()):
            lines.append(f"--fix {e}={p} and --forbid {e}={p} together")
    for e, providers in limits.forbidden.items():
        element = study.elements.get(e)
        if element is not None and element.required and e not in limits.fixed:
            left = [pid for (eid, pid), offer in study.offers.items() if eid == e and pid not in providers and exclusion_reason(study, offer) is None]
            if not left:
                lines.append(f"--forbid on {e}: no eligible offer of the required element {e} is left")
    return lines
