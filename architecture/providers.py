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

    def flag(self, name: str) -> bool | None:
        """A yes/no attribute (a true/false field, or an extra providers.csv column of yes/no text); None if it is not one."""
        field = type(self).model_fields.get(name)
        if field is not None:
            value = getattr(self, name)
            return value if isinstance(value, bool) else None
        text = (self.model_extra or {}).get(name, "")  # a blank cell is dropped on reading: blank means no
        return YES_NO.get(str(text).strip().lower())


#: how a yes/no cell of an extra providers.csv column reads (blank: no)
YES_NO = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}
