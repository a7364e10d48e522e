"""Options shared by the commands (each defined once), loading a study variant, and the printing helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from architecture import StudyError


def study_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    """STUDY plus --scenario, --set, --fix and --forbid, shared by every command that takes a study.

    A decision is a limit like any other (limits.fixed, limits.forbidden): it reaches each command as an override.
    """

    @click.argument("study", type=click.Path(file_okay=False))
    @click.option("--scenario", "scenario", default="", help="Named scenarios to apply, in order: a,b.")
    @click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a limit or a table cell, e.g. limits.total_budget_musd=25000.")
    @click.option("--fix", "fixes", multiple=True, metavar="ELEMENT=PROVIDER",
                  help="Take a decision as given: the element goes to that provider (ELEMENT=none: left out). Repeatable.")
    @click.option("--forbid", "forbids", multiple=True, metavar="ELEMENT=PROVIDER", help="Rule an offer out by choice. Repeatable.")
    @functools.wraps(func)
    def wrapper(*args: Any, fixes: tuple[str, ...] = (), forbids: tuple[str, ...] = (), **kwargs: Any) -> Any:
        kwargs["overrides"] = (*kwargs.get("overrides", ()), *decision_overrides(fixes, forbids))
        return func(*args, **kwargs)

    return wrapper


def decision_overrides(fixes: tuple[str, ...], forbids: tuple[str, ...]) -> list[str]:
    """--fix e=p and --forbid e=p as --set overrides of limits.fixed and limits.forbidden."""
    from architecture import Issue

    def pair(flag: str, text: str) -> tuple[str, str]:
        element, sep, provider = text.partition("=")
        if not sep or not element.strip() or not provider.strip():
            raise StudyError(Issue(f"{flag} {text}", "expected ELEMENT=PROVIDER", "wrong_type"))
        return element.strip(), provider.strip()

    out = [f"limits.fixed.{e}={p}" for e, p in (pair("--fix", text) for text in fixes)]
    forbidden: dict[str, list[str]] = {}
    for e, p in (pair("--forbid", text) for text in forbids):
        forbidden.setdefault(e, []).append(p)
    out += [f"limits.forbidden.{e}=[{', '.join(repr(p) for p in ps)}]" for e, ps in forbidden.items()]
    return out


def variant(study: str, scenario: str, overrides: tuple[str, ...]) -> Any:
    """The study with its scenarios and overrides applied, not yet checked: the same calls a script makes."""
    from architecture import apply_overrides, apply_scenarios, load_study

    return apply_overrides(apply_scenarios(load_study(study), scenario), overrides)


def load(study: str, scenario: str, overrides: tuple[str, ...]) -> Any:
    """variant(), checked: its first error stops the command (exit 2)."""
    from architecture import check_study

    loaded = variant(study, scenario, overrides)
    errors = [_blamed(issue, loaded) for issue in check_study(loaded) if issue.severity == "error"]
    if errors:
        raise StudyError(errors)
    return loaded


def _blamed(issue: Any, study: Any) -> Any:
    """An error the base study did not have names what made it: the `--set` or the scenario that changed that key."""
    from architecture import Issue

    path = issue.location.removeprefix("study.toml:")
    if path == issue.location:
        return issue
    for change in reversed(study.changes):
        if path == change.key or path.startswith(change.key + ".") or change.key.startswith(path + "."):
            where = f"--set {change.key}" if change.scenario == "--set" else f"scenario {change.scenario}: {change.key}"
            for key, flag in (("limits.fixed.", "--fix"), ("limits.forbidden.", "--forbid")):  # the decision flags write these keys
                if change.scenario == "--set" and change.key.startswith(key):
                    where = f"{flag} {change.key.removeprefix(key)}"
            return Issue(where, issue.problem, issue.check, issue.severity)
    return issue


def solve_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--time-limit-s, --mip-rel-gap, --threads, shared by every command that solves."""

    @click.option("--time-limit-s", type=click.FloatRange(min=0), default=None, help="Stop each solve after this many seconds.")
    @click.option("--mip-rel-gap", type=click.FloatRange(min=0), default=1e-6, show_default=True, help="Relative MIP gap at which HiGHS stops.")
    @click.option("--threads", type=click.IntRange(min=1), default=None, help="HiGHS threads.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def options_from(time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> Any:
    from optimizer import SolveOptions

    return SolveOptions(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads)


def header(study: Any) -> None:
    chain = ",".join(study.scenario_chain) or "base"
    required = sum(1 for element in study.elements.values() if element.required)
    click.echo(f"study {study.name} [{chain}]: {len(study.elements)} elements ({required} required, {len(study.elements) - required} optional), "
               f"{len(study.providers)} providers, {len(study.offers)} offers")


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) < 5e-7:  # a slack of -1e-12 is 0, not "-0"
        value = 0.0
    text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.1f}"
    return f"{text} {unit}".rstrip()


