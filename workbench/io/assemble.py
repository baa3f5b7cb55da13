"""From raw tables to a validated Casebook: clean, check, derive — losing nothing.

Rules (each problem is recorded in ``book.quarantine`` with file, sheet, row, column, value):

* A row is **quarantined** (not taken, kept in ``book.rejected``) when it cannot stand as a
  record: no case number; a missing, unreadable, future or pre-1980 required date
  (``received_at`` of a case, ``at`` of an event); an unknown event action; a duplicate case
  number (the first occurrence is taken); an event or petitioner link to a case that is not in
  the ledger; a CSV line that does not split into the header's fields.
* A row is **flagged** (taken) for everything else: an unreadable or impossible optional date
  or number, a value outside its vocabulary (the field is left empty), an ID number failing its
  checksum (kept, ``id_valid`` False), events out of time order or before registration, closure
  before acceptance, references to units or people missing from the units/people tables
  (kept as written).
* Units and people missing from a source are derived from the names in cases and events
  (``source_row`` = ``derived``); a case without any event gets a minimal event log derived
  from its dates (register, accept, reply, close; ``derived`` True); co-handling units of a
  one-row ledger (协办单位) become ``assign`` events with role ``co``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .._fast import arrow_apply, by_unique, isin
from ..dates import parse_dates
from ..ids import id_checksum_valid, record_ids
from ..quality import FLAGGED, QUARANTINED, ProblemLog, QualityReport
from ..schema import LEVEL_ORDER, TABLES, coerce_frame, empty_frame
from ..vocab import Vocabularies, split_category
from .sources import RawTable, Skipped

__all__ = ["assemble", "infer_unit_level", "to_text", "derive_flags"]

_MIN_DATE = pd.Timestamp("1980-01-01")
_PROV = ["_file", "_sheet", "_row"]


# --------------------------------------------------------------------------- value helpers


def _cell_text(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if np.isnan(v):
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e18 else repr(v)
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is pd.NaT or v is pd.NA:
        return None
    return str(v).strip() or None


def to_text(s: pd.Series) -> pd.Series:
    """Any column → clean text (stripped; empty → NA; 12.0 → '12'), pyarrow-backed str."""
    if isinstance(s.dtype, pd.StringDtype) or str(s.dtype) in ("str", "string"):
        t = s.astype("str").str.strip()
        return t.where(t != "", pd.NA).astype("str")
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m-%d %H:%M:%S").astype("str")
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean").map({True: "是", False: "否"}).astype("str")
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("Int64").astype("str")
    if pd.api.types.is_float_dtype(s.dtype):
        f = s.astype("Float64")
        whole = (f.round() == f).fillna(True).all() and (f.abs() < 1e15).fillna(True).all()
        return (f.astype("Int64") if whole else f).astype("str")
    return by_unique(s, lambda u: u.map(_cell_text).astype("str")).astype("str")


def _numeric_cells(s: pd.Series) -> pd.Series:
    if s.dtype == object:
        return s.map(lambda v: isinstance(v, float | int | np.number) and not isinstance(v, bool)).astype(bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.notna()
    return pd.Series(False, index=s.index)


def _flag_numeric_ids(df: pd.DataFrame, log: ProblemLog, table: str, cols: Sequence[str]) -> None:
    """Identifiers stored as numbers in a spreadsheet may have lost leading zeros, or (past 15
    digits) their last digits; ID numbers always, case numbers and phones when that long."""
    for c in cols:
        if c not in df or df[c].dtype != object:
            continue
        num = _numeric_cells(df[c])
        if not num.any():
            continue
        text = df.loc[num, c].map(_cell_text)
        risky = num.copy()
        if c not in ("id_number", "petitioner_id_number"):
            risky.loc[num] = text.str.len().fillna(0).to_numpy() >= 16
        log.add(df, risky, table, c, "numeric_text_lost", FLAGGED, df[c].map(_cell_text))


_LEVEL_SUFFIXES: list[tuple[str, str]] = [
    (r"^(?:国家|中央|国务院)", "central"),
    (r"^.{0,8}?(?:省|自治区)", "province"),
    (r"(?:村委会|村民委员会|社区居委会|居委会|村$|社区$)", "village"),
    (r"(?:镇|乡|街道)(?:人民政府|政府|办事处)?$|(?:镇|乡|街道)[^县区市]{0,6}(?:所|站|办)$", "township"),
    (r"^.{0,10}?(?:县|区|县级市)", "county"),
    (r"^.{0,10}?(?:市|州|盟)", "city"),
]


def infer_unit_level(names: pd.Series) -> pd.Series:
    """Unit level guessed from its name when no units table says it (省… province, 县/区… county,
    镇/乡/街道 township, 村/社区 village, 市… city). Unknown stays empty.

    >>> infer_unit_level(pd.Series(["省信访局", "江临市住建局", "青山县人社局", "桃源镇人民政府", "柳村村委会", "国家信访局"])).tolist()
    ['province', 'city', 'county', 'township', 'village', 'central']
    """
    t = names.astype("str")
    out = pd.Series(pd.NA, index=names.index, dtype="str")
    for pattern, level in _LEVEL_SUFFIXES:
        hit = out.isna() & t.str.contains(pattern, regex=True, na=False)
        out = out.where(~hit, level)
    # Department names under a county or city ("…县…局") were caught by the first pattern that
    # matched; a township name inside a county unit's name ("青山县桃源镇") is a township.
    town = t.str.contains(r"(?:县|区|市).{1,6}(?:镇|乡|街道)(?:人民政府|政府|办事处)?$", regex=True, na=False)
    return out.where(~town, "township").astype("str")


# --------------------------------------------------------------------------- per-table cleaning


class _Cleaner:
    def __init__(self, log: ProblemLog, vocab: Vocabularies, now: pd.Timestamp):
        self.log = log
        self.vocab = vocab
        self.now = now

    def text(self, df: pd.DataFrame, cols: Sequence[str]) -> None:
        for c in cols:
            if c in df:
                df[c] = to_text(df[c])

    def dates(self, df: pd.DataFrame, table: str, cols: Sequence[str], required: Sequence[str] = ()) -> pd.Series:
        """Parse date columns in place. Returns a mask of rows to quarantine."""
        drop = pd.Series(False, index=df.index)
        for c in cols:
            if c not in df:
                continue
            raw = df[c]
            parsed, bad = parse_dates(raw)
            # a limit (due date) may well lie ahead; everything else cannot have happened yet
            future = parsed.notna() & (parsed > self.now) & (c != "due_at")
            early = parsed.notna() & (parsed < _MIN_DATE)
            shown = to_text(raw) if raw.dtype == object else raw
            if c in required:
                missing = parsed.isna() & ~bad
                self.log.add(df, missing & ~drop, table, c, "missing_required", QUARANTINED, shown)
                self.log.add(df, bad & ~drop, table, c, "unparseable_required_date", QUARANTINED, shown)
                self.log.add(df, future & ~drop, table, c, "future_required_date", QUARANTINED, shown)
                self.log.add(df, early & ~drop, table, c, "required_date_before_1980", QUARANTINED, shown)
                drop |= missing | bad | future | early
            else:
                self.log.add(df, bad, table, c, "unparseable_date", FLAGGED, shown)
                self.log.add(df, future, table, c, "future_date", FLAGGED, shown)
                self.log.add(df, early, table, c, "date_before_1980", FLAGGED, shown)
            df[c] = parsed.where(~(future | early))
        return drop

    def vocab_col(self, df: pd.DataFrame, table: str, col: str, vocab: str, outcome: str = FLAGGED) -> pd.Series:
        if col not in df:
            return pd.Series(False, index=df.index)
        raw = to_text(df[col])
        codes, unknown = self.vocab.normalise(vocab, raw)
        self.log.add(df, unknown, table, col, "unknown_value", outcome, raw)
        df[col] = codes
        return unknown

    def boolean(self, df: pd.DataFrame, table: str, col: str) -> None:
        if col not in df:
            return
        if pd.api.types.is_bool_dtype(df[col].dtype):
            df[col] = df[col].astype("boolean")
            return
        raw = to_text(df[col])
        codes, unknown = self.vocab.normalise("boolean", raw)
        self.log.add(df, unknown, table, col, "unknown_value", FLAGGED, raw)
        df[col] = codes.map({"true": True, "false": False}).astype("boolean")

    def number(self, df: pd.DataFrame, table: str, col: str) -> pd.Series:
        if col not in df:
            return pd.Series(pd.NA, index=df.index, dtype="Float64")
        raw = df[col]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            df[col] = raw.astype("Float64")
            return df[col]
        text = to_text(raw)
        num = by_unique(text, lambda u: pd.to_numeric(u.str.replace(r"[,，\s]|人$", "", regex=True), errors="coerce").astype("Float64"))
        bad = text.notna() & num.isna()
        self.log.add(df, bad, table, col, "unparseable_number", FLAGGED, text)
        df[col] = num.astype("Float64")
        return text


def _concat(raws: list[RawTable], table: str, *also: str) -> pd.DataFrame:
    frames = [r.frame.assign(_table=r.table) for r in raws if r.table in (table, *also)]
    if not frames:
        df = empty_frame(table)
        for c in _PROV:
            df[c] = pd.Series([], dtype="str" if c != "_row" else "Int64")
        return df
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True, sort=False)


def _out_of_order(ev: pd.DataFrame, day: pd.Series, case_code: np.ndarray) -> pd.Series:
    """Events dated before an earlier row of the same case. Some systems list a case's log newest
    first: each file is read in the direction (oldest or newest first) that fits most of it, and
    only the rows that break it are flagged. Rows are in source order, so no sort is needed."""
    up, down = _breaks(day, case_code)
    # per file (codes of the provenance column, no string per row)
    fcode, _files = pd.factorize(ev["_file"], use_na_sentinel=False)
    n_up = np.bincount(fcode, weights=up.to_numpy(), minlength=len(_files))
    n_down = np.bincount(fcode, weights=down.to_numpy(), minlength=len(_files))
    reversed_rows = (n_down < n_up)[fcode]
    return pd.Series(np.where(reversed_rows, down.to_numpy(), up.to_numpy()), index=ev.index)


def _breaks(day: pd.Series, case_code: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Per row: dated before the latest earlier row of its case (``up``), or after the earliest
    (``down``). Logs list each case's rows together: then running maxima and minima over the
    whole column, kept apart per case by an offset, do it in one pass; otherwise a group-by.

    >>> day = pd.Series(pd.to_datetime(["2025-01-02", "2025-01-01", "2025-01-05", "2025-01-03", "2025-01-04"]))
    >>> up, down = _breaks(day, np.array([0, 0, 1, 1, 1]))
    >>> up.tolist(), down.tolist()
    ([False, True, False, True, True], [False, False, False, False, True])
    """
    n = len(day)
    runs = np.r_[True, case_code[1:] != case_code[:-1]] if n else np.zeros(0, bool)
    if n and int(runs.sum()) == int((np.bincount(case_code) > 0).sum()):
        d = day.to_numpy(dtype="datetime64[D]").astype(np.int64)
        lo, hi = int(d.min()), int(d.max())
        span = hi - lo + 1
        seg = np.cumsum(runs) - 1
        cmax = np.maximum.accumulate((d - lo) + seg * span) - seg * span + lo
        cmin = hi - (np.maximum.accumulate((hi - d) + seg * span) - seg * span)
        first = runs
        prev_max = np.r_[0, cmax[:-1]]
        prev_min = np.r_[0, cmin[:-1]]
        up = ~first & (d < prev_max)
        down = ~first & (d > prev_min)
        return pd.Series(up, index=day.index), pd.Series(down, index=day.index)
    g = day.groupby(case_code, sort=False)
    up_s = day < g.cummax().groupby(case_code, sort=False).shift(1)
    down_s = day > g.cummin().groupby(case_code, sort=False).shift(1)
    return up_s.fillna(False).astype(bool), down_s.fillna(False).astype(bool)


