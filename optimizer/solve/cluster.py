"""Independent solves on a Dask cluster: the shared inputs sent once, one kept model per worker thread.

Break-even prices, the decisions of alternatives and a front's boxes are many solves of one model that differ by a
few bounds. Each worker thread builds its copy once (`kept`) and answers task after task on it; at the end the
command's copies are dropped from every worker (`forget`). The answers equal the local ones: each is a proven
optimum of the same model, whichever copy solves it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: in each worker process: the models kept by a command (token) and worker thread
_KEPT: dict[tuple[str, int], Any] = {}


def kept(token: str, make: Callable[[], Any]) -> Any:
    """This worker thread's copy for the command `token`, made on first use."""
    key = (token, threading.get_ident())
    copy = _KEPT.get(key)
    if copy is None:
        copy = _KEPT[key] = make()
    return copy


def _forget(token: str) -> int:
    keys = [key for key in _KEPT if key[0] == token]
    for key in keys:
        del _KEPT[key]
    return len(keys)


def forget(client: Any, token: str) -> None:
    """Drop a finished command's copies from every worker process."""
    client.run(_forget, token)


def new_token() -> str:
    return uuid.uuid4().hex


@contextmanager
def connected(scheduler: Any) -> Iterator[Any]:
    """A Dask client for `scheduler` (an address, or a Client the caller keeps and closes)."""
    from dask.distributed import Client

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="30s")
    try:
        yield client
    finally:
        if client is not scheduler:
            client.close()


def slots(client: Any) -> int:
    """Worker threads of the cluster: how many tasks run at once."""
    return max(1, sum(client.nthreads().values()))


def on_cluster(scheduler: Any, task: Callable[[str, Any, list[Any]], list[Any]], shared: Any, items: Sequence[Any]) -> list[Any]:
    """task(token, shared, batch) over batches of `items` on the cluster; the results of every item, in their order.

    `shared` is sent to every worker once; batches of a few items each (four per worker thread in all) keep the
    scheduler's per-task cost small beside the solves.
    """
    items = list(items)
    if not items:
        return []
    with connected(scheduler) as client:
        token = new_token()
        handle = client.scatter(shared, broadcast=True, hash=False)
        size = max(1, -(-len(items) // (4 * slots(client))))
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        try:
            futures = [client.submit(task, token, handle, batch, pure=False) for batch in batches]
            return [result for batch in client.gather(futures) for result in batch]
        finally:
            forget(client, token)
