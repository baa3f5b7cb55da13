"""Vectorised helpers for the hot paths of loading (millions of rows).

pandas falls back to per-element Python for several string operations; these helpers either
call pyarrow compute kernels directly or do the work once per distinct value (ledgers repeat
the same channel, action, unit and category strings millions of times).

>>> import pandas as pd
>>> s = pd.Series(["a", "b", "a", None], dtype="str")
>>> by_unique(s, lambda u: u.str.upper()).tolist()
['A', 'B', 'A', nan]
>>> isin(s, ["a"]).tolist()
[True, False, True, False]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

__all__ = ["by_unique", "isin", "arrow_strings", "arrow_apply", "regex_match"]


def arrow_strings(s: pd.Series):
    """The values of a string Series as a pyarrow array (no copy for pyarrow-backed strings)."""
    import pyarrow as pa

    if not isinstance(s.dtype, pd.StringDtype) or s.dtype.storage != "pyarrow":
        s = s.astype("str")
    arr = s.array
    data = getattr(arr, "_pa_array", None)
    if data is None:
        data = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    return data


def arrow_apply(s: pd.Series, fn: Callable) -> pd.Series:
    """Apply a pyarrow compute function to a string column, keeping the index."""
    return pd.Series(pd.arrays.ArrowStringArray(fn(arrow_strings(s))), index=s.index).astype("str")


def by_unique(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply ``fn`` (Series → Series of the same length) to the distinct values only, then
    spread the results back. Missing values stay missing."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        res = fn(pd.Series(uniques, dtype=s.dtype))
        return pd.Series(res.array[:0].take(np.full(len(s), -1), allow_fill=True), index=s.index)
    res = fn(pd.Series(uniques, dtype=s.dtype if s.dtype != object else object))
    arr = res.array
    if isinstance(arr, pd.arrays.NumpyExtensionArray) and arr.dtype.kind == "b":
        arr = pd.array(arr.to_numpy(), dtype="boolean")
    return pd.Series(arr.take(codes, allow_fill=True), index=s.index, name=s.name)


def isin(s: pd.Series, values: Iterable) -> pd.Series:
    """``s.isin(values)`` for large string columns, through pyarrow's hash kernel."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pd.Index):
        values = values.to_series()
    vals = values.astype("str") if isinstance(values, pd.Series) else pd.Series(list(values), dtype="str")
    if not len(s):
        return pd.Series(np.zeros(0, dtype=bool), index=s.index)
    value_set = arrow_strings(vals)
    data = arrow_strings(s)
    if data.type != value_set.type:
        value_set = value_set.cast(data.type)
    hit = pc.is_in(data, value_set=value_set, skip_nulls=True)
    out = hit.to_numpy(zero_copy_only=False) if isinstance(hit, pa.Array) else np.asarray(hit.to_numpy(zero_copy_only=False))
    return pd.Series(np.asarray(out, dtype=bool), index=s.index)


def regex_match(s: pd.Series, pattern: str) -> pd.Series:
    """Full-string regex match (RE2 syntax) through pyarrow; missing → False."""
    import pyarrow.compute as pc

    hit = pc.match_substring_regex(arrow_strings(s), pattern=pattern)
    arr = hit.to_numpy(zero_copy_only=False)
    return pd.Series(pd.array(arr, dtype="boolean").fillna(False).to_numpy(dtype=bool), index=s.index)
