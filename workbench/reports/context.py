"""The state a report's kernel works from: the ledger, the scope, the role's Masker, and what the
sections found (the closing 下步工作 reads it).

:func:`load_data` is the one way a report reads its ledger, in the kernel and in the process that
asks for the report alike:

- ``None``: the bundled synthetic sample (``data/sample`` of the checkout);
- a folder holding ``ledger.xlsx`` (the sample's export form): that ledger and ``events.csv``;
- a ``.pkl`` / ``.pickle`` file: a Casebook pickled by ``pickle.dump(book, f)`` — how a large
  ledger is handed over without loading it again (``benchmarks/bench_clocks.py`` keeps a 1M-case
  book so). Unpickling runs code: give only a pickle you made yourself;
- anything else :func:`workbench.load` reads (files, folders of CSV/Parquet, a DuckDB file, a
  database URL).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import bundled_sample
from ..i18n import lang
from ._words import words
from .scope import ReportError, Scope, resolve_scope

__all__ = ["ReportContext", "open_report", "load_data", "data_sources", "bundled_sample", "PICKLE_SUFFIXES"]

PICKLE_SUFFIXES = (".pkl", ".pickle")


def data_sources(data: object = None) -> list[Path] | list[str]:
    """The files (or URL) :func:`load_data` reads for ``data``."""
    if data is None:
        data = bundled_sample()
        if data is None:
            raise ReportError("no data given and no bundled sample (data/sample) found: pass data= (a ledger folder, "
                              "files, a .pkl Casebook or a database URL)")
    if isinstance(data, str) and "://" in data:
        return [data]
    p = Path(str(data)).expanduser()
    if p.is_dir() and (p / "ledger.xlsx").is_file():
        return [p / "ledger.xlsx", *([p / "events.csv"] if (p / "events.csv").is_file() else [])]
    if not p.exists():
        raise ReportError(f"data {str(data)!r}: no such file or folder")
    return [p]


def load_data(data: object = None):
    """The Casebook a report is made from (see the module docstring for what ``data`` may be)."""
    import workbench

    src = data_sources(data)
    if len(src) == 1 and isinstance(src[0], Path) and src[0].suffix.lower() in PICKLE_SUFFIXES:
        with open(src[0], "rb") as fh:
            book = pickle.load(fh)  # the user's own pickle (see the module docstring)
        if not isinstance(book, workbench.Casebook):
            raise ReportError(f"data {src[0]}: the pickle holds a {type(book).__name__}, not a Casebook")
        return book
    return workbench.load(src)


@dataclass
class ReportContext:
    """A report being rendered: the whole ledger (``book``), the cases in scope (``data``: the
    region's for a regional bulletin, else the whole ledger), the scope, the viewer's role and
    Masker, the deadline policy and ``as_of`` (today for the clocks: the ledger's latest moment
    unless given), and ``findings`` the sections leave for the closing paragraph."""

    book: Any
    data: Any
    scope: Scope
    role: str
    masker: Any
    language: str
    policy: object
    as_of: pd.Timestamp
    generated_at: pd.Timestamp
    findings: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def w(self, key: str, **fmt: object) -> str:
        """A report word or sentence in the report's language."""
        return words(key, self.language, **fmt)

    @property
    def en(self) -> bool:
        return self.language == "en"


def open_report(kind: str, data: object = None, *, period: object = None, region: object = None,
                unit: object = None, role: str | None = None, key_file: str | Path | None = None,
                policy: object = None, as_of: object = None, language: str | None = None,
                generated_at: object = None, book: Any = None) -> ReportContext:
    """Load the ledger (or take ``book``), resolve the scope and the role's Masker, and set the
    session's language and role so every view used by the report follows them."""
    from ..config import get_config, set_config
    from ..privacy import masker_for

    lg = lang(language)
    role = (role or get_config().role or "supervisor").strip().lower()
    from ..privacy import key_file_for

    masker = masker_for(role, key_file, lg)
    kf = key_file_for(key_file)
    # every view the report calls follows the report's language, role and key
    set_config(language=lg, role=role, **({"pseudonym_key_file": str(kf)} if kf is not None else {}))
    if book is None:
        book = load_data(data)
    scope = resolve_scope(book, kind, period, region, unit, lg)
    scoped = book.where(region=scope.region) if scope.region else book
    stamp = pd.Timestamp(as_of) if as_of is not None and str(as_of).strip() else pd.Timestamp(book.ledger_as_of())
    made = pd.Timestamp(generated_at) if generated_at is not None else pd.Timestamp.now().floor("s")
    pol = policy if policy is not None else get_config().policy
    return ReportContext(book=book, data=scoped, scope=scope, role=role, masker=masker, language=lg,
                         policy=pol, as_of=stamp, generated_at=made)
