"""Stable record ids for petitioner records (信访人记录) that a source gives without an id.

Two records with the same name, ID number, phone and address are the same record; the id is a
content hash, so the same ledger loaded twice (or the generator and the loader) agree.

>>> import pandas as pd
>>> df = pd.DataFrame({"name": ["王建国", " 王建国"], "id_number": [None, ""], "phone": ["13800000000"] * 2, "address": [None, None]})
>>> ids = record_ids(df)
>>> ids.iloc[0] == ids.iloc[1], ids.iloc[0][:1], len(ids.iloc[0])
(True, 'R', 17)
"""

from __future__ import annotations

import pandas as pd

__all__ = ["record_ids"]

_FIELDS = ("name", "id_number", "phone", "address")


def record_ids(df: pd.DataFrame) -> pd.Series:
    """'R' + 16 hex digits of a 64-bit hash of the NFKC-normalised, stripped record fields."""
    parts = []
    for c in _FIELDS:
        s = df[c] if c in df else pd.Series("", index=df.index)
        s = s.astype("str").str.normalize("NFKC").str.strip().fillna("")
        parts.append(s)
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + "\x1f" + p
    h = pd.util.hash_pandas_object(joined, index=False).to_numpy(dtype="uint64")
    return pd.Series(["R%016x" % v for v in h], index=df.index, dtype="str")