def _keep(df: pd.DataFrame, drop: pd.Series) -> pd.DataFrame:
    """Rows not dropped; no copy of a large frame when nothing is dropped (the usual case)."""
    return df.loc[~drop] if drop.any() else df


def _source_row(df: pd.DataFrame) -> pd.Series:
    """'file:sheet:row' (or 'file:row'), built with arrow kernels; a given source_row wins."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fcode, files = pd.factorize(df["_file"], use_na_sentinel=False)  # categorical: no hashing
    scode, sheets = pd.factorize(df["_sheet"], use_na_sentinel=False)
    names = [f"{f}:{s}:" if isinstance(s, str) and s else f"{f}:" for f in files for s in sheets]  # a handful
    prefix = pc.take(pa.array(names, pa.large_string()), pa.array(fcode * len(sheets) + scode))
    rows = pc.cast(pa.array(df["_row"].to_numpy(dtype="int64", na_value=0)), pa.large_string())
    joined = pc.binary_join_element_wise(prefix, rows, pa.scalar("", pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=df.index).astype("str")


def _fill_source_row(df: pd.DataFrame) -> None:
    """``source_row`` from the provenance columns, in place; one the source already carries (a
    Casebook saved to Parquet) wins, and a column already filled here is left as it is."""
    if "source_row" in df and df.attrs.get("source_row_filled"):
        return
    given = to_text(df["source_row"]) if "source_row" in df else None
    if given is None or given.isna().all():
        df["source_row"] = _source_row(df)
    elif given.isna().any():
        missing = given.isna()
        built = _source_row(df.loc[missing])
        df["source_row"] = given.where(~missing, built.reindex(df.index))
    else:
        df["source_row"] = given
    df.attrs["source_row_filled"] = True


def _reference_table(
    raws: list[RawTable], table: str, key: str, text_cols: list[str], vocab: tuple[str, str], cl: _Cleaner
) -> pd.DataFrame:
    """Units or people as given: the key defaults to the name; rows without either, and repeated
    keys after the first, are quarantined."""
    df = _concat(raws, table)
    cl.text(df, [key, *text_cols])
    if not len(df):
        return df
    df[key] = df[key].where(df[key].notna(), df["name"]) if key in df else df["name"]
    miss = df[key].isna()
    cl.log.add(df, miss, table, key, "missing_required", QUARANTINED)
    cl.log.add(df, df[key].duplicated() & ~miss, table, key, "duplicate_key", QUARANTINED)
    cl.vocab_col(df, table, *vocab)
    return df


def _resolve(refs: _Refs | None, df: pd.DataFrame, table: str, cols: Sequence[str], reason: str | None = None) -> None:
    """References given as ids or names → ids (unknown ones kept as written and flagged); without
    a reference table the values are kept as text."""
    for c in cols:
        if c not in df:
            continue
        if refs is None:
            df[c] = to_text(df[c])
            continue
        df[c], unknown = refs.resolve(df[c])
        refs.log.add(df, unknown, table, c, reason or refs.reason, FLAGGED)


class _Refs:
    """Resolve unit/person references given as ids or names."""

    def __init__(self, ids: pd.Series, names: pd.Series, log: ProblemLog, reason: str):
        self.log, self.reason = log, reason
        self.ids = set(ids.dropna().tolist())
        named = pd.DataFrame({"id": ids, "name": names}).dropna()
        unique = named.drop_duplicates("name", keep=False)
        self.by_name = dict(zip(unique["name"], unique["id"], strict=True))

    def resolve(self, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(ids, unknown): each distinct value cleaned and looked up once, then spread back."""
        codes, uniq = pd.factorize(values, use_na_sentinel=True)
        u = to_text(pd.Series(uniq, dtype=values.dtype if values.dtype != object else object))
        known = u.isin(self.ids).to_numpy(dtype=bool)
        mapped = u.map(self.by_name)
        found = known | mapped.notna().to_numpy(dtype=bool)
        res = u.where(known, mapped).where(found, u).astype("str")  # unknown ones kept as written
        unknown_u = ~found & u.notna().to_numpy(dtype=bool)
        out = pd.Series(res.array.take(codes, allow_fill=True), index=values.index).astype("str")
        unknown = pd.Series(np.where(codes >= 0, unknown_u[np.maximum(codes, 0)] if len(unknown_u) else False, False),
                            index=values.index)
        return out, unknown


