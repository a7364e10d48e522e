"""`--set` overrides: parsed as TOML values, validated like the study files, logged as changes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from architecture import StudyError, apply_overrides, apply_scenarios, parse_override
from tests.conftest import TINY
from trade import cli


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("limits.total_budget_musd=25000", "limits.total_budget_musd", 25000),
        ("offers[element=halo,provider=esa].slip_months=30", "offers[element=halo,provider=esa].slip_months", 30),
        ('limits.excluded_providers=["cnsa","esa"]', "limits.excluded_providers", ["cnsa", "esa"]),
        ("limits.annual_budget_musd.2028=900.5", "limits.annual_budget_musd.2028", 900.5),
        ("elements[id=cargo_2].required=true", "elements[id=cargo_2].required", True),
        ("study.name=plain text", "study.name", "plain text"),
    ],
)
def test_parse_override_reads_values_as_toml(text, path, value):
    assert parse_override(text) == (path, value)


@pytest.mark.parametrize("text", ["no_equals_sign", "=3"])
def test_parse_override_needs_path_and_value(text):
    with pytest.raises(StudyError, match="expected path=value"):
        parse_override(text)


def test_overrides_change_the_study_and_are_logged(tiny_study):
    study = apply_overrides(tiny_study, ["limits.total_budget_musd=25000", "offers[element=halo,provider=esa].slip_months=30",
                                         "limits.annual_budget_musd.2028=900"])
    assert study.limits.total_budget_musd == 25000
    assert study.offers[("halo", "esa")].slip_months == 30
    assert study.limits.annual_budget_musd == {2028: 900}
    assert [(c.scenario, c.key, c.new) for c in study.changes] == [
        ("--set", "limits.total_budget_musd", 25000.0),
        ("--set", "offers[element=halo,provider=esa].slip_months", 30.0),
        ("--set", "limits.annual_budget_musd.2028", {"2028": 900.0}),
    ]
    assert tiny_study.limits.total_budget_musd is None, "the caller's study is left as it was"


def test_overrides_apply_after_scenarios(tiny_study):
    study = apply_overrides(apply_scenarios(tiny_study, "budget_cut"), ["limits.total_budget_musd=6000"])
    assert study.limits.total_budget_musd == 6000
    assert [c.scenario for c in study.changes] == ["scenario budget_cut", "--set"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("limits.total_budget=1", "--set: limits.total_budget: unknown key 'total_budget' in [limits]"),
        ("offers[element=halo,provider=spacex].slip_months=3", "no offer halo, spacex in offers.csv"),
        ("offers[element=halo,provider=esa].slip=3", "unknown column 'slip' of offers.csv"),
        ("providers[id=zzz].name=x", "no provider zzz in providers.csv"),
        ("limits.total_budget_musd=abc", "valid number"),
        ("limits.total_budget_musd=-5", "greater than or equal to 0"),
        ("offers[element=halo].cost_musd=1", "row selector must be [element=...,provider=...]"),
    ],
)
def test_bad_overrides_are_one_line_errors(tiny_study, override, message):
    with pytest.raises(StudyError) as caught:
        apply_overrides(tiny_study, [override])
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cli_set_error_is_one_line_with_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(TINY), "--set", "limits.total_budget=1", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "limits.total_budget" in result.output
    assert not (tmp_path / "run").exists()


def test_changed_values_read_one_row_per_value_against_the_base_study(tiny_study):
    """`trade scenarios` rows: a value changed twice shows the base study's value before; a nested table only its changed entries."""
    from architecture import apply_overrides, changed_values

    key = "offers[element=ppe,provider=nasa].cost_musd"
    base_cost = tiny_study.offers[("ppe", "nasa")].cost_musd
    twice = apply_overrides(apply_overrides(tiny_study, [f"{key}=100"]), [f"{key}=200"])
    assert changed_values(twice) == [(key, base_cost, 200)]
    nested = apply_overrides(tiny_study, ["limits.annual_budget_musd.2026=123.4"])
    rows = changed_values(nested)
    assert [path for path, _, _ in rows] == ["limits.annual_budget_musd.2026"] and rows[0][2] == 123.4
    back = apply_overrides(twice, [f"{key}={base_cost}"])
    assert changed_values(back) == []  # set back to the base value: nothing differs


def test_value_text_has_no_float_noise():
    from architecture import value_text

    assert value_text(20988.320000000003) == "20,988.32"
    assert value_text(None) == "none" and value_text(True) == "true" and value_text([1.5, "a"]) == "[1.5, a]"
