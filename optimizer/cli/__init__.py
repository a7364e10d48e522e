"""The `trade` command line: one module per command group, the shared options defined once (optimizer/cli/options.py).

Thin click wrappers: each command parses its flags, calls the same public functions a planner's script uses
(architecture/ and the rooms of optimizer/, by their package-level names), and prints its outcome. Nothing
below imports this room.
"""

from optimizer.cli import decision_commands, front_commands, study_commands  # noqa: F401 - each registers its commands on `cli`
from optimizer.cli.group import EXIT_BAD_INPUT, EXIT_BUG, EXIT_CONFIDENCE_SHORT, EXIT_INFEASIBLE, EXIT_OK, cli


def main() -> None:
    """The `trade` console script."""
    cli(prog_name="trade")


__all__ = ["EXIT_BAD_INPUT", "EXIT_BUG", "EXIT_CONFIDENCE_SHORT", "EXIT_INFEASIBLE", "EXIT_OK", "cli", "main"]
