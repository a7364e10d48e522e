"""read_study: the only reader of study files (study.toml, elements, providers, offers, costs), each problem one Issue naming file, row and key."""

from __future__ import annotations

import csv
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from architecture.elements import Element
from architecture.errors import Issue, ordered
from architecture.offers import BASE_COLUMNS, TEXT_COLUMNS, Offer
from architecture.policy import (
    Limits,
    MilestoneInfo,
    ObjectiveSpec,
    Scenario,
    StudyInfo,
)
from architecture.providers import Provider
from architecture.study import COSTS_FILE, ELEMENTS_FILE, OFFERS_FILE, PROVIDERS_FILE, REQUIRED_COLUMNS, STUDY_FILE, TOML_TABLES, Study


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pydantic_issues(error: ValidationError, where: str, sep: str = ":") -> list[Issue]:
    """Map pydantic errors to Issues at `where` (a `file:row N` prefix, or `file:key` with sep ".")."""
    issues = []
    for err in error.errors():
        loc = ""
        for part in err["loc"]:
            if part in ("__root__", "metrics"):
                continue
            loc += f"[{part}]" if isinstance(part, int) else f"{'.' if loc else ''}{part}"
        kind = err["type"]
        if kind == "finite_number":
            check, problem = "not_finite", "must be a finite number (no nan or inf)"
        elif kind in ("greater_than_equal", "greater_than") and "0" in str(err.get("ctx", {})):
            check, problem = "negative_number", f"must not be negative (got {err.get('input')!r})"
        elif kind == "extra_forbidden":
            check, problem = "unknown_key", "unknown key; see docs/inputs.md for the keys this table takes"
        elif kind == "missing":
            check, problem = "missing_value", "is missing"
        elif kind == "string_too_short":
            check, problem = "missing_value", "is empty; fill it in"
        elif kind == "value_error":
            check, problem = "wrong_type", err["msg"].removeprefix("Value error, ")
        else:
            check = "wrong_type"
            problem = f"{err['msg']} (got {err.get('input')!r})"
        location = f"{where}{sep}{loc}" if loc else where
        issues.append(Issue(location, problem, check))
    return issues


@dataclass
class _Reader:
    """Collects every problem while reading one study folder."""

    folder: Path
    issues: list[Issue] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)

    def table(self, name: str, optional: bool = False) -> pd.DataFrame | None:
        path = self.folder / name
        if not path.is_file():
            if not optional:
                self.issues.append(Issue(name, f"file is missing from {self.folder}", "missing_file"))
            return None
        self.sha256[name] = _sha256(path)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            self.issues.append(Issue(name, f"cannot be read as CSV: {str(exc).splitlines()[0]}", "csv_syntax"))
            return None
        with path.open(encoding="utf-8", newline="") as handle:
            header = [col.strip() for col in next(csv.reader(handle), [])]
        frame.columns = [str(col).strip() for col in frame.columns]
        missing = [col for col in REQUIRED_COLUMNS[name] if col not in frame.columns]
        for col in missing:
            self.issues.append(Issue(name, f"column '{col}' is missing; add it to the header row", "missing_column"))
        duplicated = sorted({col for col in header if header.count(col) > 1})
        for col in duplicated:
            self.issues.append(Issue(name, f"column '{col}' appears twice in the header", "duplicate_column"))
        return None if missing or duplicated else frame

    def rows(self, name: str, frame: pd.DataFrame, model: type[BaseModel], keep_blank: tuple[str, ...] = ()) -> list[Any]:
        """Validate each row; blank optional cells are dropped so defaults apply."""
        out = []
        required = set(REQUIRED_COLUMNS[name]) | set(keep_blank)
        for index, record in enumerate(frame.to_dict("records")):
            line = index + 2
            data = {k: v.strip() for k, v in record.items() if k in required or v.strip() != ""}
            try:
                out.append(model.model_validate({**data, "row": line}))
            except ValidationError as exc:
                for issue in _pydantic_issues(exc, f"{name}:row {line}"):
                    self.issues.append(issue)
        return out

    def toml(self) -> dict[str, Any]:
        path = self.folder / STUDY_FILE
        if not path.is_file():
            self.issues.append(Issue(STUDY_FILE, f"file is missing from {self.folder}", "missing_file"))
            return {}
        self.sha256[STUDY_FILE] = _sha256(path)
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self.issues.append(Issue(STUDY_FILE, f"is not valid TOML: {exc}", "toml_syntax"))
            return {}


