"""Dates as ledgers really carry them, parsed without a per-row Python loop.

Accepted in one column, mixed: ``2023-04-04``, ``2023/4/4``, ``2023年4月4日``, ``2023.04.04``,
``20230404``, each with or without a time (``8:05``, ``08:05:09``, ``8时5分``), real
datetimes (from Excel or a database), and Excel serial numbers (as numbers or as text of
five digits, e.g. ``45020`` = 2023-04-04). Anything else, and impossible dates such as
``2023-02-30``, is reported as unparseable rather than guessed.

>>> s = pd.Series(["2023-04-04", "2023/4/4 8:05", "2023年4月4日", "2023.04.04 08:05:09",
...                45020, "45020.5", "2023-02-30", "04/04/23", None])
>>> parsed, bad = parse_dates(s)
>>> parsed.dt.strftime("%Y-%m-%d %H:%M").fillna("-").tolist()
['2023-04-04 00:00', '2023-04-04 08:05', '2023-04-04 00:00', '2023-04-04 08:05', '2023-04-04 00:00', '2023-04-04 12:00', '-', '-', '-']
>>> bad.tolist()
[False, False, False, False, False, False, True, True, False]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["parse_dates", "EXCEL_EPOCH"]

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DTYPE = "datetime64[ms]"

# After normalisation every accepted text form is "Y-M-D[ H:M[:S]]".
_PATTERN = (
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:\.\d+)?)?)?$"
)
_COMPACT = r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?$"
_SERIAL = r"^\d{5}(?:\.\d+)?$"
# Serial numbers accepted: 1954-10-09 (20000) to 2119-01-10 (80000).
_SERIAL_MIN, _SERIAL_MAX = 20000.0, 80000.0


def _from_serial(x: pd.Series) -> pd.Series:
    x = pd.to_numeric(x, errors="coerce").astype("float64")
    x = x.where((x >= _SERIAL_MIN) & (x <= _SERIAL_MAX))
    ms = (x * 86_400_000).round()
    return (EXCEL_EPOCH + pd.to_timedelta(ms, unit="ms")).astype(_DTYPE)


def _from_parts(parts: pd.DataFrame) -> pd.Series:
    parts = parts.apply(pd.to_numeric, errors="coerce")
    for c in ("hour", "minute", "second"):
        parts[c] = parts[c].fillna(0)
    valid = parts[["year", "month", "day"]].notna().all(axis=1)
    out = pd.Series(pd.NaT, index=parts.index, dtype=_DTYPE)
    if valid.any():
        p = parts[valid].astype("int64")
        ok = (p.hour < 24) & (p.minute < 60) & (p.second < 60)
        got = pd.to_datetime(p[ok][["year", "month", "day", "hour", "minute", "second"]], errors="coerce")
        out.loc[got.index] = got.astype(_DTYPE)
    return out


def _parse_text(s: pd.Series) -> pd.Series:
    t = s.astype("str").str.normalize("NFKC").str.strip()
    serial = t.str.fullmatch(_SERIAL, na=False)
    t = t.str.replace(r"[年/.]", "-", regex=True).str.replace("月", "-", regex=False)
    t = t.str.replace(r"[日号]", " ", regex=True)
    t = t.str.replace(r"[时點点]", ":", regex=True).str.replace("分", ":", regex=False)
    t = t.str.replace("秒", "", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()
    t = t.str.replace(r":$", "", regex=True)
    # 上午/下午 are rare in exports; 下午 shifts the hour.
    pm = t.str.contains("下午|PM", case=False, regex=True, na=False)
    t = t.str.replace(r"(上午|下午|AM|PM)", " ", case=False, regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype=_DTYPE)
    for pattern in (_PATTERN, _COMPACT):
        todo = out.isna() & t.notna()
        if not todo.any():
            break
        parts = t[todo].str.extract(pattern)
        out.loc[todo] = _from_parts(parts)
    serial = out.isna() & serial
    if serial.any():
        out.loc[serial] = _from_serial(s[serial].astype("str").str.normalize("NFKC"))
    if pm.any():
        shift = pm & out.notna() & (out.dt.hour < 12)
        out.loc[shift] = out[shift] + pd.Timedelta(hours=12)
    return out


_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"


def _parse_text_fast(s: pd.Series) -> pd.Series:
    """ISO-shaped text through pandas' C parser; every other form once per distinct value."""
    from ._fast import by_unique, regex_match

    t = s.astype("str").str.strip()
    iso = regex_match(t, _ISO)
    out = pd.Series(pd.NaT, index=s.index, dtype=_DTYPE)
    if iso.any():
        out.loc[iso] = pd.to_datetime(t[iso], format="ISO8601", errors="coerce").astype(_DTYPE)
    rest = ~iso & t.notna() & (t != "")
    if rest.any():
        out.loc[rest] = by_unique(t[rest], _parse_text).astype(_DTYPE)
    return out


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates. Returns ``(datetime64[ms] series, unparseable mask)``.

    Empty cells are missing, not unparseable. Times are kept as written (local time)."""
    idx = values.index
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        v = values
        if getattr(v.dt, "tz", None) is not None:
            v = v.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return v.astype(_DTYPE), pd.Series(False, index=idx)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = _from_serial(values)
        return out, (values.notna() & out.isna()).astype(bool)
    out = pd.Series(pd.NaT, index=idx, dtype=_DTYPE)
    if values.dtype == object:
        is_dt = values.map(lambda v: isinstance(v, dt.date | np.datetime64), na_action="ignore")
        is_dt = is_dt.fillna(False).astype(bool)
        is_num = values.map(
            lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool),
            na_action="ignore",
        ).fillna(False).astype(bool)
        if is_dt.any():
            out.loc[is_dt] = pd.to_datetime(values[is_dt].astype(object), errors="coerce").astype(_DTYPE)
        if is_num.any():
            out.loc[is_num] = _from_serial(values[is_num])
        text = ~(is_dt | is_num)
    else:
        text = pd.Series(True, index=idx)
    if text.any():
        out.loc[text] = _parse_text_fast(values[text])
    missing = values.isna() | values.astype("str").str.strip().eq("").fillna(True)
    bad = (~missing & out.isna()).astype(bool)
    return out, bad
