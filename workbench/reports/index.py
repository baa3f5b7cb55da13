"""An index of the reports in a folder (报告目录): ``index.html`` with one row per report — title,
kind, period, region or unit, role, when it was generated, size, and a link — read from each
page's ``workbench-report`` meta tag. Plain HTML: no script, nothing fetched, works from a file
share or a USB stick.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> from workbench.reports.page import wrap_page
>>> _ = (d / "a.html").write_text(wrap_page("<p>x</p>", title="江临市信访工作月通报（2025年9月）",
...     meta={"kind": "monthly", "title": "江临市信访工作月通报（2025年9月）", "period": "2025-09", "role": "analyst",
...           "generated_at": "2025-10-02T09:00:00"}), encoding="utf-8")
>>> [r["file"] for r in list_reports(d)]
['a.html']
>>> "a.html" in write_index(d).read_text(encoding="utf-8")
True
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..i18n import lang
from ._words import words
from .page import read_meta

__all__ = ["list_reports", "write_index", "INDEX"]

INDEX = "index.html"
_KIND_ORDER = {"monthly": 0, "unit": 1}


def list_reports(folder: str | Path) -> list[dict[str, Any]]:
    """The reports (HTML pages with a ``workbench-report`` meta tag) directly in ``folder``: their
    meta plus ``file`` (name) and ``size`` (bytes), newest period first, then kind and title."""
    d = Path(folder)
    if not d.is_dir():
        raise NotADirectoryError(f"{d}: no such folder")
    out = []
    for p in sorted(d.iterdir()):
        if p.name == INDEX or p.suffix.lower() not in (".html", ".htm") or not p.is_file():
            continue
        with p.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(200_000)
        meta = read_meta(head)
        if meta is None:
            continue
        out.append({**meta, "file": p.name, "size": p.stat().st_size})
    out.sort(key=lambda m: (str(m.get("title", ""))))
    out.sort(key=lambda m: _KIND_ORDER.get(str(m.get("kind")), 9))
    out.sort(key=lambda m: str(m.get("period", "")), reverse=True)
    return out


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} KB"


def write_index(folder: str | Path, language: str | None = None) -> Path:
    """Write ``folder/index.html`` listing every report in the folder (see :func:`list_reports`);
    returns its path. The page has no script and links the reports by relative path."""
    lg = lang(language)
    d = Path(folder)
    rows = list_reports(d)

    def w(key: str, **fmt: object) -> str:
        return html.escape(words(key, lg, **fmt))

    head = "".join(f"<th>{w('index.col.' + c)}</th>" for c in ("title", "kind", "period", "scope", "role", "generated",
                                                                "size"))
    body = []
    for m in rows:
        scope = m.get("unit") or m.get("region") or words("scope", lg)
        kind = words(f"index.kind.{m.get('kind')}", lg) if m.get("kind") in _KIND_ORDER else str(m.get("kind", ""))
        role = words(f"index.role.{m.get('role')}", lg) if m.get("role") in ("supervisor", "analyst", "trainer") \
            else str(m.get("role", ""))
        made = str(m.get("generated_at", "")).replace("T", " ")[:16]
        href = html.escape(m["file"], quote=True)
        body.append(f"<tr><td><a href=\"{href}\">{html.escape(str(m.get('title', m['file'])))}</a></td>"
                    f"<td>{html.escape(kind)}</td><td class=\"nw\">{html.escape(str(m.get('period', '')))}</td>"
                    f"<td>{html.escape(str(scope))}</td><td>{html.escape(role)}</td><td class=\"nw\">{html.escape(made)}</td>"
                    f"<td class=\"num\">{_size(int(m['size']))}</td></tr>")
    empty = f"<p>{w('index.empty')}</p>" if not rows else ""
    lang_attr = "en" if lg == "en" else "zh-CN"
    page = (f"<!DOCTYPE html>\n<html lang=\"{lang_attr}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{w('index.title')}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{w('index.title')}</h1>\n<p class=\"sub\">{w('index.sub', n=len(rows), folder=d.resolve().name)}</p>\n"
            f"{empty}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>\n</main>\n</body>\n</html>\n")
    out = d / INDEX
    out.write_text(page, encoding="utf-8")
    return out


_CSS = """
body { margin: 0; background: #eef0f3; color: #222; font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
main { max-width: 1120px; margin: 24px auto; background: #fff; padding: 28px 40px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 22px; margin: 0 0 4px; } .sub { color: #666; font-size: 13px; margin: 0 0 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { background: #f4f5f7; text-align: left; border: 1px solid #ddd; padding: 6px 8px; white-space: nowrap; }
td { border: 1px solid #ddd; padding: 6px 8px; } td.num { text-align: right; white-space: nowrap; } td.nw { white-space: nowrap; }
a { color: #1f4e8c; text-decoration: none; } a:hover { text-decoration: underline; }
"""