def _numeric_metric_columns(frame: pd.DataFrame, issues: list[Issue]) -> tuple[str, ...]:
    """Offers columns beyond the base ones whose non-empty cells are all numbers."""
    metrics = []
    for col in frame.columns:
        if col in BASE_COLUMNS or col in TEXT_COLUMNS:
            continue
        cells = frame[col].str.strip()
        filled = cells[cells != ""]
        numeric = pd.to_numeric(filled, errors="coerce")
        if filled.empty or numeric.isna().all() and not filled.str.lower().isin(["nan"]).any():
            continue  # a text column
        bad = filled[numeric.isna() & ~filled.str.lower().isin(["nan"])]
        if not bad.empty:
            line = int(bad.index[0]) + 2
            issues.append(Issue(f"{OFFERS_FILE}:row {line}:{col}", f"'{bad.iloc[0]}' is not a number (other rows of this metric column are)", "wrong_type"))
            continue
        metrics.append(col)
    if "partner_cost_musd" in frame.columns and "partner_cost_musd" not in metrics:
        metrics.append("partner_cost_musd")
    return tuple(metrics)


def build_offer(record: Mapping[str, Any], metric_columns: tuple[str, ...]) -> Offer:
    """Validate one offer record, moving metric columns into `metrics` (empty = 0)."""
    data = {k: v for k, v in record.items() if k not in metric_columns}
    metrics = {}
    for col in metric_columns:
        raw = record.get(col, "")
        metrics[col] = raw if not (isinstance(raw, str) and raw.strip() == "") else 0.0
    data["metrics"] = metrics
    return Offer.model_validate(data)


def _read_offers(reader: _Reader, frame: pd.DataFrame) -> tuple[list[Offer], tuple[str, ...]]:
    metric_columns = _numeric_metric_columns(frame, reader.issues)
    offers = []
    for index, record in enumerate(frame.to_dict("records")):
        line = index + 2
        data = {k: v.strip() for k, v in record.items()}
        data = {k: v for k, v in data.items() if v != "" or k in REQUIRED_COLUMNS[OFFERS_FILE] or k in metric_columns}
        try:
            offers.append(build_offer({**data, "row": line}, metric_columns))
        except ValidationError as exc:
            reader.issues.extend(_pydantic_issues(exc, f"{OFFERS_FILE}:row {line}"))
    for offer in offers:
        for col, value in offer.metrics.items():
            if col == "partner_cost_musd" and value < 0:
                reader.issues.append(Issue(f"{OFFERS_FILE}:row {offer.row}:{col}", f"must not be negative (got {value})", "negative_number"))
    return offers, metric_columns


def _attach_profiles(reader: _Reader, offers: dict[tuple[str, str], Offer], frame: pd.DataFrame) -> None:
    """Attach costs.csv profiles to their offers; report unknown offers."""
    from architecture.elements import Row

    class CostRow(Row):
        element: str
        provider: str
        fiscal_year: int
        cost_musd: float

    profiles: dict[tuple[str, str], dict[int, float]] = {}
    for row in reader.rows(COSTS_FILE, frame, CostRow):
        key = (row.element, row.provider)
        if row.cost_musd < 0:
            reader.issues.append(Issue(f"{COSTS_FILE}:row {row.row}:cost_musd", f"must not be negative (got {row.cost_musd})", "negative_number"))
            continue
        if key not in offers:
            problem = f"no offer ({row.element}, {row.provider}) in offers.csv; add the offer or remove the profile row"
            reader.issues.append(Issue(f"{COSTS_FILE}:row {row.row}", problem, "unknown_id"))
            continue
        year_costs = profiles.setdefault(key, {})
        if row.fiscal_year in year_costs:
            problem = f"fiscal year {row.fiscal_year} of ({row.element}, {row.provider}) appears twice"
            reader.issues.append(Issue(f"{COSTS_FILE}:row {row.row}", problem, "duplicate_id"))
        year_costs[row.fiscal_year] = year_costs.get(row.fiscal_year, 0.0) + row.cost_musd
    for key, profile in profiles.items():
        offers[key] = offers[key].model_copy(update={"spend_musd": profile})


