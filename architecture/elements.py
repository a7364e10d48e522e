"""Element: one piece of the programme (a module, a lander, a resupply flight)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LOCATIONS = ("gateway", "surface")
CRITICAL_PATH_MILESTONE = "critical_path"


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"'{value}' is not a snake_case id (lower-case letters, digits, _)")
    return value


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(";") if part.strip())
    return value


def _check_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        _check_id(value)
    if len(set(values)) != len(values):
        raise ValueError("lists an id twice")
    return values


Id = Annotated[str, AfterValidator(_check_id)]
IdList = Annotated[tuple[str, ...], BeforeValidator(_split_list), AfterValidator(_check_ids)]


class Row(BaseModel):
    """A validated CSV row: extra columns are kept as text, numbers must be finite."""

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False, str_strip_whitespace=True)

    row: int = Field(default=0, exclude=True, description="line in its file (header = 1); 0 if not from a file")

    @property
    def extra_columns(self) -> dict[str, str]:
        return dict(self.model_extra or {})


class Element(Row):
    """An element of the programme.

    `requires` are element ids this one needs (it is chosen only with them and inherits their
    slip); `milestones` are campaign milestones it gates.
    """

    id: Id
    name: str = Field(min_length=1)
    category: Id
    location: Literal["gateway", "surface"]
    required: bool
    critical_path: bool
    requires: IdList = ()
    milestones: IdList = ()
    export_controlled: bool = False
    source: str = ""

    @property
    def gated_milestones(self) -> tuple[str, ...]:
        """Milestones this element gates, including the built-in `critical_path` one."""
        if self.critical_path:
            return (*self.milestones, CRITICAL_PATH_MILESTONE)
        return self.milestones