@dataclass
class _References:
    """Unit and person references resolved against the units and people tables (when given)."""

    unit_refs: _Refs | None
    person_refs: _Refs | None

    def units(self, df: pd.DataFrame, table: str, cols: Sequence[str]) -> None:
        _resolve(self.unit_refs, df, table, cols)

    def people(self, df: pd.DataFrame, table: str, cols: Sequence[str]) -> None:
        _resolve(self.person_refs, df, table, cols)


def _clean_cases(raws: list[RawTable], cl: _Cleaner, refs: _References) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cases taken (with flags noted) and cases quarantined."""
    cases = _concat(raws, "cases")
    _flag_numeric_ids(cases, cl.log, "cases", ["case_id", "petitioner_id_number", "petitioner_phone"])
    # unit and leader columns are cleaned where they are resolved (refs.units / refs.people)
    cl.text(cases, ["case_id", "region_code", "region_name", "summary", "status", "repeat_of", "co_unit_ids",
                    "lead_person_title", "petitioner_name", "petitioner_id_number",
                    "petitioner_phone", "petitioner_address", "petitioner_region_code"])
    missing_id = cases["case_id"].isna()
    cl.log.add(cases, missing_id, "cases", "case_id", "missing_required", QUARANTINED)
    drop_cases = missing_id.copy()
    if "received_at" not in cases:
        cases["received_at"] = pd.Series(pd.NA, index=cases.index, dtype=object)
    drop_cases |= cl.dates(cases, "cases", ["received_at"], required=["received_at"]) & ~drop_cases
    cl.dates(cases, "cases", ["arrived_at", "accepted_at", "due_at", "replied_at", "closed_at"])
    for c, v in (("channel", "channel"), ("demand_type", "demand_type"), ("satisfaction", "satisfaction"),
                 ("satisfaction_office", "satisfaction")):
        cl.vocab_col(cases, "cases", c, v)
    if any(c in cases for c in ("category", "category_l1", "category_l2")):
        raw_cat = to_text(cases["category"]) if "category" in cases else None
        l1 = to_text(cases["category_l1"]) if "category_l1" in cases else None
        l2 = to_text(cases["category_l2"]) if "category_l2" in cases else None
        c1, c2, unknown = split_category(raw_cat, l1, l2)
        shown = raw_cat if raw_cat is not None else (l1.fillna("") + "/" + l2.fillna("") if l1 is not None and l2 is not None else (l1 if l1 is not None else l2))
        col = "category" if raw_cat is not None else ("category_l1" if l1 is not None else "category_l2")
        cl.log.add(cases, unknown, "cases", col, "unknown_category", FLAGGED, shown)
        cases["category_l1"], cases["category_l2"] = c1, c2
        if raw_cat is not None:
            cases = cases.rename(columns={"category": "category_raw"})
    headcount_text = cl.number(cases, "cases", "headcount")
    if "headcount" in cases:
        hc = cases["headcount"]
        bad = hc.notna() & ((hc <= 0) | (hc != hc.round()))
        cl.log.add(cases, bad, "cases", "headcount", "bad_headcount", FLAGGED, headcount_text)
        cases["headcount"] = hc.where(~bad).astype("Int32")
    cl.boolean(cases, "cases", "repeat_flag")
    cl.boolean(cases, "cases", "stepwise_flag")
    # region: a name where a code belongs is a name
    if "region_code" in cases:
        rc = cases["region_code"].str.replace(r"\.0$", "", regex=True)
        is_code = rc.str.fullmatch(r"\d{2,12}", na=False)
        if "region_name" not in cases:
            cases["region_name"] = pd.Series(pd.NA, index=cases.index, dtype="str")
        cases["region_name"] = cases["region_name"].where(cases["region_name"].notna() | is_code, rc)
        cases["region_code"] = rc.where(is_code)
    # among the rows that can stand, the first occurrence of a case number is taken
    dup = cases.loc[~drop_cases, "case_id"].duplicated(keep="first").reindex(cases.index, fill_value=False)
    cl.log.add(cases, dup, "cases", "case_id", "duplicate_case_id", QUARANTINED)
    drop_cases |= dup
    refs.units(cases, "cases", ["registered_unit_id", "responsible_unit_id"])
    refs.people(cases, "cases", ["lead_person_id"])
    # ordering checks on the kept rows
    rec, acc, rep, clo = (cases.get(c) for c in ("received_at", "accepted_at", "replied_at", "closed_at"))
    if acc is not None and clo is not None:
        cl.log.add(cases, (clo.dt.normalize() < acc.dt.normalize()) & ~drop_cases, "cases", "closed_at", "closed_before_accepted", FLAGGED)
    if rep is not None:
        cl.log.add(cases, (rep.dt.normalize() < rec.dt.normalize()) & ~drop_cases, "cases", "replied_at", "replied_before_received", FLAGGED)
    return _keep(cases, drop_cases), cases.loc[drop_cases]



def _split_multi(s: pd.Series) -> pd.Series:
    """'A、B;C' → one row per unit (exploded, index kept)."""
    parts = to_text(s).str.split(r"\s*[、,，;；/]\s*", regex=True)
    return parts.explode().astype("str").dropna().pipe(lambda x: x[x != ""])


# --------------------------------------------------------------------------- assemble


def assemble(
    raws: list[RawTable],
    skipped: list[Skipped],
    *,
    vocab: Vocabularies,
    now: pd.Timestamp | None = None,
    language: str = "zh",
    policy: object = None,
) -> object:
    """Clean, validate and link raw tables into a :class:`~workbench.casebook.Casebook`."""
    from ..casebook import Casebook

    now = pd.Timestamp.now().normalize() + pd.Timedelta(days=1) if now is None else pd.Timestamp(now)
    log = ProblemLog(language=language)
    for r in raws:
        if len(r.problems):
            log.add_rows(r.problems)
    cl = _Cleaner(log, vocab, now)

    # ---------------- units and people first: references resolve against them
    units = _reference_table(raws, "units", "unit_id", ["name", "parent_id", "kind", "region_code"],
                             ("level", "unit_level"), cl)
    people = _reference_table(raws, "people", "person_id", ["name", "unit_id", "title"],
                              ("role", "person_role"), cl)
    have_units, have_people = len(units) > 0, len(people) > 0
    unit_refs = _Refs(units["unit_id"], units["name"], log, "unknown_unit") if have_units else None
    person_refs = _Refs(people["person_id"], people["name"], log, "unknown_person") if have_people else None

    refs = _References(unit_refs, person_refs)

    if have_units and "parent_id" in units:
        _resolve(unit_refs, units, "units", ["parent_id"], reason="unknown_parent_unit")
    if have_people:
        refs.units(people, "people", ["unit_id"])

    # ---------------- cases
    cases, rejected_cases = _clean_cases(raws, cl, refs)
    rejected = {"cases": rejected_cases}
    case_ids = pd.Index(cases["case_id"])
    received = pd.Series(cases["received_at"].to_numpy(), index=case_ids)

    # ---------------- petitioners and links
    pet = _concat(raws, "petitioners", "case_petitioners")
    _flag_numeric_ids(pet, log, "petitioners", ["id_number", "phone"])
    cl.text(pet, ["case_id", "petitioner_id", "name", "id_number", "phone", "address", "region_code", "tags"])
    derived_pet = 0
    inline_cols = ["petitioner_name", "petitioner_id_number", "petitioner_phone", "petitioner_address"]
    if any(c in cases for c in inline_cols):
        inl = pd.DataFrame(
            {
                "case_id": cases["case_id"],
                "name": cases.get("petitioner_name"),
                "id_number": cases.get("petitioner_id_number"),
                "phone": cases.get("petitioner_phone"),
                "address": cases.get("petitioner_address"),
                "region_code": cases.get("petitioner_region_code"),
                "role": "petitioner",
                "_file": cases["_file"], "_sheet": cases["_sheet"], "_row": cases["_row"],
            }
        )
        inl = inl[inl[["name", "id_number", "phone", "address"]].notna().any(axis=1)]
        derived_pet = len(inl)
        inl["_inline"] = True
        pet = pd.concat([pet, inl], ignore_index=True, sort=False) if len(pet) else inl.reset_index(drop=True)
        cases = cases.drop(columns=[c for c in [*inline_cols, "petitioner_region_code"] if c in cases])

    # petitioners and events are independent: on two cores they are cleaned side by side (the
    # heavy work is in pyarrow and numpy kernels, which release the GIL); the problem log only
    # appends, and its rows are sorted when read.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        pet_job = pool.submit(_clean_petitioners, pet, case_ids, cl)
        ev_job = pool.submit(_clean_events, raws, case_ids, received, cl, refs)
        pet, links, records, rejected["petitioners"] = pet_job.result()
        ev, all_uniq, case_code, rejected["events"] = ev_job.result()

    # ---------------- derived event log for cases without one
    logged = np.zeros(len(all_uniq), dtype=bool)
    logged[case_code] = True
    derived_ev = _derive_events(cases, pd.Series(all_uniq[logged], dtype="str"))
    n_derived_ev = len(derived_ev)
    if n_derived_ev:
        derived_ev["seq"] = np.arange(len(ev), len(ev) + n_derived_ev)
        filled = bool(ev.attrs.get("source_row_filled"))
        ev = pd.concat([ev, derived_ev], ignore_index=True, sort=False)
        ev.attrs["source_row_filled"] = filled  # the derived rows say "derived"

    # ---------------- derived units and people
    n_units_derived = n_people_derived = 0
    if not have_units:
        units = _derive_units(cases, ev)
        n_units_derived = len(units)
    else:
        units = _without_quarantined(units, "units", log, rejected)
    if not have_people:
        people = _derive_people(cases, ev)
        n_people_derived = len(people)
    else:
        people = _without_quarantined(people, "people", log, rejected)

    # ---------------- provenance and canonical dtypes
    out = _canonical({"cases": cases, "events": ev, "petitioners": records, "case_petitioners": links,
                      "units": units, "people": people})
    out["cases"] = derive_flags(out["cases"], out["units"], out["case_petitioners"])

    # ---------------- the account
    problems = log.frame()
    derived = {"units": n_units_derived, "people": n_people_derived, "events": n_derived_ev,
               "petitioners": derived_pet}
    report = _quality_report(problems, raws, skipped, derived, language)
    return Casebook(
        **out,
        quarantine=problems,
        rejected={k: v.drop(columns=["_inline", "_table"], errors="ignore") for k, v in rejected.items()},
        report=report,
        policy=policy,
    )


def _clean_petitioners(pet: pd.DataFrame, case_ids: pd.Index, cl: _Cleaner):
    """Petitioner records and case links: ids, references to cases and records, ID checksums."""
    if "_inline" not in pet:
        pet["_inline"] = False
    pet["_inline"] = pet["_inline"].fillna(False).astype(bool)
    for c in ("case_id", "petitioner_id", "name", "id_number", "phone", "address", "region_code", "tags", "role"):
        if c not in pet:
            pet[c] = pd.Series(pd.NA, index=pet.index, dtype="str")
    if "id_number" in pet and len(pet):
        pet["id_number"] = arrow_apply(pet["id_number"], lambda a: pc.replace_substring_regex(pc.utf8_upper(a), r"\s+", ""))
    drop_pet = pd.Series(False, index=pet.index)
    if len(pet):
        given_id = pet["petitioner_id"].notna()
        has_content = pet[["name", "id_number", "phone", "address"]].notna().any(axis=1)
        pet.loc[~given_id & has_content, "petitioner_id"] = record_ids(pet.loc[~given_id & has_content])
        link_only = ~has_content & given_id
        no_id = pet["petitioner_id"].isna()
        is_link = pet["_table"].eq("case_petitioners").fillna(False).astype(bool) if "_table" in pet else pd.Series(False, index=pet.index)
        cl.log.add(pet, no_id & ~is_link, "petitioners", "name", "missing_required", QUARANTINED)
        cl.log.add(pet, no_id & is_link, "case_petitioners", "petitioner_id", "missing_required", QUARANTINED)
        drop_pet |= no_id
        has_case = pet["case_id"].notna()
        unknown_case = has_case & ~isin(pet["case_id"], case_ids) & ~drop_pet
        cl.log.add(pet, unknown_case & ~pet["_inline"] & ~is_link, "petitioners", "case_id", "unknown_case", QUARANTINED)
        cl.log.add(pet, unknown_case & is_link, "case_petitioners", "case_id", "unknown_case", QUARANTINED)
        drop_pet |= unknown_case
        known_pet = pet.loc[~link_only & ~drop_pet, "petitioner_id"]
        unknown_pet = link_only & ~isin(pet["petitioner_id"], known_pet) & ~drop_pet
        cl.log.add(pet, unknown_pet & ~is_link, "petitioners", "petitioner_id", "unknown_petitioner", QUARANTINED)
        cl.log.add(pet, unknown_pet & is_link, "case_petitioners", "petitioner_id", "unknown_petitioner", QUARANTINED)
        drop_pet |= unknown_pet
        valid = id_checksum_valid(pet["id_number"])
        bad_id = pet["id_number"].notna() & ~valid & ~drop_pet
        cl.log.add(pet, bad_id & ~pet["_inline"], "petitioners", "id_number", "invalid_id_number", FLAGGED)
        cl.log.add(pet, bad_id & pet["_inline"], "cases", "petitioner_id_number", "invalid_id_number", FLAGGED, pet["id_number"])
        pet["id_valid"] = valid.where(pet["id_number"].notna()).astype("boolean")
        cl.vocab_col(pet, "petitioners", "role", "petitioner_role")
    pet_rejected = pet.loc[drop_pet & ~pet["_inline"]]
    pet = _keep(pet, drop_pet)
    links = pet.loc[pet["case_id"].notna(), ["case_id", "petitioner_id", "role", *_PROV]].copy()
    if len(links):
        links["role"] = links["role"].fillna("petitioner")
        links = links.drop_duplicates(["case_id", "petitioner_id"], keep="first")
    records = pet.loc[pet[["name", "id_number", "phone", "address"]].notna().any(axis=1)]
    records = records.drop_duplicates("petitioner_id", keep="first")
    records = records.drop(columns=["case_id", "role"], errors="ignore")

    for df in (links, records):
        if "_file" in df and len(df):
            _fill_source_row(df)
    return pet, links, records, pet_rejected


def _clean_events(raws: list[RawTable], case_ids: pd.Index, received: pd.Series, cl: _Cleaner, refs: _References):
    """The event log: required fields, actions, case references, units and people, time order."""
    ev = _concat(raws, "events")
    cl.text(ev, ["case_id", "note"])  # unit and actor columns are cleaned where they are resolved
    drop_ev = ev["case_id"].isna()
    cl.log.add(ev, drop_ev, "events", "case_id", "missing_required", QUARANTINED)
    if "at" not in ev:
        ev["at"] = pd.Series(pd.NA, index=ev.index, dtype=object)
    drop_ev |= cl.dates(ev, "events", ["at"], required=["at"]) & ~drop_ev
    if "action" not in ev:
        ev["action"] = pd.Series(pd.NA, index=ev.index, dtype="str")
    raw_action = to_text(ev["action"])
    codes, unknown = cl.vocab.normalise("action", raw_action)
    cl.log.add(ev, raw_action.isna() & ~drop_ev, "events", "action", "missing_required", QUARANTINED, raw_action)
    cl.log.add(ev, unknown & ~drop_ev, "events", "action", "unknown_action", QUARANTINED, raw_action)
    drop_ev |= codes.isna()
    ev["action"] = codes
    # events far outnumber cases: work on the distinct case numbers of the log
    all_code, all_uniq = pd.factorize(ev["case_id"])
    uniq_known = isin(pd.Series(all_uniq, dtype="str"), case_ids).to_numpy()
    unknown_case = pd.Series(~np.append(uniq_known, True)[all_code], index=ev.index) & ~drop_ev
    cl.log.add(ev, unknown_case, "events", "case_id", "unknown_case", QUARANTINED)
    drop_ev |= unknown_case
    cl.vocab_col(ev, "events", "role", "event_role")
    cl.number(ev, "events", "share")
    refs.units(ev, "events", ["from_unit_id", "to_unit_id"])
    refs.people(ev, "events", ["actor_id"])
    ev["seq"] = np.arange(len(ev))
    ev_rejected = ev.loc[drop_ev]
    ev = _keep(ev, drop_ev)
    case_code = all_code[~drop_ev.to_numpy()]
    if len(ev):
        day = ev["at"].dt.normalize()
        registered = received.dt.normalize().reindex(pd.Series(all_uniq, dtype="str")).to_numpy()[case_code]
        before = day < pd.Series(registered, index=ev.index)
        cl.log.add(ev, before, "events", "at", "event_before_registration", FLAGGED)
        cl.log.add(ev, _out_of_order(ev, day, case_code), "events", "at", "event_out_of_order", FLAGGED)
    ev["derived"] = False
    _fill_source_row(ev)  # here, in the events' thread: arrow builds the strings without the GIL
    return ev, all_uniq, case_code, ev_rejected


def _without_quarantined(df: pd.DataFrame, table: str, log: ProblemLog, rejected: dict) -> pd.DataFrame:
    """A reference table without its quarantined rows (kept in ``rejected``)."""
    gone = log.quarantined_index(table).intersection(df.index)
    rejected[table] = df.loc[gone]
    return df.drop(index=gone)


def _canonical(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Provenance into ``source_row``, working columns dropped, declared dtypes."""
    out = {}
    for name, df in frames.items():
        if "_file" in df and len(df):
            _fill_source_row(df)
        df = df.drop(columns=[c for c in (*_PROV, "_inline", "_table") if c in df])
        df.attrs.pop("source_row_filled", None)  # a working note, not for the user's tables
        out[name] = coerce_frame(df, name)
    return out


