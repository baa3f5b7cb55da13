"""Loading ledgers: one entry point, :func:`load`, for every source a petition system exports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..quality import LoadError
from .sources import RawTable, Skipped, read_source

__all__ = ["load", "LoadError"]


def load(
    paths: str | Path | Sequence[str | Path],
    columns: Mapping[str, str] | None = None,
    policy: object = None,
    *,
    sheet: str | None = None,
    headers: str | Path | Mapping | None = None,
    vocab: str | Path | Mapping | None = None,
    now: object = None,
    language: str | None = None,
):
    """Load ledgers into a :class:`~workbench.casebook.Casebook`.

    paths: one or several files, folders or database URLs — Excel (.xlsx/.xls, every sheet or
    ``sheet=``), CSV (UTF-8, UTF-8 with BOM, GB18030/GBK: detected), Parquet, DuckDB files,
    SQLite files, or any SQLAlchemy URL (``postgresql://user@host/db``). Each sheet or table is
    recognised by its headers as cases (台账), events (办理过程/流转记录), petitioners (信访人),
    units (单位) or people (人员); a one-row-per-case ledger alone is enough.
    columns: explicit header mapping, ``{"来信日期": "received_at"}``, winning over the aliases.
    policy: the deadline policy the Casebook carries for its clocks (name or TOML path).
    headers / vocab: extra alias files (TOML, same shape as ``workbench/data/*.toml``).
    now: "today" for the future-date check (default: the real today).

    Raises :class:`LoadError` for what stops loading (no such file, unreadable file, unknown
    encoding, a table missing a required column, no cases table at all). Row-level problems
    never raise: they are in ``book.quarantine`` and ``book.quality()``. When the configured role
    is ``trainer``, data that is not the generated sample (files not listed with their sha256 in
    a ``SYNTHETIC.json`` beside them) is refused with a
    :class:`~workbench.privacy.synthetic.SyntheticOnlyError` (a LoadError) naming the file.
    """
    from ..config import get_config
    from ..vocab import header_map, vocabularies
    from .assemble import assemble

    cfg = get_config()
    if cfg.role == "trainer":  # DESIGN §9: the trainer works on synthetic data only
        from ..privacy.synthetic import require_synthetic

        require_synthetic([paths] if isinstance(paths, str | Path) else list(paths))
    hmap = header_map(headers if headers is not None else cfg.headers)
    voc = vocabularies(vocab if vocab is not None else cfg.vocab)
    sources = [paths] if isinstance(paths, str | Path) else list(paths)
    if not sources:
        raise LoadError("load(): no paths given")
    raws: list[RawTable] = []
    skipped: list[Skipped] = []
    for src in sources:
        for item in read_source(src, hmap, columns, sheet):
            if isinstance(item, RawTable):
                raws.append(item)
            else:
                skipped.append(item)
    if not any(r.table == "cases" for r in raws):
        found = "; ".join(f"{r.file}[{r.sheet}] → {r.table}" for r in raws) or "nothing recognised"
        notes = "; ".join(f"{s.file}[{s.sheet}]: {s.note}" for s in skipped)
        raise LoadError(
            "no cases table (台账) found in " + ", ".join(str(s) for s in sources)
            + f": {found}" + (f"; {notes}" if notes else "")
            + ". A cases table needs a case number (信访件编号) and a received date (信访日期/登记时间)."
        )
    lang = language or cfg.language
    return assemble(raws, skipped, vocab=voc, now=pd.Timestamp(now) if now is not None else None,
                    language=lang, policy=policy if policy is not None else cfg.policy)
