"""What a bench prints about the machine it ran on: the load it saw, and the speed of one core.

Figures of different sessions are only comparable on the same machine speed: a virtual machine's core can be a
quarter faster one day than another. `core_speed_s` times a fixed pure-Python loop (no library, the same work in
every version of this project); a bench prints it at its start and end.
"""

from __future__ import annotations

import os
import time


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def core_speed_s(steps: int = 5_000_000, repeats: int = 3) -> float:
    """The best of `repeats` timings of a fixed loop of `steps` integer additions and multiplications (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(steps):
            total += i * i & 1023
        best = min(best, time.perf_counter() - start)
    return best


def machine_line() -> str:
    return f"{os.cpu_count()} cores, load {load()}, one core's fixed loop {core_speed_s():.3f} s"
