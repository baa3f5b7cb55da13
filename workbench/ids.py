"""Identifiers: petitioner record ids and the 居民身份证号 checksum, vectorised.

A petitioner *record* (信访人记录) is what one ledger row says about a person: name, ID number,
phone and address. Two rows that say exactly the same thing (after NFKC folding and trimming)
are the same record and get the same id, whichever file or loader produced them; resolving
different records into persons is the identity module's job, never this one's.

>>> df = pd.DataFrame({"name": ["王建国", " 王建国", "王建囯"], "id_number": [None, "", None],
...                    "phone": ["13800000000", "１３８００００００００", "13800000000"],
...                    "address": ["青山县桃源镇", "青山县桃源镇", "青山县桃源镇"]})
>>> ids = record_ids(df)
>>> ids.iloc[0] == ids.iloc[1], ids.iloc[0] == ids.iloc[2], len(ids.iloc[0])
(True, False, 17)
>>> id_checksum_valid(pd.Series(["11010519491231002X", "110105194912310021", "123", None])).tolist()
[True, False, False, False]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["RECORD_FIELDS", "record_ids", "hex_ids", "id_check_digits", "id_checksum_valid"]

#: The fields whose content identifies a petitioner record, in hashing order.
RECORD_FIELDS: tuple[str, ...] = ("name", "id_number", "phone", "address")

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_SEP = "\x1f"
# GB 11643 weights of the first 17 digits, and the check character for each sum mod 11.
_RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def _ascii_strings(codes: np.ndarray) -> pa.Array:
    """An (n, k) uint8 matrix of ASCII codes as an arrow string array, without a Python loop."""
    n, k = codes.shape
    data = pa.py_buffer(np.ascontiguousarray(codes, dtype=np.uint8).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int64) * k).tobytes())
    return pa.Array.from_buffers(pa.large_string(), n, [None, offsets, data])


def hex_ids(prefix: str, values: np.ndarray) -> pa.Array:
    """``prefix`` + 16 lower-case hex digits of each uint64 in ``values``."""
    v = np.asarray(values, dtype=np.uint64)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = ((v[:, None] >> shifts[None, :]) & np.uint64(0xF)).astype(np.intp)
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    codes = np.empty((len(v), len(pre) + 16), dtype=np.uint8)
    codes[:, : len(pre)] = pre
    codes[:, len(pre) :] = _HEX[nibbles]
    return _ascii_strings(codes)


def _folded(s: pd.Series) -> pa.Array:
    """NFKC-folded, trimmed text; missing → "" (arrow kernels: no per-value Python)."""
    arr = pa.array(s.astype("str"))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    arr = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, form="NFKC"))
    return pc.fill_null(arr, "")


def record_ids(df: pd.DataFrame) -> pd.Series:
    """Content id of each petitioner record: ``"R"`` + 16 hex digits.

    Columns ``name``, ``id_number``, ``phone``, ``address`` (a missing column counts as empty);
    values are NFKC-folded and trimmed, missing values become "", the four are joined with
    U+001F and hashed with :func:`pandas.util.hash_pandas_object` (``index=False``)."""
    empty = pa.array([""] * len(df), type=pa.large_string())
    parts = [_folded(df[c]) if c in df.columns else empty for c in RECORD_FIELDS]
    joined = pc.binary_join_element_wise(*parts, pa.scalar(_SEP, pa.large_string()))
    h = pd.util.hash_pandas_object(pd.Series(joined, dtype="str"), index=False).to_numpy(dtype=np.uint64)
    return pd.Series(hex_ids("R", h), index=df.index, dtype="str", name="petitioner_id")


def id_check_digits(first17: np.ndarray) -> np.ndarray:
    """Check characters (ASCII codes) of 居民身份证号 given an (n, 17) matrix of digits 0-9."""
    total = (np.asarray(first17, dtype=np.int64) * _RIC_WEIGHTS).sum(axis=1)
    return _RIC_CHECK[total % 11]


def id_checksum_valid(s: pd.Series) -> pd.Series:
    """True where a value is a well-formed 18-character 居民身份证号: 17 digits, a correct GB 11643
    check character (0-9 or X), and a real birth date in digits 7-14.

    The birthplace code is not checked (region codes change yearly; ``stdnum.cn.ric.is_valid``
    checks it against its own table, and agrees with this function otherwise — tested)."""
    out = np.zeros(len(s), dtype=bool)
    arr = _folded(s)
    arr = pc.utf8_upper(arr)
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^\d{17}[\dX]$"), False).to_numpy(zero_copy_only=False)
    if ok.any():
        good = pc.filter(arr, pa.array(ok)).cast(pa.large_binary())
        if isinstance(good, pa.ChunkedArray):
            good = good.combine_chunks()
        # 18 ASCII bytes each, contiguous: the value buffer is an (n, 18) matrix
        offsets = np.frombuffer(good.buffers()[1], dtype=np.int64)[good.offset : good.offset + len(good) + 1]
        data = np.frombuffer(good.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        codes = data.reshape(-1, 18)
        t = pd.Series(pd.arrays.ArrowStringArray(pc.filter(arr, pa.array(ok)))).astype("str")
        check = id_check_digits(codes[:, :17] - 48) == codes[:, 17]
        birth = pd.to_datetime(t.str.slice(6, 14), format="%Y%m%d", errors="coerce").notna().to_numpy()
        out[ok] = check & birth
    return pd.Series(out, index=s.index, dtype=bool)
