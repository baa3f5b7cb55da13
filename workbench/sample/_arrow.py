"""Small vectorised string helpers over pyarrow, used across the sample generator."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..ids import _ascii_strings

__all__ = [
    "pool",
    "take",
    "join",
    "digits",
    "zfill",
    "num",
    "null_where",
    "to_series",
    "rng_choice",
    "group_starts",
    "group_cumsum",
    "padded",
    "pick_padded",
]


def pool(values: Sequence[str]) -> pa.Array:
    """A pool of strings as an arrow array (index 0 is the first value)."""
    return pa.array(list(values), type=pa.large_string())


def take(values: pa.Array | Sequence[str], idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """values[idx] as an arrow array; ``idx < 0`` (or ``null``) gives nulls."""
    arr = values if isinstance(values, pa.Array) else pool(values)
    idx = np.asarray(idx)
    mask = idx < 0 if null is None else (np.asarray(null, dtype=bool) | (idx < 0))
    ind = pa.array(np.where(mask, 0, idx).astype(np.int64), mask=mask)
    return pc.take(arr, ind)


def join(*parts: pa.Array | str, nulls: str = "emit") -> pa.Array:
    """Concatenate arrow string arrays and literals element-wise.

    ``nulls='emit'``: any null part gives null; ``'skip'``: null parts count as ""."""
    args: list = [p if isinstance(p, pa.Array | pa.ChunkedArray) else pa.scalar(p, pa.large_string()) for p in parts]
    args = [a.cast(pa.large_string()) if isinstance(a, pa.Array) and a.type != pa.large_string() else a for a in args]
    sep = pa.scalar("", pa.large_string())
    if nulls == "skip":
        return pc.binary_join_element_wise(*args, sep, null_handling="replace", null_replacement="")
    return pc.binary_join_element_wise(*args, sep)


def digits(mat: np.ndarray, prefix: str = "") -> pa.Array:
    """Rows of an (n, k) matrix of digits 0-9 (or ASCII codes >= 48) as strings."""
    m = np.asarray(mat, dtype=np.uint8)
    m = np.where(m < 10, m + 48, m).astype(np.uint8)
    if prefix:
        pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        m = np.concatenate([np.broadcast_to(pre, (len(m), len(pre))), m], axis=1)
    return _ascii_strings(m)


def zfill(values: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """Non-negative integers as zero-padded decimal strings of ``width`` digits."""
    v = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return digits((v[:, None] // powers[None, :]) % 10, prefix)


def num(values: np.ndarray) -> pa.Array:
    """Numbers as their decimal text."""
    return pc.cast(pa.array(np.asarray(values)), pa.large_string())


def null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """``arr`` with nulls where ``mask``."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, arr.type), arr)


def to_series(arr: pa.Array | np.ndarray | Sequence[str]) -> pd.Series:
    """A pandas ``str`` Series (pyarrow-backed) from an arrow array or sequence, no copy."""
    if not isinstance(arr, pa.Array | pa.ChunkedArray):
        arr = pa.array(list(arr) if not isinstance(arr, np.ndarray) else arr.tolist(), type=pa.large_string())
    return pd.Series(arr, dtype="str")


def rng_choice(rng: np.random.Generator, n: int, p: np.ndarray | Sequence[float]) -> np.ndarray:
    """n draws of indices with probabilities p (normalised), via inverse CDF."""
    cdf = np.cumsum(np.asarray(p, dtype=float))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first row of each run of equal keys (keys sorted)."""
    keys = np.asarray(keys)
    start = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        start[1:] = keys[1:] != keys[:-1]
    return start


def group_cumsum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group start (rows grouped contiguously)."""
    cs = np.cumsum(values)
    idx = np.maximum.accumulate(np.where(starts, np.arange(len(values)), 0))
    base = cs[idx] - np.asarray(values)[idx]
    return cs - base


def padded(groups: np.ndarray, members: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group members into a padded matrix: (matrix[n_groups, max], counts[n_groups]).

    Members keep their order within a group; padding is -1."""
    groups = np.asarray(groups, dtype=np.int64)
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    counts = np.bincount(g, minlength=n_groups)
    width = max(int(counts.max()) if len(counts) else 0, 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(g)) - starts[g]
    mat = np.full((n_groups, width), -1, dtype=np.int64)
    mat[g, pos] = np.asarray(members)[order]
    return mat, counts


def pick_padded(rng: np.random.Generator, mat: np.ndarray, counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each key, a uniformly chosen member of its group (-1 where the group is empty)."""
    keys = np.asarray(keys, dtype=np.int64)
    c = counts[keys]
    j = np.floor(rng.random(len(keys)) * np.maximum(c, 1)).astype(np.int64)
    out = mat[keys, j]
    return np.where(c > 0, out, -1)
