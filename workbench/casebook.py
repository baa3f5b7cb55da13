"""The Casebook: the unit of work (DESIGN §2–3).

Six canonical tables — ``cases``, ``events``, ``petitioners``, ``case_petitioners``, ``units``,
``people`` — with declared dtypes and a ``source_row`` on every row, plus what loading found:
``quarantine`` (every row-level problem), ``rejected`` (the rows not taken) and ``quality()``.
``where(...)`` filters cheaply and returns a new Casebook.

>>> import pandas as pd
>>> book = Casebook.from_frames(cases=pd.DataFrame({
...     "case_id": ["A1", "A2", "A3"],
...     "received_at": ["2024-01-05", "2024-02-10", "2024/3/1"],
...     "channel": ["来访", "网上信访", "来信"],
...     "region_code": ["339901001", "339902", "339901"],
...     "category": ["城乡建设_物业管理", "劳动和社会保障_工资福利", "城乡建设"],
...     "responsible_unit_id": ["临江区住建局", "青山县人社局", "临江区住建局"],
... }), now="2025-01-01")
>>> len(book.cases), len(book.events)
(3, 6)
>>> book.where(region="339901").cases["case_id"].tolist()
['A1', 'A3']
>>> book.where(period="2024-02", channel="online").cases["case_id"].tolist()
['A2']
>>> book.where(category="城乡建设", unit="临江区住建局").cases["case_id"].tolist()
['A1', 'A3']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ._fast import isin
from .quality import PROBLEM_COLUMNS, QualityReport
from .schema import LEVEL_ORDER, TABLE_NAMES, empty_frame
from .vocab import norm_keys, vocabularies

__all__ = ["Casebook", "region_prefix", "period_bounds"]


def region_prefix(code: str) -> str:
    """The prefix that selects a region and everything below it.

    >>> region_prefix("330100"), region_prefix("330000"), region_prefix("330102"), region_prefix("330102001")
    ('3301', '33', '330102', '330102001')
    """
    code = str(code).strip()
    if len(code) == 6:
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


def period_bounds(period: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of a period: '2024', '2024-03', '2024Q1', '2024-03-05', a pd.Period, or a
    (start, end) pair of dates, both included.

    >>> [str(x.date()) for x in period_bounds("2024Q1")]
    ['2024-01-01', '2024-04-01']
    >>> [str(x.date()) for x in period_bounds(("2024-01-15", "2024-01-31"))]
    ['2024-01-15', '2024-02-01']
    """
    if isinstance(period, tuple | list) and len(period) == 2:
        start, end = (pd.Timestamp(p) for p in period)
        return start.normalize(), end.normalize() + pd.Timedelta(days=1)
    if isinstance(period, pd.Period):
        return period.start_time, (period + 1).start_time
    text = str(period).strip()
    if re.fullmatch(r"\d{4}", text):
        p = pd.Period(text, "Y")
    elif re.fullmatch(r"\d{4}-?[Qq][1-4]", text):
        p = pd.Period(text.replace("-", "").upper(), "Q")
    elif re.fullmatch(r"\d{4}-\d{1,2}", text):
        p = pd.Period(text, "M")
    else:
        p = pd.Period(pd.Timestamp(text), "D")
    return p.start_time, (p + 1).start_time


def _as_list(v: object) -> list:
    if v is None:
        return []
    if isinstance(v, str | bytes) or not isinstance(v, Iterable):
        return [v]
    return list(v)


