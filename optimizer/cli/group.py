"""The `trade` click group: exit codes, and the one wrapper that turns our exceptions into one-line messages."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from architecture import StudyError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3
#: a confidence limit the answer does not reach out of sample after MAX_ROUNDS rounds (the run folder says confidence_status short)
EXIT_CONFIDENCE_SHORT = 4


class TradeGroup(click.Group):
    """Maps our exceptions to one-line messages and exit codes; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StudyError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python from failing at exit
            ctx.exit(EXIT_OK)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into exit 1
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", err=True)
            ctx.exit(EXIT_BUG)


@click.group(cls=TradeGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Lunar architecture trade studies: who delivers each Gateway and Moon Village element."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
