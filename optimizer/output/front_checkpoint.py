"""A front's checkpoint in its folder: what the search must match to resume, and every box answered so far.

Two files, in the output folder until the front's own files replace it (docs/results.md#front-checkpoints):
`front.checkpoint.json` (the identity: engine version, study inputs and changes, objectives, resolution, points;
written atomically) and `front.checkpoint.jsonl` (one line per answered box, each appended in one write: a line cut short
is ignored on reading, and its box is solved again).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from architecture import Architecture, Issue, Study, StudyError
from optimizer.output.folders import read_json, write_json_atomic
from optimizer.output.manifests import engine_version

IDENTITY = "front.checkpoint.json"
ANSWERS = "front.checkpoint.jsonl"
#: what a checkpoint must match, in the words of the refusal
MEANING = {"engine_version": "engine version", "study": "study inputs", "changes": "scenarios and --set changes",
           "objectives": "objectives", "resolution": "resolution", "points": "--points"}


def front_identity(study: Study, objectives: Sequence[str], resolution: dict[str, float], points: int | None) -> dict[str, Any]:
    """Everything a front's answers depend on; threads, workers and the time limit do not change an exact answer."""
    return {
        "engine_version": engine_version(),
        "study": dict(sorted(study.input_sha256.items())),
        "changes": {"scenario_chain": list(study.scenario_chain),
                    "changes": [[c.scenario, c.key, json.dumps(c.new, sort_keys=True, default=str)] for c in study.changes]},
        "objectives": list(objectives),
        "resolution": dict(sorted(resolution.items())),
        "points": points,
    }


def _differs(held: dict[str, Any], identity: dict[str, Any]) -> list[str]:
    return [MEANING[key] for key in MEANING if held.get(key) != identity[key]]


def find_checkpoint(parent: Path, prefix: str, identity: dict[str, Any]) -> Path | None:
    """The newest folder `parent/prefix*` whose checkpoint matches `identity` (how the same command finds its stopped front)."""
    if not parent.is_dir():
        return None
    matches = [folder for folder in parent.glob(f"{prefix}*") if (held := read_json(folder / IDENTITY)) is not None and not _differs(held, identity)]
    return max(matches, key=lambda folder: folder.name) if matches else None


def open_front_checkpoint(out: Path, identity: dict[str, Any], overwrite: bool) -> dict[tuple[Any, ...], Any]:
    """Start or resume the checkpoint in `out`; the answers already found (empty when starting).

    A folder holding a checkpoint of another front is refused in one line unless `overwrite` (then the checkpoint
    starts afresh); a folder of finished results is refused unless `overwrite`, and stays as it is until the new
    front's files replace it.
    """
    held = read_json(out / IDENTITY) if out.is_dir() else None
    if held is not None and not _differs(held, identity):
        return read_answers(out / ANSWERS)
    if held is not None and not overwrite:
        raise StudyError(Issue(str(out / IDENTITY), f"is the checkpoint of another front (not the same {', '.join(_differs(held, identity))}); "
                               "pass --overwrite to start afresh or choose another --out", "stale_checkpoint"))
    if out.exists() and held is None and not overwrite:
        raise StudyError(Issue(str(out), "already exists; pass --overwrite to replace it or choose another --out", "run_exists"))
    out.mkdir(parents=True, exist_ok=True)
    (out / ANSWERS).unlink(missing_ok=True)
    write_json_atomic(out / IDENTITY, identity)
    return {}


def read_answers(path: Path) -> dict[tuple[Any, ...], Any]:
    """Box key -> answer (None: empty; else (status, values, Architecture)); a line that does not parse is dropped."""
    answers: dict[tuple[Any, ...], Any] = {}
    if not path.is_file():
        return answers
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            key = (str(entry["key"][0]), *(float(v) for v in entry["key"][1:]))
            found = entry["answer"]
            answers[key] = None if found is None else (str(found["status"]), {k: float(v) for k, v in found["values"].items()},
                                                       Architecture(dict(found["assignment"])))
        except (ValueError, KeyError, TypeError, IndexError):
            continue  # cut short by a kill: that box is solved again
    return answers


def checkpoint_files(out: Path) -> dict[str, Any]:
    """The checkpoint's two files as writers for write_folder (a front stopped early keeps them in its result folder)."""
    contents = {name: (out / name).read_bytes() for name in (IDENTITY, ANSWERS) if (out / name).is_file()}
    return {name: (lambda path, data=data: path.write_bytes(data)) for name, data in contents.items()}


class CheckpointWriter:
    """Appends one line per answered box to `front.checkpoint.jsonl`, each in one unbuffered write.

    A written line is the operating system's at once, so it survives kill -9 of this process; it is synced to disk
    (against a power cut) at most SYNC_EVERY_S after it is written, not per line: a sync costs about 0.4 ms, a
    small front's box about 2 ms.
    """

    SYNC_EVERY_S = 1.0

    def __init__(self, out: Path):
        self.fd = os.open(out / ANSWERS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.synced = time.monotonic()

    def __call__(self, key: tuple[Any, ...], answer: Any) -> None:
        found = None if answer is None else {"status": answer[0], "values": answer[1], "assignment": dict(answer[2].assignment)}
        line = json.dumps({"key": list(key), "answer": found}, default=str) + "\n"
        os.write(self.fd, line.encode("utf-8"))
        if time.monotonic() - self.synced >= self.SYNC_EVERY_S:
            os.fsync(self.fd)
            self.synced = time.monotonic()

    def close(self) -> None:
        os.fsync(self.fd)
        os.close(self.fd)
