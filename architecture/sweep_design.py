"""Sweep designs: a grid, a Latin hypercube or a list of what-ifs over a study (sweep.toml).

A design only names changes to a study, in the words of `--scenario` and `--set`; solving the
points is optimizer.sweep.runner's job. See docs/scripting.md#sweep-files for the file format.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from architecture.errors import Issue, StudyError
from architecture.study import Study
from architecture.sweep_point import ID_AXES, SweepPoint, apply_point

__all__ = ["ID_AXES", "SweepDesign", "SweepPoint", "apply_point", "check_design", "load_sweep_design", "read_design_file"]

SWEEP_TABLES = ("sweep", "grid", "lhs", "runs")
SWEEP_KEYS = ("name", "description", "objective", "objectives", "points")
LHS_KEYS = ("samples", "seed", "decimals", "ranges", "scale")
RUN_KEYS = ("name", *ID_AXES, "set", "scale", "fix", "forbid")


def _fail(where: str, problem: str, check: str = "wrong_type") -> StudyError:
    return StudyError(Issue(where, problem, check))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ids(value: Any, where: str) -> tuple[str, ...]:
    """`""`, `"a"`, `"a,b"` or `["a", "b"]` -> a tuple of ids (empty: none)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return tuple(part.strip() for part in value if part.strip())
    raise _fail(where, f"expected a name, 'a,b' or a list of names (got {value!r})")



@dataclass(frozen=True)
class SweepDesign:
    """A validated, expanded sweep: its points in order, the objective(s) and where it came from.

    `objectives` (2 or more names) asks for a Pareto front per point instead of one optimum;
    `points_per_front` then asks for an even approximation of that many points.
    """

    points: tuple[SweepPoint, ...]
    objective: str | None = None
    objectives: tuple[str, ...] = ()
    points_per_front: int | None = None
    name: str = ""
    description: str = ""
    source: str = "sweep"
    tables: Mapping[str, Any] = field(default_factory=dict, compare=False)
    #: (location in the file, a single change) pairs that `check_design` applies one by one
    atoms: tuple[tuple[str, SweepPoint], ...] = field(default=(), compare=False, repr=False)

    def spec(self) -> dict[str, Any]:
        """The design for a manifest: options, the tables as written, and every run."""
        return {
            "source": self.source,
            "name": self.name,
            "description": self.description,
            "objective": self.objective,
            "objectives": list(self.objectives),
            "points_per_front": self.points_per_front,
            "tables": dict(self.tables),
            "runs": [{"run": index, "run_id": point.run_id, "name": point.name, "changes": point.changes()}
                     for index, point in enumerate(self.points, start=1)],
        }

    @classmethod
    def from_points(cls, points: Iterable[SweepPoint], objective: str | None = None, source: str = "script", **options: Any) -> SweepDesign:
        """A design from points built in code (duplicate changes are an error)."""
        points = tuple(points)
        _check_unique(points, source)
        atoms = tuple((f"{source}:point {index}", point) for index, point in enumerate(points, start=1))
        return cls(points=points, objective=objective, source=source, atoms=atoms, **options)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "sweep") -> SweepDesign:
        """Parse the tables of a sweep file (already read); errors name `source` and the key."""
        return _parse(dict(raw), source)


