"""Seeded synthetic studies of any size, for oracle tests and benchmarks (every number notional)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from architecture.elements import Element
from architecture.eligibility import eligible_offers
from architecture.offers import Offer
from architecture.policy import BarRule, Limits, ObjectiveSpec, StudyInfo
from architecture.providers import Provider
from architecture.study import Study

CATEGORIES = ("habitation", "power", "propulsion", "airlock", "robotics", "refueling", "logistics", "comms", "lander", "rover", "isru")
SLIP_BY_KIND = {"nasa": (12.0, 36.0), "international": (6.0, 30.0), "commercial": (0.0, 40.0)}
PRICE_BY_KIND = {"nasa": 1.3, "international": 0.25, "commercial": 0.85}


@dataclass(frozen=True)
class SyntheticSize:
    """Shape of a synthetic study."""

    elements: int
    providers: int
    years: int
    offers_per_element: tuple[int, int] = (2, 5)


# medium and large have the shapes of the design guide's measured models: about 2,400 and 19,000 offers (binaries)
SIZES = {
    "small": SyntheticSize(40, 8, 10),
    "medium": SyntheticSize(200, 25, 15, (8, 16)),
    "large": SyntheticSize(1000, 60, 25, (10, 28)),
}


def generate_study(size: SyntheticSize, seed: int = 0, limits: bool = True, tightness: float = 0.9) -> Study:
    """A random but plausible study: a DAG of requires, NASA offers everywhere, all limit kinds.

    `tightness` scales the budgets relative to the cheapest-offer spending: higher is harder.
    """
    rng = random.Random(seed)
    first_year = 2025
    years = tuple(range(first_year, first_year + size.years))
    kinds = ["nasa"] + [rng.choice(("international", "commercial", "commercial")) for _ in range(size.providers - 1)]
    providers = {}
    for index, kind in enumerate(kinds):
        pid = "nasa" if index == 0 else f"{kind[:4]}_{index:02d}"
        first_time = kind == "international" and rng.random() < 0.3
        providers[pid] = Provider(
            id=pid, name=pid.upper(), kind=kind, country="US" if kind != "international" else f"C{index}",
            first_time=first_time, onboarding_cost_musd=round(rng.uniform(20, 80), 1) if first_time else 0.0,
            accords_signatory=rng.random() < 0.8, capacity=rng.randint(3, 12) if kind == "commercial" and rng.random() < 0.3 else None,
            export_restricted=kind == "international" and rng.random() < 0.1,
        )
    milestones = ("first_landing", "outpost_ready", "station_ready")
    elements = {}
    ids = [f"e{index:04d}" for index in range(size.elements)]
    for index, eid in enumerate(ids):
        requires = tuple(sorted({ids[j] for j in rng.sample(range(index), k=min(index, rng.choice((0, 0, 1, 1, 2))))}))
        elements[eid] = Element(
            id=eid, name=f"Element {index}", category=rng.choice(CATEGORIES), location=rng.choice(("gateway", "surface")),
            required=rng.random() < 0.75, critical_path=rng.random() < 0.15, requires=requires,
            milestones=(rng.choice(milestones),) if rng.random() < 0.2 else (), export_controlled=rng.random() < 0.1,
        )
    # an element's requirements must be at least as required as itself would make them
    offers = {}
    pids = list(providers)
    for eid in ids:
        base = rng.lognormvariate(5.0, 0.9)
        span = rng.randint(2, max(2, min(8, size.years)))
        start = rng.randint(0, size.years - span)
        count = rng.randint(*size.offers_per_element)
        chosen = ["nasa", *rng.sample(pids[1:], k=min(count - 1, len(pids) - 1))]
        for pid in chosen:
            kind = providers[pid].kind
            cost = round(base * PRICE_BY_KIND[kind] * rng.uniform(0.7, 1.3), 1)
            partner_cost = round(base * rng.uniform(0.5, 1.0), 1) if kind == "international" else 0.0
            low, high = SLIP_BY_KIND[kind]
            offers[(eid, pid)] = Offer(
                element=eid, provider=pid, cost_musd=cost, slip_months=float(rng.randint(int(low), int(high))),
                first_year=years[start], last_year=years[start + span - 1],
                metrics={"partner_cost_musd": partner_cost, "partner_value": round(rng.uniform(1, 10), 1) if kind == "international" else 0.0,
                         "science_value": round(rng.uniform(0, 5), 1)},
            )
    study = Study(
        info=StudyInfo(name=f"synthetic-{size.elements}x{size.providers}x{size.years}-s{seed}", first_year=years[0], last_year=years[-1],
                       slip_propagation="add" if seed % 2 else "max"),
        elements=elements, providers=providers, offers=offers,
        objectives={
            "cost": ObjectiveSpec(name="cost", sense="min", column="cost_musd"),
            "partnership": ObjectiveSpec(name="partnership", sense="max", column="partner_value"),
            "slip": ObjectiveSpec(name="slip", sense="min", builtin="milestone_slip_months"),
        },
        metric_columns=("partner_cost_musd", "partner_value", "science_value"),
    )
    if not limits:
        return study
    rules = Limits(critical_path_owners=("nasa", "international"),
                   barred=(BarRule(kind="international", location="gateway", category="logistics", reason="synthetic"),))
    return study.with_changes(limits=_limits_for(study.with_changes(limits=rules), rng, tightness))


def _least_critical_slip(study: Study) -> float:
    """The critical-path slip if every element took its least-slipping offer."""
    least: dict[str, float] = {}
    eligible = eligible_offers(study)[0]

    def slip(eid: str) -> float:
        if eid not in least:
            own = min(o.slip_months for o in eligible.values() if o.element == eid)
            least[eid] = own + max((slip(r) for r in study.elements[eid].requires), default=0.0)
        return least[eid]

    return max((slip(e.id) for e in study.elements.values() if e.critical_path and e.required), default=0.0)


def _limits_for(study: Study, rng: random.Random, tightness: float) -> Limits:
    """Budgets and limits scaled to the cheapest required spending, so most instances stay feasible."""
    cheapest: dict[str, Offer] = {}
    for offer in eligible_offers(study)[0].values():
        if offer.element not in cheapest or offer.cost_musd < cheapest[offer.element].cost_musd:
            cheapest[offer.element] = offer
    required = [e for e in study.elements.values() if e.required]
    base_total = sum(cheapest[e.id].cost_musd for e in required)
    by_year = {fy: 0.0 for fy in study.fiscal_years}
    for element in required:
        for fy, amount in study.spend_musd(cheapest[element.id]).items():
            by_year[fy] += amount
    peak = max(by_year.values()) if by_year else 0.0
    return Limits(
        total_budget_musd=round(base_total / tightness * 1.3, 1),
        annual_budget_musd={fy: round(max(v * 1.4, peak * 0.6) / tightness, 1) for fy, v in by_year.items() if rng.random() < 0.7},
        critical_path_owners=study.limits.critical_path_owners,
        critical_path_max_owners=rng.choice((None, None, 1, 2)),
        barred=study.limits.barred,
        max_milestone_slip_months={"critical_path": round(_least_critical_slip(study) * 1.5 + 6, 1)} if any(e.critical_path for e in required) else {},
        min_commercial_share=0.15,
        max_partner_share=0.35,
        min_providers_per_category={"logistics": 2} if sum(e.category == "logistics" for e in study.elements.values()) >= 2 else {},
        metric_min={"science_value": round(sum(1.0 for _ in required) * 0.5, 1)},
        metric_max={"partner_value": round(rng.uniform(0.15, 0.3) * _most_partner_value(study), 1)} if rng.random() < 0.5 else {},
    )


def _most_partner_value(study: Study) -> float:
    """The partner value of an architecture taking every element's highest-valued offer (the cap scales with size)."""
    best: dict[str, float] = {}
    for offer in study.offers.values():
        best[offer.element] = max(best.get(offer.element, 0.0), offer.value("partner_value"))
    return sum(best.values())


