"""Commands on fronts and result folders: pareto, compare, report."""

from __future__ import annotations

import sys

import click

from optimizer.cli.group import EXIT_INFEASIBLE, cli
from optimizer.cli.options import fmt, header, load, out_options, progress_option, resolution_steps, scheduler_option, study_argument


@cli.command()
@study_argument
@click.option("--objectives", required=True, help="2 or more objective names, comma-separated (declared or built-in).")
@click.option("--resolution", "resolutions", multiple=True, metavar="NAME=R",
              help="The front's step in an objective (its unit; repeatable): exact at that resolution (docs/pareto.md).")
@progress_option("Progress on stderr: points, boxes open, solves, time (default: only on a terminal).")
@click.option("--points", type=click.IntRange(min=2), default=None, help="An evenly spread approximation of about N points instead of the exact front.")
@click.option("--time-limit-s", type=click.FloatRange(min=0), default=None, help="Time limit for the whole front; the front is marked incomplete if reached.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="HiGHS threads per subproblem.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Subproblems solved at once (default: 2, or 1 on a one-CPU machine).")
@scheduler_option
@out_options("Pareto run folder to write (default: a new folder under results/).")
def pareto(study: str, scenario: str, overrides: tuple[str, ...], objectives: str, resolutions: tuple[str, ...], progress: bool | None,
           points: int | None, time_limit_s: float | None, threads: int, workers: int | None, scheduler: str | None, out: str | None,
           overwrite: bool) -> None:
    """The exact Pareto front of 2 or more objectives (or exact at a resolution), written as a Pareto run folder."""
    from pathlib import Path

    from optimizer.output import (
        CheckpointWriter,
        checkpoint_files,
        default_run_dir,
        find_checkpoint,
        front_identity,
        open_front_checkpoint,
        run_dir_stem,
        warm_up,
        write_pareto,
    )
    from optimizer.pareto import ParetoOptions, pareto_front

    warm_up()  # the front's PNG needs matplotlib: import it while the front is searched

    loaded = load(study, scenario, overrides)
    names = [n.strip() for n in objectives.split(",") if n.strip()]
    for name in names:
        loaded.objective(name, where="--objectives")
    steps = resolution_steps(resolutions)
    identity = front_identity(loaded, names, steps, points)
    stem = run_dir_stem(loaded, "pareto", "-".join(names))
    # the same command finds the front it stopped (kill -9, a time limit) by its checkpoint, with or without --out
    target = Path(out) if out else (find_checkpoint(stem.parent, f"{stem.name}-", identity) or default_run_dir(loaded, "pareto", "-".join(names)))
    replay = open_front_checkpoint(target, identity, overwrite)
    header(loaded)
    if replay:
        click.echo(f"resuming the front in {target}: {len(replay)} boxes answered before it stopped")
    writer = CheckpointWriter(target)
    try:
        front = pareto_front(loaded, names, ParetoOptions(time_limit_s=time_limit_s, points=points, threads=threads, workers=workers,
                                                          resolution=steps, progress=progress, replay=replay, on_answer=writer,
                                                          scheduler=scheduler))
    finally:
        writer.close()
    # an incomplete front keeps its checkpoint, so the same command continues it; the folder is replaced atomically
    kept = checkpoint_files(target) if not front.complete and not points else {}
    written = write_pareto(target, front, overwrite=True, extra=kept)  # before printing: a closed pipe cannot lose the front
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


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False))
@out_options("Comparison folder to write (default: a new folder under results/).")
def compare(runs: tuple[str, ...], out: str | None, overwrite: bool) -> None:
    """Compare Pareto runs (and single runs) over the same objectives: dominance, coverage, hypervolume, what moved."""
    from datetime import UTC, datetime
    from pathlib import Path

    import pandas as pd

    from optimizer.output import read_result, refuse_existing, write_comparison
    from optimizer.pareto import compare_results

    results = [read_result(path) for path in runs]
    comparison = compare_results(results)
    target = Path(out) if out else Path("results") / f"compare-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    refuse_existing(target, overwrite)
    written = write_comparison(target, comparison, results, overwrite=overwrite)  # before printing: a closed pipe cannot lose it
    # the terminal names results by short labels (A, B, ...) with a legend; the files keep the folder names
    labels = {str(label): chr(ord("A") + i) if i < 26 else f"R{i + 1}" for i, label in enumerate(comparison.summary["result"])}

    def shown(frame: pd.DataFrame) -> str:
        frame = frame.replace({col: labels for col in ("result", "a", "b", "baseline", "other") if col in frame.columns})
        return frame.to_string(index=False, na_rep="-")

    with pd.option_context("display.width", 200, "display.max_columns", 30):
        ref = ", ".join(f"{k}={fmt(v)}" for k, v in comparison.reference.items())
        click.echo(f"objectives: {', '.join(f'{n} [{u}, {s}]' for n, s, u in comparison.objectives)}")
        for result, label in zip(results, labels.values(), strict=True):  # the summary has one row per result, in order
            click.echo(f"  {label} = {result.path}")
        click.echo(f"hypervolume: against one reference point for all results ({ref}); own_hypervolume: each folder's own figure "
                   "against its own reference point (own_reference_point), as `trade pareto` printed it")
        click.echo(shown(comparison.summary))
        click.echo("\ndominance (coverage_a_over_b: share of b's points weakly dominated by a's):")
        click.echo(shown(comparison.dominance))
        moved = comparison.moved[comparison.moved["status"] != "unchanged"]
        counts = moved["status"].value_counts()
        click.echo(f"\npoints of {labels.get(str(comparison.summary['result'].iloc[0]), results[0].label)} that moved or are gone: "
                   f"{int(counts.get('moved', 0))} moved, {int(counts.get('gone', 0))} gone")
        if not moved.empty:
            click.echo(shown(moved))
        if not comparison.changes.empty:
            click.echo("\nelements that changed provider in matched points:")
            click.echo(shown(comparison.changes))
        if not comparison.limit_changes.empty:
            click.echo("\nlimits that became binding or slack in matched points:")
            click.echo(shown(comparison.limit_changes))
    click.echo(f"wrote {written}")


@cli.command()
@click.argument("result_dirs", metavar="RESULT_DIR...", nargs=-1, required=True, type=click.Path(file_okay=False))
@out_options("The page to write (default: RESULT_DIR/report.html; one folder only).", "Replace the page if it exists.", page=True)
def report(result_dirs: tuple[str, ...], out: str | None, overwrite: bool) -> None:
    """One self-contained HTML page per result folder (any kind: run, Pareto, sweep, phased, ...): opens offline, from disk.

    Several folders give one page each, in its folder; every folder is read and every page checked before any is written.
    """
    from pathlib import Path

    from architecture import Issue, StudyError
    from optimizer.output import REPORT_FILE, read_tables, refuse_existing, write_report

    if out is not None and len(result_dirs) > 1:
        raise StudyError(Issue("--out", f"names one page, but {len(result_dirs)} folders were given; leave it out to write "
                                        f"RESULT_DIR/{REPORT_FILE} in each", "wrong_type"))
    for folder in result_dirs:  # nothing is written until every folder reads and no page would be replaced unasked
        read_tables(folder)
        refuse_existing(Path(out) if out is not None else Path(folder) / REPORT_FILE, overwrite)
    for folder in result_dirs:
        click.echo(f"wrote {write_report(folder, out, overwrite)}")
