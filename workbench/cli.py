"""The ``workbench`` command.

    workbench sample --cases 20000 --out data/sample     generate a synthetic city's ledger
    workbench check FILE [FILE ...]                       load, print the quality account
    workbench lab                                         JupyterLab on the start notebook
    workbench render [--out out/00_start_here.html]       run the start notebook headless to HTML
    workbench render --all [--out out/]                   run every notebook, one HTML page each
    workbench render --notebook 01_delays                 run one notebook
    workbench policy                                      the bundled deadline policies and their clocks
    workbench policy 2022 --copy ours.toml                start a local policy from a bundled one
    workbench policy ours.toml                            check a policy file and print its clocks
    workbench blame FILE [FILE ...] --out 责任倒查.xlsx      the accountability workbook (and --network net.gexf)
    workbench report monthly --period 2025-09 --role analyst --out 月通报.html   the monthly bulletin
    workbench report unit --unit 青山县住建局 --out 单位报告.html                  a unit's accountability report
    workbench report index out/                           an index page for a folder of reports
    workbench key new 化名密钥.key                           a pseudonym key for the analyst's reports
    workbench dashboard [--role analyst]                  the explorers in the browser (Voila, localhost)
    workbench training answers 01                         the trainer's answers of a case study
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["main"]

START = "00_start_here.ipynb"


def _repo_root() -> Path:
    for d in (Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[1]):
        if (d / "notebooks" / START).is_file():
            return d
    raise SystemExit(f"cannot find notebooks/{START}: run this inside the workbench checkout")


def _check(args: argparse.Namespace) -> int:
    import pandas as pd

    import workbench
    from workbench.config import set_config

    if args.lang:
        set_config(language=args.lang)
    try:
        book = workbench.load(args.paths, sheet=args.sheet)
    except workbench.LoadError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    report = book.quality()
    print(book)
    print(report)
    if args.quarantine and len(book.quarantine):
        book.quarantine.to_csv(args.quarantine, index=False, encoding="utf-8-sig")
        print(f"\nproblems written to {args.quarantine}")
    elif len(book.quarantine):
        q = book.quarantine.sort_values("outcome", ascending=False, kind="stable").head(args.show)
        print()
        for r in q.itertuples():
            sheet = f"[{r.sheet}]" if isinstance(r.sheet, str) and r.sheet else ""
            row = f" 第{r.row}行" if pd.notna(r.row) else ""
            value = "（空）" if pd.isna(r.value) else repr(r.value)
            col = f" {r.column}={value}" if r.column else f" {value}"
            print(f"  [{r.outcome}] {r.file}{sheet}{row}{col}: {r.message}")
        if len(book.quarantine) > args.show:
            print(f"  … {len(book.quarantine) - args.show} more (use --quarantine FILE.csv to save all)")
    return 1 if report.n_quarantined else 0


def _sample(args: argparse.Namespace) -> int:
    from workbench.sample import write_sample

    out = write_sample(args.out, n_cases=args.cases, seed=args.seed)
    print(f"sample written to {out}")
    return 0


LAB_SETTINGS = {
    # JupyterLab asks about fetching news and update checks on first start; an intranet machine
    # cannot reach them, so the answer is 'no'
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # a user who double-clicks a notebook gets its python3 kernel, not a "Select Kernel" dialog
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
}


def quiet_lab_settings() -> Path | None:
    """Write :data:`LAB_SETTINGS` once into this environment's JupyterLab settings overrides
    (keys the user already set there are left alone). Returns the file, or None when it cannot be
    written (the lab starts without it)."""
    import json

    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        missing = {k: v for k, v in LAB_SETTINGS.items() if k not in data}
        if missing:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({**data, **missing}, indent=2), encoding="utf-8")
        return path
    except (OSError, ValueError):
        return None


def _lab(args: argparse.Namespace) -> int:
    import subprocess

    root = _repo_root()
    quiet_lab_settings()
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", str(Path("notebooks") / START)]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and servers often run as root
        cmd.append("--allow-root")
    if args.port:
        cmd.append(f"--ServerApp.port={args.port}")
    return subprocess.call(cmd, cwd=root)


def _render(args: argparse.Namespace) -> int:
    from workbench.notebooks import execute_notebook, notebook_html

    root = _repo_root()
    params = {"SAMPLE": str(Path(args.data).resolve())} if args.data else None
    if args.all:
        books = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        out_dir = Path(args.out) if args.out else root / "out"
        jobs = [(nb, out_dir / nb.with_suffix(".html").name) for nb in books]
    else:
        name = args.notebook or START
        name = Path(name).name  # "02_blame_chains", "02_blame_chains.ipynb" or "notebooks/02_blame_chains.ipynb"
        nb = root / "notebooks" / (name if name.endswith(".ipynb") else f"{name}.ipynb")
        if not nb.is_file():
            raise SystemExit(f"no notebook {nb}")
        jobs = [(nb, Path(args.out) if args.out else root / "out" / nb.with_suffix(".html").name)]
    guard = None
    saved_env = {k: os.environ.get(k) for k in ("WORKBENCH_ROLE", "WORKBENCH_PSEUDONYM_KEY_FILE")}
    import workbench

    role = args.role or workbench.get_config().role
    if args.role or args.key_file or role != "supervisor":
        # the kernels inherit the role and key (for this command only); a page for anyone but the
        # supervisor is scanned before it is written (names, ID numbers, phones the role may not see)
        from workbench.privacy import Guard, PrivacyError, masker_for

        os.environ["WORKBENCH_ROLE"] = role
        if args.key_file:
            os.environ["WORKBENCH_PSEUDONYM_KEY_FILE"] = str(Path(args.key_file).resolve())
        try:
            masker_for(role, os.environ.get("WORKBENCH_PSEUDONYM_KEY_FILE"))
            if role != "supervisor":
                guard = Guard.for_book(workbench.load(Path(args.data) if args.data else root / "data" / "sample"), role)
        except (PrivacyError, workbench.LoadError) as exc:
            _restore_env(saved_env)
            print(f"错误 / error: {exc}", file=sys.stderr)
            return 2
    try:
        for nb, out in jobs:
            html = notebook_html(execute_notebook(nb, params))
            out.parent.mkdir(parents=True, exist_ok=True)
            if guard is None:
                out.write_text(html, encoding="utf-8")
            else:
                from workbench.privacy import LeakError, guarded_write

                try:
                    guarded_write(out, html, guard, where=nb.name)
                except LeakError as exc:
                    print(f"错误 / error: {exc}", file=sys.stderr)
                    return 2
            print(f"rendered {out}")
    finally:
        _restore_env(saved_env)
    return 0


def _restore_env(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _policy(args: argparse.Namespace) -> int:
    import re

    from workbench.rules.policy import PolicyError, bundled_policies, load_policy

    if not args.name:
        for name in sorted(bundled_policies()):
            p = load_policy(name)
            print(f"{name:12} {p.title_zh} · {p.title_en}  ({len(p.clocks)} clocks)")
        return 0
    try:
        pol = load_policy(args.name)
    except PolicyError as e:
        print(e, file=sys.stderr)
        return 2
    if args.copy:
        dest = Path(args.copy)
        if dest.exists():
            raise SystemExit(f"{dest} exists; not overwritten")
        text = Path(pol.path).read_text(encoding="utf-8")
        # the copy is its own policy: named after its file, so it never passes for the bundled one
        text = re.sub(r'(?m)^name = "[^"]*"', f'name = "{dest.stem}"', text, count=1)
        dest.write_text(text, encoding="utf-8")
        print(f"copied {pol.name} to {dest} (named {dest.stem!r}): edit its limits, then use policy=\"{dest}\"")
        return 0
    print(f"{pol.title_zh} · {pol.title_en}  [{pol.path}]")
    for c in pol.clocks:
        days = "working days" if c.working else "days"
        ext = f", extension up to {c.extension.max_days}" if c.extension else ""
        alt = f", {c.alternative.limit} {'working days' if c.alternative.working else 'days'} if stopped by {c.alternative.stop}" \
            if c.alternative else ""
        applies = f"; only {c.applies_to}" if c.applies_to else ""
        print(f"  {c.name:16} {c.label_zh:10} {c.start} → {'/'.join(c.stop)}: {c.limit} {days}{ext}{alt}{applies}"
              f"  [{c.party}] {c.article}")
    return 0


def _blame(args: argparse.Namespace) -> int:
    import workbench
    from workbench.rules.policy import PolicyError
    from workbench.views.blame_workbook import blame_workbook

    try:
        book = workbench.load(args.paths)
        out = blame_workbook(book, args.out, args.policy, args.as_of, language=args.lang)
    except (workbench.LoadError, PolicyError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    print(f"accountability workbook written to {out}")
    if args.network:
        from workbench.networks import export

        net = Path(args.network)
        G = workbench.transfer_network(book)
        writer = {".gexf": export.to_gexf, ".graphml": export.to_graphml, ".json": export.write_cytoscape}.get(net.suffix)
        if writer is None:
            raise SystemExit(f"--network: {net.suffix!r} is not one of .gexf (Gephi), .graphml, .json (Cytoscape)")
        writer(G, net)
        print(f"transfer network ({G.number_of_nodes()} units, {G.number_of_edges()} routes) written to {net}")
    return 0


def _key(args: argparse.Namespace) -> int:
    from workbench.privacy import PrivacyError, new_key

    try:
        path = new_key(args.path)
    except PrivacyError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    print(f"pseudonym key written to {path}: keep it secret and use the same file for every report "
          f"(--key-file {path}, or WORKBENCH_PSEUDONYM_KEY_FILE={path})")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="workbench", description="Petition supervision workbench (信访督查工作台)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="load ledgers and print what could not be taken as it is")
    c.add_argument("paths", nargs="+")
    c.add_argument("--sheet", default=None, help="only this sheet / table")
    c.add_argument("--quarantine", default=None, help="write every problem to this CSV file")
    c.add_argument("--show", type=int, default=30, help="problems to print (default 30)")
    c.add_argument("--lang", choices=["zh", "en"], default=None)
    c.set_defaults(func=_check)
    s = sub.add_parser("sample", help="generate a synthetic city's ledger in export form")
    s.add_argument("--cases", type=int, default=20000)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--out", default="data/sample")
    s.set_defaults(func=_sample)
    lab = sub.add_parser("lab", help="open JupyterLab on the start notebook")
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument("--port", type=int, default=None)
    lab.set_defaults(func=_lab)
    r = sub.add_parser("render", help="run notebooks headless and write self-contained HTML")
    r.add_argument("--out", default=None, help="the HTML file (a folder with --all; default out/)")
    r.add_argument("--notebook", default=None, help="which notebook (default: 00_start_here)")
    r.add_argument("--all", action="store_true", help="every numbered notebook in notebooks/")
    r.add_argument("--data", default=None, help="folder with ledger.xlsx and events.csv (default: the bundled sample)")
    r.add_argument("--role", choices=["supervisor", "analyst", "trainer"], default=None,
                   help="render as this role; pages for analyst/trainer are scanned and refused if personal data remains")
    r.add_argument("--key-file", dest="key_file", default=None, help="the analyst's pseudonym key (workbench key new FILE)")
    r.set_defaults(func=_render)
    po = sub.add_parser("policy", help="list deadline policies, print one's clocks, or copy one to edit")
    po.add_argument("name", nargs="?", default=None, help="a bundled name (2022, 2005, simplified, 12345) or a TOML path")
    po.add_argument("--copy", default=None, help="write a copy of the policy here, to edit for your locality")
    po.set_defaults(func=_policy)
    b = sub.add_parser("blame", help="custody chains and blame: write the accountability workbook (责任倒查表)")
    b.add_argument("paths", nargs="+")
    b.add_argument("--out", default="责任倒查.xlsx", help="the Excel workbook to write")
    b.add_argument("--policy", default=None, help="deadline policy name or TOML path (default: the configured one)")
    b.add_argument("--as-of", dest="as_of", default=None, help="freeze 'today' (default: the ledger's latest moment)")
    b.add_argument("--network", default=None, help="also write the transfer network: .gexf, .graphml or .json")
    b.add_argument("--lang", choices=["zh", "en"], default=None)
    b.set_defaults(func=_blame)
    k = sub.add_parser("key", help="the pseudonym key for shared reports (化名密钥): make a new one")
    k.add_argument("action", choices=["new"], help="new: write a random key file (kept secret, mode 600)")
    k.add_argument("path", help="where to write the key file")
    k.set_defaults(func=_key)
    # the commands of the sharing and training packages register themselves (their modules are
    # argparse only: importing them is cheap)
    from workbench.dashboard.cli import register as register_dashboard
    from workbench.reports.cli import register as register_report
    from workbench.training.cli import register as register_training

    register_report(sub)
    register_dashboard(sub)
    register_training(sub)
    args = p.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
