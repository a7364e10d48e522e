"""The `trade` command: the entry point of the project's agreed layout; the commands live in optimizer/cli/."""

from optimizer.cli import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":
    main()
