"""Provider: who could deliver an element (NASA, an international partner, a company)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt

from architecture.elements import Id, Row

KINDS = ("nasa", "international", "commercial")
Kind = Literal["nasa", "international", "commercial"]


class Provider(Row):
    """A provider.

    `onboarding_cost_musd` (US$M) is charged to NASA once if the provider delivers anything;
    `capacity` is the most elements it can deliver (None: no limit).
    """

    id: Id
    name: str = Field(min_length=1)
    kind: Kind
    country: str = ""
    first_time: bool = False
    onboarding_cost_musd: NonNegativeFloat = 0.0
    accords_signatory: bool = False
    capacity: NonNegativeInt | None = None
    export_restricted: bool = False
    source: str = ""