def _quality_report(
    problems: pd.DataFrame, raws: list[RawTable], skipped: list[Skipped], derived: dict[str, int], language: str
) -> QualityReport:
    """Per table: rows read = clean + flagged + quarantined (a row counts once, however many
    problems it has); problems per reason; what each source sheet or file was read as."""
    read_counts = {t: 0 for t in TABLES}
    for r in raws:
        read_counts[r.table] += len(r.frame) + len(r.problems)
    counts = []
    for name in TABLES:
        if name == "case_petitioners" and not read_counts["case_petitioners"]:
            continue
        read = read_counts[name]
        probs = problems[problems["table"] == name]
        q = probs.loc[probs["outcome"] == QUARANTINED, ["file", "sheet", "row"]].drop_duplicates()
        f = probs.loc[probs["outcome"] == FLAGGED, ["file", "sheet", "row"]].drop_duplicates()
        if len(q):
            f = f.merge(q, how="left", indicator=True)
            f = f[f["_merge"] == "left_only"]
        counts.append({"table": name, "read": read, "clean": read - len(q) - len(f), "flagged": len(f),
                       "quarantined": len(q), "derived": derived.get(name, 0)})
    reasons = (
        problems.groupby(["table", "column", "reason", "message", "outcome"], sort=False)
        .size().rename("count").reset_index()
        .sort_values(["outcome", "count"], ascending=[False, False], kind="stable")
        if len(problems) else pd.DataFrame(columns=["table", "column", "reason", "message", "outcome", "count"])
    )
    src_rows = [
        {"file": r.file, "sheet": r.sheet, "table": r.table, "header_row": r.header_row,
         "rows": len(r.frame) + len(r.problems), "blank_rows": r.blank_rows,
         "columns": ", ".join(f"{k}→{v}" for k, v in r.mapping.items()), "note": ""}
        for r in raws
    ] + [
        {"file": s.file, "sheet": s.sheet, "table": "", "header_row": 0, "rows": 0, "blank_rows": 0,
         "columns": "", "note": s.note}
        for s in skipped
    ]
    sources = pd.DataFrame(src_rows, columns=["file", "sheet", "table", "header_row", "rows", "blank_rows", "columns", "note"])
    return QualityReport(pd.DataFrame(counts), reasons.reset_index(drop=True), sources, language)


