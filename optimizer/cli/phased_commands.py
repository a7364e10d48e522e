"""`trade phased`: what to commit now and what can wait, under an uncertainty file's futures."""

from __future__ import annotations

import click

from optimizer.cli.group import cli
from optimizer.cli.options import exit_without_optimum, fmt, objective_option, options_from, out_options, prepare_run, solve_options, study_argument


@cli.command()
@study_argument
@click.option("--uncertainty", "uncertainty_file", required=True, metavar="FILE",
              help="The futures and the decision year (uncertainty.toml, docs/inputs.md).")
@objective_option("Cost to weigh over the futures (default: the study's first objective).")
@out_options("Phased folder to write (default: a new folder under results/).")
@solve_options
def phased(study: str, scenario: str, overrides: tuple[str, ...], uncertainty_file: str, objective: str | None, out: str | None,
           overwrite: bool, time_limit_s: float | None, mip_rel_gap: float, threads: int | None) -> None:
    """Commit now to what holds in every future; each future's recourse; expected and worst cost, EVPI and VSS."""
    from architecture import load_uncertainty
    from optimizer.output import write_phased
    from optimizer.phased import InformationValues, PhasedModel, commitment_values, information_values

    loaded, spec, target = prepare_run(study, scenario, overrides, objective, out, overwrite, "phased")
    futures = load_uncertainty(uncertainty_file, loaded)
    options = options_from(time_limit_s, mip_rel_gap, threads)
    model = PhasedModel(loaded, futures, spec.name, options)
    result = model.solve()
    values = information_values(loaded, futures, result, options, model) if result.futures else InformationValues(None, None, None, ())
    protection = commitment_values(loaded, futures, result, options, model) if result.futures else []
    written = write_phased(target, result, values, protection)
    unit = spec.display_unit
    if not result.futures:
        exit_without_optimum(written, result.status, study)
    click.echo(f"decided in FY{futures.decide_fy}: {len(result.decided_now)} offers; {len(futures.names)} futures, risk {futures.risk}"
               f"{f' at {futures.cvar_level:g}' if futures.cvar_level else ''}")
    click.echo("commit now (protects: what doing without it costs; inf: no plan works without it):")
    for value in protection:
        e, p = value.element, value.provider
        walked = [f.name for f in result.futures if (e, p) in f.walked]
        guard = "inf" if value.protects_musd == float("inf") else fmt(value.protects_musd, unit)
        click.echo(f"  {e:<28} {p:<20} {value.procurement:<21} protects {guard:>14}  "
                   f"{'walked away from in: ' + ', '.join(walked) if walked else 'holds in every future'}")
    for point in futures.decision_points:
        chosen = result.committed_at(point.name)
        click.echo(f"decided again in FY{point.decide_fy} in {point.name} (before {', '.join(futures.futures_after(point.name))} is known): "
                   f"commit {', '.join(f'{e}={p}' for e, p in chosen) or 'nothing'}")
    now = set(result.decided_now)
    click.echo("what can wait (chosen once the future is known):")
    for f in result.futures:
        later = [f"{e}={p}" for e, p in sorted(f.architecture.assignment.items()) if (e, p) not in now]
        click.echo(f"  {f.name:<20} p={f.probability:<5g} {spec.name} {fmt(f.cost_musd, unit):>14}  {', '.join(later) or '-'}")
    vss = "inf (the plan made on the study as given strands a future)" if values.vss == float("inf") else fmt(values.vss, unit)
    click.echo(f"expected {fmt(result.expected_cost_musd, unit)}, worst {fmt(result.worst_cost_musd, unit)}; "
               f"EVPI {fmt(values.evpi, unit)}, VSS {vss}")
    click.echo(f"wrote {written}")
