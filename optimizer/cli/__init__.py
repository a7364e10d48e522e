"""The `trade` command line: one module per command group, the shared options defined once (optimizer/cli/options.py).

Thin click wrappers: each command parses its flags, calls the same public functions a planner's script uses
(architecture/ and the rooms of optimizer/, by their package-level names), and prints its outcome. Nothing
below imports this room.
"""

import atexit
import os
import sys

_exit_code: list[int] = []  # set by main() only: a `trade` process, never a script or a test that imports the commands


def _skip_teardown() -> None:
    """After every other exit handler has run, end the `trade` process without freeing its modules one by one.

    Registered before the engine's imports, so it runs last. Python's teardown of pandas, Pyomo and HiGHS takes
    about 0.2 s and writes nothing: every result file is already closed (written atomically by context managers)
    and the output streams are flushed here.
    """
    if _exit_code:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_code[0])


atexit.register(_skip_teardown)

from optimizer.cli import decision_commands, front_commands, phased_commands, study_commands  # noqa: E402, F401 - each registers its commands on `cli`
from optimizer.cli.group import EXIT_BAD_INPUT, EXIT_BUG, EXIT_CONFIDENCE_SHORT, EXIT_INFEASIBLE, EXIT_OK, cli  # noqa: E402


def main() -> None:
    """The `trade` console script (exit codes: optimizer/cli/group.py)."""
    try:
        cli(prog_name="trade")
    except SystemExit as exc:
        code = exc.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = EXIT_BUG
        _exit_code.append(code or EXIT_OK)
        raise


__all__ = ["EXIT_BAD_INPUT", "EXIT_BUG", "EXIT_CONFIDENCE_SHORT", "EXIT_INFEASIBLE", "EXIT_OK", "cli", "main"]
