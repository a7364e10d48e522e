"""The `trade` command: thin click wrappers over the public functions of architecture and optimizer.

One module for the whole command line (a subcommand per planner's verb, each parsing its flags and
printing its outcome), as the layout rules want it; hence over 400 lines.
"""

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
    errors = [issue for issue in check_study(loaded) if issue.severity == "error"]
    if errors:
        raise StudyError(errors)
    return loaded


@cli.command()
@study_argument
def check(study: str, scenario: str, overrides: tuple[str, ...]) -> None:
    """List every problem of a study (and of each of its scenarios)."""
    from architecture import check_study, inspect_study

    issues = inspect_study(study)
    if not issues and (scenario.strip(", ") or overrides):
        try:
            issues = check_study(variant(study, scenario, overrides))
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
@click.option("--explain", "explain_limits", is_flag=True, help="Also price each limit: re-solve with it dropped (binding.csv; one solve per limit row).")
@solve_options
def run(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, out: str | None, overwrite: bool,
        explain_limits: bool, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Find the best architecture of a study and write a run folder."""
    from pathlib import Path

    from architecture import FAMILY_BY_NAME, blocked_requirements
    from architecture.schedule_confidence import confidence_checks
    from optimizer import binding_table, price_of_decisions, run_study
    from optimizer.output import csv_writer, default_run_dir, refuse_existing, write_run

    loaded = load(study, scenario, overrides)
    spec = loaded.objective(objective or loaded.default_objective)
    target = Path(out) if out else default_run_dir(loaded, "run", spec.name)
    refuse_existing(target, overwrite)
    header(loaded)
    result = run_study(loaded, spec.name, options_from(time_limit_s, mip_rel_gap, threads))
    extra = {"binding.csv": csv_writer(binding_table(result))} if explain_limits and result.has_solution else None
    price = price_of_decisions(result)
    checks = confidence_checks(result.study, result.architecture) if result.architecture is not None else ()
    written = write_run(target, result, overwrite=overwrite, extra_files=extra, price=price, confidence=checks)
    report = result.report
    gap = f", gap {report.mip_gap:.2e}" if report.mip_gap else ""
    click.echo(f"{report.status}: {spec.name} = {fmt(report.objective, spec.display_unit)} ({spec.sense}){gap}, solved in {report.wall_s:.2f} s")
    if result.architecture is not None and result.evaluation is not None:
        for element, provider in result.architecture.assignment.items():
            click.echo(f"  {element:<32} {provider}")
        binding = [check.limit for check in result.evaluation.limits if check.binding and not FAMILY_BY_NAME[check.family].structural]
        if binding:
            click.echo("limits at their bound: " + ", ".join(binding) + f" (`trade explain {study}` says which change the optimum)")
        if not result.evaluation.feasible:
            click.echo("warning: the evaluator finds violations: " + "; ".join(result.evaluation.violations), err=True)
    for check in checks:
        click.echo(check.sentence(), err=check.short)
    if price is not None:
        click.echo(price.sentence(spec.display_unit))
        for element, free, decided in price.moved:
            click.echo(f"  {element:<32} {free or '(left out)'} -> {decided or '(left out)'}")
    click.echo(f"wrote {written}")
    if not report.has_solution:
        if report.status in ("infeasible", "infeasible_or_unbounded"):
            for line in blocked_requirements(loaded):
                click.echo(line, err=True)
            click.echo(f"the study is infeasible; `trade explain {study}` finds the smallest relaxation", err=True)
        elif report.message:
            click.echo(f"{report.status}: {report.message}", err=True)
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
    from architecture import blocked_requirements, check_study, decision_conflicts
    from optimizer import StudyModel
    from optimizer.diagnose import diagnose_infeasible

    loaded = variant(study, scenario, overrides)
    header(loaded)
    blockers = [str(issue) for issue in check_study(loaded) if issue.check == "no_eligible_offer"]
    blockers += blocked_requirements(loaded) if not blockers else []
    blockers += decision_conflicts(loaded)
    if blockers:
        click.echo("infeasible before any limit applies:")
        for line in blockers:
            click.echo(f"  {line}")
        sys.exit(EXIT_INFEASIBLE)
    check_errors = [issue for issue in check_study(loaded) if issue.severity == "error"]
    if check_errors:
        raise StudyError(check_errors)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    model = StudyModel(loaded, objective, options)
    result = model.solve()
    if result.has_solution:
        spec = result.objective
        click.echo(f"feasible: {spec.name} = {fmt(result.report.objective, spec.display_unit)} ({result.report.status})")
        found = model.binding_limits(result)
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
@click.option("--objectives", required=True, help="2 or more objective names, comma-separated (declared or built-in).")
@click.option("--resolution", "resolutions", multiple=True, metavar="NAME=R",
              help="The front's step in an objective (its unit; repeatable): exact at that resolution (docs/pareto.md).")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr: points, boxes open, solves, time (default: only on a terminal).")
@click.option("--points", type=click.IntRange(min=2), default=None, help="An evenly spread approximation of about N points instead of the exact front.")
@click.option("--time-limit-s", type=click.FloatRange(min=0), default=None, help="Time limit for the whole front; the front is marked incomplete if reached.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="HiGHS threads per subproblem.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Subproblems solved at once (default: 2, or 1 on a one-CPU machine).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Pareto run folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
def pareto(study: str, scenario: str, overrides: tuple[str, ...], objectives: str, resolutions: tuple[str, ...], progress: bool | None,
           points: int | None, time_limit_s: float | None, threads: int, workers: int | None, out: str | None, overwrite: bool) -> None:
    """The exact Pareto front of 2 or more objectives (or exact at a resolution), written as a Pareto run folder."""
    from pathlib import Path

    from optimizer.output import default_run_dir, refuse_existing, write_pareto
    from optimizer.pareto import ParetoOptions, pareto_front

    loaded = load(study, scenario, overrides)
    names = [n.strip() for n in objectives.split(",") if n.strip()]
    for name in names:
        loaded.objective(name)
    steps = resolution_steps(resolutions)
    target = Path(out) if out else default_run_dir(loaded, "pareto", "-".join(names))
    refuse_existing(target, overwrite)
    header(loaded)
    front = pareto_front(loaded, names, ParetoOptions(time_limit_s=time_limit_s, points=points, threads=threads, workers=workers,
                                                      resolution=steps, progress=progress))
    written = write_pareto(target, front, overwrite=overwrite)  # before printing: a closed pipe cannot lose the front
    label = f"{front.method}, complete" if front.complete else ("approximation" if points else "INCOMPLETE")
    click.echo(f"{len(front.points)} nondominated points ({label}); {front.solves} solves in {front.runtime_s:.2f} s (HiGHS {front.highs_runtime_s:.2f} s)")
    if not front.points.empty:
        click.echo(front.points.to_string(index=False))
        ref = ", ".join(f"{k}={fmt(v)}" for k, v in front.reference.items())
        click.echo(f"hypervolume {fmt(front.hypervolume)} against reference point ({ref})")
    for note in front.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {written}")
    if front.points.empty:
        click.echo("the study is infeasible: no point exists", err=True)
        sys.exit(EXIT_INFEASIBLE)


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


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Comparison folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
def compare(runs: tuple[str, ...], out: str | None, overwrite: bool) -> None:
    """Compare Pareto runs (and single runs) over the same objectives: dominance, coverage, hypervolume, what moved."""
    from datetime import UTC, datetime
    from pathlib import Path

    import pandas as pd

    from optimizer.compare import compare_results
    from optimizer.output import read_result, refuse_existing, write_comparison

    results = [read_result(path) for path in runs]
    comparison = compare_results(results)
    target = Path(out) if out else Path("results") / f"compare-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    refuse_existing(target, overwrite)
    written = write_comparison(target, comparison, results, overwrite=overwrite)  # before printing: a closed pipe cannot lose it
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        ref = ", ".join(f"{k}={fmt(v)}" for k, v in comparison.reference.items())
        click.echo(f"objectives: {', '.join(f'{n} [{u}, {s}]' for n, s, u in comparison.objectives)}; hypervolume reference point ({ref})")
        click.echo(comparison.summary.to_string(index=False))
        click.echo("\ndominance (coverage_a_over_b: share of b's points weakly dominated by a's):")
        click.echo(comparison.dominance.to_string(index=False))
        moved = comparison.moved[comparison.moved["status"] != "unchanged"]
        counts = moved["status"].value_counts()
        click.echo(f"\npoints of {results[0].label} that moved or are gone: {int(counts.get('moved', 0))} moved, {int(counts.get('gone', 0))} gone")
        if not moved.empty:
            click.echo(moved.to_string(index=False))
        if not comparison.changes.empty:
            click.echo("\nelements that changed provider in matched points:")
            click.echo(comparison.changes.to_string(index=False))
        if not comparison.limit_changes.empty:
            click.echo("\nlimits that became binding or slack in matched points:")
            click.echo(comparison.limit_changes.to_string(index=False))
    click.echo(f"wrote {written}")


def parallel_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--workers and --scheduler, shared by the commands that solve many what-ifs."""

    @click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes (default: every core; 1 = no pool).")
    @click.option("--scheduler", default=None, metavar="ADDRESS", help="Run on a Dask scheduler instead of local processes, e.g. tcp://10.0.0.5:8786.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


@cli.command()
@study_argument
@click.option("--grid", "grid", required=True, type=click.Path(dir_okay=False),
              help="The sweep file: [grid], [lhs] and/or [[runs]] of --scenario/--set changes (docs/scripting.md).")
@click.option("--objective", default=None, help="Objective of every run (default: the sweep file's, else the study's first).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Sweep folder (default: results/<study>/sweep-<file>-<hash>/). The same command on the same folder resumes.")
@click.option("--overwrite", is_flag=True, help="Start afresh in an --out folder that holds another sweep.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@parallel_options
@solve_options
def sweep(study: str, scenario: str, overrides: tuple[str, ...], grid: str, objective: str | None, out: str | None, overwrite: bool,
          progress: bool | None, workers: int | None, scheduler: str | None, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Solve every what-if of a sweep file into one table (resumable: rerun the same command)."""
    from pathlib import Path

    from architecture import load_sweep_design
    from optimizer import run_sweep, sweep_context, sweep_folder

    loaded = load(study, scenario, overrides)
    design = load_sweep_design(grid)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    context = sweep_context(loaded, design, objective, options)
    target = Path(out) if out else sweep_folder(context, design)
    header(loaded)
    where = f"Dask scheduler {scheduler}" if scheduler else f"{workers or 'all'} local worker(s)"
    goal = ",".join(context.objectives) + " (fronts)" if context.objectives else context.objective
    click.echo(f"sweep {grid}: {len(design.points)} runs of {goal} on {where}")
    result = run_sweep(loaded, design, target, objective=objective, options=options, workers=workers, scheduler=scheduler,
                       overwrite=overwrite, progress=progress)
    if result.resumed:
        click.echo(f"resumed: {result.resumed} runs were already done, {result.ran} solved now")
    counts = result.counts()
    click.echo("runs by status: " + ", ".join(f"{status} {n}" for status, n in counts.items()))
    failed = result.table.loc[result.table["status"].isin(["error", "invalid"])].drop_duplicates("run_id")
    if not failed.empty:
        first = failed.iloc[0]
        click.echo(f"warning: {len(failed)} run(s) failed; run {first['run']} ({first['overrides']}): {first['message']}", err=True)
    click.echo(f"wrote {target} (runs.csv, runs.parquet, manifest.json)")


@cli.command()
@study_argument
@click.option("--design", "design_file", required=True, type=click.Path(dir_okay=False),
              help="The sensitivity file: [ranges] of --set paths and [scale] factors, each [low, high] (docs/scripting.md).")
@click.option("--method", type=click.Choice(["morris", "sobol"]), default=None,
              help="Morris screening (mu*, sigma) or Sobol indices (S1, ST) [default: the file's, else morris].")
@click.option("--objective", default=None, help="Objective of every run (default: the file's, else the study's first).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Sensitivity folder (default: results/<study>/sensitivity-<file>-<method>-<hash>/). The same command resumes.")
@click.option("--overwrite", is_flag=True, help="Start afresh in an --out folder that exists.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@parallel_options
@solve_options
def sensitivity(study: str, scenario: str, overrides: tuple[str, ...], design_file: str, method: str | None, objective: str | None,
                out: str | None, overwrite: bool, progress: bool | None, workers: int | None, scheduler: str | None,
                time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Global sensitivity: which inputs move the optimum, sampled by SALib and solved as a sweep (resumable)."""
    from pathlib import Path

    from architecture.sensitivity_design import load_sensitivity_design
    from optimizer.sensitivity import RANKED_BY, plan, run_sensitivity

    loaded = load(study, scenario, overrides)
    design = load_sensitivity_design(design_file).with_method(method)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    planned = plan(loaded, design, objective, options)
    name = planned.objective
    target = Path(out) if out else planned.default_folder(loaded, design)
    header(loaded)
    where = f"Dask scheduler {scheduler}" if scheduler else f"{workers or 'all'} local worker(s)"
    click.echo(f"sensitivity {design_file}: {design.method}, {len(design.inputs)} inputs, objective {name}, on {where}")
    result = run_sensitivity(loaded, design, target, objective=name, options=options, workers=workers, scheduler=scheduler,
                             overwrite=overwrite, progress=progress, command=None)
    if result.resumed:
        click.echo(f"resumed: {result.resumed} runs were already done")
    solved = int(result.samples["feasible"].sum())
    click.echo(f"{len(result.samples)} samples, {result.runs} distinct runs, {solved} samples with a solution")
    key = RANKED_BY[design.method]
    rows = result.indices[result.indices["output"] == name].sort_values(key, ascending=False)
    click.echo(f"what moves {name} ({key}, largest first):")
    for row in rows.to_dict("records"):
        extra = f"sigma {row['sigma']:,.4g}" if design.method == "morris" else f"S1 {row['S1']:,.3f}"
        click.echo(f"  {row['input']:<60} {key} {row[key]:>12,.4g}  {extra}{'  ' + row['note'] if row['note'] else ''}")
    click.echo(f"wrote {target} (indices.csv, samples.csv, tornado.png, runs/)")


@cli.command()
@study_argument
@click.option("--objective", default=None, help="Objective to re-solve (default: the study's first).")
@click.option("--kinds", default="international,commercial", show_default=True, help="Provider kinds to drop, each provider in turn.")
@click.option("--by", "by", type=click.Choice(["provider", "builder"]), default="provider", show_default=True,
              help="Drop each provider with its offers, or each builder with every offer it builds (offers.csv builder), whoever procures it.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Stress folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
@parallel_options
@solve_options
def stress(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, kinds: str, by: str, out: str | None, overwrite: bool,
           workers: int | None, scheduler: str | None, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """The N-1 test: drop each partner and each company in turn (or each builder, --by builder), re-solve, report recovery cost and moves."""
    from pathlib import Path

    from optimizer import run_stress, write_stress
    from optimizer.output import default_run_dir, refuse_existing

    loaded = load(study, scenario, overrides)
    spec = loaded.objective(objective or loaded.default_objective)
    target = Path(out) if out else default_run_dir(loaded, "stress", spec.name)
    refuse_existing(target, overwrite)
    header(loaded)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    result = run_stress(loaded, spec.name, tuple(k.strip() for k in kinds.split(",") if k.strip()), options, workers, scheduler, by=by)
    written = write_stress(target, result, options, overwrite=overwrite)  # before printing, as in compare
    base = result.baseline
    click.echo(f"baseline: {base['status']}, {spec.name} = {fmt(base['objective_value'], spec.display_unit)} ({spec.sense})")
    if result.baseline_solved:
        dropped = "providers" if by == "provider" else "builders (with every offer each builds)"
        click.echo(f"N-1: {len(result.table)} {dropped} dropped in turn; recovery cost = how much worse {spec.name} gets")
        for row in result.table.to_dict("records"):
            if row["status"] in ("optimal", "feasible"):
                cost = row["recovery_cost"]
                what = f"recovery {'+' if cost > 0 else ''}{fmt(cost, spec.display_unit)}"
                moved = "; ".join(part for part in (row["moved"], row["dropped"] and f"dropped {row['dropped']}",
                                                    row["added"] and f"added {row['added']}") if part)
                click.echo(f"  {row['provider']:<20} {row['kind']:<14} {what:<28} {moved or 'nothing moves'}")
            else:
                click.echo(f"  {row['provider']:<20} {row['kind']:<14} NO RECOVERY ({row['status']}) {row['message']}")
            if by == "builder" and row["held"]:
                click.echo(f"  {'':<20} builds in the baseline: {row['held'].replace(';', ', ')}")
    click.echo(f"wrote {written}")
    if not result.baseline_solved:
        click.echo(f"the baseline has no solution ({base['status']}); `trade explain {study}` says why", err=True)
        sys.exit(EXIT_INFEASIBLE)


@cli.command()
@study_argument
@click.option("--objective", default=None, help="Objective whose optimum the alternatives stay near (default: the study's first).")
@click.option("--slack", type=float, default=0.05, show_default=True, help="How far from the optimum's value, as a fraction (0-1).")
@click.option("--count", type=int, default=10, show_default=True, help="Alternatives to find besides the optimum.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Alternatives folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
@solve_options
def alternatives(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, slack: float, count: int, out: str | None,
                 overwrite: bool, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Architectures within a slack of the optimum, each as different as can be, and the decisions that hold in all of them."""
    from pathlib import Path

    from optimizer.alternatives import alternatives as near_optimal
    from optimizer.alternatives import check_flags
    from optimizer.output import default_run_dir, refuse_existing, write_alternatives

    check_flags(slack, count)
    loaded = load(study, scenario, overrides)
    spec = loaded.objective(objective or loaded.default_objective)
    target = Path(out) if out else default_run_dir(loaded, "alternatives", spec.name)
    refuse_existing(target, overwrite)
    header(loaded)
    result = near_optimal(loaded, spec.name, slack, count, options_from(time_limit_s, mip_rel_gap, threads))
    written = write_alternatives(target, result, overwrite=overwrite)
    if result.optimum is None:
        click.echo(f"wrote {written}")
        click.echo(f"the study has no optimum ({result.status}); `trade explain {study}` says why", err=True)
        sys.exit(EXIT_INFEASIBLE)
    click.echo(f"optimum {spec.name} = {fmt(result.optimum, spec.display_unit)}; {len(result.table) - 1} alternatives within "
               f"{slack:.1%} ({result.solves} solves in {result.runtime_s:.2f} s)")
    click.echo(result.table.to_string(index=False))
    held = result.decisions[result.decisions["holds_within_slack"]]
    click.echo(f"decisions that hold within the slack: {len(held)} of {len(result.decisions)} elements")
    for row in result.decisions.itertuples():
        state = "holds" if row.holds_within_slack else f"could also be: {row.other_providers or '(left out)'}"
        click.echo(f"  {row.element:<32} {row.provider_in_optimum or '(left out)':<22} {state}")
    click.echo(f"wrote {written}")


@cli.command()
@study_argument
@click.option("--objective", default=None, help="Objective whose optimum the prices are measured against (default: the study's first).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Break-even folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
@solve_options
def breakeven(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, out: str | None, overwrite: bool,
              time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Break-even prices: for every eligible offer, the highest cost (US$M) at which some optimum still includes it."""
    from pathlib import Path

    from optimizer.breakeven import breakeven as break_even
    from optimizer.output import default_run_dir, refuse_existing, write_breakeven

    loaded = load(study, scenario, overrides)
    spec = loaded.objective(objective or loaded.default_objective)
    target = Path(out) if out else default_run_dir(loaded, "breakeven", spec.name)
    refuse_existing(target, overwrite)
    header(loaded)
    result = break_even(loaded, spec.name, options_from(time_limit_s, mip_rel_gap, threads))
    written = write_breakeven(target, result, overwrite=overwrite)
    if result.optimum is None:
        click.echo(f"wrote {written}")
        click.echo(f"the study has no optimum ({result.status}); `trade explain {study}` says why", err=True)
        sys.exit(EXIT_INFEASIBLE)
    click.echo(f"optimum {spec.name} = {fmt(result.optimum, spec.display_unit)}; break-even prices of {len(result.table)} offers "
               f"({result.solves} solves in {result.runtime_s:.2f} s)")
    click.echo(f"  {'element':<24} {'provider':<20} {'cost':>10} {'break-even':>11} {'margin':>10}")
    for row in result.table.itertuples():
        price = "any" if row.breakeven_cost_musd == float("inf") else "-" if row.breakeven_cost_musd != row.breakeven_cost_musd \
            else f"{row.breakeven_cost_musd:,.2f}"
        margin = "" if row.margin_musd != row.margin_musd else f"{row.margin_musd:+,.2f}"
        click.echo(f"{'*' if row.chosen else ' '} {row.element:<24} {row.provider:<20} {row.cost_musd:>10,.2f} {price:>11} {margin:>10}"
                   f"{'  ' + row.note if row.note else ''}")
    click.echo("* chosen in the optimum; US$M. A chosen offer stays in some optimum up to its break-even, "
               "another joins one at or below it.")
    click.echo(f"wrote {written}")


@cli.command()
@study_argument
@click.option("--objective", default=None, help="Simulate the optimum of this objective (default: the study's first, unless --assign or --run).")
@click.option("--assign", "assignments", multiple=True, metavar="ELEMENT=PROVIDER", help="Simulate this architecture instead (repeat per element).")
@click.option("--run", "run_dir", type=click.Path(file_okay=False), default=None, help="Simulate the architecture of this run folder instead.")
@click.option("--samples", type=click.IntRange(min=1), default=10_000, show_default=True, help="Monte Carlo samples.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the samples.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Confidence folder to write (default: a new folder under results/).")
@click.option("--overwrite", is_flag=True, help="Replace the --out folder if it exists.")
@solve_options
def confidence(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, assignments: tuple[str, ...], run_dir: str | None,
               samples: int, seed: int, out: str | None, overwrite: bool, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Schedule confidence: Monte Carlo of an architecture's slips, the chance each milestone keeps its limit, what drives it."""
    from pathlib import Path

    from architecture import Architecture, Issue
    from architecture.schedule_confidence import schedule_confidence
    from optimizer import run_study
    from optimizer.output import default_run_dir, refuse_existing, write_confidence

    given = [flag for flag, value in (("--objective", objective), ("--assign", assignments), ("--run", run_dir)) if value]
    if len(given) > 1:
        raise StudyError(Issue(" and ".join(given), "give one of --objective, --assign or --run", "wrong_type"))
    loaded = load(study, scenario, overrides)
    if assignments:
        arch, source = Architecture.parse(assignments), {"assign": list(assignments)}
    elif run_dir:
        path = Path(run_dir) / "assignment.csv"
        if not path.is_file():
            raise StudyError(Issue(str(path), "is missing: --run needs a run folder written by `trade run`", "missing_file"))
        arch, source = Architecture.read_csv(str(path)), {"run": str(Path(run_dir).resolve())}
    else:
        spec = loaded.objective(objective or loaded.default_objective)
        result = run_study(loaded, spec.name, options_from(time_limit_s, mip_rel_gap, threads))
        if result.architecture is None:
            click.echo(f"the study has no optimum of {spec.name} ({result.report.status}); `trade explain {study}` says why", err=True)
            sys.exit(EXIT_INFEASIBLE)
        arch, source = result.architecture, {"objective": spec.name, "objective_value": result.report.objective}
    label = source.get("objective") or ("run" if run_dir else "assigned")
    target = Path(out) if out else default_run_dir(loaded, "confidence", str(label))
    refuse_existing(target, overwrite)
    header(loaded)
    simulated = schedule_confidence(loaded, arch, samples, seed)
    written = write_confidence(target, simulated, source, overwrite=overwrite)
    rate = samples / simulated.runtime_s if simulated.runtime_s > 0 else float("inf")
    click.echo(f"{samples:,} samples (seed {seed}) in {simulated.runtime_s:.3f} s ({rate:,.0f} samples/s)")
    click.echo(simulated.confidence_frame().to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    click.echo(f"wrote {written}")


@cli.command()
@click.argument("result_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="The page to write (default: RESULT_DIR/report.html).")
@click.option("--overwrite", is_flag=True, help="Replace the page if it exists.")
def report(result_dir: str, out: str | None, overwrite: bool) -> None:
    """One self-contained HTML page of a result folder (run, Pareto, compare, sweep, stress): opens offline, from disk."""
    from optimizer.output import write_report

    written = write_report(result_dir, out, overwrite)
    click.echo(f"wrote {written}")


def main() -> None:
    cli(prog_name="trade")


if __name__ == "__main__":
    main()
