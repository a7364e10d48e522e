"""The `trade` command: thin click wrappers over the public functions of architecture and optimizer."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from architecture import StudyError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3
STRUCTURAL = ("eligibility", "assign_required_once", "requires_selected")


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
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python from failing at exit
            ctx.exit(EXIT_OK)
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
    from architecture import apply_scenarios, load_study

    loaded = load_study(study)
    if not loaded.scenarios:
        click.echo("the study defines no scenario")
    for name, spec in loaded.scenarios.items():
        click.echo(f"{name}: {spec.description}")
        for change in apply_scenarios(loaded, name).changes:
            click.echo(f"    {change.key}: {change.old!r} -> {change.new!r}")


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
    click.echo(f"study {study.name} [{chain}]: {len(study.elements)} elements, {len(study.providers)} providers, {len(study.offers)} offers")


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.1f}"
    return f"{text} {unit}".rstrip()


@cli.command()
@study_argument
@click.option("--objective", default=None, help="Objective to optimise (declared in study.toml or built-in). Default: the first declared.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Run folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
@solve_options
def run(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, out: str | None, overwrite: bool,
        time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Find the best architecture of a study and write a run folder."""
    from pathlib import Path

    from optimizer import run_study
    from optimizer.output import default_run_dir, refuse_existing, write_run

    loaded = load(study, scenario, overrides)
    spec = loaded.objective(objective or loaded.default_objective)
    target = Path(out) if out else default_run_dir(loaded, "run", spec.name)
    refuse_existing(target, overwrite)
    header(loaded)
    result = run_study(loaded, spec.name, options_from(time_limit_s, mip_rel_gap, threads))
    written = write_run(target, result, overwrite=overwrite)
    report = result.report
    gap = f", gap {report.mip_gap:.2e}" if report.mip_gap else ""
    click.echo(f"{report.status}: {spec.name} = {fmt(report.objective, spec.display_unit)} ({spec.sense}){gap}, solved in {report.wall_s:.2f} s")
    if result.architecture is not None and result.evaluation is not None:
        for element, provider in result.architecture.assignment.items():
            click.echo(f"  {element:<32} {provider}")
        binding = [check.limit for check in result.evaluation.limits if check.binding and check.family not in STRUCTURAL]
        if binding:
            click.echo("limits at their bound: " + ", ".join(binding) + f" (`trade explain {study}` says which change the optimum)")
        if not result.evaluation.feasible:
            click.echo("warning: the evaluator finds violations: " + "; ".join(result.evaluation.violations), err=True)
    click.echo(f"wrote {written}")
    if not report.has_solution:
        if report.status in ("infeasible", "infeasible_or_unbounded"):
            click.echo(f"the study is infeasible; `trade explain {study}` finds the smallest relaxation", err=True)
        sys.exit(EXIT_INFEASIBLE)


