"""Reports (报告): parameterised notebooks rendered to one self-contained, offline HTML page.

- :func:`render_report` — ``render_report("monthly", period="2025-09", role="analyst",
  key_file="analyst.key", out="月通报.html")`` writes the monthly bulletin (信访工作月通报);
  ``render_report("unit", unit="青山县住建局", period="2025Q3", out=...)`` a unit's
  accountability report (单位责任报告). The role decides what is shown of persons, and the export
  guard refuses a page that still holds what the role may not see (DESIGN §9).
- :func:`write_index` — ``index.html`` listing every report of a folder.
- :mod:`workbench.reports.cli` — the ``workbench report`` command.

The content lives in :mod:`~workbench.reports.monthly` and :mod:`~workbench.reports.unit` (data
functions, figures, prose); ``templates/*.ipynb`` only call them. Importing this package is
cheap: nbconvert, plotly and the analyses are imported when a report is made.

>>> from workbench.reports import KINDS
>>> KINDS
('monthly', 'unit')
"""

from __future__ import annotations

from .scope import KINDS, ReportError

__all__ = ["KINDS", "ReportError", "render_report", "write_index"]


def __getattr__(name: str):
    if name == "render_report":
        from .render import render_report

        return render_report
    if name == "write_index":
        from .index import write_index

        return write_index
    raise AttributeError(f"module 'workbench.reports' has no attribute {name!r}")