def _unique(reader: _Reader, name: str, items: list[Any], key: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for item in items:
        k = key(item)
        if k in out:
            label = k if isinstance(k, str) else ", ".join(k)
            reader.issues.append(Issue(f"{name}:row {item.row}", f"duplicate id '{label}' (first on row {out[k].row}); ids must be unique", "duplicate_id"))
            continue
        out[k] = item
    return out


def _validated(reader: _Reader, model: type[BaseModel], data: Any, where: str, **extra: Any) -> Any:
    try:
        return model.model_validate({**(data if isinstance(data, dict) else {}), **extra}) if isinstance(data, dict) else model.model_validate(data)
    except ValidationError as exc:
        reader.issues.extend(_pydantic_issues(exc, where, sep="."))
        return None


def _read_toml(reader: _Reader) -> dict[str, Any]:
    raw = reader.toml()
    for key in raw:
        if key not in TOML_TABLES:
            reader.issues.append(Issue(f"{STUDY_FILE}:{key}", f"unknown table; known: {', '.join(TOML_TABLES)}", "unknown_key"))
    where = f"{STUDY_FILE}"
    out: dict[str, Any] = {}
    if not raw:
        return out
    if "study" not in raw:
        reader.issues.append(Issue(f"{STUDY_FILE}:study", "the [study] table is missing (name, first_year, last_year)", "missing_value"))
    else:
        out["info"] = _validated(reader, StudyInfo, raw["study"], f"{where}:study")
    out["limits"] = _validated(reader, Limits, raw.get("limits", {}), f"{where}:limits")
    out["objectives"] = _named_tables(reader, raw, "objectives", ObjectiveSpec, where, named=True)
    out["milestone_info"] = _named_tables(reader, raw, "milestones", MilestoneInfo, where, named=False)
    out["scenarios"] = _named_tables(reader, raw, "scenarios", Scenario, where, named=True)
    return out


def _named_tables(reader: _Reader, raw: dict[str, Any], key: str, model: type[BaseModel], where: str, named: bool) -> dict[str, Any]:
    """`[key.NAME]` tables, each validated as `model` (given its NAME when `named`); a bad one is an issue and left out."""
    out = {}
    for name, spec in _table(reader, raw, key).items():
        value = _validated(reader, model, spec, f"{where}:{key}.{name}", **({"name": name} if named else {}))
        if value is not None:
            out[name] = value
    return out


def _table(reader: _Reader, raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or any(not isinstance(v, dict) for v in value.values()):
        reader.issues.append(Issue(f"{STUDY_FILE}:{key}", f"[{key}] must hold tables, one per name ([{key}.NAME])", "wrong_type"))
        return {}
    return value


def read_study(path: str | Path) -> tuple[Study | None, list[Issue]]:
    """Read a study folder, collecting every problem; the Study is None if it cannot be built.

    Only parse-level problems are found here; `check_study` finds the rest.
    """
    folder = Path(path)
    if not folder.is_dir():
        return None, [Issue(str(path), "is not a study folder (expected a folder holding study.toml and the CSV files)", "missing_file")]
    reader = _Reader(folder)
    toml = _read_toml(reader)
    element_frame = reader.table(ELEMENTS_FILE)
    provider_frame = reader.table(PROVIDERS_FILE)
    offer_frame = reader.table(OFFERS_FILE)
    cost_frame = reader.table(COSTS_FILE, optional=True)
    elements = _unique(reader, ELEMENTS_FILE, reader.rows(ELEMENTS_FILE, element_frame, Element), lambda e: e.id) if element_frame is not None else {}
    providers = _unique(reader, PROVIDERS_FILE, reader.rows(PROVIDERS_FILE, provider_frame, Provider), lambda p: p.id) if provider_frame is not None else {}
    offers: dict[tuple[str, str], Offer] = {}
    metric_columns: tuple[str, ...] = ()
    if offer_frame is not None:
        offer_list, metric_columns = _read_offers(reader, offer_frame)
        offers = _unique(reader, OFFERS_FILE, offer_list, lambda o: o.key)
        if cost_frame is not None:
            _attach_profiles(reader, offers, cost_frame)
    if toml.get("info") is None or toml.get("limits") is None or element_frame is None or provider_frame is None or offer_frame is None:
        return None, ordered(reader.issues)
    study = Study(
        info=toml["info"],
        elements=elements,
        providers=providers,
        offers=offers,
        limits=toml["limits"],
        objectives=toml["objectives"],
        milestone_info=toml["milestone_info"],
        scenarios=toml["scenarios"],
        metric_columns=metric_columns,
        path=str(folder),
        input_sha256=dict(sorted(reader.sha256.items())),
    )
    return study, ordered(reader.issues)
