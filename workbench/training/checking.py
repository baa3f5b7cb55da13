"""Reading a learner's answer in the forms people write it (答案识别).

Pure functions, no state: numbers (``298``, ``约300件``, ``二百九十八``), durations (``289天``,
``9.5个月``), administrative levels (``县``, ``县级``, ``county``), unit and person mentions (a name,
a short name, an id), issue categories and multiple-choice options. Each returns what it read,
or ``None`` when it could not read the answer (the caller says so, and does not count a try).

>>> parse_number("约 298 件"), parse_number("二百九十八"), parse_number("1,204")
(298.0, 298.0, 1204.0)
>>> parse_days("9.5个月") == 9.5 * DAYS_PER_MONTH, parse_days("41 days")
(True, 41.0)
>>> parse_level("省级"), parse_level("County"), parse_level("县→市→省")
('province', 'county', None)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd

__all__ = ["DAYS_PER_MONTH", "GENERIC_UNIT_WORDS", "LEVELS", "normalise", "parse_number", "parse_days",
           "duration_unit", "parse_level", "within", "unit_aliases", "find_mentions", "match_category", "match_choice"]

DAYS_PER_MONTH = 365.25 / 12
#: administrative levels from low to high, with the words people write for them
LEVELS: dict[str, tuple[str, ...]] = {
    "village": ("村", "社区", "村级", "village", "community"),
    "township": ("乡", "镇", "街道", "乡镇", "乡级", "镇级", "乡镇级", "township", "town"),
    "county": ("县", "区", "县级", "区级", "县区", "区县", "县市区", "county", "district"),
    "city": ("市", "市级", "地市", "地级", "地市级", "设区的市", "city", "prefecture", "municipal"),
    "province": ("省", "省级", "province", "provincial"),
    "central": ("中央", "国家", "国家级", "全国", "国家信访局", "central", "national", "state"),
}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万]+")
_DURATION_UNITS = (
    (re.compile(r"(个)?月|months?\b|mo\b"), DAYS_PER_MONTH),
    (re.compile(r"周|星期|weeks?\b|wk\b"), 7.0),
    (re.compile(r"年|years?\b|yr\b"), 365.25),
)


def normalise(answer: object) -> str:
    """Full-width forms folded (NFKC), trimmed, lower case; thousands separators dropped.

    >>> normalise("  Ｕ００８８ ")
    'u0088'
    """
    s = unicodedata.normalize("NFKC", str(answer)).strip().lower()
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)


def _cn_to_int(s: str) -> int | None:
    """A Chinese numeral up to the ten thousands (``二百九十八`` → 298, ``十四`` → 14)."""
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit == 10_000:
                total += (section + (digit or 0)) * unit
                section, digit = 0, None
            else:
                section += (1 if digit is None else digit) * unit
                digit = None
        else:
            return None
    return total + section + (digit or 0)


def parse_number(answer: object) -> float | None:
    """The one number in an answer (Arabic or Chinese numerals), else None — also when the
    answer holds two different numbers, which cannot be told apart.

    >>> parse_number("14人"), parse_number("十四"), parse_number("一共7件"), parse_number("3 或 4")
    (14.0, 14.0, 7.0, None)
    """
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        return float(answer)
    s = normalise(answer)
    found = {float(x) for x in _NUMBER.findall(s)}
    if not found:
        found = {float(v) for x in _CN_NUMBER.findall(s) if (v := _cn_to_int(x)) is not None}
    return found.pop() if len(found) == 1 else None


def parse_days(answer: object) -> float | None:
    """A duration in days: a bare number is days; months, weeks and years are converted.

    >>> parse_days("289天"), parse_days("2 weeks"), parse_days("一年")
    (289.0, 14.0, 365.25)
    """
    n = parse_number(answer)
    if n is None or isinstance(answer, int | float):
        return n
    s = normalise(answer)
    for pattern, factor in _DURATION_UNITS:
        if pattern.search(s):
            return n * factor
    return n


def duration_unit(answer: object) -> float:
    """Days per unit the answer was written in (1 for days or a bare number)."""
    if isinstance(answer, int | float):
        return 1.0
    s = normalise(answer)
    return next((factor for pattern, factor in _DURATION_UNITS if pattern.search(s)), 1.0)


def parse_level(answer: object) -> str | None:
    """The one administrative level an answer names, else None (none, or several).

    >>> parse_level("到了省里"), parse_level("市级"), parse_level("national"), parse_level("县和市")
    ('province', 'city', 'central', None)
    """
    s = normalise(answer)
    s = re.sub(r"一?级|levels?", "", s)
    hits: set[str] = set()
    spans: list[tuple[int, int]] = []
    words = sorted(((w, lv) for lv, ws in LEVELS.items() for w in ws), key=lambda x: -len(x[0]))
    for word, level in words:
        pattern = re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}\b"
        for m in re.finditer(pattern, s):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            spans.append((m.start(), m.end()))
            hits.add(level)
    return hits.pop() if len(hits) == 1 else None


def within(value: float, expected: float, tol: float = 0.0, rel: float = 0.0) -> bool:
    """Whether ``value`` is within ``max(tol, rel × expected)`` of ``expected``.

    >>> within(300, 298, 3, 0.02), within(310, 298, 3, 0.02)
    (True, False)
    """
    return abs(value - expected) <= max(tol, rel * abs(expected)) + 1e-9


#: what a unit's name says about its kind, not which one it is: never an alias by itself
GENERIC_UNIT_WORDS = frozenset({"人民政府", "政府", "办事处", "街道办事处", "居民委员会", "村民委员会", "委员会",
                                "办公室"})
_PREFIX = re.compile(r"^.{1,6}?(?:省|市|县|区|旗|州|盟)(?=.{2,})")


def unit_aliases(units: pd.DataFrame) -> pd.DataFrame:
    """Every way a unit may be written: its id, its name, the name with 人民政府 shortened to
    政府, and the name without its place prefix (``青山县住建局`` → ``住建局``). Columns alias,
    unit_id; a short alias may stand for several units.

    >>> u = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["青山县住建局", "石门县人民政府"]})
    >>> sorted(unit_aliases(u).query("unit_id == 'U2'")["alias"])
    ['u2', '石门县人民政府', '石门县政府']
    """
    if not len(units):
        return pd.DataFrame({"alias": [], "unit_id": []}, dtype=object)
    ids = units["unit_id"].astype(str)
    names = units["name"].astype(str).map(normalise)
    short = names.str.replace(_PREFIX, "", regex=True)
    gov = names.str.replace("人民政府", "政府", regex=False)
    parts = [pd.DataFrame({"alias": ids.str.lower(), "unit_id": ids}),
             pd.DataFrame({"alias": names, "unit_id": ids}),
             pd.DataFrame({"alias": gov, "unit_id": ids}),
             pd.DataFrame({"alias": short, "unit_id": ids}),
             pd.DataFrame({"alias": short.str.replace("人民政府", "政府", regex=False), "unit_id": ids})]
    out = pd.concat(parts, ignore_index=True)
    out = out.loc[(out["alias"].str.len() >= 2) & ~out["alias"].isin(GENERIC_UNIT_WORDS)].drop_duplicates()
    return out.reset_index(drop=True)


def find_mentions(answer: object, aliases: pd.DataFrame, key: str = "unit_id") -> list[frozenset[str]]:
    """The entities an answer mentions, longest alias first, without overlaps: one set of
    candidate keys per mention (a short name may fit several).

    >>> a = pd.DataFrame({"alias": ["住建局", "青山县住建局", "u1"], "unit_id": ["U1", "U1", "U1"]})
    >>> find_mentions("青山县住建局和住建局", a)
    [frozenset({'U1'}), frozenset({'U1'})]
    """
    s = normalise(answer)
    if not s or not len(aliases):
        return []
    present = aliases.loc[[a in s for a in aliases["alias"]]]
    if not len(present):
        return []
    groups = present.groupby("alias", sort=False)[key].agg(frozenset)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, frozenset[str]]] = []
    for alias in sorted(groups.index, key=lambda a: (-len(a), a)):
        ascii_id = alias.isascii()
        pattern = rf"(?<![0-9a-z]){re.escape(alias)}(?![0-9a-z])" if ascii_id else re.escape(alias)
        for m in re.finditer(pattern, s):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), groups[alias]))
    return [keys for _, keys in sorted(found, key=lambda x: x[0])]


def match_category(answer: object, categories: Iterable[tuple[str, str]]) -> tuple[str, object]:
    """Read a level-2 issue category: ``("ok", (l1, l2))``, ``("l1", l1)`` when only a level-1
    class was given, ``("ambiguous", n)`` when a fragment fits several, ``("unknown", None)``.

    >>> cats = [("城乡建设", "集体土地上房屋拆迁与补偿"), ("城乡建设", "国有土地上房屋征收与补偿"), ("国土资源", "土地征收")]
    >>> match_category("城乡建设_集体土地上房屋拆迁与补偿", cats)[1], match_category("拆迁", cats)[1]
    (('城乡建设', '集体土地上房屋拆迁与补偿'), ('城乡建设', '集体土地上房屋拆迁与补偿'))
    >>> match_category("房屋", cats), match_category("城乡建设", cats)
    (('ambiguous', 2), ('l1', '城乡建设'))
    """
    s = re.sub(r"\s+", "", normalise(answer))
    cats = sorted({(str(a), str(b)) for a, b in categories if isinstance(b, str) and b})
    for l1, l2 in cats:
        for form in (l2, f"{l1}_{l2}", f"{l1}/{l2}", f"{l1}-{l2}", f"{l1}、{l2}", f"{l1}{l2}"):
            if s == normalise(form):
                return "ok", (l1, l2)
    if any(s == normalise(l1) for l1, _ in cats):
        return "l1", next(l1 for l1, _ in cats if s == normalise(l1))
    tail = re.split(r"[_/\-、]", s)[-1]
    if len(tail) >= 2:
        fits = [(l1, l2) for l1, l2 in cats if tail in normalise(l2)]
        if len(fits) == 1:
            return "ok", fits[0]
        if len(fits) > 1:
            exact = [c for c in fits if normalise(c[1]) == tail]
            return ("ok", exact[0]) if len(exact) == 1 else ("ambiguous", len(fits))
    return "unknown", None


def match_choice(answer: object, options: Sequence[tuple[str, str, str]]) -> str | None:
    """The option an answer picks: its key, its letter (A, B, …), its number (1, 2, …), its
    label in either language, or a fragment of at least two characters found in one label only.

    >>> opts = [("late", "答复超期", "late reply"), ("buck", "互相推诿", "passing the buck")]
    >>> match_choice("B", opts), match_choice("buck", opts), match_choice("超期", opts), match_choice("X", opts)
    ('buck', 'buck', 'late', None)
    """
    if answer is None:
        return None
    s = normalise(answer).rstrip(".、)）")
    keys = [o[0] for o in options]
    if s in keys:
        return s
    letters = [chr(ord("a") + i) for i in range(len(options))]
    if s in letters:
        return keys[letters.index(s)]
    if s.isdigit() and 1 <= int(s) <= len(options):
        return keys[int(s) - 1]
    for key, zh, en in options:
        if s in (normalise(zh), normalise(en)):
            return key
    if len(s) >= 2:
        fits = [key for key, zh, en in options if s in normalise(zh) or s in normalise(en)]
        if len(fits) == 1:
            return fits[0]
    return None
