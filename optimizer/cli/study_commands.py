"""Commands on one study: check, scenarios, run, evaluate, explain, confidence."""

from __future__ import annotations

import sys

import click

from architecture import StudyError
from optimizer.cli.group import EXIT_BAD_INPUT, EXIT_CONFIDENCE_SHORT, EXIT_INFEASIBLE, cli
from optimizer.cli.options import fmt, header, load, objective_option, options_from, out_options, prepare_run, solve_options, study_argument, variant


@cli.command()
@study_argument
@click.option("--uncertainty", "uncertainty", default=None, metavar="FILE",
              help="Also check an uncertainty file (uncertainty.toml: futures and the decision year) against the study.")
def check(study: str, scenario: str, overrides: tuple[str, ...], uncertainty: str | None) -> None:
    """List every problem of a study (and of each of its scenarios)."""
    from architecture import check_study, inspect_study

    issues = inspect_study(study)
    if not issues and (scenario.strip(", ") or overrides or uncertainty):
        try:
            loaded = variant(study, scenario, overrides)
            issues = check_study(loaded)
            if not issues and uncertainty:
                from architecture import load_uncertainty

                load_uncertainty(uncertainty, loaded)
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
    from architecture import apply_scenarios, changed_values, load_study, value_text

    loaded = load_study(study)
    if not loaded.scenarios:
        click.echo("the study defines no scenario")
    for name, spec in loaded.scenarios.items():
        click.echo(f"{name}: {spec.description}")
        rows = changed_values(apply_scenarios(loaded, name))
        width = max((len(path) for path, _, _ in rows), default=0)
        for path, before, after in rows:  # before: the base study's value
            click.echo(f"    {path:<{width}}  {value_text(before)} -> {value_text(after)}")
        if not rows:
            click.echo("    (no value differs from the base study)")


