"""Result folders: written atomically, described by their manifests, read back as tables; never solves.

The only part of the optimizer that opens files (tests/test_layout.py).
"""

from optimizer.output.folders import (
    FLOAT_DECIMALS,
    SWEEP_RECORDS,
    ZERO_THRESHOLD,
    clean_number,
    csv_writer,
    default_run_dir,
    json_writer,
    open_sweep_folder,
    read_json,
    read_sweep_records,
    refuse_existing,
    run_dir_stem,
    slug,
    tidy,
    write_folder,
    write_json_atomic,
    write_sweep_record,
    write_sweep_table,
)
from optimizer.output.front_checkpoint import ANSWERS as ANSWERS_FILE
from optimizer.output.front_checkpoint import IDENTITY as IDENTITY_FILE
from optimizer.output.front_checkpoint import (
    CheckpointWriter,
    checkpoint_files,
    find_checkpoint,
    front_identity,
    open_front_checkpoint,
    read_answers,
)
from optimizer.output.manifests import (
    ENGINE_NAME,
    SCHEMA_VERSION,
    active_limits,
    command_line,
    engine_version,
    manifest,
    pareto_manifest,
    run_manifest,
    solver_description,
    study_provenance,
    utc_now,
)
from optimizer.output.phased_folder import write_phased
from optimizer.output.plots import draw_fronts, plot_writer, warm_up
from optimizer.output.reading import ResultFolder, ResultTables, read_result, read_tables
from optimizer.output.writers import (
    EMPTY_ASSIGNMENT,
    write_alternatives,
    write_breakeven,
    write_comparison,
    write_confidence,
    write_pareto,
    write_run,
)

__all__ = [
    "EMPTY_ASSIGNMENT", "ENGINE_NAME", "REPORT_FILE", "render_report", "write_alternatives", "write_breakeven", "write_confidence", "write_report",
    "FLOAT_DECIMALS", "SCHEMA_VERSION", "SWEEP_RECORDS", "ZERO_THRESHOLD", "ANSWERS_FILE", "CheckpointWriter", "IDENTITY_FILE", "ResultFolder", "ResultTables",
    "checkpoint_files", "find_checkpoint", "front_identity", "open_front_checkpoint", "read_answers",
    "active_limits", "clean_number", "command_line", "csv_writer", "default_run_dir", "draw_fronts", "engine_version", "json_writer",
    "manifest", "open_sweep_folder", "pareto_manifest", "plot_writer", "read_json", "read_result", "read_sweep_records", "read_tables",
    "refuse_existing", "run_dir_stem", "run_manifest", "slug", "solver_description", "study_provenance", "tidy", "utc_now", "write_comparison",
    "warm_up", "write_folder", "write_json_atomic", "write_pareto", "write_phased", "write_run", "write_sweep_record", "write_sweep_table",
]

#: the HTML report pulls in plotly (about 0.1 s): loaded on first use, so `trade run` never pays for it
_REPORT_NAMES = ("REPORT_FILE", "render_report", "write_report")


def __getattr__(name: str):  # noqa: ANN202 - PEP 562: the report's names, imported when first asked for
    if name in _REPORT_NAMES:
        from optimizer.output import report

        return getattr(report, name)
    raise AttributeError(f"module 'optimizer.output' has no attribute '{name}'")