def read_design_file(path: str | Path, what: str) -> dict[str, Any]:
    """The tables of a design file (sweep.toml, sens.toml); a missing or broken file is a one-line StudyError."""
    path = Path(path)
    if not path.is_file():
        raise _fail(str(path), f"{what} not found", "missing_file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(str(path), f"is not valid TOML: {exc}", "toml_syntax") from None


def load_sweep_design(path: str | Path) -> SweepDesign:
    """Read and expand a sweep.toml; any problem is a one-line StudyError naming file and key."""
    return _parse(read_design_file(path, "sweep file"), str(path))


def _parse(raw: dict[str, Any], source: str) -> SweepDesign:
    for key in raw:
        if key not in SWEEP_TABLES:
            raise _fail(f"{source}:{key}", f"unknown table; known: {', '.join(SWEEP_TABLES)}", "unknown_key")
    options = _options(raw.get("sweep", {}), f"{source}:sweep")
    atoms: list[tuple[str, SweepPoint]] = []
    blocks: list[list[SweepPoint]] = []
    if "grid" in raw:
        blocks.append(_grid(_table(raw["grid"], f"{source}:grid"), f"{source}:grid", atoms))
    if "lhs" in raw:
        blocks.append(_lhs(_table(raw["lhs"], f"{source}:lhs"), f"{source}:lhs", atoms))
    crossed: list[SweepPoint] = []
    for combo in itertools.product(*blocks) if blocks else ():
        point = combo[0]
        for other in combo[1:]:
            point = point.merged(other, f"{source}:lhs")
        crossed.append(point)
    runs = raw.get("runs", [])
    if not isinstance(runs, list):
        raise _fail(f"{source}:runs", "write explicit runs as [[runs]] tables")
    explicit = [_run(_table(run, f"{source}:runs #{index}"), f"{source}:runs #{index}", atoms) for index, run in enumerate(runs, start=1)]
    points = tuple(crossed + explicit)
    if not points:
        raise _fail(source, "the sweep has no runs; add a [grid], an [lhs] or [[runs]] tables", "missing_value")
    _check_unique(points, source)
    tables = {key: raw[key] for key in ("grid", "lhs", "runs") if key in raw}
    return SweepDesign(points=points, source=source, tables=tables, atoms=tuple(atoms), **options)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table (got {value!r})")
    return value


def _options(raw: Any, where: str) -> dict[str, Any]:
    raw = _table(raw, where)
    for key in raw:
        if key not in SWEEP_KEYS:
            raise _fail(f"{where}.{key}", f"unknown key; known: {', '.join(SWEEP_KEYS)}", "unknown_key")
    out: dict[str, Any] = {}
    for key in ("name", "description", "objective"):
        if key in raw:
            if not isinstance(raw[key], str) or (key == "objective" and not raw[key]):
                raise _fail(f"{where}.{key}", f"expected text (got {raw[key]!r})")
            out[key] = raw[key]
    if "objectives" in raw:
        names = _ids(raw["objectives"], f"{where}.objectives")
        if len(names) < 2:
            raise _fail(f"{where}.objectives", f"a front needs 2 or more objectives (got {len(names)}); use `objective` for one")
        if "objective" in out:
            raise _fail(f"{where}.objectives", "give `objective` (one optimum per run) or `objectives` (a front per run), not both")
        out["objectives"] = names
    if "points" in raw:
        if not isinstance(raw["points"], int) or isinstance(raw["points"], bool) or raw["points"] < 2 or "objectives" not in out:
            raise _fail(f"{where}.points", "expected an integer >= 2, with `objectives` (points per front)")
        out["points_per_front"] = raw["points"]
    return out


def _axis_values(key: str, values: Any, where: str) -> list[SweepPoint]:
    """One axis of a grid: the single-change points for each of its values."""
    if not isinstance(values, list) or not values:
        raise _fail(where, f"expected a non-empty list of values (got {values!r})")
    if key in ID_AXES:
        return [SweepPoint(**{key: _ids(value, f"{where}[{index}]")}) for index, value in enumerate(values)]
    if "." not in key and "[" not in key:
        known = f"{', '.join(ID_AXES)}, scale or a --set path (limits.<key>, offers[element=X,provider=Y].<column>, ...)"
        raise _fail(where, f"unknown key '{key}'; a grid key is {known}", "unknown_key")
    return [SweepPoint(set=((key, value),)) for value in values]


def _grid(grid: dict[str, Any], where: str, atoms: list[tuple[str, SweepPoint]]) -> list[SweepPoint]:
    axes: list[list[SweepPoint]] = []
    for key, values in grid.items():
        if key == "scale":
            for path, factors in _table(values, f"{where}.scale").items():
                spot = f"{where}.scale.{path}"
                if not isinstance(factors, list) or not factors or not all(_is_number(f) for f in factors):
                    raise _fail(spot, f"expected a non-empty list of numbers (got {factors!r})")
                axes.append([SweepPoint(scale=((path, float(f)),)) for f in factors])
                atoms.extend((spot, point) for point in axes[-1])
            continue
        axes.append(_axis_values(key, values, f"{where}.{key}"))
        atoms.extend((f"{where}.{key}", point) for point in axes[-1] if point.changes())
    if not axes:
        raise _fail(where, "the grid has no keys", "missing_value")
    points = []
    for combo in itertools.product(*axes):
        point = SweepPoint()
        for part in combo:
            point = point.merged(part, where)
        points.append(point)
    return points


def _range(value: Any, where: str) -> tuple[float, float, bool]:
    if not isinstance(value, list) or len(value) != 2 or not all(_is_number(v) for v in value):
        raise _fail(where, f"expected [low, high] (got {value!r})")
    low, high = value
    if low > high:
        raise _fail(where, f"low {low} is above high {high}")
    return float(low), float(high), all(isinstance(v, int) for v in value)


def _lhs(lhs: dict[str, Any], where: str, atoms: list[tuple[str, SweepPoint]]) -> list[SweepPoint]:
    """Latin hypercube: each range cut into `samples` equal strata, one draw per stratum, strata shuffled per key."""
    for key in lhs:
        if key not in LHS_KEYS:
            raise _fail(f"{where}.{key}", f"unknown key; known: {', '.join(LHS_KEYS)}", "unknown_key")
    samples, seed, decimals = lhs.get("samples"), lhs.get("seed", 0), lhs.get("decimals", 6)
    for key, value, low in (("samples", samples, 1), ("seed", seed, 0), ("decimals", decimals, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise _fail(f"{where}.{key}", f"expected an integer >= {low} (got {value!r})", "missing_value" if value is None else "wrong_type")
    dims: list[tuple[str, str, float, float, bool]] = []
    for group in ("ranges", "scale"):
        for path, value in _table(lhs.get(group, {}), f"{where}.{group}").items():
            spot = f"{where}.{group}.{path}"
            if group == "ranges" and "." not in path and "[" not in path:
                raise _fail(spot, "unknown key; a range is keyed by a --set path (limits.<key>, offers[element=X,provider=Y].<column>, ...)", "unknown_key")
            low, high, integer = _range(value, spot)
            dims.append((group, path, low, high, integer))
            for bound in (low, high):
                change = int(bound) if integer else bound
                atoms.append((spot, SweepPoint(set=((path, change),)) if group == "ranges" else SweepPoint(scale=((path, change),))))
    if not dims:
        raise _fail(f"{where}.ranges", "the hypercube has no ranges", "missing_value")
    rng = np.random.default_rng(seed)
    points = []
    columns = []
    for _, _, low, high, integer in dims:
        strata = (rng.permutation(samples) + rng.random(samples)) / samples  # one uniform draw in each stratum
        if integer:
            columns.append([int(min(high, low + np.floor(u * (high - low + 1)))) for u in strata])
        else:
            columns.append([round(float(low + u * (high - low)), decimals) for u in strata])
    for index in range(samples):
        sets = tuple((path, columns[d][index]) for d, (group, path, *_) in enumerate(dims) if group == "ranges")
        scales = tuple((path, columns[d][index]) for d, (group, path, *_) in enumerate(dims) if group == "scale")
        points.append(SweepPoint(set=sets, scale=scales))
    return points


def _run(run: dict[str, Any], where: str, atoms: list[tuple[str, SweepPoint]]) -> SweepPoint:
    for key in run:
        if key not in RUN_KEYS:
            raise _fail(f"{where}.{key}", f"unknown key; known: {', '.join(RUN_KEYS)}", "unknown_key")
    name = run.get("name", "")
    if not isinstance(name, str):
        raise _fail(f"{where}.name", f"expected text (got {name!r})")
    scale = _table(run.get("scale", {}), f"{where}.scale")
    for path, factor in scale.items():
        if not _is_number(factor):
            raise _fail(f"{where}.scale.{path}", f"expected a number (got {factor!r})")
    point = SweepPoint(
        name=name,
        set=(*_table(run.get("set", {}), f"{where}.set").items(), *_decisions(run, where)),
        scale=tuple((path, float(factor)) for path, factor in scale.items()),
        **{key: _ids(run[key], f"{where}.{key}") for key in ID_AXES if key in run},
    )
    atoms.append((where, point))
    return point


def _decisions(run: dict[str, Any], where: str) -> list[tuple[str, Any]]:
    """A run's `fix` and `forbid` ("element=provider" names, as --fix and --forbid) as set paths of limits.fixed and limits.forbidden."""
    changes: list[tuple[str, Any]] = []
    forbidden: dict[str, list[str]] = {}
    for key in ("fix", "forbid"):
        for text in _ids(run.get(key, ""), f"{where}.{key}"):
            element, sep, provider = text.partition("=")
            if not sep or not element.strip() or not provider.strip():
                raise _fail(f"{where}.{key}", f"expected element=provider (got {text!r})")
            if key == "fix":
                changes.append((f"limits.fixed.{element.strip()}", provider.strip()))
            else:
                forbidden.setdefault(element.strip(), []).append(provider.strip())
    changes += [(f"limits.forbidden.{element}", providers) for element, providers in forbidden.items()]
    return changes


def _check_unique(points: tuple[SweepPoint, ...], source: str) -> None:
    seen: dict[str, int] = {}
    for index, point in enumerate(points, start=1):
        first = seen.setdefault(point.run_id, index)
        if first != index:
            raise _fail(source, f"runs {first} and {index} make the same changes ({point.describe()}); remove one", "duplicate_id")


def check_design(design: SweepDesign, study: Study) -> None:
    """Apply each single change of the design alone: a bad key, id, scenario or type is a StudyError.

    The error names the sweep file and key, and comes before anything is solved. Combinations
    are not checked here: one that cannot be applied is a run with status `invalid`.
    """
    seen: set[str] = set()
    for where, point in design.atoms:
        if point.run_id in seen:
            continue
        seen.add(point.run_id)
        try:
            apply_point(study, point)
        except StudyError as exc:
            issue = exc.issue
            # keep the inner location unless it only repeats the key (`sweep: <path>`)
            inner = "" if issue.location.startswith("sweep:") else f"{issue.location.removeprefix('--')}: "
            raise StudyError(Issue(where, inner + issue.problem, issue.check)) from None
    for name in (design.objective, *design.objectives):
        if name is not None:
            try:
                study.objective(name)
            except StudyError as exc:
                raise StudyError(Issue(f"{design.source}:sweep.objective{'s' if design.objectives else ''}", exc.issue.problem, exc.issue.check)) from None
