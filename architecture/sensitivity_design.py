"""Sensitivity designs: which inputs vary over which ranges, and how they are sampled (sens.toml).

Ranges are given in the words of sweep files: `--set` paths under [ranges], `scale:` factors under
[scale]. Sampling and analysis (SALib) and solving (the sweep engine) are optimizer.decisions.sensitivity's
job; see docs/scripting.md#sensitivity-files for the file format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from architecture.errors import Issue, StudyError
from architecture.study import Study
from architecture.sweep_design import SweepPoint, apply_point, read_design_file

METHODS = ("morris", "sobol")
TABLES = ("sensitivity", "ranges", "scale")
OPTION_KEYS = ("name", "description", "objective", "method", "trajectories", "levels", "samples", "seed")
DEFAULTS = {"trajectories": 20, "levels": 4, "samples": 256, "seed": 0}


def _fail(where: str, problem: str, check: str = "wrong_type") -> StudyError:
    return StudyError(Issue(where, problem, check))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class SensitivityInput:
    """One varied input: a `--set` path (group `ranges`) or a `scale:` key, over [low, high]; `integer` when both ends are."""

    group: str
    path: str
    low: float
    high: float
    integer: bool
    where: str

    @property
    def name(self) -> str:
        """The input's name in every output: the path, `scale:<path>` for a factor (as in sweep tables)."""
        return self.path if self.group == "ranges" else f"scale:{self.path}"

    def point(self, value: float) -> SweepPoint:
        """The single change setting this input to `value` (rounded for an integer input)."""
        value = int(round(value)) if self.integer else float(value)
        return SweepPoint(set=((self.path, value),)) if self.group == "ranges" else SweepPoint(scale=((self.path, value),))


@dataclass(frozen=True)
class SensitivityDesign:
    """A validated design: the inputs in file order, the method and its sample sizes, the objective."""

    inputs: tuple[SensitivityInput, ...]
    method: str = "morris"
    trajectories: int = DEFAULTS["trajectories"]
    levels: int = DEFAULTS["levels"]
    samples: int = DEFAULTS["samples"]
    seed: int = DEFAULTS["seed"]
    objective: str | None = None
    name: str = ""
    description: str = ""
    source: str = "sensitivity"

    def spec(self) -> dict[str, Any]:
        """The design for a manifest."""
        return {"source": self.source, "name": self.name, "description": self.description, "objective": self.objective,
                "method": self.method, "trajectories": self.trajectories, "levels": self.levels, "samples": self.samples,
                "seed": self.seed, "inputs": [{"name": i.name, "low": i.low, "high": i.high, "integer": i.integer} for i in self.inputs]}

    def with_method(self, method: str | None) -> SensitivityDesign:
        """The design with the method `--method` asks for (a one-line error for an unknown one)."""
        if method is None:
            return self
        if method not in METHODS:
            raise _fail("--method", f"unknown method '{method}'; known: {', '.join(METHODS)}", "unknown_key")
        return SensitivityDesign(**{**self.__dict__, "method": method})


def load_sensitivity_design(path: str | Path) -> SensitivityDesign:
    """Read a sens.toml; any problem is a one-line StudyError naming the file and key."""
    return parse_sensitivity_design(read_design_file(path, "sensitivity design"), str(path))


def parse_sensitivity_design(raw: dict[str, Any], source: str = "sensitivity") -> SensitivityDesign:
    """The design from the tables of a sens.toml (already read)."""
    for key in raw:
        if key not in TABLES:
            raise _fail(f"{source}:{key}", f"unknown table; known: {', '.join(TABLES)}", "unknown_key")
    options = _options(raw.get("sensitivity", {}), f"{source}:sensitivity")
    inputs = []
    for group in ("ranges", "scale"):
        table = raw.get(group, {})
        if not isinstance(table, dict):
            raise _fail(f"{source}:{group}", f"expected a table (got {table!r})")
        for key, value in table.items():
            where = f"{source}:{group}.{key}"
            if group == "ranges" and "." not in key and "[" not in key:
                raise _fail(where, "unknown key; a range is keyed by a --set path (limits.<key>, offers[element=X,provider=Y].<column>, ...)",
                            "unknown_key")
            if not isinstance(value, list) or len(value) != 2 or not all(_is_number(v) for v in value):
                raise _fail(where, f"expected [low, high] (got {value!r})")
            low, high = value
            if not low < high:
                raise _fail(where, f"the range [{low}, {high}] is empty: low must be below high", "missing_value")
            inputs.append(SensitivityInput(group, key, float(low), float(high), all(isinstance(v, int) for v in value), where))
    if not inputs:
        raise _fail(f"{source}:ranges", "the design varies nothing; add [ranges] (--set paths) or [scale] (factors)", "missing_value")
    if len(inputs) < 2:
        raise _fail(inputs[0].where, "a sensitivity design needs 2 or more inputs to rank; for one, sweep its range (trade sweep)",
                    "missing_value")
    return SensitivityDesign(inputs=tuple(inputs), source=source, **options)


def _options(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(where, f"expected a table (got {raw!r})")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        spot = f"{where}.{key}"
        if key not in OPTION_KEYS:
            raise _fail(spot, f"unknown key; known: {', '.join(OPTION_KEYS)}", "unknown_key")
        if key in ("name", "description", "objective"):
            if not isinstance(value, str) or (key == "objective" and not value):
                raise _fail(spot, f"expected text (got {value!r})")
        elif key == "method":
            if value not in METHODS:
                raise _fail(spot, f"unknown method {value!r}; known: {', '.join(METHODS)}", "unknown_key")
        else:
            least = {"trajectories": 2, "levels": 2, "samples": 2, "seed": 0}[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise _fail(spot, f"expected an integer >= {least} (got {value!r})")
            if key == "levels" and value % 2:
                raise _fail(spot, f"expected an even number of levels (got {value}): Morris steps half the levels")
        out[key] = value
    return out


def check_sensitivity_design(design: SensitivityDesign, study: Study) -> None:
    """Apply each input at both ends of its range to the study alone: a bad path, id or type is a one-line StudyError."""
    for spec in design.inputs:
        for value in (spec.low, spec.high):
            try:
                apply_point(study, spec.point(value))
            except StudyError as exc:
                issue = exc.issue
                inner = "" if issue.location.startswith("sweep:") else f"{issue.location.removeprefix('--')}: "
                raise StudyError(Issue(spec.where, inner + issue.problem, issue.check)) from None
    if design.objective is not None:
        try:
            study.objective(design.objective)
        except StudyError as exc:
            raise StudyError(Issue(f"{design.source}:sensitivity.objective", exc.issue.problem, exc.issue.check)) from None
