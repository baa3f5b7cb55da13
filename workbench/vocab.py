"""Alias tables: headers, closed vocabularies and issue categories (DESIGN §3).

The tables live in data files (``workbench/data/*.toml``) that users extend with files of the
same shape. Everything here is vectorised: a Series in, a Series of canonical codes out, plus
a mask of the values that could not be interpreted (so the caller can flag them).

>>> v = vocabularies()
>>> codes, unknown = v.normalise("channel", pd.Series(["来访", " 网上信访 ", "１２３４５", "飞鸽"]))
>>> list(codes.fillna("?")), list(unknown)
(['visit', 'online', 'hotline', '?'], [False, False, False, True])
>>> split_category(pd.Series(["城乡建设_物业管理", "自然资源/土地征收", "民政"]))[0].tolist()
['城乡建设', '国土资源', '民政']
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "norm_key",
    "norm_keys",
    "Vocabularies",
    "vocabularies",
    "HeaderMap",
    "header_map",
    "categories",
    "split_category",
    "label",
]

_HEADER_NOISE = re.compile(r"[\s\*＊:：]+|\((必填|选填|必选)\)|（(必填|选填|必选)）")


def norm_key(text: object) -> str:
    """Fold a header or vocabulary value for matching: NFKC, no spaces or '*', lower case."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _HEADER_NOISE.sub("", s)
    return s.lower()


def norm_keys(s: pd.Series) -> pd.Series:
    """Vectorised :func:`norm_key` for values (keeps NA as NA)."""
    s = s.astype("str")
    s = s.str.normalize("NFKC").str.strip().str.lower()
    return s.str.replace(r"\s+", " ", regex=True)


def _read_toml(path: str | Path | None, default: str) -> dict:
    if path is None:
        return tomllib.loads(resources.files("workbench.data").joinpath(default).read_text("utf-8"))
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def _merge(base: dict, extra: Mapping) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        elif isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = list(dict.fromkeys([*out[k], *v]))
        else:
            out[k] = v
    return out


