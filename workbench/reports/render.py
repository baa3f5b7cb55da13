"""Render a report: run its template notebook headless with the report's parameters and write
one self-contained, offline HTML page — after the export guard has found nothing in it.

The steps of :func:`render_report`:

1. the role's Masker is made first (an analyst without a pseudonym key stops here), the trainer's
   data must be the synthetic sample, and the ledger is loaded (:func:`~.context.load_data`);
2. the scope is checked against the ledger (:func:`~.scope.resolve_scope`): a malformed period,
   or a period, region or unit without cases, stops here with a :class:`ReportError` — before
   any kernel starts;
3. the guard of the role is built from that same Casebook (``Guard.for_book``), and the
   Casebook is handed to the kernel as a pickle in a temporary folder (a ``.pkl`` given as
   ``data`` is handed over as it is), so the kernel computes on exactly the book the guard knows,
   without loading the ledger twice;
4. ``templates/<kind>.ipynb`` runs with the parameters injected (papermill's convention), in the
   caller's working folder (so ``[tool.workbench]`` settings apply); no widget state is kept;
5. the executed notebook is scanned by the guard, then turned into HTML (code, prompts and
   the template's own notes left out), wrapped in the report's page (title, the
   ``workbench-report`` meta tag, style), scanned again as the page, and written atomically by
   ``guarded_write``. Any finding raises ``LeakError`` and nothing is written.

The page needs no network and no require.js or widget manager: reports hold no widgets, and
plotly.js is inlined once (see :mod:`workbench.reports.page`).
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import lang
from ..notebooks import execute_notebook, notebook_html
from .context import PICKLE_SUFFIXES, data_sources, load_data
from .page import wrap_page
from .scope import KINDS, ReportError, resolve_scope

__all__ = ["TEMPLATES", "render_report", "data_fingerprint", "report_meta"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: seconds a single template cell may run (a province's ledger takes minutes in its slowest cell)
CELL_TIMEOUT = 3600


def data_fingerprint(book) -> str:
    """A short fingerprint of the ledger a report was made from (sha256 over the cases' ids,
    dates, units and status, and the number of events): two reports with the same fingerprint
    were made from the same data, whatever files it came in.

    >>> import workbench as wb
    >>> b = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"]}))
    >>> fp = data_fingerprint(b); fp.startswith("sha256:"), len(fp), fp == data_fingerprint(b)
    (True, 23, True)
    """
    c = book.cases
    h = hashlib.sha256()
    for col in ("case_id", "received_at", "responsible_unit_id", "accepted_at", "replied_at", "closed_at", "status"):
        if col in c:
            h.update(col.encode())
            h.update(pd.util.hash_pandas_object(c[col], index=False).to_numpy().tobytes())
    h.update(f"cases={len(c)};events={len(book.events)}".encode())
    return "sha256:" + h.hexdigest()[:16]


def report_meta(scope, *, role: str, policy: object, as_of: object, generated_at: pd.Timestamp, fingerprint: str,
                cases: int) -> dict[str, Any]:
    """What the ``workbench-report`` meta tag says about a report."""
    from .. import __version__

    return {"kind": scope.kind, "title": scope.title, "period": scope.period,
            "region": scope.region_name or scope.region, "region_code": scope.region if scope.region and scope.region.isdigit() else None,
            "unit": scope.unit_name, "unit_id": scope.unit_id, "role": role, "language": scope.language,
            "policy": str(policy), "as_of": None if as_of is None else str(as_of),
            "generated_at": generated_at.isoformat(timespec="seconds"), "data": fingerprint, "cases": int(cases),
            "workbench": __version__}


def _drop_streams(nb) -> None:
    """Leave out what the kernel printed (warnings, progress of a tokenizer): a report shows what
    its sections display, nothing else."""
    for cell in nb.cells:
        if cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if o.get("output_type") != "stream"]


def render_report(kind: str, *, out: str | Path, period: object = None, region: object = None, role: str | None = None,
                  policy: object = None, as_of: object = None, data: object = None, unit: object = None,
                  language: str | None = None, key_file: str | Path | None = None) -> Path:
    """Render the ``kind`` report (``monthly``: 月通报; ``unit``: 单位责任报告) to the HTML file
    ``out`` and return its path.

    period: ``2025-09`` (a unit report also takes ``2025Q3`` or ``2025``); default the ledger's
    last complete month. region: a region code or name (monthly only). unit: a unit's name or id
    (unit report). role: supervisor · analyst · trainer (default: the configured one); the
    analyst needs ``key_file`` (or the configured pseudonym key). policy / as_of: the deadline
    policy and "today" for the clocks (default: configured policy, the ledger's latest moment).
    data: the ledger (see :func:`workbench.reports.context.load_data`; default the bundled
    sample). language: zh (default) or en.

    Raises :class:`ReportError` for bad parameters, ``PrivacyError`` for a missing key or a
    trainer on real data, ``LeakError`` when the rendered report still holds personal data the
    role may not see (nothing is written then).
    """
    from ..config import get_config
    from ..privacy import Guard, guarded_write, key_file_for, masker_for, require_synthetic
    from ..rules.policy import load_policy

    lg = lang(language)
    if kind not in KINDS:
        raise ReportError(f"report kind {kind!r}: there are templates for {', '.join(KINDS)}")
    target = Path(out)
    if target.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"out {str(out)!r}: a report is written as an .html file")
    role = (role or get_config().role or "supervisor").strip().lower()
    masker_for(role, key_file, lg)  # an unknown role or an analyst without a key stops here
    pol = policy if policy is not None else get_config().policy
    load_policy(pol)  # an unknown policy stops here (PolicyError), not in the kernel
    if as_of is not None and str(as_of).strip():
        try:
            pd.Timestamp(as_of)
        except (ValueError, TypeError) as exc:
            raise ReportError(f"as_of {as_of!r}: not a date or time ({exc})") from exc
    kf = key_file_for(key_file)
    sources = data_sources(data)
    if role == "trainer":
        require_synthetic(sources)
    book = load_data(data)
    scope = resolve_scope(book, kind, period, region, unit, lg)
    guard = Guard.for_book(book, role, language=lg)
    fingerprint = data_fingerprint(book)
    stamp = pd.Timestamp(as_of) if as_of is not None and str(as_of).strip() else pd.Timestamp(book.ledger_as_of())
    scoped_cases = len(book.where(region=scope.region).cases) if scope.region else len(book.cases)
    generated = pd.Timestamp.now().floor("s")
    handed = sources[0] if len(sources) == 1 and isinstance(sources[0], Path) and \
        sources[0].suffix.lower() in PICKLE_SUFFIXES else None
    with tempfile.TemporaryDirectory(prefix="workbench-report-") as tmp:
        if handed is None:
            handed = Path(tmp) / "book.pkl"
            with open(handed, "wb") as fh:
                pickle.dump(book, fh, protocol=pickle.HIGHEST_PROTOCOL)
        del book  # the kernel holds its own copy; a province's ledger should not be held twice here
        params = {"DATA": str(handed), "PERIOD": scope.period, "REGION": scope.region, "UNIT": scope.unit_id,
                  "ROLE": role, "KEY_FILE": None if kf is None else str(kf.resolve()), "POLICY": pol,
                  "AS_OF": None if as_of is None else str(as_of), "LANGUAGE": lg,
                  "GENERATED_AT": generated.isoformat()}
        nb = execute_notebook(TEMPLATES / f"{kind}.ipynb", params, timeout=CELL_TIMEOUT, cwd=Path.cwd())
    guard.check(guard.scan_notebook(nb), target)
    _drop_streams(nb)
    body = notebook_html(nb, hide_code=True, template="basic", exclude_markdown=True)
    meta = report_meta(scope, role=role, policy=pol, as_of=stamp.isoformat(), generated_at=generated, fingerprint=fingerprint,
                       cases=scoped_cases)
    page = wrap_page(body, title=scope.title, meta=meta, language=lg)
    return guarded_write(target, page, guard)