def resolution_steps(texts: tuple[str, ...]) -> dict[str, float]:
    """`--resolution NAME=R` values as objective -> step (a one-line error for anything else)."""
    from architecture import Issue

    steps: dict[str, float] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        try:
            step = float(value)
        except ValueError:
            step = -1.0
        if not sep or not name.strip() or not step > 0 or step != step or step == float("inf"):
            raise StudyError(Issue("--resolution", f"expected NAME=R with R a positive number (got {text!r})", "wrong_type"))
        steps[name.strip()] = step
    return steps


#: `--scheduler ADDRESS`: the same option wherever work can go to a Dask cluster (sweeps, stress, sensitivity, fronts,
#: alternatives, break-even)
scheduler_option = click.option("--scheduler", default=None, metavar="ADDRESS",
                                help="Run on a Dask scheduler instead of local processes, e.g. tcp://10.0.0.5:8786.")


def parallel_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--workers and --scheduler, shared by the commands that solve many what-ifs."""

    @click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes (default: every core; 1 = no pool).")
    @scheduler_option
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def objective_option(help_text: str) -> Callable[..., Any]:
    """`--objective NAME`: which objective the command optimises or reads (declared in study.toml or built-in)."""
    return click.option("--objective", default=None, help=help_text)


def out_options(out_help: str, overwrite_help: str = "Replace the --out folder if it exists.", page: bool = False) -> Callable[..., Any]:
    """`--out PATH` (a result folder, or with `page` an HTML file) and `--overwrite`: nothing a user had is replaced unasked."""
    path = click.Path(dir_okay=False) if page else click.Path(file_okay=False)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--overwrite", is_flag=True, help=overwrite_help)(func)
        return click.option("--out", type=path, default=None, help=out_help)(func)

    return decorate


def progress_option(help_text: str = "Progress bar (default: only on a terminal).") -> Callable[..., Any]:
    """`--progress/--no-progress`: a progress bar on stderr; by default only when stderr is a terminal."""
    return click.option("--progress/--no-progress", default=None, help=help_text)


def prepare_run(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, out: str | None, overwrite: bool,
                kind: str) -> tuple[Any, Any, Any]:
    """The study variant, the objective's spec and the result folder, refused before any solve when it exists unasked.

    Prints the study header; the folder defaults to a new one under results/ named by `kind` and objective.
    """
    from pathlib import Path

    from optimizer.output import default_run_dir, refuse_existing

    loaded = load(study, scenario, overrides)
    spec = loaded.objective(objective or loaded.default_objective)
    target = Path(out) if out else default_run_dir(loaded, kind, spec.name)
    refuse_existing(target, overwrite)
    header(loaded)
    return loaded, spec, target


def exit_without_optimum(written: Any, status: str, study: str) -> None:
    """A folder was written but the study has no optimum: say where and why to look, exit EXIT_INFEASIBLE."""
    import sys

    from optimizer.cli.group import EXIT_INFEASIBLE

    click.echo(f"wrote {written}")
    click.echo(f"the study has no optimum ({status}); `trade explain {study}` says why", err=True)
    sys.exit(EXIT_INFEASIBLE)
