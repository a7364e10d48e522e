"""Shared fixtures: the tiny study and a factory of its variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from architecture import Study, apply_overrides, load_study

STUDIES = Path(__file__).parent / "studies"
TINY = STUDIES / "tiny"
REFERENCE = Path(__file__).parent.parent / "inputs" / "reference"


@pytest.fixture(scope="session")
def tiny_study() -> Study:
    return load_study(TINY)


@pytest.fixture
def make_study(tiny_study: Study):
    """A factory of tiny-study variants, each changed by `--set`-style overrides (path=value)."""

    def make(*overrides: str) -> Study:
        return apply_overrides(tiny_study, overrides)

    return make


@pytest.fixture(scope="session")
def dask_cluster():
    """A local Dask cluster of two worker processes, shared by the tests that run on Dask."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster
