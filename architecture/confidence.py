"""Schedule confidence: sampled offer slips and milestone slips, vectorised across samples (no solver).

An offer's slip is lognormal with median `slip_months` and 80th percentile `slip_p80_months`:
S = slip_months * exp(sigma * Z), sigma = ln(p80 / median) / z80. One provider's offers slip together:
Z = sqrt(rho) * Y_provider + sqrt(1 - rho) * eps_offer. With `failure_probability` f the provider
never delivers in a share f of samples, and the element then slips S + reprocurement_months.
Each sample's slips pass along `requires` exactly as the deterministic evaluator's do (max or add).

Random numbers come from one stream per (seed, purpose, provider) and per (seed, purpose, offer), so
an offer's samples do not depend on which other offers a study or an architecture holds: the optimiser's
sample set, the evaluator's and a what-if's are the same numbers (common random numbers).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from architecture.offers import Offer
from architecture.study import Study

Z80 = 0.8416212335729143  # the standard normal's 80th percentile
IN_SAMPLE = 0  # the optimiser's sample set (`confidence_samples`, `confidence_seed`)
OUT_OF_SAMPLE = 1  # simulations: `trade confidence` and a run's out-of-sample check
CHECK_SAMPLES = 10_000  # a run's out-of-sample check
Z95 = 1.959963984540054  # two-sided 95 % interval of a proportion


def _code(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def slip_sigma(offer: Offer) -> float:
    """The lognormal's sigma (0: the slip is the fixed `slip_months`)."""
    p80 = offer.slip_p80_months
    if p80 is None or offer.slip_months <= 0 or p80 <= offer.slip_months:
        return 0.0
    return math.log(p80 / offer.slip_months) / Z80


def is_uncertain(offer: Offer) -> bool:
    return slip_sigma(offer) > 0 or offer.failure_probability > 0


def sample_offer_slips(study: Study, offers: Sequence[Offer], samples: int, seed: int, purpose: int) -> np.ndarray:
    """Slip months of each offer in each sample, shape (samples, len(offers)), failures included."""
    info = study.info
    rho = info.slip_correlation
    out = np.empty((samples, len(offers)))
    common: dict[str, np.ndarray] = {}
    for j, offer in enumerate(offers):
        sigma = slip_sigma(offer)
        out[:, j] = offer.slip_months
        if sigma == 0 and offer.failure_probability == 0:
            continue
        rng = np.random.default_rng([seed, purpose, 2, _code(offer.element), _code(offer.provider)])
        eps = rng.standard_normal(samples)
        fail = rng.random(samples) < offer.failure_probability
        if sigma > 0:
            z = eps
            if rho > 0:
                y = common.get(offer.provider)
                if y is None:
                    y = common[offer.provider] = np.random.default_rng([seed, purpose, 1, _code(offer.provider)]).standard_normal(samples)
                z = math.sqrt(rho) * y + math.sqrt(1.0 - rho) * eps
            out[:, j] = offer.slip_months * np.exp(sigma * z)
        out[fail, j] += info.reprocurement_months
    return out


@dataclass(frozen=True)
class Simulation:
    """Sampled slips of one architecture: `milestone_slip[ms]` and `element_slip[e]` are arrays over the samples.

    `critical[ms][e]` marks the samples in which element e's own slip is part of what sets the milestone's slip
    (ties count for every element tied).
    """

    samples: int
    element_slip: Mapping[str, np.ndarray]
    milestone_slip: Mapping[str, np.ndarray]
    critical: Mapping[str, Mapping[str, np.ndarray]]

    def confidence(self, milestone: str, limit_months: float) -> float:
        """Share of samples in which the milestone slips no more than the limit."""
        return float(np.mean(self.milestone_slip[milestone] <= limit_months + 1e-9)) if self.samples else 1.0


def simulate(study: Study, chosen: Mapping[str, Offer], order: Sequence[str], gating: Mapping[str, Sequence[str]], samples: int,
             seed: int, purpose: int, criticality: bool = False, slips: np.ndarray | None = None) -> Simulation:
    """Propagate sampled slips of the chosen offers (element -> offer) along `requires`, in topological `order`.

    `slips`: the chosen offers' sampled slips (columns in `chosen`'s order) when already drawn.
    """
    offers = list(chosen.values())
    drawn = sample_offer_slips(study, offers, samples, seed, purpose) if slips is None else slips
    own = {e: drawn[:, j] for j, e in enumerate(chosen)}
    adds = study.info.slip_propagation == "add"
    slip: dict[str, np.ndarray] = {}
    upstream: dict[str, np.ndarray] = {}
    for e in order:
        if e not in own:
            continue
        before = [slip[r] for r in study.elements[e].requires if r in slip]
        up = np.max(before, axis=0) if before else np.zeros(samples)
        upstream[e] = up
        slip[e] = own[e] + up if adds else np.maximum(own[e], up)
    milestone = {ms: (np.max([slip[e] for e in gates if e in slip], axis=0) if any(e in slip for e in gates) else np.zeros(samples))
                 for ms, gates in gating.items()}
    critical: dict[str, dict[str, np.ndarray]] = {}
    if criticality:
        for ms, gates in gating.items():
            on_chain = {e: slip[e] == milestone[ms] for e in gates if e in slip}
            for e in reversed(order):
                if e not in on_chain:
                    continue
                for r in study.elements[e].requires:
                    if r in slip:
                        passes = upstream[e] > 0 if adds else upstream[e] == slip[e]
                        feeds = on_chain[e] & passes & (slip[r] == upstream[e])
                        on_chain[r] = on_chain[r] | feeds if r in on_chain else feeds
            critical[ms] = {e: chain & (own[e] > 0 if adds else own[e] == slip[e]) & (milestone[ms] > 0) for e, chain in on_chain.items()}
    return Simulation(samples, slip, milestone, critical)


def proportion_interval(p: float, n: int) -> tuple[float, float]:
    """Wilson's 95 % interval of a proportion p observed in n samples."""
    if n == 0:
        return (math.nan, math.nan)
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))
