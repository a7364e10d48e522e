"""One what-if of a sweep (SweepPoint) and applying it to a study.

architecture.sweep_design reads a sweep file into these points and checks them; optimizer.sweep solves them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from architecture.errors import Issue, StudyError
from architecture.policy import Scenario
from architecture.scenarios import apply_scenario_spec, apply_scenarios
from architecture.study import Study

ID_AXES = ("scenario", "remove_providers", "remove_elements", "remove_builders")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)



@dataclass(frozen=True)
class SweepPoint:
    """One what-if: named scenarios, then removals, then `--set` values, then scale factors.

    `set` and `scale` are ordered (path, value) pairs with the paths of `--set` and of a
    scenario's `scale` table. `run_id` hashes the changes (not `name`), so it is the same in
    every session that expands the same design.
    """

    scenario: tuple[str, ...] = ()
    remove_providers: tuple[str, ...] = ()
    remove_elements: tuple[str, ...] = ()
    remove_builders: tuple[str, ...] = ()
    set: tuple[tuple[str, Any], ...] = ()
    scale: tuple[tuple[str, float], ...] = ()
    name: str = ""

    def changes(self) -> dict[str, Any]:
        """The point's changes as plain JSON data (empty parts left out)."""
        out: dict[str, Any] = {}
        for key in ID_AXES:
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.set:
            out["set"] = [[path, value] for path, value in self.set]
        if self.scale:
            out["scale"] = [[path, factor] for path, factor in self.scale]
        return out

    @property
    def run_id(self) -> str:
        """12 hex digits of the SHA-256 of the changes: stable across sessions and machines."""
        canonical = json.dumps(self.changes(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    def describe(self) -> str:
        """The changes in one line, e.g. `scenario=esa_withdraws; limits.total_budget_musd=20000`."""
        parts = [f"{key}={','.join(getattr(self, key))}" for key in ID_AXES if getattr(self, key)]
        parts += [f"{path}={_text(value)}" for path, value in self.set]
        parts += [f"scale:{path}={_text(factor)}" for path, factor in self.scale]
        return "; ".join(parts) or "base"

    def columns(self) -> dict[str, Any]:
        """One value per changed key, named as in the summary table (`scale:` prefix for factors)."""
        out: dict[str, Any] = {key: ",".join(getattr(self, key)) for key in ID_AXES if getattr(self, key)}
        out.update({path: value for path, value in self.set})
        out.update({f"scale:{path}": factor for path, factor in self.scale})
        return out

    def merged(self, other: SweepPoint, where: str) -> SweepPoint:
        """Both points' changes (self's first); a key changed by both is an error."""
        for key in ID_AXES:
            if getattr(self, key) and getattr(other, key):
                raise StudyError(Issue(where, f"'{key}' is given twice (in [grid] and [lhs])", "duplicate_id"))
        paths = {path for path, _ in self.set} & {path for path, _ in other.set}
        paths |= {path for path, _ in self.scale} & {path for path, _ in other.scale}
        if paths:
            raise StudyError(Issue(where, f"'{sorted(paths)[0]}' is given twice (in [grid] and [lhs])", "duplicate_id"))
        return SweepPoint(
            scenario=self.scenario or other.scenario,
            remove_providers=self.remove_providers or other.remove_providers,
            remove_elements=self.remove_elements or other.remove_elements,
            remove_builders=self.remove_builders or other.remove_builders,
            set=(*self.set, *other.set),
            scale=(*self.scale, *other.scale),
            name=self.name or other.name,
        )



def apply_point(study: Study, point: SweepPoint) -> Study:
    """The study with one point's changes, logged like a scenario (`by`: sweep)."""
    if point.scenario:
        study = apply_scenarios(study, point.scenario)
    if point.remove_providers or point.remove_elements or point.remove_builders or point.set or point.scale:
        spec = Scenario(name="sweep", remove_elements=point.remove_elements, remove_providers=point.remove_providers,
                        remove_builders=point.remove_builders,
                        set=dict(point.set), scale=dict(point.scale))
        study = apply_scenario_spec(study, spec, label="sweep")
    return study
