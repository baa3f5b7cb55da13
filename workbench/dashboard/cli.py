"""The ``workbench dashboard`` command (registered by :mod:`workbench.cli` through :func:`register`).

    workbench dashboard                                   the bundled sample, on http://127.0.0.1:8866/
    workbench dashboard --data 台账/ --open                your ledger, opened in the browser
    workbench dashboard --role analyst --key-file analyst.key --lang en --port 8870

A missing data folder, an unknown role, a taken port, an analyst without a key or a trainer on
real data: the message on stderr and exit code 2 (nothing is started).

>>> import argparse
>>> p = argparse.ArgumentParser(prog="workbench"); sub = p.add_subparsers(dest="command")
>>> register(sub)
>>> a = p.parse_args(["dashboard", "--data", "d", "--role", "analyst", "--key-file", "k", "--lang", "en", "--open"])
>>> a.port, a.data, a.role, a.key_file, a.lang, a.open
(None, 'd', 'analyst', 'k', 'en', True)
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register", "run"]


def register(subparsers) -> None:
    """Add ``dashboard`` to the ``workbench`` command's subparsers."""
    d = subparsers.add_parser("dashboard", help="the explorers in the browser (Voila on this machine only)")
    d.add_argument("--port", type=int, default=None, help="default 8866 (another free port when it is taken)")
    d.add_argument("--data", default=None, help="ledger folder or file (default: the bundled sample)")
    d.add_argument("--role", choices=["supervisor", "analyst", "trainer"], default=None,
                   help="what the page may show of persons (default: the configured role)")
    d.add_argument("--key-file", dest="key_file", default=None,
                   help="the analyst's pseudonym key (make one with `workbench key new FILE`)")
    d.add_argument("--lang", choices=["zh", "en"], default=None)
    d.add_argument("--open", action="store_true", help="open the page in the default browser")
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve the dashboard until Ctrl+C; bad input → the message and exit code 2."""
    from ..privacy import PrivacyError
    from .serve import DashboardError, serve

    try:
        return serve(port=args.port, data=args.data, role=args.role, open_browser=args.open,
                     language=args.lang, key_file=args.key_file)
    except (DashboardError, PrivacyError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
