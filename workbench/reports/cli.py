"""The ``workbench report`` command (registered by :mod:`workbench.cli` through :func:`register`).

    workbench report monthly --period 2025-09 --role analyst --key-file analyst.key --out 月通报.html
    workbench report monthly --region 青山县 --out 青山县月通报.html       (last complete month)
    workbench report unit --unit 青山县住建局 --period 2025Q3 --out 青山县住建局.html
    workbench report index reports/                                     (reports/index.html)

Bad parameters, a missing key, a trainer on real data, or a page the export guard refuses: the
message on stderr and exit code 2 (nothing is written).

>>> import argparse
>>> p = argparse.ArgumentParser(prog="workbench"); sub = p.add_subparsers(dest="command")
>>> register(sub)
>>> a = p.parse_args(["report", "monthly", "--period", "2025-09", "--role", "analyst", "--out", "x.html"])
>>> a.kind, a.period, a.role, a.out
('monthly', '2025-09', 'analyst', 'x.html')
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register", "run"]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", default=None, help="2025-09 (a unit report also takes 2025Q3 or 2025); "
                                                  "default: the ledger's last complete month")
    p.add_argument("--role", choices=["supervisor", "analyst", "trainer"], default=None,
                   help="what the report may show of persons (default: the configured role)")
    p.add_argument("--key-file", dest="key_file", default=None,
                   help="the analyst's pseudonym key (make one with `workbench key new FILE`)")
    p.add_argument("--policy", default=None, help="deadline policy name or TOML path (default: the configured one)")
    p.add_argument("--as-of", dest="as_of", default=None, help="'today' for the clocks (default: the ledger's latest moment)")
    p.add_argument("--data", default=None, help="ledger folder, file, .pkl Casebook or database URL (default: the bundled sample)")
    p.add_argument("--lang", choices=["zh", "en"], default=None)
    p.add_argument("--out", default=None, help="the HTML file to write")


def register(subparsers) -> None:
    """Add ``report`` (monthly · unit · index) to the ``workbench`` command's subparsers."""
    rp = subparsers.add_parser("report", help="render the monthly bulletin or a unit report to one offline HTML page")
    kinds = rp.add_subparsers(dest="kind", required=True)
    m = kinds.add_parser("monthly", help="信访工作月通报: the monthly bulletin")
    m.add_argument("--region", default=None, help="a region code or name (问题属地), e.g. 339921 or 青山县")
    _common(m)
    m.set_defaults(func=run)
    u = kinds.add_parser("unit", help="单位责任报告: one responsible unit's accountability report")
    u.add_argument("--unit", required=True, help="the unit's name or unit_id, e.g. 青山县住建局")
    _common(u)
    u.set_defaults(func=run)
    ix = kinds.add_parser("index", help="write index.html listing the reports in a folder")
    ix.add_argument("folder")
    ix.add_argument("--lang", choices=["zh", "en"], default=None)
    ix.set_defaults(func=run)


def _default_out(args: argparse.Namespace) -> str:
    period = args.period or "latest"
    if args.kind == "unit":
        return f"单位责任报告-{args.unit}-{period}.html"
    return f"月通报-{args.region}-{period}.html" if args.region else f"月通报-{period}.html"


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed ``workbench report`` command; 0 on success, 2 on refusal or bad input."""
    from ..privacy import LeakError, PrivacyError
    from ..quality import LoadError
    from ..rules.policy import PolicyError
    from .scope import ReportError

    try:
        if args.kind == "index":
            from .index import list_reports, write_index

            out = write_index(args.folder, language=args.lang)
            print(f"index of {len(list_reports(args.folder))} reports written to {out}")
            return 0
        from .render import render_report

        out = render_report(args.kind, out=args.out or _default_out(args), period=args.period,
                            region=getattr(args, "region", None), unit=getattr(args, "unit", None), role=args.role,
                            policy=args.policy, as_of=args.as_of, data=args.data, language=args.lang,
                            key_file=args.key_file)
    except (ReportError, PrivacyError, LoadError, LeakError, PolicyError, NotADirectoryError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0