@dataclass(frozen=True)
class Vocabularies:
    """All closed vocabularies: alias → canonical code, and display labels."""

    lookup: Mapping[str, Mapping[str, str]]
    codes: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, Mapping[str, Mapping[str, str]]]

    def normalise(self, vocab: str, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Map raw values to codes. Returns (codes, unknown) where unknown marks non-empty
        values that match no alias; empty values map to NA and are not unknown."""
        from ._fast import by_unique

        lookup = self.lookup[vocab]

        def one(u: pd.Series) -> pd.Series:
            keys = norm_keys(u)
            codes = keys.map(lookup).astype("str")
            present = keys.notna() & (keys != "")
            return pd.Series(np.where(present & codes.isna(), "\x00?", codes.fillna("").to_numpy(dtype=object)), dtype="str")

        mapped = by_unique(values.astype("str"), one)
        unknown = (mapped == "\x00?").fillna(False).astype(bool)
        codes = mapped.where(~unknown & (mapped != ""), pd.NA).astype("str")
        return codes, unknown

    def label(self, vocab: str, code: str | None, language: str = "zh") -> str:
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return ""
        return self.labels.get(language, {}).get(vocab, {}).get(code, code)


def _build_vocab(raw: dict) -> Vocabularies:
    lookup: dict[str, dict[str, str]] = {}
    codes: dict[str, tuple[str, ...]] = {}
    labels = {"zh": raw.get("labels_zh", {}), "en": raw.get("labels_en", {})}
    for name, table in raw.items():
        if name.startswith("labels_"):
            continue
        m: dict[str, str] = {}
        for code, aliases in table.items():
            for a in [code, *aliases]:
                m[norm_keys(pd.Series([a])).iloc[0]] = code
        lookup[name] = m
        codes[name] = tuple(table)
    return Vocabularies(lookup, codes, labels)


@cache
def _default_vocab() -> Vocabularies:
    return _build_vocab(_read_toml(None, "vocab.toml"))


def vocabularies(extra: str | Path | Mapping | None = None) -> Vocabularies:
    """The vocabularies, optionally extended by a TOML file or a mapping of the same shape."""
    if extra is None:
        return _default_vocab()
    raw = _read_toml(None, "vocab.toml")
    add = extra if isinstance(extra, Mapping) else _read_toml(extra, "")
    return _build_vocab(_merge(raw, add))


def label(vocab: str, code: str | None, language: str = "zh") -> str:
    """Display label of a code: ``label('channel', 'visit')`` → '来访'."""
    return vocabularies().label(vocab, code, language)


# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class HeaderMap:
    """Header aliases per table. ``lookup[table][folded alias] = canonical column``."""

    lookup: Mapping[str, Mapping[str, str]]
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]]

    def map_headers(
        self, table: str, headers: Iterable[object], columns: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """Map source headers to canonical names for ``table``. Returns {source: canonical}
        for recognised headers only; the first source header wins for each canonical name.

        An explicit ``columns`` mapping (source header → canonical) wins over the aliases."""
        explicit = {norm_key(k): v for k, v in (columns or {}).items()}
        table_lookup = self.lookup.get(table, {})
        out: dict[str, str] = {}
        taken: set[str] = set()
        for h in headers:
            k = norm_key(h)
            canon = explicit.get(k) or table_lookup.get(k)
            if canon and canon not in taken:
                out[str(h)] = canon
                taken.add(canon)
        return out

    def known_headers(self) -> list[str]:
        seen: dict[str, None] = {}
        for table in self.aliases.values():
            for names in table.values():
                for n in names:
                    seen[n] = None
        return list(seen)


def _build_headers(raw: dict) -> HeaderMap:
    common = raw.get("common", {})
    lookup: dict[str, dict[str, str]] = {}
    aliases: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, cols in raw.items():
        if table == "common":
            continue
        merged = {**common, **cols}
        aliases[table] = {c: tuple(a) for c, a in merged.items()}
        m: dict[str, str] = {}
        for canon, names in merged.items():
            for n in [canon, *names]:
                m.setdefault(norm_key(n), canon)
        lookup[table] = m
    return HeaderMap(lookup, aliases)


@cache
def _default_headers() -> HeaderMap:
    return _build_headers(_read_toml(None, "headers.toml"))


def header_map(extra: str | Path | Mapping | None = None) -> HeaderMap:
    """Header aliases, optionally extended by a TOML file or mapping of the same shape."""
    if extra is None:
        return _default_headers()
    raw = _read_toml(None, "headers.toml")
    add = extra if isinstance(extra, Mapping) else _read_toml(extra, "")
    return _build_headers(_merge(raw, add))


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Categories:
    version: str
    level2: Mapping[str, tuple[str, ...]]
    l1_lookup: Mapping[str, str]
    l2_lookup: Mapping[str, tuple[str, str]]


@cache
def categories() -> Categories:
    """The 17 national level-1 classes, their level-2 items and the crosswalk."""
    raw = _read_toml(None, "categories.toml")
    level2 = {k: tuple(v) for k, v in raw["level2"].items()}
    l1_lookup = {norm_key(k): k for k in level2}
    l2_lookup: dict[str, tuple[str, str]] = {}
    for l1, items in level2.items():
        for item in items:
            l2_lookup.setdefault(norm_key(item), (l1, item))
    for name, target in raw.get("crosswalk", {}).items():
        l1, _, l2 = target.partition("/")
        if l2:
            l2_lookup.setdefault(norm_key(name), (l1, l2))
            l1_lookup.setdefault(norm_key(name), l1)
        else:
            l1_lookup[norm_key(name)] = l1
    return Categories(raw.get("version", ""), level2, l1_lookup, l2_lookup)


_CAT_SPLIT = r"\s*[_/／＿|｜>＞\-—]+\s*"


def split_category(
    combined: pd.Series | None = None,
    l1: pd.Series | None = None,
    l2: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Like :func:`_split_category`, computed once per distinct combination of inputs."""
    cols = {k: v.astype("str") for k, v in (("c", combined), ("a", l1), ("b", l2)) if v is not None}
    frame = pd.DataFrame(cols)
    if not len(frame):
        return _split_category(combined, l1, l2)
    key = frame.iloc[:, 0].fillna("\x00")
    for c in frame.columns[1:]:
        key = key + "\x1f" + frame[c].fillna("\x00")
    codes, uniques = pd.factorize(key, use_na_sentinel=False)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    sub = frame.iloc[first]
    r1, r2, unk = _split_category(sub.get("c"), sub.get("a"), sub.get("b"))
    idx = frame.index
    return (
        pd.Series(r1.array.take(codes), index=idx, dtype="str"),
        pd.Series(r2.array.take(codes), index=idx, dtype="str"),
        pd.Series(unk.to_numpy()[codes], index=idx, dtype=bool),
    )


def _split_category(
    combined: pd.Series | None = None,
    l1: pd.Series | None = None,
    l2: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Canonical (category_l1, category_l2, unknown) from a combined "一级_二级" column and/or
    separate level columns. A level-2 item alone identifies its class. Unknown marks rows whose
    non-empty category text (either level) is not in the table or crosswalk."""
    cat = categories()
    idx = next(s for s in (combined, l1, l2) if s is not None).index
    raw1 = pd.Series(pd.NA, index=idx, dtype="str")
    raw2 = pd.Series(pd.NA, index=idx, dtype="str")
    if not len(idx):
        return raw1, raw2, pd.Series(False, index=idx, dtype=bool)
    if combined is not None:
        parts = combined.astype("str").str.strip().str.extract(r"^(.*?)(?:" + _CAT_SPLIT + r"(.*))?$")
        raw1 = parts[0].astype("str")
        raw2 = parts[1].astype("str")
    if l1 is not None:
        raw1 = raw1.where(raw1.notna() & (raw1 != ""), l1.astype("str"))
    if l2 is not None:
        raw2 = raw2.where(raw2.notna() & (raw2 != ""), l2.astype("str"))
    k1 = norm_keys(raw1)
    k2 = norm_keys(raw2)
    out1 = k1.map(cat.l1_lookup).astype("str")
    # A level-1 name that is really a crosswalked level-2 item ("征地拆迁") gives its item.
    via1 = k1.map(cat.l2_lookup)
    pair = k2.map(cat.l2_lookup)
    pair_l1 = pair.map(lambda t: t[0] if isinstance(t, tuple) else None).astype("str")
    pair_l2 = pair.map(lambda t: t[1] if isinstance(t, tuple) else None).astype("str")
    via1_l2 = via1.map(lambda t: t[1] if isinstance(t, tuple) else None).astype("str")
    out1 = out1.where(out1.notna(), pair_l1)
    # level 2 is taken when it belongs to the level-1 class (or level 1 was absent)
    l2_ok = pair_l2.notna() & (pair_l1 == out1)
    out2 = pair_l2.where(l2_ok, pd.NA)
    out2 = out2.where(out2.notna() | raw2.notna() & (raw2 != ""), via1_l2)
    # a level-2 name unknown to the table but under a known class is kept as written
    local_l2 = raw2.notna() & (raw2 != "") & pair.isna() & out1.notna()
    out2 = out2.where(~local_l2, raw2.str.strip())
    present1 = raw1.notna() & (raw1 != "")
    present2 = raw2.notna() & (raw2 != "")
    unknown = ((present1 | present2) & out1.isna()) | (present2 & out2.isna())
    return out1.astype("str"), out2.astype("str"), unknown.fillna(False).astype(bool)
