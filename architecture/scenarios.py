"""Named what-ifs and `--set` overrides: each returns a new Study and logs every change."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from architecture.errors import Issue, StudyError
from architecture.offers import Offer
from architecture.policy import Limits, Scenario, StudyInfo
from architecture.study import Change, Study

_ROW_PATH = re.compile(r"^(elements|providers|offers)\[([^\]]*)\]\.([A-Za-z_][A-Za-z0-9_]*)$")
_COLUMN_PATH = re.compile(r"^(elements|providers|offers)\.([A-Za-z_][A-Za-z0-9_]*)$")
_KIND_PATH = re.compile(r"^offers\[kind=([a-z_]+)\]\.([A-Za-z_][A-Za-z0-9_]*)$")


def _fail(where: str, problem: str, check: str = "unknown_key") -> StudyError:
    return StudyError(Issue(where, problem, check))


def _revalidate(model: type[BaseModel], current: BaseModel, updates: dict[str, Any], where: str) -> Any:
    data = current.model_dump()
    data.update(current.model_extra or {})
    data.update(updates)
    if "row" in current.model_fields:
        data["row"] = current.row
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _fail(where, f"{err['msg']} (got {err.get('input')!r})", "wrong_type") from None


def _parse_selector(text: str, keys: tuple[str, ...], where: str) -> tuple[str, ...]:
    parts = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    if set(parts) != set(keys) or len(text.split(",")) != len(keys):
        raise _fail(where, f"row selector must be [{','.join(k + '=...' for k in keys)}]")
    return tuple(parts[k].strip() for k in keys)


class _Editor:
    """Applies one scenario's changes to a study, logging each as key: old -> new."""

    def __init__(self, study: Study, label: str):
        self.study = study
        self.label = label
        self.changes: list[Change] = []

    def where(self, key: str) -> str:
        return f"{self.label}: {key}"

    def log(self, key: str, old: Any, new: Any) -> None:
        self.changes.append(Change(self.label, key, old, new))

    def remove_elements(self, ids: Iterable[str], key: str) -> None:
        study = self.study
        for eid in ids:
            if eid not in study.elements:
                raise _fail(self.where(f"{key} {eid}"), f"unknown element '{eid}'", "unknown_id")
        doomed = set(ids)
        for element in study.elements.values():
            if element.id not in doomed and doomed & set(element.requires):
                needed = ", ".join(sorted(doomed & set(element.requires)))
                raise _fail(self.where(key), f"cannot remove {needed}: element '{element.id}' requires it; remove or change '{element.id}' too", "unknown_id")
        for eid in doomed:
            self.log(f"remove element {eid}", "present", "removed")
        self.study = study.with_changes(
            elements={k: v for k, v in study.elements.items() if k not in doomed},
            offers={k: v for k, v in study.offers.items() if k[0] not in doomed},
        )

    def _known_providers(self, ids: Iterable[str], key: str, removed_ok: bool = False) -> set[str]:
        """The ids as a set; an unknown provider is an error naming the key (`removed_ok`: one an earlier change removed is not)."""
        removed = {c.key.removeprefix("remove provider ") for c in (*self.study.changes, *self.changes) if c.key.startswith("remove provider ")}
        for pid in ids:
            if pid not in self.study.providers and not (removed_ok and pid in removed):
                raise _fail(self.where(f"{key} {pid}"), f"unknown provider '{pid}'", "unknown_id")
        return set(ids)

    def remove_providers(self, ids: Iterable[str], key: str) -> None:
        study = self.study
        doomed = self._known_providers(ids, key)
        for pid in sorted(doomed):
            self.log(f"remove provider {pid}", "present", "removed")
            built = sorted(f"{e}/{p}" for (e, p), offer in study.offers.items() if offer.builder_id == pid and p != pid)
            if built:
                self.log(f"remove offers built by {pid}", ", ".join(built), "removed")
        limits = study.limits
        if set(limits.excluded_providers) & doomed:
            limits = limits.model_copy(update={"excluded_providers": tuple(p for p in limits.excluded_providers if p not in doomed)})
        barred = tuple(rule for rule in limits.barred if rule.provider not in doomed)
        self.study = study.with_changes(
            providers={k: v for k, v in study.providers.items() if k not in doomed},
            offers={k: v for k, v in study.offers.items() if k[1] not in doomed and v.builder_id not in doomed},  # nor what it builds
            limits=limits.model_copy(update={"barred": barred}),
        )

    def remove_builders(self, ids: Iterable[str], key: str) -> None:
        """Every offer these companies build (offers.csv builder), whoever procures it; the providers stay."""
        study = self.study
        doomed = self._known_providers(ids, key, removed_ok=True)  # a removed provider's offers are gone already
        for pid in sorted(doomed):
            built = sorted(f"{e}/{p}" for (e, p), offer in study.offers.items() if offer.builder_id == pid)
            self.log(f"remove offers built by {pid}", ", ".join(built) or "none", "removed")
        self.study = study.with_changes(offers={k: v for k, v in study.offers.items() if v.builder_id not in doomed})

    def set(self, path: str, value: Any) -> None:
        if path.startswith("limits."):
            self._set_table("limits", Limits, path, lambda old, _: value)
        elif path.startswith("study."):
            self._set_table("study", StudyInfo, path, lambda old, _: value)
        else:
            self._set_row(path, lambda old: value)

    def scale(self, path: str, factor: float) -> None:
        self._change(path, lambda old: old * factor, f"x{factor:g}")

    def add(self, path: str, amount: float) -> None:
        self._change(path, lambda old: old + amount, f"{amount:+g}")

    def _change(self, path: str, apply: Any, label: str) -> None:
        """Scale or shift a number, every number of a table, a column of offers, or a column of one provider kind's offers."""

        def change(old: Any, key: str) -> Any:
            if isinstance(old, bool) or old is None:
                raise _fail(self.where(key), f"has no number to change (value {old!r})", "wrong_type")
            if isinstance(old, (int, float)):
                return apply(old)
            if isinstance(old, Mapping):
                return {k: change(v, key) for k, v in old.items()}
            raise _fail(self.where(key), f"has no number to change (value {old!r})", "wrong_type")

        column, by_kind = _COLUMN_PATH.match(path), _KIND_PATH.match(path)
        if path.startswith("limits."):
            self._set_table("limits", Limits, path, change)
        elif column:
            self._change_column(column.group(1), column.group(2), apply, path, label)
        elif by_kind:
            self._change_column("offers", by_kind.group(2), apply, path, label, kind=by_kind.group(1))
        else:
            self._set_row(path, lambda old: change(old, path))

    def _set_table(self, table: str, model: type[BaseModel], path: str, new_value: Any) -> None:
        parts = re.sub(r"\[(\d+)\]", r".\1", path).split(".")  # limits.metric_limit[0].max = limits.metric_limit.0.max
        current = self.study.limits if table == "limits" else self.study.info
        if len(parts) < 2 or parts[1] not in model.model_fields:
            known = ", ".join(model.model_fields)
            raise _fail(self.where(path), f"unknown key '{'.'.join(parts[1:])}' in [{table}]; known: {known}")
        field = parts[1]
        old = getattr(current, field)
        if len(parts) == 2:
            updated = new_value(old.model_dump() if isinstance(old, BaseModel) else _plain(old), path)
        elif isinstance(old, (Mapping, tuple)):
            updated = _set_nested(_plain(old), parts[2:], lambda value: new_value(value, path))
            if updated is None:
                raise _fail(self.where(path), f"'{path}' does not name a value of [{table}]")
        else:
            raise _fail(self.where(path), f"'{path}' does not name a value of [{table}]")
        result = _revalidate(model, current, {field: updated}, self.where(path))
        self.log(path, _plain(old), _plain(getattr(result, field)))
        self.study = self.study.with_changes(**({"limits": result} if table == "limits" else {"info": result}))

    def _row(self, path: str) -> tuple[str, tuple[str, ...], str]:
        match = _ROW_PATH.match(path)
        if not match:
            raise _fail(self.where(path), "unknown path; use limits.<key>, study.<key>, elements[id=X].<column>, "
                        "providers[id=X].<column> or offers[element=X,provider=Y].<column>")
        table, selector, column = match.groups()
        keys = ("element", "provider") if table == "offers" else ("id",)
        return table, _parse_selector(selector, keys, self.where(path)), column

    def _set_row(self, path: str, new_value: Any) -> None:
        table, ident, column = self._row(path)
        rows = getattr(self.study, table)
        key = ident if table == "offers" else ident[0]
        if key not in rows:
            raise _fail(self.where(path), f"no {table[:-1]} {', '.join(ident)} in {table}.csv", "unknown_id")
        current = rows[key]
        rows = dict(rows)
        if table == "offers":
            rows[key] = self._updated_offer(current, column, new_value, path)
        else:
            if column not in type(current).model_fields or column == "row":
                raise _fail(self.where(path), f"unknown column '{column}' of {table}.csv")
            old = getattr(current, column)
            rows[key] = _revalidate(type(current), current, {column: new_value(old)}, self.where(path))
            self.log(path, _plain(old), _plain(getattr(rows[key], column)))
        self.study = self.study.with_changes(**{table: rows})

    def _updated_offer(self, offer: Offer, column: str, new_value: Any, path: str) -> Offer:
        if column in self.study.metric_columns:
            old = offer.metrics.get(column, 0.0)
            metrics = dict(offer.metrics)
            metrics[column] = new_value(old)
            updated = _revalidate(Offer, offer, {"metrics": metrics}, self.where(path))
            new = updated.metrics[column]
        elif column in Offer.model_fields and column not in ("row", "metrics", "spend_musd", "element", "provider"):
            old = getattr(offer, column)
            updated = _revalidate(Offer, offer, {column: new_value(old)}, self.where(path))
            new = getattr(updated, column)
            if column == "cost_musd" and offer.spend_musd and offer.cost_musd > 0:
                # an explicit profile keeps its shape: scaled to the new cost
                ratio = updated.cost_musd / offer.cost_musd
                updated = updated.model_copy(update={"spend_musd": {fy: v * ratio for fy, v in offer.spend_musd.items()}})
        else:
            numeric = ", ".join(self.study.numeric_columns)
            raise _fail(self.where(path), f"unknown column '{column}' of offers.csv (numeric columns: {numeric}, first_year, last_year)")
        self.log(path, _plain(old), _plain(new))
        return updated

    def _change_column(self, table: str, column: str, apply: Any, path: str, label: str, kind: str | None = None) -> None:
        """Every offer's `column` (blank cells stay blank), or only the offers of providers of `kind`."""
        if table != "offers":
            raise _fail(self.where(path), "only offers columns can be changed as a whole (offers.<column>, offers[kind=K].<column>)")
        if kind is not None and kind not in {p.kind for p in self.study.providers.values()}:
            raise _fail(self.where(path), f"no provider of kind '{kind}'", "unknown_id")
        offers = {}
        for key, offer in self.study.offers.items():
            provider = self.study.providers.get(offer.provider)
            if kind is not None and (provider is None or provider.kind != kind):
                offers[key] = offer
                continue
            offers[key] = self._updated_offer(offer, column, lambda old: old if old is None else apply(old), path)
        self.changes = [c for c in self.changes if c.key != path]
        self.log(path, "x1" if label.startswith("x") else "+0", label)
        self.study = self.study.with_changes(offers=offers)