def _derive_events(cases: pd.DataFrame, have: pd.Series) -> pd.DataFrame:
    """A minimal event log from the case dates, for cases that have no events."""
    c = cases.loc[~isin(cases["case_id"], have)]
    if not len(c):
        return empty_frame("events").iloc[0:0]
    parts: list[pd.DataFrame] = []

    def part(at_col: str, action: str, frm: str | None, to: str | None, role=None) -> None:
        if at_col not in c or (to is not None and to not in c):
            return
        sel = c[c[at_col].notna() & (c[to].notna() if to is not None else True)]
        if not len(sel):
            return
        parts.append(pd.DataFrame({
            "case_id": sel["case_id"].to_numpy(), "at": sel[at_col].to_numpy(), "action": action,
            "from_unit_id": sel[frm].to_numpy() if frm and frm in sel else None,
            "to_unit_id": sel[to].to_numpy() if to and to in sel else None,
            "role": role, "_order": len(parts),
        }))

    part("received_at", "register", "registered_unit_id", None)
    # the matter reaches the responsible unit when the ledger says so, else on registration
    arrived = c["arrived_at"] if "arrived_at" in c else pd.Series(pd.NaT, index=c.index)
    c = c.assign(_assigned_at=arrived.where(arrived.notna(), c["received_at"]))
    part("_assigned_at", "assign", "registered_unit_id", "responsible_unit_id", "lead")
    if "co_unit_ids" in c:
        co = _split_multi(c["co_unit_ids"])
        if len(co):
            base = c.loc[co.index]
            at = base["arrived_at"] if "arrived_at" in base else base["received_at"]
            at = at.where(at.notna(), base["received_at"])
            parts.append(pd.DataFrame({
                "case_id": base["case_id"].to_numpy(), "at": at.to_numpy(), "action": "assign",
                "from_unit_id": base["registered_unit_id"].to_numpy() if "registered_unit_id" in base else None,
                "to_unit_id": co.to_numpy(), "role": "co", "_order": len(parts),
            }))
    part("accepted_at", "accept", "responsible_unit_id", None)
    part("replied_at", "reply", "responsible_unit_id", None)
    part("closed_at", "close", "responsible_unit_id", None)
    if not parts:
        return empty_frame("events").iloc[0:0]
    ev = pd.concat(parts, ignore_index=True)
    ev = ev.sort_values(["case_id", "at", "_order"], kind="stable").drop(columns="_order")
    ev["derived"] = True
    ev["source_row"] = "derived"
    return ev.reset_index(drop=True)


