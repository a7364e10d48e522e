"""Sensitivity folders on disk: opened (resumed, replaced or refused) before any work, tables and tornado chart written atomically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from architecture import Issue, StudyError
from optimizer.output.folders import read_json


def open_sensitivity_folder(folder: Path, print_: str, overwrite: bool) -> None:
    """Reuse a folder of the same design (resume), start afresh with `overwrite`, refuse anything else before any work."""
    if not folder.exists():
        return
    old = read_json(folder / "manifest.json")
    if not overwrite and old is not None and old.get("kind") == "sensitivity" and old.get("fingerprint") == print_:
        return
    if not overwrite:
        raise StudyError(Issue(str(folder), "already exists and holds something else; pass --overwrite to replace it or choose another --out",
                               "run_exists"))
    aside = folder.with_name(f".{folder.name}.old")
    if aside.exists():
        shutil.rmtree(aside)
    folder.rename(aside)
    shutil.rmtree(aside)


def write_sensitivity_tables(folder: Path, samples: pd.DataFrame, indices: pd.DataFrame, objective: str, key: str) -> None:
    """samples.csv, indices.csv and tornado.png (the objective's indices ranked by `key`), each replaced atomically."""
    _write_csv(folder / "samples.csv", samples)
    _write_csv(folder / "indices.csv", indices)
    _write_tornado(folder / "tornado.png", indices, objective, key)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)


def _write_tornado(path: Path, indices: pd.DataFrame, objective: str, key: str) -> None:
    """A tornado chart of the objective's indices (largest on top), written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    method = "morris" if key == "mu_star" else "sobol"
    rows = indices[indices["output"] == objective].sort_values(key, na_position="first")
    width = 5.0 + 0.075 * max((len(name) for name in rows["input"]), default=10)
    fig, ax = plt.subplots(figsize=(width, 1.4 + 0.45 * len(rows)))
    if method == "morris":
        ax.barh(rows["input"], rows["mu_star"], xerr=rows["mu_star_conf"], color="#1f77b4", label="mu* (mean |elementary effect|)")
        ax.plot(rows["sigma"], rows["input"], "o", color="#d62728", label="sigma (interactions, non-linearity)")
        ax.set_xlabel(f"change in {objective} from moving one input across its range")
    else:
        ax.barh(rows["input"], rows["ST"], xerr=rows["ST_conf"], color="#1f77b4", label="ST (total)")
        ax.barh(rows["input"], rows["S1"], height=0.4, color="#ff7f0e", label="S1 (first order)")
        ax.set_xlabel(f"share of the variance of {objective}")
    ax.set_title(f"What moves {objective} ({method})")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
