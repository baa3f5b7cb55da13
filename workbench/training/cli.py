"""``workbench training``: the studies, and the trainer's answer sheet.

    workbench training list                       the studies, their notebooks and length
    workbench training answers 01 [--data DIR]    the answers of study 01, computed from the sample
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


def _list(args: argparse.Namespace) -> int:
    from . import studies

    print(studies(language=args.lang).to_string(index=False))
    return 0


def _answers(args: argparse.Namespace) -> int:
    from ..config import set_config
    from ..i18n import text
    from . import answers

    # the answer sheet is the trainer's; the trainer role also keeps it to synthetic data
    set_config(role="trainer", **({"language": args.lang} if args.lang else {}))
    try:
        sheet = answers(args.study, data=args.data, language=args.lang)
    except (KeyError, ValueError, FileNotFoundError) as exc:
        print(f"错误 / error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    lg = args.lang or None
    print(f"{args.study}: {text('training.col.answer', lg)}")
    for row in sheet.itertuples(index=False):
        print()
        print(f"[{row.question}] {row.prompt}")
        print(f"    {text('training.col.answer', lg)}: {row.answer}")
        print(f"    {text('training.col.accepts', lg)}: {row.accepts}")
        print(f"    {text('training.col.source', lg)}: {row.source}")
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``workbench training`` (``list``, ``answers STUDY``) to the CLI's subparsers."""
    p = subparsers.add_parser("training", help="case-study training sessions: list the studies, print a study's answers")
    sub = p.add_subparsers(dest="training_command", required=True)
    ls = sub.add_parser("list", help="the studies and their notebooks")
    ls.add_argument("--lang", choices=["zh", "en"], default=None)
    ls.set_defaults(func=_list)
    a = sub.add_parser("answers", help="the trainer's answer sheet of a study (computed from the sample)")
    a.add_argument("study", help="study id: 01, 02, 03")
    a.add_argument("--data", default=None, help="the sample folder (default: the bundled data/sample)")
    a.add_argument("--lang", choices=["zh", "en"], default=None)
    a.set_defaults(func=_answers)
    return p