def _set_nested(table: Any, keys: list[str], new_value: Any) -> Any:
    """A copy of `table` (nested tables and lists) with the value at `keys` (a.b.0.c) replaced by new_value(old).

    None if a level is neither a table nor a list, or a list has no such entry.
    """
    if isinstance(table, list):
        if not keys[0].isdigit() or int(keys[0]) >= len(table):
            return None
        index = int(keys[0])
        entries: Any = list(table)
        key: Any = index
    elif isinstance(table, Mapping):
        entries = {str(k): v for k, v in table.items()}
        key = keys[0]
    else:
        return None
    if len(keys) == 1:
        entries[key] = new_value(entries[key] if isinstance(entries, list) else entries.get(key))
        return entries
    inner = entries[key] if isinstance(entries, list) else entries.get(key, {})
    changed = _set_nested(inner, keys[1:], new_value)
    if changed is None:
        return None
    entries[key] = changed
    return entries


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def apply_scenario_spec(study: Study, scenario: Scenario, label: str | None = None) -> Study:
    """Apply one scenario (removals, then set, then scale, then add) and return the new study."""
    editor = _Editor(study, label or f"scenario {scenario.name}")
    if scenario.remove_elements:
        editor.remove_elements(scenario.remove_elements, "remove_elements")
    if scenario.remove_providers:
        editor.remove_providers(scenario.remove_providers, "remove_providers")
    if scenario.remove_builders:
        editor.remove_builders(scenario.remove_builders, "remove_builders")
    for path, value in scenario.set.items():
        editor.set(path, value)
    for path, factor in scenario.scale.items():
        editor.scale(path, factor)
    for path, amount in scenario.add.items():
        editor.add(path, amount)
    return editor.study.with_changes(changes=(*study.changes, *editor.changes))


