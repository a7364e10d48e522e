"""Architecture: a chosen answer, element id -> provider id (elements left out are absent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from architecture.errors import Issue, StudyError


@dataclass(frozen=True)
class Architecture:
    """Which provider delivers each chosen element."""

    assignment: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Architecture:
        out: dict[str, str] = {}
        for element, provider in pairs:
            if element in out:
                raise StudyError(Issue(f"--assign {element}", f"element '{element}' is assigned twice", "duplicate_id"))
            out[element] = provider
        return cls(dict(sorted(out.items())))

    @classmethod
    def parse(cls, texts: Iterable[str]) -> Architecture:
        """From `element=provider` strings (the CLI's --assign)."""
        pairs = []
        for text in texts:
            element, sep, provider = text.partition("=")
            if not sep or not element.strip() or not provider.strip():
                raise StudyError(Issue(f"--assign {text}", "expected element=provider", "wrong_type"))
            pairs.append((element.strip(), provider.strip()))
        return cls.from_pairs(pairs)

    @classmethod
    def read_csv(cls, path: str | Path) -> Architecture:
        """From a CSV with `element` and `provider` columns (e.g. a run's assignment.csv)."""
        path = Path(path)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise StudyError(Issue(str(path), f"cannot be read: {exc}", "missing_file")) from None
        for col in ("element", "provider"):
            if col not in frame.columns:
                raise StudyError(Issue(str(path), f"column '{col}' is missing", "missing_column"))
        return cls.from_pairs(zip(frame["element"].str.strip(), frame["provider"].str.strip(), strict=True))

    def provider_of(self, element: str) -> str | None:
        return self.assignment.get(element)

    def __len__(self) -> int:
        return len(self.assignment)
