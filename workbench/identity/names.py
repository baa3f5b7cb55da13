"""Chinese personal names (姓名) compared as Chinese, not as UTF-8 bytes.

A name is folded (NFKC, spaces and the middle dot of minority names dropped, traditional
characters 繁体 → simplified 简体 with ``zhconv``) and read into toneless pinyin with ``pypinyin``
(the default reading of each character; other readings of polyphones are not used, as
``pypinyin`` lists rare ones, e.g. yu for 王, that would make 王 and 于 alike). Two names are then
compared position by position, giving one of the :data:`NAME_LEVELS`:

==========  ===================================================================  ===============
level       rule                                                                 evidence (证据)
==========  ===================================================================  ===============
exact       same folded name (a traditional/simplified difference is still this)  姓名一致 / 繁简体
homophone   same length, every character pronounced alike (同音字: 王/汪)          同音姓名
order       same characters in another order (颠倒: 王建国/王国建, 建国王)            字序颠倒
homo_order  same syllables in another order                                      同音且字序颠倒
one_char    3+ characters, all alike but one given-name character (错字)            一字之差
surname     only the surname alike                                               仅姓氏相同
different   anything else (or a name missing)                                    姓名不同
==========  ===================================================================  ===============

All work is done once per DISTINCT name and per distinct character (names repeat), then
compared on integer code matrices for any number of pairs at once.

>>> names = pd.Series(["王建国", "汪建国", "王建國", "王国建", "王建华", "李四"])
>>> t = NameTable.of(names)   # 王建國 folds to 王建国: five distinct names
>>> code = t.code_of(names)
>>> compare_names(t, code[[0, 0, 0, 0, 0]], code[1:]).tolist()
['homophone', 'exact', 'order', 'one_char', 'different']
>>> t.key_of(pd.Series(["王建国", "汪建囯", "王国建"])).nunique()  # one loose key: homophones, order
1
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NAME_LEVELS",
    "NAME_EVIDENCE",
    "COMPOUND_SURNAMES",
    "NameTable",
    "fold_names",
    "to_simplified",
    "char_readings",
    "compare_names",
    "name_level",
]

#: Levels of agreement between two names, strongest first.
NAME_LEVELS: tuple[str, ...] = ("exact", "homophone", "order", "homo_order", "one_char", "surname", "different")
#: The evidence words (Chinese) of each level; ``{}`` takes "name a/name b".
NAME_EVIDENCE: dict[str, str] = {
    "exact": "姓名一致",
    "folded": "姓名繁简体不同（{}）",
    "homophone": "同音姓名（{}）",
    "order": "姓名字序颠倒（{}）",
    "homo_order": "同音且字序颠倒（{}）",
    "one_char": "姓名一字之差（{}）",
    "surname": "仅姓氏相同（{}）",
    "different": "姓名不同（{}）",
}
#: Two-character surnames (复姓): their second character is not a given-name character.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 申屠 轩辕 呼延 南宫 西门 "
    "独孤 闻人 澹台 公冶 太史 万俟 钟离 宗政 濮阳 淳于 单于 仲孙 赫连 第五".split()
)
_DROP = " \u3000\t\r\n·•．.-－_"
#: the widest name compared position by position; longer (transliterated) names keep this prefix
MAX_CHARS = 12


@lru_cache(maxsize=1)
def _zhconv() -> object:
    import zhconv

    return zhconv


def to_simplified(chars: list[str]) -> list[str]:
    """Traditional → simplified (繁→简) for each character or string (``zhconv``, zh-cn).

    >>> to_simplified(["陳", "國", "王"])
    ['陈', '国', '王']
    """
    conv = _zhconv().convert  # type: ignore[attr-defined]
    return [conv(c, "zh-cn") for c in chars]


def char_readings(chars: list[str]) -> list[str]:
    """Toneless pinyin (default reading) of each character; a non-Chinese character reads as itself.

    >>> char_readings(["王", "單", "a"])
    ['wang', 'dan', 'a']
    """
    from pypinyin import Style, lazy_pinyin

    keep = lambda x: x  # noqa: E731  (non-Chinese characters read as themselves)
    return [(lazy_pinyin(c, style=Style.NORMAL, errors=keep) or [c])[0].lower() for c in chars]


def fold_names(names: pd.Series) -> pd.Series:
    """Folded names: NFKC, spaces and dots dropped, traditional → simplified; missing stays missing.

    >>> fold_names(pd.Series(["陳 建國", "王·建国", None])).tolist()
    ['陈建国', '王建国', nan]
    """
    codes, uniq = pd.factorize(names.astype("str"), use_na_sentinel=True)
    folded = np.asarray(_fold_distinct([str(u) for u in uniq]) + [None], dtype=object)
    out = pd.Series(folded[np.where(codes >= 0, codes, len(uniq))], index=names.index, dtype="str")
    return out.where(out.str.len() > 0)


def _fold_distinct(names: list[str]) -> list[str]:
    """Fold distinct names: NFKC and drop separators, then simplify per distinct character."""
    arr = pa.array(names, type=pa.large_string())
    arr = pc.utf8_normalize(arr, form="NFKC")
    for ch in _DROP:
        arr = pc.replace_substring(arr, ch, "")
    plain = arr.to_pylist()
    chars = sorted({c for n in plain for c in n})
    simp = dict(zip(chars, to_simplified(chars), strict=True))
    # zhconv is phrase-aware; single characters are what names need, and a 1→many result keeps the original
    simp = {k: (v if len(v) == 1 else k) for k, v in simp.items()}
    table = str.maketrans(simp)
    return [n.translate(table) for n in plain]


@dataclass
class NameTable:
    """Distinct folded names with their character and pinyin codes.

    names: the distinct folded names (row i of each matrix); chars: (n, MAX_CHARS) code points
    (0 = none); syl: syllable code of each character (0 = none);
    length: characters; sur: surname length (1, or 2 for a compound surname); sorted_chars /
    sorted_syl: the rows sorted (order-free comparison); key: loose key code (sorted default
    syllables, so homophones and swapped characters share it); surname_key: the surname's
    default syllable code."""

    names: pd.Index
    chars: np.ndarray
    syl: np.ndarray
    length: np.ndarray
    sur: np.ndarray
    sorted_chars: np.ndarray
    sorted_syl: np.ndarray
    key: np.ndarray
    surname_key: np.ndarray

    @classmethod
    def of(cls, names: pd.Series) -> NameTable:
        """The table of the distinct folded names in ``names``."""
        return cls.of_folded(fold_names(names))

    @classmethod
    def of_folded(cls, folded: pd.Series) -> NameTable:
        """The table of the distinct names in ``folded`` (names already folded)."""
        uniq = pd.Index(pd.unique(folded.dropna()), dtype="str")
        n = len(uniq)
        lst = list(uniq)
        width = max(1, min(MAX_CHARS, int(uniq.str.len().max()) if n else 1))
        # code points, via utf-32: one vectorised decode for all names
        lens = np.fromiter((min(len(x), width) for x in lst), dtype=np.int64, count=n)
        padded = [x[:width].ljust(width, "\0") for x in lst]
        chars = (np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32)
                 .reshape(n, width).astype(np.int64) if n else np.zeros((0, width), np.int64))
        distinct = np.unique(chars[chars > 0])
        readings = char_readings([chr(c) for c in distinct])
        syllables = {s: i + 1 for i, s in enumerate(sorted(set(readings)))}
        lut = np.array([0, *(syllables[r] for r in readings)], dtype=np.int64)
        pos = np.searchsorted(distinct, chars) + 1
        syl = np.where(chars > 0, lut[np.minimum(pos, len(lut) - 1)], 0)
        sur = np.where(np.asarray(uniq.str[:2].isin(list(COMPOUND_SURNAMES)), dtype=bool) & (lens >= 3), 2, 1)
        sorted_chars = np.sort(chars, axis=1)
        sorted_syl = np.sort(syl, axis=1)
        key = _row_codes(sorted_syl)
        return cls(uniq, chars, syl, lens, sur, sorted_chars, sorted_syl, key, syl[:, 0].copy())

    def code_of(self, names: pd.Series, folded: bool = False) -> np.ndarray:
        """Row of each name in this table (-1 where missing or unknown); ``folded``: the names
        are already folded."""
        f = names if folded else fold_names(names)
        return np.asarray(self.names.get_indexer(f.fillna("\0")), dtype=np.int64)

    def key_of(self, names: pd.Series) -> pd.Series:
        """The loose key (sorted toneless pinyin) of each name, as a string; missing → missing."""
        code = self.code_of(names)
        keys = pd.Series(self.key, dtype="int64").astype("str")
        out = keys.reindex(code).to_numpy()
        return pd.Series(out, index=names.index, dtype="str")


def _row_codes(m: np.ndarray) -> np.ndarray:
    """A dense integer code per distinct row of a matrix."""
    if len(m) == 0:
        return np.zeros(0, dtype=np.int64)
    _, inv = np.unique(m, axis=0, return_inverse=True)
    return np.asarray(inv, dtype=np.int64).reshape(-1)


def _alike(t: NameTable, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per position: same character, or same toneless pinyin."""
    return (t.chars[a] == t.chars[b]) | ((t.syl[a] == t.syl[b]) & (t.syl[a] > 0))