@cli.command()
@study_argument
@objective_option("Objective to optimise (declared in study.toml or built-in). Default: the first declared.")
@out_options("Run folder to write (default: a new folder under results/).")
@click.option("--explain", "explain_limits", is_flag=True, help="Also price each limit: re-solve with it dropped (binding.csv; one solve per limit row).")
@solve_options
def run(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, out: str | None, overwrite: bool,
        explain_limits: bool, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Find the best architecture of a study and write a run folder."""
    from architecture import FAMILY_BY_NAME, blocked_requirements
    from optimizer import binding_table, price_of_decisions, run_confident, run_study
    from optimizer.output import csv_writer, write_run

    loaded, spec, target = prepare_run(study, scenario, overrides, objective, out, overwrite, "run")
    options = options_from(time_limit_s, mip_rel_gap, threads)
    confident = run_confident(loaded, spec.name, options) if loaded.limits.milestone_confidence else None
    result = confident.result if confident is not None else run_study(loaded, spec.name, options)
    extra = {"binding.csv": csv_writer(binding_table(result))} if explain_limits and result.has_solution else None
    price = price_of_decisions(result)
    checks = confident.checks if confident is not None else ()
    written = write_run(target, result, overwrite=overwrite, extra_files=extra, price=price, confidence=checks, confidence_run=confident)
    report = result.report
    gap = f", gap {report.mip_gap:.2e}" if report.mip_gap else ""
    click.echo(f"{report.status}: {spec.name} = {fmt(report.objective, spec.display_unit)} ({spec.sense}){gap}, solved in {report.wall_s:.2f} s")
    if result.architecture is not None and result.evaluation is not None:
        frame = result.evaluation.assignment_frame().set_index("element")
        click.echo(f"  {'element':<32} {'provider':<20} {'builder':<20} procurement")
        for element, provider in result.architecture.assignment.items():
            row = frame.loc[element] if element in frame.index else None
            builder, procured = (row["builder"], row["procurement"]) if row is not None else ("", "")
            click.echo(f"  {element:<32} {provider:<20} {builder if builder != provider else '(itself)':<20} {procured}")
        left_out = [e for e, element in result.study.elements.items() if not element.required and e not in result.architecture.assignment]
        if left_out:
            click.echo(f"optional elements left out ({len(left_out)}): {', '.join(left_out)}")
        binding = [check.limit for check in result.evaluation.limits if check.binding and not FAMILY_BY_NAME[check.family].structural]
        if binding:
            click.echo("limits at their bound: " + ", ".join(binding) + f" (`trade explain {study}` says which change the optimum)")
        if not result.evaluation.feasible:
            click.echo("warning: the evaluator finds violations: " + "; ".join(result.evaluation.violations), err=True)
    for check in checks:
        click.echo(check.sentence(), err=check.short)
    if confident is not None and len(confident.rounds) > 1:
        steps = "; ".join(f"round {r['round']}: {r['samples']} samples, in-sample "
                          + ", ".join(f"{ms} {level:.1%}" for ms, level in r["in_sample_levels"].items()) + f" ({r['status']})"
                          for r in confident.rounds)
        click.echo(f"confidence limits made to hold out of sample: {steps}")
    if price is not None:
        click.echo(price.sentence(spec.display_unit))
        for element, free, decided in price.moved:
            click.echo(f"  {element:<32} {free or '(left out)'} -> {decided or '(left out)'}")
    click.echo(f"wrote {written}")
    if confident is not None and not confident.met and report.has_solution:
        click.echo(f"a confidence limit is not reached out of sample after {len(confident.rounds)} rounds (confidence_status short); "
                   "more [study] confidence_samples, or a lower level, may reach it", err=True)
        sys.exit(EXIT_CONFIDENCE_SHORT)
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
    from architecture import Architecture, Issue
    from architecture import evaluate as score

    loaded = load(study, scenario, overrides)
    if csv_path and assignments:
        raise StudyError(Issue("--csv", "give --csv or --assign, not both", "wrong_type"))
    arch = Architecture.read_csv(csv_path) if csv_path else Architecture.parse(assignments)
    header(loaded)
    ev = score(loaded, arch)
    click.echo(f"objectives (commercial share basis: {loaded.limits.commercial_share_basis}):")
    chosen = {e for e in arch.assignment if e in loaded.elements}
    for name, value in ev.objectives.items():
        spec = loaded.objective(name)
        milestone = spec.milestone
        # a milestone none of whose elements is chosen holds trivially: say so instead of a bare 1 (or 0 months)
        empty = milestone is not None and milestone != "critical_path" and not any(
            milestone in loaded.elements[e].milestones for e in chosen)
        note = f"  (no element of milestone {milestone} is in the architecture: it holds trivially)" if empty else ""
        click.echo(f"  {name:<32} {fmt(value, spec.display_unit)}{note}")
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
@objective_option("Objective whose binding limits to report (default: the first declared).")
@solve_options
def explain(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None,
            time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Why a study is infeasible (smallest relaxation), or which limits bind its optimum."""
    from architecture import blocked_requirements, check_study, decision_conflicts
    from optimizer import StudyModel
    from optimizer.decisions import diagnose_infeasible

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
@objective_option("Simulate the optimum of this objective (default: the study's first, unless --assign or --run).")
@click.option("--assign", "assignments", multiple=True, metavar="ELEMENT=PROVIDER", help="Simulate this architecture instead (repeat per element).")
@click.option("--run", "run_dir", type=click.Path(file_okay=False), default=None, help="Simulate the architecture of this run folder instead.")
@click.option("--samples", type=click.IntRange(min=1), default=10_000, show_default=True, help="Monte Carlo samples.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the samples.")
@out_options("Confidence folder to write (default: a new folder under results/).")
@solve_options
def confidence(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, assignments: tuple[str, ...], run_dir: str | None,
               samples: int, seed: int, out: str | None, overwrite: bool, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Schedule confidence: Monte Carlo of an architecture's slips, the chance each milestone keeps its limit, what drives it."""
    from pathlib import Path

    from architecture import Architecture, Issue, schedule_confidence
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
    drivers = simulated.criticality_frame()
    if not drivers.empty:  # which elements drive each milestone (share of samples whose slip each sets), the top three
        click.echo("drivers (share of samples in which the element's slip sets the milestone's):")
        for ms, rows in drivers.groupby("milestone", sort=False):
            top = rows.head(3)
            click.echo(f"  {ms:<28} " + ", ".join(f"{r.element} {r.criticality:.0%}" for r in top.itertuples()))
    click.echo(f"wrote {written}")
