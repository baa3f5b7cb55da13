"""The reports' words: ``report.*`` keys of :mod:`workbench.i18n` (Chinese by default, English with
``language="en"``).

>>> words("total", "zh"), words("total", "en")
('合计', 'total')
"""

from __future__ import annotations

__all__ = ["words"]


def words(key: str, language: str | None = None, **fmt: object) -> str:
    """The text of ``report.<key>`` in ``language`` (default: the configured one)."""
    from ..i18n import text

    return text(f"report.{key}", language, **fmt)