def compare_names(t: NameTable, a: np.ndarray, b: np.ndarray) -> pd.Categorical:
    """The :data:`NAME_LEVELS` level of each pair of rows ``a[i]``, ``b[i]`` of ``t`` (-1 = missing
    name → ``different``)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    # compare each distinct pair of names once
    m = max(len(t.names), 1) + 1
    pair = (a + 1) * m + (b + 1)
    uniq, inv = np.unique(pair, return_inverse=True)
    lv = _compare_distinct(t, uniq // m - 1, uniq % m - 1)
    return pd.Categorical.from_codes(lv[inv.reshape(-1)].astype(np.int64), categories=list(NAME_LEVELS))


def _compare_distinct(t: NameTable, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    level = np.full(len(a), len(NAME_LEVELS) - 1, dtype=np.int8)
    ok = (a >= 0) & (b >= 0)
    ia, ib = a[ok], b[ok]
    lvl = np.full(len(ia), len(NAME_LEVELS) - 1, dtype=np.int8)
    if len(ia):
        la, lb = t.length[ia], t.length[ib]
        width = t.chars.shape[1]
        used = np.arange(width)[None, :] < la[:, None]
        same_len = la == lb
        alike = _alike(t, ia, ib) | ~used
        all_alike = same_len & alike.all(axis=1)
        n_off = (~alike).sum(axis=1)
        sur = np.maximum(t.sur[ia], t.sur[ib])
        first_off = np.argmax(~alike, axis=1)
        sur_alike = alike[:, 0] & np.where(sur == 2, alike[:, 1], True)
        order = same_len & (t.sorted_chars[ia] == t.sorted_chars[ib]).all(axis=1)
        homo_order = same_len & (t.sorted_syl[ia] == t.sorted_syl[ib]).all(axis=1)
        one_char = same_len & (la >= 3) & (n_off == 1) & (first_off >= sur)
        conds = [ia == ib, all_alike, order, homo_order, one_char, sur_alike]
        for i in range(len(conds) - 1, -1, -1):
            lvl[conds[i]] = i
        level[ok] = lvl
    return level


def name_level(a: str, b: str) -> str:
    """The level of two names (a convenience for one pair; vectorised work uses :func:`compare_names`).

    >>> [name_level("王建国", x) for x in ["王建國", "汪建国", "王国建", "建国王", "王建果", "王华", "张三"]]
    ['exact', 'homophone', 'order', 'order', 'homophone', 'surname', 'different']
    >>> name_level("欧阳建国", "欧阳建华")
    'one_char'
    """
    t = NameTable.of(pd.Series([a, b]))
    ca, cb = t.code_of(pd.Series([a, b]))
    return str(compare_names(t, np.array([ca]), np.array([cb]))[0])
