"""Commands that solve many what-ifs: sweep, sensitivity, stress, alternatives, breakeven."""

from __future__ import annotations

import sys

import click

from optimizer.cli.group import EXIT_INFEASIBLE, cli
from optimizer.cli.options import (
    exit_without_optimum,
    fmt,
    header,
    load,
    objective_option,
    options_from,
    out_options,
    parallel_options,
    prepare_run,
    progress_option,
    scheduler_option,
    solve_options,
    study_argument,
)


@cli.command()
@study_argument
@click.option("--grid", "grid", required=True, type=click.Path(dir_okay=False),
              help="The sweep file: [grid], [lhs] and/or [[runs]] of --scenario/--set changes (docs/scripting.md).")
@objective_option("Objective of every run (default: the sweep file's, else the study's first).")
@out_options("Sweep folder (default: results/<study>/sweep-<file>-<hash>/). The same command on the same folder resumes.",
             "Start afresh in an --out folder that holds another sweep.")
@progress_option()
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
@objective_option("Objective of every run (default: the file's, else the study's first).")
@out_options("Sensitivity folder (default: results/<study>/sensitivity-<file>-<method>-<hash>/). The same command resumes.",
             "Start afresh in an --out folder that exists.")
@progress_option()
@parallel_options
@solve_options
def sensitivity(study: str, scenario: str, overrides: tuple[str, ...], design_file: str, method: str | None, objective: str | None,
                out: str | None, overwrite: bool, progress: bool | None, workers: int | None, scheduler: str | None,
                time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Global sensitivity: which inputs move the optimum, sampled by SALib and solved as a sweep (resumable)."""
    from pathlib import Path

    from architecture import load_sensitivity_design
    from optimizer.decisions import RANKED_BY, plan, run_sensitivity

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
@objective_option("Objective to re-solve (default: the study's first).")
@click.option("--kinds", default="international,commercial", show_default=True, help="Provider kinds to drop, each provider in turn.")
@click.option("--by", "by", type=click.Choice(["provider", "builder"]), default="provider", show_default=True,
              help="Drop each provider with its offers, or each builder with every offer it builds (offers.csv builder), whoever procures it.")
@out_options("Stress folder to write (default: a new folder under results/).")
@parallel_options
@solve_options
def stress(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, kinds: str, by: str, out: str | None, overwrite: bool,
           workers: int | None, scheduler: str | None, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """The N-1 test: drop each partner and each company in turn (or each builder, --by builder), re-solve, report recovery cost and moves."""
    from optimizer import run_stress, write_stress
    from optimizer.decisions import DROPS

    # the two kinds of drop get folders named apart (stress-..., stress-builder-...)
    loaded, spec, target = prepare_run(study, scenario, overrides, objective, out, overwrite, "stress" if by == "provider" else f"stress-{by}")
    options = options_from(time_limit_s, mip_rel_gap, threads)
    result = run_stress(loaded, spec.name, tuple(k.strip() for k in kinds.split(",") if k.strip()), options, workers, scheduler, by=by)
    written = write_stress(target, result, options, overwrite=overwrite)  # before printing, as in compare
    base = result.baseline
    click.echo(f"baseline: {base['status']}, {spec.name} = {fmt(base['objective_value'], spec.display_unit)} ({spec.sense})")
    if result.baseline_solved:
        dropped = "providers" if by == "provider" else "builders"
        click.echo(f"N-1: {len(result.table)} {dropped}, {DROPS[by]}; recovery cost = how much worse {spec.name} gets")
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
@objective_option("Objective whose optimum the alternatives stay near (default: the study's first).")
@click.option("--slack", type=float, default=0.05, show_default=True, help="How far from the optimum's value, as a fraction (0-1).")
@click.option("--count", type=int, default=10, show_default=True, help="Alternatives to find besides the optimum.")
@out_options("Alternatives folder to write (default: a new folder under results/).")
@scheduler_option
@solve_options
def alternatives(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, slack: float, count: int, out: str | None,
                 overwrite: bool, scheduler: str | None, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Architectures within a slack of the optimum, each as different as can be, and the decisions that hold in all of them."""
    from optimizer.decisions import alternatives as near_optimal
    from optimizer.decisions import check_flags
    from optimizer.output import write_alternatives

    check_flags(slack, count)
    loaded, spec, target = prepare_run(study, scenario, overrides, objective, out, overwrite, "alternatives")
    result = near_optimal(loaded, spec.name, slack, count, options_from(time_limit_s, mip_rel_gap, threads), scheduler=scheduler)
    written = write_alternatives(target, result, overwrite=overwrite)
    if result.optimum is None:
        exit_without_optimum(written, result.status, study)
    click.echo(f"optimum {spec.name} = {fmt(result.optimum, spec.display_unit)}; {len(result.table) - 1} alternatives within "
               f"{slack:.1%} ({result.solves} solves in {result.runtime_s:.2f} s)")
    shown = result.table.sort_values(["objective_value", "alternative"], ascending=[spec.sense == "min", True], kind="stable")
    shown = shown.assign(gap=[f"{100 * g:.2f} %" for g in shown["gap"]])  # the slack is a share: so is the gap
    click.echo(shown.to_string(index=False))
    held = result.decisions[result.decisions["holds_within_slack"]]
    click.echo(f"decisions that hold within the slack: {len(held)} of {len(result.decisions)} elements")
    for row in result.decisions.itertuples():
        state = "holds" if row.holds_within_slack else f"could also be: {row.other_providers or '(left out)'}"
        click.echo(f"  {row.element:<32} {row.provider_in_optimum or '(left out)':<22} {state}")
    click.echo(f"wrote {written}")


@cli.command()
@study_argument
@objective_option("Objective whose optimum the prices are measured against (default: the study's first).")
@out_options("Break-even folder to write (default: a new folder under results/).")
@scheduler_option
@solve_options
def breakeven(study: str, scenario: str, overrides: tuple[str, ...], objective: str | None, out: str | None, overwrite: bool,
              scheduler: str | None, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Break-even prices: for every eligible offer, the highest cost (US$M) at which some optimum still includes it."""
    from optimizer.decisions import breakeven as break_even
    from optimizer.output import write_breakeven

    loaded, spec, target = prepare_run(study, scenario, overrides, objective, out, overwrite, "breakeven")
    result = break_even(loaded, spec.name, options_from(time_limit_s, mip_rel_gap, threads), scheduler=scheduler)
    written = write_breakeven(target, result, overwrite=overwrite)
    if result.optimum is None:
        exit_without_optimum(written, result.status, study)
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