def _derive_units(cases: pd.DataFrame, ev: pd.DataFrame) -> pd.DataFrame:
    names = [cases[c] for c in ("registered_unit_id", "responsible_unit_id") if c in cases]
    names += [ev[c] for c in ("from_unit_id", "to_unit_id") if c in ev]
    if "co_unit_ids" in cases:
        names.append(_split_multi(cases["co_unit_ids"]))
    if not names:
        return empty_frame("units")
    allnames = pd.concat(names, ignore_index=True).dropna().astype("str")
    uniq = pd.Series(pd.unique(allnames), dtype="str")
    return pd.DataFrame({"unit_id": uniq, "name": uniq, "level": infer_unit_level(uniq), "source_row": "derived"})


def _derive_people(cases: pd.DataFrame, ev: pd.DataFrame) -> pd.DataFrame:
    parts = []
    if "lead_person_id" in cases:
        lead = cases[["lead_person_id", "responsible_unit_id"]].dropna(subset=["lead_person_id"]) if "responsible_unit_id" in cases else cases[["lead_person_id"]].dropna()
        first = lead.drop_duplicates("lead_person_id")
        df = pd.DataFrame({"person_id": first["lead_person_id"], "name": first["lead_person_id"],
                           "role": pd.Series(pd.NA, index=first.index, dtype="str")})
        if "lead_person_title" in cases:
            titles = cases.dropna(subset=["lead_person_id"]).drop_duplicates("lead_person_id").set_index("lead_person_id")["lead_person_title"]
            df["title"] = df["person_id"].map(titles)
        parts.append(df)
    if "actor_id" in ev and ev["actor_id"].notna().any():
        a = ev[["actor_id", "from_unit_id"]].dropna(subset=["actor_id"]).drop_duplicates("actor_id")
        parts.append(pd.DataFrame({"person_id": a["actor_id"], "name": a["actor_id"], "unit_id": a["from_unit_id"], "role": "handler"}))
    if not parts:
        return empty_frame("people")
    df = pd.concat(parts, ignore_index=True).drop_duplicates("person_id", keep="first")
    df["source_row"] = "derived"
    return df.reset_index(drop=True)


