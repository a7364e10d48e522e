"""`trade phased`: what to commit now and what can wait, under an uncertainty file's futures."""

from __future__ import annotations

import click

from optimizer.cli.group import cli
from optimizer.cli.options import (
    exit_without_optimum,
    fmt,
    objective_option,
    options_from,
    out_options,
    prepare_run,
    progress_option,
    solve_options,
    study_argument,
)


@cli.command()
@study_argument
@click.option("--uncertainty", "uncertainty_file", required=True, metavar="FILE",
              help="The futures and the decision years (uncertainty.toml, docs/inputs.md).")
@objective_option("Cost to weigh over the futures (default: the study's first objective).")
@click.option("--engine", type=click.Choice(["extensive", "hedging"]), default="extensive", show_default=True,
              help="extensive: one MILP of every future, proven optimal. hedging: progressive hedging (mpi-sppy), one "
                   "model per future, for trees too big to solve whole; reports its bound and gap.")
@click.option("--iterations", type=click.IntRange(min=1), default=100, show_default=True, help="Progressive hedging's rounds at most.")
@out_options("Phased folder to write (default: a new folder under results/).")
@progress_option()
@solve_options
def phased(study: str, scenario: str, overrides: tuple[str, ...], uncertainty_file: str, objective: str | None, engine: str,
           iterations: int, out: str | None, overwrite: bool, progress: bool | None, time_limit_s: float | None, mip_rel_gap: float,
           threads: int | None) -> None:
    """Commit now to what holds in every future; each future's recourse; expected and worst cost, EVPI and VSS."""
    from architecture import load_uncertainty
    from optimizer.output import write_phased
    from optimizer.phased import (
        HedgingOptions,
        InformationValues,
        PhasedModel,
        commitment_values,
        information_values,
        price_commitments,
        progress_bar,
        solve_hedging,
    )

    loaded, spec, target = prepare_run(study, scenario, overrides, objective, out, overwrite, "phased")
    futures = load_uncertainty(uncertainty_file, loaded)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    hedged = None
    if engine == "hedging":
        result, hedged = solve_hedging(loaded, futures, spec.name, options, HedgingOptions(iterations=iterations), progress=progress)
        model = None
    else:
        model = PhasedModel(loaded, futures, spec.name, options)
        result = model.solve()
    steps = len(futures.names) + 2 + (len(result.commitments) if model is not None else 0)
    with progress_bar(steps, progress) as bar:
        if result.futures:
            price = None if model is not None else (lambda fixed: price_commitments(loaded, futures, spec.name, fixed, options))
            values = information_values(loaded, futures, result, options, model, price=price, step=lambda: bar.update(1))
            protection = commitment_values(loaded, futures, result, options, model, step=lambda: bar.update(1)) if model is not None else []
        else:
            values, protection = InformationValues(None, None, None, ()), []
    written = write_phased(target, result, values, protection, overwrite=overwrite, hedging=hedged)
    unit = spec.display_unit
    if not result.futures:
        from optimizer.phased import stranded_futures

        alone = stranded_futures(loaded, futures, spec.name, options)
        if alone:
            click.echo(f"no plan has a recourse in every future: {len(alone)} of {len(futures.names)} have none even alone "
                       f"({', '.join(alone[:8])}{', ...' if len(alone) > 8 else ''}); `trade explain {study}` with that future's changes "
                       "says why", err=True)
        exit_without_optimum(written, result.status, study)
    click.echo(f"decided in FY{futures.decide_fy}: {len(result.decided_now)} offers; {len(futures.names)} futures, risk {futures.risk}"
               f"{f' at {futures.cvar_level:g}' if futures.cvar_level else ''}")
    if hedged is not None:
        click.echo(f"progressive hedging: {hedged.iterations} rounds{'' if hedged.converged else ' (not converged)'}, plan "
                   f"{fmt(hedged.value_musd, unit)} against a bound of {fmt(hedged.bound_musd, unit)}: gap {hedged.gap:.3%}")
    click.echo("commit now" + (" (protects: what doing without it costs; inf: no plan works without it):" if model is not None else
                               " (what each protects is not computed with --engine hedging: one run per commitment):"))
    guards = {(v.element, v.provider): v for v in protection}
    for pair in result.commitments:
        e, p = pair
        walked = [f.name for f in result.futures if pair in f.walked]
        value = guards.get(pair)
        guard = "" if value is None else f"protects {'inf' if value.protects_musd == float('inf') else fmt(value.protects_musd, unit):>14}  "
        click.echo(f"  {e:<28} {p:<20} {loaded.procurement(loaded.offers[pair]):<21} {guard}"
                   f"{'walked away from in: ' + ', '.join(walked) if walked else 'holds in every future'}")
    if result.ended_now:
        liability = sum(loaded.offers[pair].termination_musd for pair in result.ended_now)
        click.echo(f"end now (awarded before FY{futures.decide_fy}, not kept; liabilities {fmt(liability, unit)}): "
                   + ", ".join(f"{e}={p}" for e, p in result.ended_now))
    for point in futures.decision_points:
        chosen = result.committed_at(point.name)
        click.echo(f"decided again in FY{point.decide_fy} in {point.name} (before {', '.join(futures.futures_after(point.name))} is known): "
                   f"commit {', '.join(f'{e}={p}' for e, p in chosen) or 'nothing'}")
    now = set(result.decided_now)
    click.echo("what can wait (chosen once the future is known):")
    for f in result.futures:
        later = [f"{e}={p}" for e, p in sorted(f.architecture.assignment.items()) if (e, p) not in now]
        click.echo(f"  {f.name:<20} p={f.probability:<5g} {spec.name} {fmt(f.cost_musd, unit):>14}  {', '.join(later) or '-'}")
    if values.vss == float("inf"):
        vss = "inf (the plan made on the study as given strands a future)"
    elif not values.deterministic_known:
        vss = "not computed (progressive hedging on decisions by year)"
    else:
        vss = fmt(values.vss, unit)
    click.echo(f"expected {fmt(result.expected_cost_musd, unit)}, worst {fmt(result.worst_cost_musd, unit)}; "
               f"EVPI {fmt(values.evpi, unit)}, VSS {vss}")
    click.echo(f"wrote {written}")