def apply_scenarios(study: Study, names: str | Iterable[str]) -> Study:
    """Apply named scenarios in order (`"a,b"` or `["a", "b"]`); unknown names are an error."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    for name in names:
        if name not in study.scenarios:
            known = ", ".join(study.scenarios) or "none"
            raise _fail(f"--scenario {name}", f"unknown scenario; the study defines: {known}", "unknown_scenario")
        study = apply_scenario_spec(study, study.scenarios[name])
        study = study.with_changes(scenario_chain=(*study.scenario_chain, name))
    return study


def parse_override(text: str) -> tuple[str, Any]:
    """`path=value` from the command line; the value is read as TOML (number, bool, list, string)."""
    import tomllib

    path, sep, raw = text.partition("=")
    # a row selector contains '=' itself: split at the first '=' after the closing bracket
    if "[" in path and "]" not in path:
        close = text.find("]")
        path, sep, raw = text[:close + 1] + text[close + 1:].partition("=")[0], "=", text[close + 1:].partition("=")[2]
    path = path.strip()
    if not sep or not path:
        raise _fail(f"--set {text}", "expected path=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path, value


def apply_overrides(study: Study, overrides: Iterable[str]) -> Study:
    """Apply `--set path=value` overrides after the scenarios, logged like a scenario."""
    settings = dict(parse_override(text) for text in overrides)
    if not settings:
        return study
    return apply_scenario_spec(study, Scenario(name="--set", set=settings), label="--set")