def generate_front_study(seed: int, size: int = 15) -> Study:
    """A study for front benchmarks and tests: every element required, 3 offers each (NASA, a partner, a company).

    3 * elements binaries, integer costs and scores.

    The three objectives conflict pairwise: companies are cheapest (low science, no partner value), partners cost more
    and bring partner value, NASA costs most and brings the most science. Limits: total budget, annual budgets,
    a per-partner share cap and a science floor.
    """
    rng = random.Random(seed)
    years = tuple(range(2025, 2033))
    kinds = {"nasa": "nasa", "esa": "international", "jaxa": "international", "acme": "commercial", "orbital": "commercial", "lunar": "commercial"}
    providers = {p: Provider(id=p, name=p.upper(), kind=k) for p, k in kinds.items()}
    elements, offers = {}, {}
    for index in range(size):
        eid = f"e{index:02d}"
        elements[eid] = Element(id=eid, name=eid, category="module", location="surface", required=True, critical_path=False)
        base, start, span = rng.randint(40, 200), rng.randint(0, len(years) - 3), rng.randint(2, 3)
        for pid, price, science, partner in (
            ("nasa", rng.uniform(1.1, 1.5), rng.randint(4, 9), 0),
            (rng.choice(("esa", "jaxa")), rng.uniform(0.7, 1.1), rng.randint(1, 6), rng.randint(2, 9)),
            (rng.choice(("acme", "orbital", "lunar")), rng.uniform(0.4, 0.8), rng.randint(0, 4), 0),
        ):
            metrics = {"partner_cost_musd": float(round(base * 0.5)) if partner else 0.0, "partner_value": float(partner), "science_value": float(science)}
            offers[(eid, pid)] = Offer(element=eid, provider=pid, cost_musd=float(round(base * price)), slip_months=0.0,
                                       first_year=years[start], last_year=years[start + span - 1], metrics=metrics)
    nasa = [o for (_, p), o in offers.items() if p == "nasa"]
    best_science = sum(max(o.value("science_value") for o in offers.values() if o.element == e) for e in elements)
    nasa_by_year = {fy: sum(o.cost_musd / (o.last_year - o.first_year + 1) for o in nasa if o.first_year <= fy <= o.last_year) for fy in years}
    limits = Limits(total_budget_musd=round(0.8 * sum(o.cost_musd for o in nasa)), max_partner_share=0.3,
                    annual_budget_musd={fy: round(0.9 * v) for fy, v in nasa_by_year.items() if v},
                    metric_min={"science_value": round(0.5 * best_science)})
    objectives = {"cost": ObjectiveSpec(name="cost", sense="min", column="cost_musd"),
                  "partner_value": ObjectiveSpec(name="partner_value", sense="max", column="partner_value"),
                  "science_value": ObjectiveSpec(name="science_value", sense="max", column="science_value")}
    return Study(info=StudyInfo(name=f"bench-pareto-s{seed}", first_year=years[0], last_year=years[-1]), elements=elements,
                 providers=providers, offers=offers, limits=limits, objectives=objectives,
                 metric_columns=("partner_cost_musd", "partner_value", "science_value"))
