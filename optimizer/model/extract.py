"""Read the chosen architecture off a solved model; never re-solves."""

from __future__ import annotations

import pyomo.core as pyo

from architecture import Architecture
from optimizer.model.data import ModelData


def extract_architecture(m: pyo.ConcreteModel, data: ModelData) -> Architecture:
    """Element -> provider for every assign[e, p] at 1 (values above 0.5, solver tolerance aside)."""
    pairs = [pair for pair in data.offers if (m.assign[pair].value or 0.0) > 0.5]
    return Architecture.from_pairs(pairs)