def derive_flags(cases: pd.DataFrame, units: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """集体访 (headcount ≥ 5), 越级 (a visit registered above the responsible unit's level + 1, or
    the export's own 逐级走访 flag when it has one; other channels are never skip-level), 初信初访 (no earlier case of the same petitioner
    record on the same category; an export's 重复 flag or 重复信访件编号 marks a repeat)."""
    cases["is_collective"] = (cases["headcount"].fillna(1) >= 5).astype("boolean")
    level = units.set_index("unit_id")["level"].map(LEVEL_ORDER) if len(units) else pd.Series(dtype="float64")
    level = level[~level.index.duplicated()]
    reg = by_unique(cases["registered_unit_id"], lambda u: u.map(level).astype("Float64"))
    resp = by_unique(cases["responsible_unit_id"], lambda u: u.map(level).astype("Float64"))
    # 越级走访 is a matter of visits (Art 20 ¶1): letters and online petitions are not skip-level;
    # a case of unknown channel is judged by the level rule alone.
    visit_or_unknown = (cases["channel"].isna() | cases["channel"].eq("visit")).astype(bool)
    skip = ((reg > resp + 1).fillna(False) & visit_or_unknown).astype("boolean")
    given = cases["stepwise_flag"]
    cases["is_skip_level"] = (~given).where(given.notna(), skip).astype("boolean")
    repeat = cases["repeat_flag"].fillna(False).astype(bool) | cases["repeat_of"].notna()
    if len(links):
        # per petitioner record and category, every case after the first is a repeat
        from .._fast import arrow_strings

        pos = pc.index_in(arrow_strings(links["case_id"]), value_set=arrow_strings(cases["case_id"]))
        pos = pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        keep = pos >= 0
        pos = pos[keep]
        cat = pd.factorize(cases["category_l1"].fillna("") + "/" + cases["category_l2"].fillna(""))[0][pos]
        pet = pd.factorize(links["petitioner_id"])[0][keep]
        when = cases["received_at"].to_numpy(dtype="datetime64[ms]").astype("int64")[pos]
        order = np.lexsort((pos, when))
        first = pd.DataFrame({"p": pet[order], "c": cat[order]}).duplicated().to_numpy()
        later = np.zeros(len(cases), dtype=bool)
        later[pos[order][first]] = True
        repeat |= later
    cases["is_first"] = (~repeat).astype("boolean")
    return cases