@dataclass
class Casebook:
    """The canonical tables of one ledger and what loading found (DESIGN §3)."""

    cases: pd.DataFrame
    events: pd.DataFrame = field(default_factory=lambda: empty_frame("events"))
    petitioners: pd.DataFrame = field(default_factory=lambda: empty_frame("petitioners"))
    case_petitioners: pd.DataFrame = field(default_factory=lambda: empty_frame("case_petitioners"))
    units: pd.DataFrame = field(default_factory=lambda: empty_frame("units"))
    people: pd.DataFrame = field(default_factory=lambda: empty_frame("people"))
    quarantine: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({c: pd.Series([], dtype="str") for c in PROBLEM_COLUMNS})
    )
    rejected: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: QualityReport | None = None
    policy: object = None
    filters: dict[str, object] = field(default_factory=dict)
    #: the moment the ledger was exported, as far as it shows (its latest recorded time); the
    #: default "today" of deadline clocks, kept by every subset so a case reads the same in any
    as_of: pd.Timestamp | None = None

    # ----------------------------------------------------------------- construction

    @classmethod
    def from_frames(
        cls,
        cases: pd.DataFrame,
        events: pd.DataFrame | None = None,
        petitioners: pd.DataFrame | None = None,
        case_petitioners: pd.DataFrame | None = None,
        units: pd.DataFrame | None = None,
        people: pd.DataFrame | None = None,
        *,
        policy: object = None,
        now: object = None,
        language: str | None = None,
        name: str = "<frames>",
    ) -> Casebook:
        """Build a validated Casebook from DataFrames with canonical column names (or any
        header the alias tables know), through the same checks as :func:`workbench.load`."""
        from .config import get_config
        from .io.assemble import assemble

        raws = []
        frames = {"cases": cases, "events": events, "petitioners": petitioners,
                  "units": units, "people": people}
        for table, df in frames.items():
            if df is None:
                continue
            raws.append(_frame_table(df, table, f"{name}/{table}"))
        if case_petitioners is not None:
            raws.append(_frame_table(case_petitioners, "case_petitioners", f"{name}/case_petitioners"))
        lang = language or get_config().language
        return assemble(raws, [], vocab=vocabularies(), now=pd.Timestamp(now) if now is not None else None,
                        language=lang, policy=policy)  # type: ignore[return-value]

    # ----------------------------------------------------------------- access

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {t: getattr(self, t) for t in TABLE_NAMES}

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in TABLE_NAMES:
            raise KeyError(f"{table!r} is not a Casebook table; tables are {TABLE_NAMES}")
        return getattr(self, table)

    def quality(self) -> QualityReport:
        """Rows read / taken / flagged / quarantined per table, problems per reason, sources."""
        if self.report is None:
            counts = pd.DataFrame(
                [{"table": t, "read": len(self[t]), "clean": len(self[t]), "flagged": 0,
                  "quarantined": 0, "derived": 0} for t in TABLE_NAMES if t != "case_petitioners"]
            )
            return QualityReport(counts, pd.DataFrame(columns=["table", "column", "reason", "message", "outcome", "count"]),
                                 pd.DataFrame(columns=["file", "sheet", "table", "header_row", "rows", "blank_rows", "columns", "note"]))
        return self.report

    def overview(self) -> pd.DataFrame:
        """Key figures: cases, period covered, events, petitioner records, units, people,
        collective, skip-level and repeat cases, problems found."""
        c = self.cases
        rows = [
            ("cases", len(c)),
            ("first_received", c["received_at"].min()),
            ("last_received", c["received_at"].max()),
            ("events", len(self.events)),
            ("events_derived", int(self.events["derived"].fillna(False).sum())),
            ("petitioner_records", len(self.petitioners)),
            ("units", len(self.units)),
            ("people", len(self.people)),
            ("collective_cases", int(c["is_collective"].fillna(False).sum())),
            ("skip_level_cases", int(c["is_skip_level"].fillna(False).sum())),
            ("repeat_cases", int((~c["is_first"].fillna(True)).sum())),
            ("rows_quarantined", int((self.quarantine["outcome"] == "quarantined").sum()) if len(self.quarantine) else 0),
            ("rows_flagged", int((self.quarantine["outcome"] == "flagged").sum()) if len(self.quarantine) else 0),
        ]
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def __len__(self) -> int:
        return len(self.cases)

    def __repr__(self) -> str:
        c = self.cases
        span = ""
        if len(c):
            span = f", {c['received_at'].min():%Y-%m-%d}..{c['received_at'].max():%Y-%m-%d}"
        filt = f", where {self.filters}" if self.filters else ""
        nq = int((self.quarantine["outcome"] == "quarantined").sum()) if len(self.quarantine) else 0
        return (
            f"<Casebook {len(c)} cases{span}, {len(self.events)} events, "
            f"{len(self.petitioners)} petitioner records, {len(self.units)} units, "
            f"{len(self.people)} people; {nq} quarantined problems{filt}>"
        )

    # ----------------------------------------------------------------- filtering

    def where(
        self,
        *,
        period: object = None,
        region: object = None,
        unit: object = None,
        category: object = None,
        channel: object = None,
        cases: Iterable[str] | None = None,
    ) -> Casebook:
        """A new Casebook restricted to cases matching every given filter.

        period: '2024', '2024-03', '2024Q1', a day, a pd.Period or a (start, end) pair — on
        ``received_at``. region: GB/T 2260 code(s) at any level ('339900' is the whole
        prefecture) or region names. unit: responsible unit id(s) or name(s), with the units
        under them. category: level-1 or level-2 names, or '一级/二级'. channel: codes or
        Chinese names. cases: explicit case ids. Events and petitioner links follow the cases;
        units and people are reference tables and are kept whole.
        """
        c = self.cases
        mask = pd.Series(True, index=c.index)
        applied: dict[str, object] = dict(self.filters)
        if period is not None:
            start, end = period_bounds(period)
            mask &= (c["received_at"] >= start) & (c["received_at"] < end)
            applied["period"] = period
        if region is not None:
            rmask = pd.Series(False, index=c.index)
            for r in _as_list(region):
                r = str(r).strip()
                if r.isdigit():
                    rmask |= c["region_code"].str.startswith(region_prefix(r), na=False)
                else:
                    rmask |= c["region_name"].eq(r).fillna(False)
                    rmask |= c["region_name"].str.startswith(r, na=False)
            mask &= rmask
            applied["region"] = region
        if unit is not None:
            ids = self._unit_ids(_as_list(unit))
            mask &= c["responsible_unit_id"].isin(ids)
            applied["unit"] = unit
        if category is not None:
            cmask = pd.Series(False, index=c.index)
            for cat in _as_list(category):
                l1, _, l2 = str(cat).replace("_", "/").partition("/")
                if l2:
                    cmask |= c["category_l1"].eq(l1).fillna(False) & c["category_l2"].eq(l2).fillna(False)
                else:
                    cmask |= c["category_l1"].eq(l1).fillna(False) | c["category_l2"].eq(l1).fillna(False)
            mask &= cmask
            applied["category"] = category
        if channel is not None:
            raw = pd.Series([str(x) for x in _as_list(channel)], dtype="str")
            codes, _ = vocabularies().normalise("channel", raw)
            wanted = set(codes.dropna()) | set(norm_keys(raw).dropna())
            mask &= c["channel"].isin(wanted)
            applied["channel"] = channel
        if cases is not None:
            mask &= isin(c["case_id"], list(cases))
            applied["cases"] = "explicit list"
        return self._subset(c.loc[mask], applied)

    def _unit_ids(self, units: list) -> set:
        u = self.units
        ids = {str(x) for x in units}
        ids |= set(u.loc[u["name"].isin(ids), "unit_id"])
        if not len(u):
            return ids
        parent = u.set_index("unit_id")["parent_id"]
        parent = parent[~parent.index.duplicated()]
        # walk down the unit tree: depth is bounded by the six levels
        for _ in range(len(LEVEL_ORDER) + 1):
            children = set(parent.index[parent.isin(ids)])
            if children <= ids:
                break
            ids |= children
        return ids

    def ledger_as_of(self) -> pd.Timestamp:
        """The latest moment the ledger records (remembered; subsets inherit the whole ledger's)."""
        if self.as_of is None:
            latest = [self.events["at"].max()] if len(self.events) else []
            for col in ("received_at", "arrived_at", "accepted_at", "replied_at", "closed_at"):
                if col in self.cases:
                    latest.append(self.cases[col].max())
            latest = [t for t in latest if pd.notna(t)]
            self.as_of = max(latest) if latest else pd.Timestamp.now().floor("s")
        return self.as_of

    def _subset(self, cases: pd.DataFrame, applied: Mapping[str, object]) -> Casebook:
        self.ledger_as_of()
        ids = cases["case_id"]
        eci = self.__dict__.get("_event_case_index", {}).get((id(self.cases), id(self.events)))
        idx = self.cases.index
        if eci is not None and isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1:
            # the events' case positions are known already: a gather, not a string lookup
            keep = np.zeros(len(self.cases) + 1, dtype=bool)
            keep[cases.index.to_numpy()] = True
            ev = self.events.take(np.flatnonzero(keep[eci]))  # eci -1 (no case) reads the spare slot
        else:
            ev = self.events.loc[isin(self.events["case_id"], ids).to_numpy()]
        links = self.case_petitioners.loc[isin(self.case_petitioners["case_id"], ids).to_numpy()]
        pets = self.petitioners.loc[isin(self.petitioners["petitioner_id"], links["petitioner_id"]).to_numpy()]
        return replace(self, cases=cases.reset_index(drop=True), events=ev.reset_index(drop=True),
                       case_petitioners=links.reset_index(drop=True), petitioners=pets.reset_index(drop=True),
                       filters=dict(applied))

    # ----------------------------------------------------------------- persistence

    def to_parquet(self, directory: str | Path) -> Path:
        """Write the six tables as ``<table>.parquet`` (loadable again with ``workbench.load``)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for t in TABLE_NAMES:
            self[t].to_parquet(d / f"{t}.parquet", index=False)
        return d

    def check(self) -> pd.DataFrame:
        """Referential checks between the current tables (e.g. after editing them by hand):
        one row per broken reference with table, column, value and count."""
        rows = []
        case_ids = set(self.cases["case_id"])
        unit_ids = set(self.units["unit_id"])
        person_ids = set(self.people["person_id"])
        pet_ids = set(self.petitioners["petitioner_id"])
        checks = [
            ("events", "case_id", case_ids), ("case_petitioners", "case_id", case_ids),
            ("case_petitioners", "petitioner_id", pet_ids), ("cases", "responsible_unit_id", unit_ids),
            ("cases", "registered_unit_id", unit_ids), ("cases", "lead_person_id", person_ids),
            ("events", "from_unit_id", unit_ids), ("events", "to_unit_id", unit_ids),
            ("events", "actor_id", person_ids), ("people", "unit_id", unit_ids), ("units", "parent_id", unit_ids),
        ]
        for table, col, known in checks:
            s = self[table][col].dropna()
            bad = s[~s.isin(known)]
            for value, n in bad.value_counts().items():
                rows.append({"table": table, "column": col, "value": value, "count": int(n)})
        dup = self.cases["case_id"][self.cases["case_id"].duplicated()]
        for value in dup.unique():
            rows.append({"table": "cases", "column": "case_id", "value": value, "count": int((self.cases["case_id"] == value).sum())})
        return pd.DataFrame(rows, columns=["table", "column", "value", "count"])



def _frame_table(df: pd.DataFrame, table: str, name: str):
    """A DataFrame as a raw source table (headers mapped like any other source)."""
    import numpy as np

    from .io.sources import RawTable, _provenance
    from .vocab import header_map

    hmap = header_map()
    mapping = hmap.map_headers("petitioners" if table == "case_petitioners" else table, [str(c) for c in df.columns])
    out = df.rename(columns=mapping).reset_index(drop=True)  # copy-on-write: df is not changed
    out["_row"] = np.arange(1, len(out) + 1)
    _provenance(out, name, "")
    return RawTable(name, "", table, out, 0, mapping)

