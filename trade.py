"""The `trade` command: thin click wrappers over the public functions of architecture and optimizer."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from architecture import StudyError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


class TradeGroup(click.Group):
    """Maps our exceptions to one-line messages and exit codes; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StudyError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into exit 1
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", err=True)
            ctx.exit(EXIT_BUG)


@click.group(cls=TradeGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Lunar architecture trade studies: who delivers each Gateway and Moon Village element."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def study_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    """STUDY plus --scenario and --set, shared by every command that takes a study."""

    @click.argument("study", type=click.Path(file_okay=False))
    @click.option("--scenario", "scenario", default="", help="Named scenarios to apply, in order: a,b.")
    @click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a limit or a table cell, e.g. limits.total_budget_musd=25000.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def load(study: str, scenario: str, overrides: tuple[str, ...]) -> Any:
    """Load, apply scenarios and overrides, and check: the same calls a script makes."""
    from architecture import apply_overrides, apply_scenarios, check_study, load_study

    loaded = load_study(study)
    loaded = apply_scenarios(loaded, scenario)
    loaded = apply_overrides(loaded, overrides)
    errors = [issue for issue in check_study(loaded) if issue.severity == "error"]
    if errors:
        raise StudyError(errors)
    return loaded


@cli.command()
@study_argument
def check(study: str, scenario: str, overrides: tuple[str, ...]) -> None:
    """List every problem of a study (and of each of its scenarios)."""
    from architecture import apply_overrides, apply_scenarios, check_study, inspect_study, load_study

    names = tuple(n.strip() for n in scenario.split(",") if n.strip())
    issues = inspect_study(study)
    if not issues and (names or overrides):
        try:
            variant = apply_overrides(apply_scenarios(load_study(study), names), overrides)
            issues = check_study(variant)
        except StudyError as exc:
            issues = exc.issues
    for issue in issues:
        click.echo(f"{issue.severity}: {issue}")
    errors = sum(issue.severity == "error" for issue in issues)
    if errors:
        click.echo(f"{study}: {errors} problem(s)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"{study}: ok")


@cli.command()
@study_argument
def scenarios(study: str, scenario: str, overrides: tuple[str, ...]) -> None:
    """List the named scenarios of a study and what each changes."""
    from architecture import load_study

    loaded = load_study(study)
    for name, spec in loaded.scenarios.items():
        click.echo(f"{name}: {spec.description}")


def main() -> None:
    cli(prog_name="trade")


if __name__ == "__main__":
    main()