@cli.command()
@study_argument
@click.option("--assign", "assignments", multiple=True, metavar="ELEMENT=PROVIDER", help="One assignment; repeat for each element.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="A CSV with element,provider columns (e.g. a run's assignment.csv).")
def evaluate(study: str, scenario: str, overrides: tuple[str, ...], assignments: tuple[str, ...], csv_path: str | None) -> None:
    """Score a proposed architecture: every objective, every limit with its slack, every violation."""
    from architecture import Architecture
    from architecture.evaluate import evaluate as score

    loaded = load(study, scenario, overrides)
    if csv_path and assignments:
        raise StudyError(__import__("architecture").Issue("--csv", "give --csv or --assign, not both", "wrong_type"))
    arch = Architecture.read_csv(csv_path) if csv_path else Architecture.parse(assignments)
    header(loaded)
    ev = score(loaded, arch)
    click.echo("objectives:")
    for name, value in ev.objectives.items():
        click.echo(f"  {name:<32} {fmt(value, loaded.objective(name).display_unit)}")
    click.echo("limits:")
    for check in ev.limits:
        state = "VIOLATED" if check.violated else ("binding" if check.binding else "ok")
        click.echo(f"  {check.limit:<48} {fmt(check.value, check.unit):>16} {check.sense} {fmt(check.bound, check.unit):<16} slack {fmt(check.slack)}  {state}")
    if ev.violations:
        click.echo("violations:")
        for line in ev.violations:
            click.echo(f"  {line}")
        sys.exit(EXIT_INFEASIBLE)
    click.echo("feasible: no violation")


@cli.command()
@study_argument
@click.option("--objective", default=None, help="Objective whose binding limits to report (default: the first declared).")
@solve_options
def explain(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None,
            time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Why a study is infeasible (smallest relaxation), or which limits bind its optimum."""
    from architecture import apply_overrides, apply_scenarios, check_study, load_study
    from optimizer import run_study
    from optimizer.diagnose import binding_limits, diagnose_infeasible

    loaded = apply_overrides(apply_scenarios(load_study(study), scenario), overrides)
    header(loaded)
    blockers = [issue for issue in check_study(loaded) if issue.check == "no_eligible_offer"]
    if blockers:
        click.echo("infeasible before any limit applies:")
        for issue in blockers:
            click.echo(f"  {issue}")
        sys.exit(EXIT_INFEASIBLE)
    check_errors = [issue for issue in check_study(loaded) if issue.severity == "error"]
    if check_errors:
        raise StudyError(check_errors)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    result = run_study(loaded, objective, options)
    if result.has_solution:
        spec = result.objective
        click.echo(f"feasible: {spec.name} = {fmt(result.report.objective, spec.display_unit)} ({result.report.status})")
        found = binding_limits(result)
        if not found:
            click.echo("no limit changes the optimum: dropping any one of them leaves it as it is")
        else:
            click.echo(f"limits that bind (dropping one alone improves {spec.name} by):")
            for label, gain in found:
                click.echo(f"  {label:<48} {fmt(gain, spec.display_unit)}")
        return
    diagnosis = diagnose_infeasible(loaded, options)
    if diagnosis.architecture is None:
        click.echo(f"{result.report.status}: no relaxation of the limits helps ({diagnosis.status})")
        sys.exit(EXIT_INFEASIBLE)
    click.echo(f"{result.report.status}: the smallest relaxation that makes it feasible:")
    for line in diagnosis.structural:
        click.echo(f"  {line}")
    click.echo("an architecture feasible once relaxed:")
    for element, provider in diagnosis.architecture.assignment.items():
        click.echo(f"  {element:<32} {provider}")
    sys.exit(EXIT_INFEASIBLE)


@cli.command()
@study_argument
@click.option("--objectives", required=True, help="2 or 3 objective names, comma-separated (declared or built-in).")
@click.option("--points", type=click.IntRange(min=2), default=None, help="An evenly spread approximation of about N points instead of the exact front.")
@click.option("--time-limit-s", type=click.FloatRange(min=0), default=None, help="Time limit for the whole front; the front is marked incomplete if reached.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="HiGHS threads per subproblem.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Pareto run folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
def pareto(study: str, scenario: str, overrides: tuple[str, ...], objectives: str, points: int | None, time_limit_s: float | None,
           threads: int, out: str | None, overwrite: bool) -> None:
    """The exact Pareto front of 2 or 3 objectives, written as a Pareto run folder."""
    from pathlib import Path

    from optimizer.output import default_run_dir, refuse_existing, write_pareto
    from optimizer.pareto import ParetoOptions, pareto_front

    loaded = load(study, scenario, overrides)
    names = [n.strip() for n in objectives.split(",") if n.strip()]
    for name in names:
        loaded.objective(name)
    target = Path(out) if out else default_run_dir(loaded, "pareto", "-".join(names))
    refuse_existing(target, overwrite)
    header(loaded)
    front = pareto_front(loaded, names, ParetoOptions(time_limit_s=time_limit_s, points=points, threads=threads))
    label = "exact, complete" if front.complete else ("approximation" if points else "INCOMPLETE")
    click.echo(f"{len(front.points)} nondominated points ({label}); {front.solves} solves in {front.runtime_s:.2f} s (HiGHS {front.highs_runtime_s:.2f} s)")
    if not front.points.empty:
        click.echo(front.points.to_string(index=False))
        ref = ", ".join(f"{k}={fmt(v)}" for k, v in front.reference.items())
        click.echo(f"hypervolume {fmt(front.hypervolume)} against reference point ({ref})")
    for note in front.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {write_pareto(target, front, overwrite=overwrite)}")
    if front.points.empty:
        click.echo("the study is infeasible: no point exists", err=True)
        sys.exit(EXIT_INFEASIBLE)


def main() -> None:
    cli(prog_name="trade")


if __name__ == "__main__":
    main()
