"""Multi-objective multidimensional knapsack instances (MOMKP, as shipped in pyaugmecon's wheel) as studies of this engine.

An instance `<p>kp<n>` has n items, p objectives (maximise c_k . x) and p knapsack rows (a_k . x <= b_k). As a study:
every item is an optional element with one offer, its weights and values are offers columns, each knapsack row is a
`metric_max` limit, each objective a declared objective over a column. The published front (`pareto_sols.csv`) is
the independent answer a bench compares with.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from architecture.elements import Element
from architecture.offers import Offer
from architecture.policy import Limits, ObjectiveSpec
from architecture.providers import Provider
from architecture.study import Study, StudyInfo


def read_indexed(path: Path) -> np.ndarray:
    """A CSV with a header row and an index column: the body."""
    data = np.genfromtxt(path, delimiter=",", skip_header=1, filling_values=0.0)
    return (data.reshape(1, -1) if data.ndim == 1 else data)[:, 1:]


def momkp_study(folder: Path, objectives: int | None = None) -> Study:
    """The instance in `folder` (a.csv, b.csv, c.csv) as a study with objectives c1..cp (all max)."""
    a, b, c = (read_indexed(folder / f"{name}.csv") for name in ("a", "b", "c"))
    p = objectives or int(folder.name.split("kp")[0])
    items = a.shape[1]
    elements = {f"i{j:03d}": Element(id=f"i{j:03d}", name=f"item {j}", category="item", location="surface", required=False,
                                     critical_path=False) for j in range(items)}
    columns = [f"w{k + 1}" for k in range(p)] + [f"c{k + 1}" for k in range(p)]
    offers = {}
    for j, eid in enumerate(elements):
        metrics = {**{f"w{k + 1}": float(a[k][j]) for k in range(p)}, **{f"c{k + 1}": float(c[k][j]) for k in range(p)}}
        offers[(eid, "maker")] = Offer(element=eid, provider="maker", cost_musd=0.0, slip_months=0.0, metrics=metrics)
    limits = Limits(metric_max={f"w{k + 1}": float(b[k][0]) for k in range(p)})
    specs = {f"c{k + 1}": ObjectiveSpec(name=f"c{k + 1}", sense="max", column=f"c{k + 1}", unit="value") for k in range(p)}
    return Study(info=StudyInfo(name=folder.name, first_year=2025, last_year=2025), elements=elements,
                 providers={"maker": Provider(id="maker", name="maker", kind="commercial")}, offers=offers, limits=limits,
                 objectives=specs, metric_columns=tuple(columns))


def published_front(folder: Path) -> set[tuple[float, ...]]:
    """The instance's published Pareto front (pareto_sols.csv), as objective vectors."""
    return {tuple(float(v) for v in row) for row in read_indexed(folder / "pareto_sols.csv")}
