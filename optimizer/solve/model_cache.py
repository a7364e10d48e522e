"""Kept models by study structure: a what-if that changes only limits the model holds as Params re-solves a kept model."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from architecture import Study
from architecture.families import MUTABLE_LIMITS
from architecture.objectives import objective_kind
from optimizer.solve.run import RunResult
from optimizer.solve.solver import SolveOptions
from optimizer.solve.study_model import READ_AS_VALUES, StudyModel


def values_in_structure(study: Study, objective: str) -> frozenset[str]:
    """Limits held as Params elsewhere whose values an active family builds rows from (the sampled misses read the slip limits)."""
    samples = bool(study.limits.milestone_confidence) or objective_kind(study.objective(objective)).samples_slips
    return frozenset(READ_AS_VALUES) if samples else frozenset()


def _keys(table: dict[Any, Any]) -> list[Any]:
    """The keys of a table of limits, nested tables' keys too: which limits are set, not their values."""
    return sorted((str(k), _keys(v) if isinstance(v, dict) else None) for k, v in table.items())


class ModelCache:
    """At most `size` StudyModels, the least recently used dropped first.

    Two studies share a model when they differ only in the values of limits some family holds as
    a Param (architecture/families.py, `mutable`); which of those limits are set, and their keys, are
    part of the structure. `hits` counts runs answered by re-solving a kept model, `builds` new models.
    """

    def __init__(self, size: int = 4):
        self.size = size
        self.models: OrderedDict[str, StudyModel] = OrderedDict()
        self.hits = 0
        self.builds = 0
        self._digests: dict[int, tuple[Any, str]] = {}  # id of a study part -> (the part, its digest): parts are shared by what-ifs

    def run(self, study: Study, objective: str, options: SolveOptions) -> RunResult:
        """run_study, or a re-solve of a kept model of the same structure."""
        key = self.key(study, objective, options)
        model = self.models.get(key)
        if model is not None:
            self.models.move_to_end(key)
            self.hits += 1
            return model.solve(study)
        model = StudyModel(study, objective, options)
        self.builds += 1
        self.models[key] = model
        while len(self.models) > self.size:
            self.models.popitem(last=False)
        return model.solve()

    def key(self, study: Study, objective: str, options: SolveOptions) -> str:
        """The study's structure: everything but the values of the limits a model holds as Params."""
        limits = study.limits.model_dump()
        kept = values_in_structure(study, objective)
        for name in MUTABLE_LIMITS:
            if name in kept:
                continue
            value = limits[name]
            limits[name] = _keys(value) if isinstance(value, dict) else value is not None
        parts = [self._digest(part) for part in (study.info, study.elements, study.providers, study.offers, study.objectives)]
        payload = repr((objective, options, parts, sorted(limits.items())))
        return hashlib.sha256(payload.encode()).hexdigest()

    def _digest(self, part: Any) -> str:
        known = self._digests.get(id(part))
        if known is not None and known[0] is part:
            return known[1]
        digest = hashlib.sha256(repr(part).encode()).hexdigest()
        if len(self._digests) > 64:
            self._digests.clear()
        self._digests[id(part)] = (part, digest)
        return digest
