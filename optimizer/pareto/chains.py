"""Two-objective fronts on several workers: the second objective's range cut in pieces, one chain of boxes in each.

With two objectives each box holds one bound, so a search is a chain: every answer gives the next box. With k
solvers, chain 1 starts at the first payoff row (the best first objective) and chain i at the (i-1)/k-th cut of the
second objective's range (the box "second objective at most the cut"); each walks towards the best second
objective, on its own solver. A chain stops when an answer reaches the next chain's piece: that answer is the next
chain's first point, or covered by its search. Every chain is the same lexicographic boxes as one chain
(docs/pareto.md), so the front is the same, exact or at a resolution.

When one chain ends while another still has a long way to go, the rest of that one is cut in two again and the free
solver starts a new chain at its middle (the same argument applies), so no worker idles while another has more than
two steps of range left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from architecture import Architecture
from optimizer.pareto.box_solve import Deadline, FrontModel, _BoxAnswer, _DirectSolver, _Stopped
from optimizer.pareto.pool import BoxPool, box_pool

Found = tuple[str, dict[str, float], Architecture]


@dataclass
class Chain:
    """One half's walk: the next bound row value on the second objective (min-form), where it stops, how it solves a box."""

    bound: float
    stop_at: float | None  # where the next chain starts: an answer at or below it ends this one (None: the range's end)
    solve: Callable[[float, Deadline], _BoxAnswer | Found | None]  # bound -> answer (in a worker thread)
    reached: float
    done: bool = False

    def __post_init__(self) -> None:
        self.start = self.reached


def walk_chains(model: FrontModel, order: list[str], payoff_rows: list[dict[str, Any]], record: Callable[..., None],
                deadline: Deadline, solvers: Sequence[_DirectSolver] | None, second: FrontModel | None,
                counts: dict[str, int], progress: Any, replay: Mapping[tuple[Any, ...], Any] | None = None,
                on_answer: Callable[[tuple[Any, ...], Any], None] | None = None,
                make_pool: Callable[[int], BoxPool] | None = None) -> None:
    """Search a two-objective front in pieces at once (module docstring).

    `solvers`: two or more plain-HiGHS solvers of the same order (single-stage boxes; a box they cannot prove falls
    back to `model`, in this thread), one chain each; else `second`, another FrontModel, runs chain 2 on the two-stage
    path beside `model`. A box whose bound `replay` answers (a resumed checkpoint) is not solved again; `on_answer`
    hears every new answer; `make_pool` makes the pool the chains' solves run on (ParetoOptions.box_pool).
    """
    replay = replay or {}
    a, b = order
    axis = model.axis(b)
    rows = {row["optimised"]: row for row in payoff_rows}
    top, bottom = axis.sign * rows[a][b], axis.sign * rows[b][b]  # min-form second objective at each end

    def direct(solver: _DirectSolver) -> Callable[[float, Deadline], _BoxAnswer]:
        return lambda bound, left: solver.solve({b: bound}, left)

    def staged(front: FrontModel) -> Callable[[float, Deadline], Found | None]:
        return lambda bound, left: front.lexicographic([a, b], {b: bound}, left)

    solves = [direct(solver) for solver in solvers] if solvers else [staged(model), staged(second)]  # type: ignore[arg-type]
    counts["workers"] = len(solves)
    pieces = max(1, min(len(solves), int((top - bottom) // axis.box_step)))  # each piece at least one box step long
    cuts = sorted({axis.snap(top - (top - bottom) * i / pieces) for i in range(1, pieces)}, reverse=True)
    cuts = [cut for cut in cuts if bottom < cut < top]
    chains = [Chain(top - axis.box_tolerance, None, solves[0], top)]
    for cut, solve in zip(cuts, solves[1:], strict=False):
        chains[-1].stop_at = cut + axis.resolution / 4
        chains.append(Chain(cut + axis.resolution / 2, None, solve, cut))

    def end_of(chain: Chain) -> float:
        return bottom if chain.stop_at is None else chain.stop_at

    def share(finished: Chain) -> None:
        """Give an ended chain's solver the lower half of the longest range still ahead of a running chain."""
        busy = [c for c in chains if not c.done]
        if not busy:
            return
        longest = max(busy, key=lambda c: c.reached - end_of(c))
        if longest.reached - end_of(longest) < 2 * axis.box_step:
            return
        cut = axis.snap((longest.reached + end_of(longest)) / 2)
        chains.append(Chain(cut + axis.resolution / 2, longest.stop_at, finished.solve, cut))
        longest.stop_at = cut + axis.resolution / 4

    def settle(chain: Chain, answer: _BoxAnswer | Found | None, heard: bool = True) -> None:
        """Apply an answer in this (the main) thread: record it, move the chain's bound, or end the chain."""
        bound = chain.bound
        if isinstance(answer, _BoxAnswer):
            model.solves += len(answer.times)
            model.highs_times.extend(answer.times)
            if answer.kind == "empty":
                answer = None
            elif answer.kind == "point":
                counts["single_stage"] += 1
                assert answer.values is not None and answer.arch is not None
                answer = (answer.status, answer.values, answer.arch)
            else:
                counts["fallbacks"] += 1
                answer = model.lexicographic([a, b], {b: chain.bound}, deadline)
        if heard and on_answer is not None:
            on_answer(("chain", bound), answer)
        if answer is None:
            chain.done = True
            return
        status, values, arch = answer
        reached = axis.sign * values[b]
        if chain.stop_at is not None and reached <= chain.stop_at:
            chain.done = True  # in chain 2's half: its first box's answer, found (or to be found) there
            return
        record(status, values, arch)
        chain.reached, chain.bound = reached, reached - axis.box_tolerance

    pool = box_pool(make_pool, len(solves))
    running: dict[Any, Chain] = {}
    try:
        while True:
            for chain in chains:
                while not chain.done and chain not in running.values() and ("chain", chain.bound) in replay:
                    counts["replayed"] = counts.get("replayed", 0) + 1  # answered before this search was stopped
                    settle(chain, replay[("chain", chain.bound)], heard=False)
                    if chain.done:
                        share(chain)
                if not chain.done and chain not in running.values():
                    running[pool.submit(_run, chain.solve, chain.bound, deadline)] = chain
            searched = sum(chain.start - chain.reached for chain in chains)
            progress.chains(top, bottom, searched, model.solves, len(solves))
            if not running:
                break
            for future in pool.first_done(running):
                chain = running.pop(future)
                result = future.result()
                if isinstance(result, _Stopped):
                    raise result
                settle(chain, result)
                if chain.done:
                    share(chain)
    finally:
        pool.close(running)
    counts["chains"] = len(chains)
    if second is not None:
        model.solves += second.solves
        model.highs_times.extend(second.highs_times)
        model.rescues += second.rescues


def _run(solve: Callable[[float, Deadline], Any], bound: float, deadline: Deadline) -> Any:
    try:
        return solve(bound, deadline)
    except _Stopped as stop:
        return stop
