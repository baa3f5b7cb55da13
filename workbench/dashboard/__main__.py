"""``python -m workbench.dashboard [--port N] [--data FOLDER] …``: the same as ``workbench dashboard``."""

from __future__ import annotations

import argparse
import sys

from .cli import register


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m workbench.dashboard")
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["dashboard", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
