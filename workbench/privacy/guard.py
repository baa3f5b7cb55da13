"""The export guard (导出检查): whatever leaves the workbench — a rendered page, a notebook, a
table, a figure, a graph file, a workbook — is scanned for personal data the role may not see,
and refused when it holds any (DESIGN §9).

What each role may not see:

- ``supervisor`` (督查督办): nothing is refused; every scan returns ``[]``.
- ``analyst`` (分析研判): every petitioner name in the book (``book.petitioners.name``), every ID
  number (居民身份证号: 18 characters with a correct GB 11643 check character and a real birth
  date, or 15 digits with a real birth date), every phone number (mobile ``1[3-9]`` + 9 digits,
  optionally ``+86``/``0086``/``86`` before it and ``-`` or a space between its 3-4-4 groups;
  landline ``0`` + 2-3 digits, ``-`` or a space, 7-8 digits, or the area code in brackets).
- ``trainer`` (培训): the names of accusers (揭发控告人: petitioner records linked only to
  accusation cases, whose name no record with another kind of case shares — the trainer's
  synthetic data may show every other name), and ID and phone numbers as for the analyst (a
  page leaving the training room carries none).

Public names are never findings: officials (``book.people.name``), unit names, region names
(and their township part) and category labels. A petitioner name equal to one of them is not
refused, and an occurrence inside one of them (王家 inside 牛头镇王家塘村村民委员会) is not a finding.

The name rule. CJK runs are collected from the decoded text, every substring of a refused
name's length is looked up in a set (no regular-expression alternation), then each occurrence
is checked. Names of three or more characters count wherever they occur. A two-character name
is often also a word or the head of a place name (于建 in 用于建厂, 高峰 in 高峰期, 江华 in 滨江华庭,
杨林 in 杨林镇, 张家 in 张家岗村), so it counts where it stands as a name: it is *not* a finding when
a place suffix follows it (村 镇 乡 庄 屯 寨 街 路 巷 directly, or 村 镇 乡 庄 屯 寨 after one more
character, or 社区/街道/小区), nor when a word of jieba's dictionary overlaps it and runs past it —
unless it stands in a name's slot (after 信访人/联系人/申请人/姓名/…, or before 反映/等人/代表/来访/
（/，/…), where it always counts. A cell or label holding the name (李家, 信访人：李家) is always
found. Measured on the bundled sample (3,404 refused two-character names): the analyst's outputs
(the masked book's tables, the persons and hotspot tables, the investigation graph, the
accountability workbook) and the raw summaries and event notes give zero name findings, where
counting every substring gives 628 false findings on the summaries alone; injected into ten
sentence templates, 20 of the 34,040 two-character injections (反映X的问题 with X的 read as a
word) and none of the three-character ones are missed (``benchmarks/bench_guard.py``). Names
of one character are ignored; names with characters other than CJK (a Latin name) are matched
as plain substrings.

Decoding before scanning: HTML entities (``&#24352;``, ``&amp;#x5F20;``: up to three rounds),
JSON ``\\uXXXX`` escapes (plotly's figure JSON in rendered pages) and full-width digits. Not
decoded: URL encoding, and plotly's base64 ``bdata`` typed arrays (numbers only, never text; a
phone number kept as an integer array there is not seen in a page — :meth:`Guard.scan_figure`
reads the figure's arrays as they are).

Numbers never match inside a longer run of digits or letters (case numbers such as
XF3399212023000007, 13-digit millisecond timestamps, hex and base64 blobs) nor as the digits of
a decimal (0.13812345678). The birthplace code of an ID number is not checked:
``stdnum.cn.ric`` rejects (and on some codes raises ``KeyError`` for) region codes missing from its
table, as the synthetic sample's 3399xx codes are; the check is that of
:func:`workbench.ids.id_checksum_valid`.

>>> g = Guard("analyst", names=["王建国"])
>>> [(f.kind, f.value, f.where) for f in g.scan_text("信访人王建国，电话13800138000", where="note")]
[('name', '王**', 'note'), ('phone', '138****8000', 'note')]
>>> g.scan_text("案件XF3399212023000007，时间1700000000000，比例0.13812345678")
[]
>>> Guard("supervisor", names=["王建国"]).scan_text("王建国 13800138000")
[]
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import math
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any

from .masking import mask_id_number, mask_phone

__all__ = ["ROLES", "KINDS", "Finding", "LeakError", "Guard", "guarded_write"]

#: the roles a guard knows
ROLES = ("supervisor", "analyst", "trainer")
#: kinds of finding
KINDS = ("id_number", "phone", "name", "accuser")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"[{_CJK}]+")
# two patterns, not one alternation: each alone lets the regex engine skip to its first character
_JSON_ESCAPES = re.compile(r"(\\u[0-9a-fA-F]{4}(?:\\u[0-9a-fA-F]{4})*)")  # a run, decoded at once
_ENTITY = re.compile(r"(&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};))")
_FULLWIDTH = re.compile("[\uff10-\uff19\uff38\uff58\uff0b\uff0d]")
_FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "\uff38": "X", "\uff58": "x",
                       "\uff0b": "+", "\uff0d": "-"})
# no match inside a longer run of digits/letters, nor as the digits of a decimal
_LEFT = r"(?<![0-9A-Za-z_])(?<!\d\.)"
_RIGHT = r"(?![0-9A-Za-z_]|\.\d)"
_NUMBER = re.compile(
    _LEFT + r"(?:"
    r"(?P<id18>[1-9]\d{16}[\dXx])"
    r"|(?P<id15>[1-9]\d{14})"
    r"|(?P<mobile>(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2})"
    r"|(?P<land>(?:0\d{2,3}[- ]|[(（]0\d{2,3}[)）] ?)\d{7,8})"
    r")" + _RIGHT, re.ASCII)
_DIGITS = re.compile(r"[0-9][0-9][0-9][- ]?[0-9]{4}")  # every number of _NUMBER holds one
_GLUE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_TOKEN = re.compile(r"[0-9A-Za-z_]*")
_SEP = "\x1e"  # between the pieces of one scan: breaks every CJK run and digit run
# what turns a two-character name into the head of a place name
_PLACE_NEXT = frozenset("村镇乡庄屯寨街路巷")
_PLACE_AFTER_ONE = frozenset("村镇乡庄屯寨")
_PLACE_WORDS = ("社区", "街道", "小区")
# a name's slot: a two-character name here is a name even if it could be read as part of a word
_SLOT_BEFORE = re.compile(r"(?:信访人|联系人|申请人|举报人|控告人|当事人|代理人|代表人|负责人|户主|姓名|名字|签名|来访人|来信人)[：:\s]?\Z")
_SLOT_AFTER = re.compile(r"等\d|等人|代表|反映|来访|来信|来电|诉称|称|投诉|举报|控告|[（(，,、]|先生|女士|同志")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TEXT_SUFFIXES = (".html", ".htm", ".csv", ".json", ".ipynb", ".gexf", ".graphml", ".xml", ".txt", ".md", ".tsv")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")


# --------------------------------------------------------------------------- findings and errors


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found: ``kind`` (``id_number``, ``phone``, ``name``,
    ``accuser``), ``value`` (masked: the full value is never kept), ``where`` (the location in the
    scanned object) and ``context`` (a short masked snippet around it)."""

    kind: str
    value: str
    where: str
    context: str = ""

    def describe(self, language: str | None = None) -> str:
        """One line: kind, masked value, where (and the context)."""
        from ..i18n import text

        line = text("guard.finding", language, kind=text(f"guard.kind.{self.kind}", language), value=self.value,
                    where=self.where or "-")
        return line + (text("guard.context", language, context=self.context) if self.context else "")


class LeakError(ValueError):
    """An export refused: it holds personal data the role may not see. ``findings`` lists them;
    the message names each one (kind, masked value, where) and says nothing was written."""

    def __init__(self, findings: Sequence[Finding], target: str | os.PathLike[str] | None = None, *,
                 role: str | None = None, language: str | None = None) -> None:
        from ..i18n import text

        self.findings = list(findings)
        self.target = None if target is None else Path(target)
        head = (text("guard.error.file", language, path=str(target), n=len(self.findings), role=role or "-")
                if target is not None else text("guard.error.none", language, n=len(self.findings), role=role or "-"))
        super().__init__("\n".join([head, *("- " + f.describe(language) for f in self.findings)]))


# --------------------------------------------------------------------------- masking for messages


def _mask_number(kind: str, v: str) -> str:
    """An ID or phone number as the masks of :mod:`workbench.privacy.masking` show it."""
    return mask_id_number(v) if kind == "id_number" else mask_phone(v)


def _mask_name(v: str) -> str:
    """A name shown in a message: its first character, the rest starred (王建国 → 王**)."""
    return v[:1] + "*" * max(len(v) - 1, 1)


# --------------------------------------------------------------------------- decoding


class _Decoded:
    """A text with HTML entities, JSON ``\\uXXXX`` escapes and full-width digits decoded, able to
    map a position in the decoded text back to the raw one."""

    __slots__ = ("text", "_maps")

    def __init__(self, raw: str) -> None:
        maps: list[tuple[list[int], list[tuple[int, int, int, int, int]]]] = []
        s = raw
        for _ in range(3):
            changed = False
            for pattern in (_JSON_ESCAPES, _ENTITY):
                s2, spans = _decode_once(s, pattern)
                if spans:
                    maps.append(([sp[0] for sp in spans], spans))
                    s, changed = s2, True
            if not changed:
                break
        if _FULLWIDTH.search(s):  # one character for one: positions are unchanged
            s = _FULLWIDTH.sub(lambda m: m.group(0).translate(_FOLD), s)
        self.text = s
        self._maps = maps

    def raw(self, pos: int) -> int:
        for starts, spans in reversed(self._maps):
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0:
                ds, de, rs, re_, step = spans[i]
                pos = (rs + (pos - ds) * step) if pos < de else re_ + (pos - de)
        return pos


def _decode_once(s: str, pattern: re.Pattern[str]) -> tuple[str, list[tuple[int, int, int, int, int]]]:
    """``s`` with every match of ``pattern`` (JSON escapes or HTML entities) decoded, and the
    spans replaced: (decoded start, end, raw start, end, raw characters per decoded one — 6 in a
    run of ``\\uXXXX``, 0 when not uniform). Decoded in one batch, not match by match."""
    import numpy as np

    parts = pattern.split(s)
    if len(parts) == 1:
        return s, []
    found = parts[1::2]
    if pattern is _JSON_ESCAPES:
        decoded = json.loads("[" + ",".join(['"' + f + '"' for f in found]) + "]")
    else:
        decoded = unescape("\x00".join(found)).split("\x00")
    parts[1::2] = decoded
    raw_len = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    dec_len = np.fromiter(map(len, decoded), dtype=np.int64, count=len(found))
    text_len = np.fromiter(map(len, parts[0::2]), dtype=np.int64, count=len(found) + 1)[:-1]
    rs = np.cumsum(text_len) + np.concatenate(([0], np.cumsum(raw_len)[:-1]))
    ds = np.cumsum(text_len) + np.concatenate(([0], np.cumsum(dec_len)[:-1]))
    step = np.where((pattern is _JSON_ESCAPES) & (6 * dec_len == raw_len), 6, 0)
    spans = list(zip(ds.tolist(), (ds + dec_len).tolist(), rs.tolist(), (rs + raw_len).tolist(), step.tolist(),
                     strict=True))
    return "".join(parts), spans


# --------------------------------------------------------------------------- the word list


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """Words of 2-4 characters of jieba's dictionary (read from its file, jieba not imported);
    empty when jieba is not installed."""
    try:
        from importlib.resources import files

        raw = (files("jieba") / "dict.txt").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return frozenset()
    return frozenset(re.findall(r"^([^ \n]{2,4}) ", raw, re.MULTILINE))


# --------------------------------------------------------------------------- the guard


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str
    value: str  # masked


class Guard:
    """What ``role`` may not see, and the scans that find it.

    Build one for a book with :meth:`for_book`; by hand for a test with ``names`` (refused
    petitioner names), ``accusers`` (refused accusers' names) and ``public`` (officials, units,
    regions, categories: never refused). ``numbers``: whether ID and phone numbers are refused
    (default: for every role but the supervisor).

    >>> g = Guard("trainer", names=["李四"], accusers=["张三"])
    >>> [f.kind for f in g.scan_text("张三、李四")]
    ['accuser']
    """

    def __init__(self, role: str | None = None, *, names: Iterable[str] = (), accusers: Iterable[str] = (),
                 public: Iterable[str] = (), language: str | None = None, numbers: bool | None = None) -> None:
        from ..i18n import lang

        if role is None:
            from ..config import get_config

            role = get_config().role
        if role not in ROLES:
            from ..i18n import text

            raise ValueError(text("guard.error.role", language, role=role))
        self.role = role
        self.language = lang(language)
        full = role == "supervisor"
        self.numbers = (not full) if numbers is None else bool(numbers) and not full
        pub = {str(p).strip() for p in public if isinstance(p, str) and len(str(p).strip()) >= 2}
        kinds: dict[str, str] = {}
        if not full:
            if role != "trainer":  # the trainer's data is synthetic: only accusers are refused
                kinds.update({n: "name" for n in _clean_names(names)})
            kinds.update({n: "accuser" for n in _clean_names(accusers)})
        for p in pub:
            kinds.pop(p, None)
        self.kinds: Mapping[str, str] = kinds
        cjk = {n for n in kinds if _RUN.fullmatch(n)}
        self._cjk = frozenset(cjk)
        self._lengths = sorted({len(n) for n in cjk})
        self._firsts = frozenset(n[0] for n in cjk)
        other = sorted((n for n in kinds if n not in cjk), key=len, reverse=True)
        self._other = re.compile("|".join(map(re.escape, other))) if other else None
        # public strings holding a refused name: name -> [(public string, offset of the name in it)]
        cover: dict[str, list[tuple[str, int]]] = {}
        lengths = sorted({len(n) for n in kinds})
        for p in pub:
            for L in lengths:
                for i in range(len(p) - L + 1):
                    sub = p[i:i + L]
                    if sub in kinds:
                        cover.setdefault(sub, []).append((p, i))
        self._cover = cover
        self._redacted: dict[str, str] = {}

    # ------------------------------------------------------------------ building

    @classmethod
    def for_book(cls, book: Any, role: str | None = None, *, language: str | None = None) -> Guard:
        """The guard of ``role`` (default: the configured one) for ``book``: its petitioner names
        (analyst), its accusers' names (analyst, trainer), ID and phone numbers (both); its
        officials, units, regions and categories are public."""
        import numpy as np
        import pandas as pd

        if role is None:
            from ..config import get_config

            role = get_config().role
        if role == "supervisor":
            return cls("supervisor", language=language)
        pet = getattr(book, "petitioners", None)
        names: list[str] = []
        accusers: list[str] = []
        allowed: list[str] = []
        if pet is not None and "name" in pet:
            names = pet["name"].dropna().astype(str).tolist()
            cp = getattr(book, "case_petitioners", None)
            cases = book.cases
            if cp is not None and len(cp) and "demand_type" in cases and "petitioner_id" in pet:
                acc_cases = cases.loc[(cases["demand_type"].astype("str") == "accusation").fillna(False).to_numpy(dtype=bool),
                                      "case_id"].astype(str)
                is_acc = cp["case_id"].astype(str).isin(set(acc_cases)).to_numpy()
                pid = cp["petitioner_id"].astype(str).to_numpy()
                only = pd.Series(is_acc).groupby(pid).all()
                pp = pet.drop_duplicates("petitioner_id")
                name_of = pd.Series(pp["name"].to_numpy(), index=pp["petitioner_id"].astype(str).to_numpy())
                acc_ids = only.index[only.to_numpy(dtype=bool)]
                other_ids = only.index[~only.to_numpy(dtype=bool)]
                acc_names = set(name_of.reindex(acc_ids).dropna().astype(str).str.strip())
                shared = set(name_of.reindex(other_ids).dropna().astype(str).str.strip())
                accusers = sorted(acc_names - shared)
                if role == "trainer":  # the names the trainer may see: an accuser's 周X inside 周X芳 is not one
                    allowed = sorted(set(pet["name"].dropna().astype(str).str.strip()) - set(accusers))
        public: list[str] = []
        people = getattr(book, "people", None)
        if people is not None and "name" in people:
            public += people["name"].dropna().astype(str).tolist()
        units = getattr(book, "units", None)
        if units is not None and "name" in units:
            public += units["name"].dropna().astype(str).tolist()
        cases = book.cases
        for c in ("region_name", "category_l1", "category_l2", "category_raw"):
            if c in cases:
                vals = pd.unique(cases[c].dropna().astype(str).to_numpy())
                public += [str(v) for v in vals]
                if c == "region_name":  # the township part alone (杨林镇 of 云溪县杨林镇)
                    parts = pd.Series(vals, dtype=object).str.replace(r"^.*?[省市县区旗]", "", regex=True)
                    public += [str(v) for v in parts[np.asarray(parts.str.len() >= 2, dtype=bool)]]
        return cls(role, names=names, accusers=accusers, public=public + allowed, language=language)

    @property
    def refuses_nothing(self) -> bool:
        """True for a guard with nothing to refuse (the supervisor's)."""
        return not self.numbers and not self.kinds

    def __repr__(self) -> str:
        return (f"Guard(role={self.role!r}, names={sum(k == 'name' for k in self.kinds.values())}, "
                f"accusers={sum(k == 'accuser' for k in self.kinds.values())}, numbers={self.numbers})")

    # ------------------------------------------------------------------ the core

    def _spans(self, text: str) -> list[_Span]:
        """Every finding in an already decoded ``text``, as masked spans in text order."""
        out: list[_Span] = []
        if self.numbers:
            out += self._number_spans(text)
        if self.kinds:
            out += self._name_spans(text)
        out.sort(key=lambda s: (s.start, -s.end))
        return out

    def _number_spans(self, text: str) -> list[_Span]:
        found: list[tuple[int, int, str, str]] = []
        ids18: list[int] = []
        for m in _numbers(text):
            kind = m.lastgroup or ""
            v = m.group(0)
            if kind == "id18":
                ids18.append(len(found))
                found.append((m.start(), m.end(), "id_number", v.upper()))
            elif kind == "id15":
                if _date_ok("19" + v[6:12]):
                    found.append((m.start(), m.end(), "id_number", v))
            elif kind == "mobile":  # the number without its country code
                found.append((m.start(), m.end(), "phone", "".join(ch for ch in v if ch.isdigit())[-11:]))
            else:
                found.append((m.start(), m.end(), "phone", v))
        if ids18:
            import pandas as pd

            from ..ids import id_checksum_valid

            ok = id_checksum_valid(pd.Series([found[i][3] for i in ids18], dtype=object)).to_numpy()
            bad = {i for i, good in zip(ids18, ok, strict=True) if not good}
            found = [f for i, f in enumerate(found) if i not in bad]
        return [_Span(a, b, k, _mask_number(k, "".join(ch for ch in v if ch.isalnum()))) for a, b, k, v in found]

    def _name_spans(self, text: str) -> list[_Span]:
        occ: list[tuple[int, int, str]] = []
        if self._cjk:
            # each distinct CJK run once (pages repeat their words), its substrings looked up in
            # the set; positions in the text only for the runs that hold a name
            uniq = [r for r in set(_RUN.findall(text)) if len(r) >= self._lengths[0]]
            joined = _SEP.join(uniq)
            at = [0]
            for r in uniq[:-1]:
                at.append(at[-1] + len(r) + 1)
            inside: dict[str, list[tuple[int, str]]] = {}
            firsts, cjk = self._firsts, self._cjk
            cand = [i for i, ch in enumerate(joined) if ch in firsts]  # where a name could start
            for L in self._lengths:
                for i in [i for i in cand if joined[i:i + L] in cjk]:
                    r = bisect.bisect_right(at, i) - 1
                    inside.setdefault(uniq[r], []).append((i - at[r], joined[i:i + L]))
            if inside:
                for m in _RUN.finditer(text):
                    found = inside.get(m.group(0))
                    if found:
                        a = m.start()
                        occ += [(a + off, a + off + len(n), n) for off, n in found]
        if self._other is not None:
            occ += [(m.start(), m.end(), m.group(0)) for m in self._other.finditer(text)]
        keep: list[tuple[int, int, str]] = []
        for a, b, n in occ:
            if any(text.startswith(p, a - off) for p, off in self._cover.get(n, ()) if a - off >= 0):
                continue
            if b - a == 2 and n in self._cjk and _absorbed(text, a, b):
                continue
            keep.append((a, b, n))
        keep.sort(key=lambda t: (t[0], -t[1]))
        out: list[_Span] = []
        end = -1
        for a, b, n in keep:
            if b <= end:  # inside a longer name already found
                continue
            end = b
            out.append(_Span(a, b, self.kinds[n], _mask_name(n)))
        return out

    def _scan(self, texts: Sequence[str], locate: Callable[[int, str, int], str | list[str]]) -> list[Finding]:
        """Scan ``texts`` (pieces of one object) in one pass; ``locate(piece, raw_text, offset)``
        names where a finding at ``offset`` of piece ``piece`` is (a list: one finding at each)."""
        if self.refuses_nothing or not texts:
            return []
        joined = _SEP.join(texts)
        dec = _Decoded(joined)
        spans = self._spans(dec.text)
        if not spans:
            return []
        starts = [0]
        for t in texts[:-1]:
            starts.append(starts[-1] + len(t) + 1)
        out = []
        span_starts = [sp.start for sp in spans]
        for sp in spans:
            raw = dec.raw(sp.start)
            k = bisect.bisect_right(starts, raw) - 1
            loc = locate(k, texts[k], raw - starts[k])
            ctx = _context(dec.text, sp, spans, span_starts)
            out += [Finding(sp.kind, sp.value, w, ctx) for w in ([loc] if isinstance(loc, str) else loc)]
        return out

    def _redact(self, s: str) -> str:
        """``s`` with every finding replaced by its masked value (for locations built from data)."""
        if self.refuses_nothing or not s:
            return s
        done = self._redacted.get(s)
        if done is None:
            dec = _Decoded(s)
            spans = self._spans(dec.text)
            done = _masked(dec.text, 0, len(dec.text), spans) if spans else s
            if len(self._redacted) > 100_000:
                self._redacted.clear()
            self._redacted[s] = done
        return done

    # ------------------------------------------------------------------ scans

    def scan_text(self, text: str, where: str = "") -> list[Finding]:
        """Findings in a text. ``where`` names it; ``line L:C`` is added for a text of several
        lines (or given alone when ``where`` is empty)."""
        text = str(text)
        if "\n" in text or not where:
            return self._scan_located(text, where)
        return self._scan([text], lambda _k, _raw, _off: where)

    def scan_html(self, html: str, where: str = "") -> list[Finding]:
        """Findings in an HTML page; each located by ``line L:C`` and the nearest element id
        (``#kpi``) or heading (“超期督办”) before it."""
        return self._scan_located(str(html), where, _html_anchors)

    def scan_frame(self, df: Any, where: str = "") -> list[Finding]:
        """Findings in a DataFrame (cells, column names, index labels): ``row <index> column <name>``."""
        import pandas as pd

        if self.refuses_nothing:
            return []
        if isinstance(df, pd.Series):
            df = df.to_frame()
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"scan_frame needs a pandas DataFrame, got {type(df).__name__}")
        import numpy as np

        texts: list[str] = []
        owner: list[tuple[int, int]] = []  # (column, code) of each distinct cell text scanned
        codes: list[np.ndarray] = []
        cols = list(df.columns)
        index = list(df.index)
        for j in range(len(cols)):  # each distinct value of a column once
            c, uniq = _distinct_texts(df.iloc[:, j])
            codes.append(c)
            keep = [u for u in range(len(uniq)) if uniq[u]]
            texts += [uniq[u] for u in keep]
            owner += [(j, u) for u in keep]
        base = len(texts)
        texts += [str(c) for c in cols]
        texts += [str(i) for i in index]

        def locate(k: int, _raw: str, _off: int) -> list[str]:
            if k < base:
                j, u = owner[k]
                col = self._redact(str(cols[j]))
                return [_join(where, f"row {self._redact(str(index[r]))} column {col}") for r in np.flatnonzero(codes[j] == u)]
            if k < base + len(cols):
                return [_join(where, f"column header {k - base}")]
            return [_join(where, f"index row {k - base - len(cols)}")]

        return self._scan(texts, locate)

    def scan_figure(self, fig: Any, where: str = "") -> list[Finding]:
        """Findings in a plotly figure (``go.Figure``, ``FigureWidget`` or its dict):
        ``data[i].<attr>[j]``, ``layout.title.text``."""
        if self.refuses_nothing:
            return []
        obj = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
        if not isinstance(obj, Mapping):
            raise TypeError(f"scan_figure needs a plotly figure or its dict, got {type(fig).__name__}")
        return self._scan_leaves(_leaves(obj, ""), where)

    def scan_graph(self, G: Any, where: str = "") -> list[Finding]:
        """Findings in a networkx graph: ``node <id>``, ``node <id> attribute <name>``,
        ``edge a→b attribute <name>`` (``edge a→b [key]`` in a multigraph), ``graph attribute <name>``."""
        if self.refuses_nothing:
            return []
        leaves: list[tuple[str, str]] = []
        for k, v in G.graph.items():
            leaves += _leaves(v, f"graph attribute {k}")
        for node, d in G.nodes(data=True):
            nid = str(node)
            leaves.append((f"node {nid}", nid))
            for k, v in d.items():
                leaves += _leaves(v, f"node {nid} attribute {k}")
        edges = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
        for u, v, key, d in edges:
            e = f"edge {u}→{v}" + (f" [{key}]" if key is not None else "")
            if key is not None:
                leaves.append((e + " key", str(key)))
            for k, x in d.items():
                leaves += _leaves(x, f"{e} attribute {k}")
        return self._scan_leaves(leaves, where)

    def scan_widget(self, w: Any, where: str = "") -> list[Finding]:
        """Findings in an ipywidgets widget tree (its state: values, options, descriptions;
        ``children`` walked; plotly ``FigureWidget`` data/layout; ``Output`` outputs):
        ``VBox › children[1] HTML › value``."""
        if self.refuses_nothing:
            return []
        leaves: list[tuple[str, str]] = []
        _widget_leaves(w, where, leaves, set())
        return self._scan_leaves(leaves, "")

    def scan_notebook(self, nb: Any) -> list[Finding]:
        """Findings in a notebook (``nbformat`` node, dict or path): cell sources, every output
        and mimetype, output and cell metadata, and saved widget state. Cells and outputs are
        counted from 1: ``cell 7 output 1 application/vnd.plotly.v1+json data[0].hovertext[12]``."""
        if self.refuses_nothing:
            return []
        if isinstance(nb, str | os.PathLike):
            nb = json.loads(Path(nb).read_text(encoding="utf-8"))
        if not isinstance(nb, Mapping) or "cells" not in nb:
            raise TypeError(f"scan_notebook needs a notebook (with cells), got {type(nb).__name__}")
        leaves: list[tuple[str, str]] = []
        for i, cell in enumerate(nb.get("cells", []), start=1):
            c = f"cell {i}"
            leaves += _leaves(_text(cell.get("source", "")), f"{c} source")
            if cell.get("metadata"):
                leaves += _leaves(cell["metadata"], f"{c} metadata")
            for name, att in (cell.get("attachments") or {}).items():
                leaves += _leaves(att, f"{c} attachment {name}")
            for m, out in enumerate(cell.get("outputs", []) or [], start=1):
                leaves += _output_leaves(out, f"{c} output {m}")
        meta = dict(nb.get("metadata", {}) or {})
        state = (meta.pop("widgets", None) or {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        for mid, model in (state or {}).items():
            head = f"widget {str(mid)[:8]} {model.get('model_name', '')}"
            leaves += [(_join(head, p), t) for p, t in _leaves(model.get("state", {}), "state")]
        leaves += _leaves(meta, "notebook metadata")
        return self._scan_leaves(leaves, "")

    def scan_file(self, path: str | os.PathLike[str]) -> list[Finding]:
        """Findings in a file, by its suffix: ``.html`` (line and element), ``.csv`` (``row r
        column c``, the header being row 1), ``.json``/``.ipynb`` (JSON path; a notebook as one),
        ``.gexf``/``.graphml`` (line, ``node``/``edge`` and attribute), ``.xlsx`` (``sheet <name>
        cell <A1>``), ``.txt`` (line). Locations start with the file's name."""
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"scan_file: no such file {p}")
        return self._scan_path(p, p.suffix.lower(), p.name)

    def scan(self, obj: Any, where: str = "") -> list[Finding]:
        """Any of the above, chosen by the type of ``obj``."""
        import pandas as pd

        if self.refuses_nothing:
            return []
        if isinstance(obj, os.PathLike):
            return self.scan_file(obj)
        if isinstance(obj, str):
            return self.scan_html(obj, where) if "<html" in obj[:2000].lower() else self.scan_text(obj, where)
        if isinstance(obj, pd.DataFrame | pd.Series):
            return self.scan_frame(obj, where)
        if hasattr(obj, "to_plotly_json"):
            return self.scan_figure(obj, where)
        if hasattr(obj, "get_state"):
            return self.scan_widget(obj, where)
        if hasattr(obj, "nodes") and hasattr(obj, "edges") and hasattr(obj, "graph"):
            return self.scan_graph(obj, where)
        if isinstance(obj, Mapping) and "cells" in obj:
            return self.scan_notebook(obj)
        if isinstance(obj, Mapping | list | tuple):
            return self._scan_leaves(_leaves(obj, ""), where)
        raise TypeError(f"the guard cannot scan a {type(obj).__name__}")

    def check(self, findings: Sequence[Finding], target: str | os.PathLike[str] | None = None) -> None:
        """Raise :class:`LeakError` listing every finding (nothing when there is none)."""
        if findings:
            raise LeakError(findings, target, role=self.role, language=self.language)

    # ------------------------------------------------------------------ helpers of the scans

    def _scan_leaves(self, leaves: list[tuple[str, str]], where: str) -> list[Finding]:
        texts = [t for _, t in leaves]

        lines = _Lines()

        def locate(k: int, raw: str, off: int) -> str:
            loc = self._redact(leaves[k][0])
            return _join(where, _join(loc, lines.at(k, raw, off) if "\n" in raw else ""))

        return self._scan(texts, locate)

    def _scan_path(self, p: Path, suffix: str, label: str) -> list[Finding]:
        if self.refuses_nothing:
            return []
        if suffix in _XLSX_SUFFIXES:
            return self._scan_xlsx(p, label)
        data = p.read_bytes()
        return self._scan_content(_decode_bytes(data, suffix, label), suffix, label)

    def _scan_content(self, text: str, suffix: str, label: str) -> list[Finding]:
        if suffix in (".html", ".htm"):
            return self.scan_html(text, label)
        if suffix in (".csv", ".tsv"):
            return self._scan_csv(text, label, "\t" if suffix == ".tsv" else ",")
        if suffix in (".json", ".ipynb"):
            try:
                obj = json.loads(text)
            except ValueError:
                return self.scan_text(text, label)
            found = (self.scan_notebook(obj) if isinstance(obj, Mapping) and "cells" in obj
                     else self._scan_leaves(_leaves(obj, ""), ""))
            return [Finding(f.kind, f.value, _join(label, f.where), f.context) for f in found]
        if suffix in (".gexf", ".graphml", ".xml"):
            return self._scan_located(text, label, _xml_anchors)
        return self._scan_located(text, label)

    def _scan_csv(self, text: str, label: str, delimiter: str) -> list[Finding]:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        header = rows[0] if rows else []
        texts: list[str] = []
        pos: list[tuple[int, int]] = []
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                texts.append(v)
                pos.append((r, c))

        def locate(k: int, _raw: str, _off: int) -> str:
            r, c = pos[k]
            col = header[c] if c < len(header) and r > 1 and header[c] else str(c + 1)
            return _join(label, f"row {r} column {self._redact(col)}")

        return self._scan(texts, locate)

    def _scan_located(self, text: str, label: str,
                      anchors_of: Callable[[str, Guard], tuple[list[int], Callable[[int], str]]] | None = None
                      ) -> list[Finding]:
        """One text located by ``line L:C`` (and the nearest anchor before it, if ``anchors_of``)."""
        lines = _Lines()
        anchors: tuple[list[int], Callable[[int], str]] | None = None

        def locate(_k: int, raw: str, off: int) -> str:
            nonlocal anchors
            if anchors is None:  # built once, on the first finding
                anchors = anchors_of(raw, self) if anchors_of is not None else ([], str)
            i = bisect.bisect_right(anchors[0], off) - 1
            return _join(label, lines.at(0, raw, off) + (f" ({anchors[1](i)})" if i >= 0 else ""))

        return self._scan([text], locate)

    def _scan_xlsx(self, p: Path, label: str) -> list[Finding]:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(p))
        texts: list[str] = []
        pos: list[str] = []
        for name in wb.sheet_names:
            texts.append(name)
            pos.append(f"sheet name {name}")
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    t = _value_text(v)
                    if t:
                        texts.append(t)
                        pos.append(f"sheet {name} cell {_column_letters(c)}{r + 1}")

        def locate(k: int, _raw: str, _off: int) -> str:
            return _join(label, self._redact(pos[k]))

        return self._scan(texts, locate)


# --------------------------------------------------------------------------- writing


def guarded_write(path: str | os.PathLike[str], data: str | bytes, guard: Guard, where: str | None = None) -> Path:
    """Scan ``data`` as the file ``path`` will hold it, then write it atomically (a temporary file
    in the same folder, then ``os.replace``). On findings :class:`LeakError` is raised, nothing is
    written and an existing file is left as it was. ``where`` labels the findings (default: the
    file's name). Returns the path.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> try:
    ...     guarded_write(p, "电话 13800138000", Guard("analyst", language="en"))
    ... except LeakError as e:
    ...     print(str(e).splitlines()[1])
    - phone number 138****8000 at note.txt line 1:4 (context: 电话 138****8000)
    >>> p.exists(), guarded_write(p, "电话 138****8000", Guard("analyst")).read_text(encoding="utf-8")
    (False, '电话 138****8000')
    """
    p = Path(path)
    if not isinstance(guard, Guard):
        raise TypeError(f"guarded_write needs a Guard, got {type(guard).__name__}")
    if not isinstance(data, str | bytes | bytearray):
        raise TypeError(f"guarded_write writes str or bytes, got {type(data).__name__}")
    label = where or p.name
    suffix = p.suffix.lower()
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if not guard.refuses_nothing and suffix not in _XLSX_SUFFIXES:
        text = data if isinstance(data, str) else _decode_bytes(raw, suffix, label)
        guard.check(guard._scan_content(text, suffix, label), p)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.parent / f".{p.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        if not guard.refuses_nothing and suffix in _XLSX_SUFFIXES:
            guard.check(guard._scan_path(tmp, suffix, label), p)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


# --------------------------------------------------------------------------- small helpers


def _clean_names(names: Iterable[Any]) -> set[str]:
    out = set()
    for n in names:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            continue
        s = str(n).strip()
        if len(s) >= 2:
            out.add(s)
    return out


def _numbers(text: str) -> Iterable[re.Match[str]]:
    """The matches of :data:`_NUMBER`, searched only around runs of digits that could be part of
    one (the full pattern tried at every position of a 10 MB page is too slow); a run glued to
    letters (a case number, a hex id) is skipped whole."""
    end = -1
    n = len(text)
    for m in _DIGITS.finditer(text):
        a = m.start()
        if a < end:
            continue
        if a and text[a - 1] in _GLUE:
            end = _TOKEN.match(text, m.end()).end()  # type: ignore[union-attr]
            continue
        lo = max(0, a - 8, end)
        hi = min(n, m.end() + 12)
        while hi < n and (text[hi].isalnum() or text[hi] in ".-"):  # the boundary must be visible
            hi += 1
        yield from _NUMBER.finditer(text, lo, hi)
        end = hi


def _date_ok(ymd: str) -> bool:
    import datetime as dt

    try:
        d = dt.date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8]))
    except ValueError:
        return False
    return d.year >= 1900


def _absorbed(text: str, a: int, b: int) -> bool:
    """Whether the two characters at ``a:b`` are part of a longer word or a place name (and not
    in a name's slot: after 信访人/姓名…, before 反映/等…)."""
    nxt = text[b:b + 1]
    if nxt in _PLACE_NEXT and nxt:
        return True
    if text[b + 1:b + 2] in _PLACE_AFTER_ONE and text[b + 1:b + 2] and _RUN.fullmatch(nxt or " "):
        return True
    if any(text.startswith(w, b) for w in _PLACE_WORDS):
        return True
    if _SLOT_BEFORE.search(text, max(0, a - 6), a) or _SLOT_AFTER.match(text, b):
        return False
    words = _dictionary()
    if not words:
        return False
    lo = a
    while lo > max(0, a - 4) and _RUN.fullmatch(text[lo - 1]):
        lo -= 1
    hi = b
    while hi < min(len(text), b + 4) and _RUN.fullmatch(text[hi]):
        hi += 1
    for j in range(lo, b):
        for k in range(max(j + 2, a + 1), min(hi, j + 4) + 1):
            if (j < a or k > b) and text[j:k] in words:
                return True
    return False


def _masked(text: str, lo: int, hi: int, spans: Sequence[_Span]) -> str:
    """``text[lo:hi]`` with every span in it (or cut by it) replaced by its masked value."""
    out = []
    pos = lo
    for sp in spans:
        if sp.end <= lo or sp.start >= hi:
            continue
        out.append(text[pos:max(pos, sp.start)])
        out.append(sp.value)
        pos = max(pos, sp.end)
    out.append(text[pos:hi] if pos < hi else "")
    return "".join(out)


def _context(text: str, sp: _Span, spans: Sequence[_Span], span_starts: Sequence[int], width: int = 12) -> str:
    """A short snippet around ``sp``, within its own piece, every finding in it masked."""
    lo, hi = max(0, sp.start - width), min(len(text), sp.end + width)
    cut = text.rfind(_SEP, lo, sp.start)
    lo = cut + 1 if cut >= 0 else lo
    cut = text.find(_SEP, sp.end, hi)
    hi = cut if cut >= 0 else hi
    near = []
    for j in range(bisect.bisect_left(span_starts, lo - 40), len(spans)):
        if spans[j].start >= hi:
            break
        near.append(spans[j])
    return re.sub(r"\s+", " ", _masked(text, lo, hi, near)).strip()


class _Lines:
    """``line L:C`` of offsets in pieces of text, each piece's line starts indexed once."""

    def __init__(self) -> None:
        self._starts: dict[int, list[int]] = {}

    def at(self, k: int, raw: str, off: int) -> str:
        nl = self._starts.get(k)
        if nl is None:
            nl = self._starts[k] = [m.start() for m in re.finditer("\n", raw)]
        ln = bisect.bisect_left(nl, off)
        return f"line {ln + 1}:{off - (nl[ln - 1] if ln else -1)}"


def _join(a: str, b: str) -> str:
    return f"{a} {b}".strip() if a and b else (a or b)


def _column_letters(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def _value_text(v: Any) -> str:
    """A scalar as the text a scan reads: integral numbers without their ``.0`` (a phone read
    from Excel as 13800138000.0), other floats, booleans, dates and missing values as ''."""
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if math.isfinite(v) and v == int(v) and abs(v) < 1e19 else ""
    try:
        import numpy as np

        if isinstance(v, np.integer):
            return str(int(v))
        if isinstance(v, np.floating):
            return _value_text(float(v))
        if isinstance(v, np.str_):
            return str(v)
    except ImportError:  # pragma: no cover
        pass
    return ""


def _text(v: Any) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def _key_path(path: str, k: Any) -> str:
    k = str(k)
    if _IDENT.match(k):
        return f"{path}.{k}" if path else k
    return f"{path}[{json.dumps(k, ensure_ascii=False)}]"


def _leaves(obj: Any, path: str, out: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """(JSON path, text) of every string and integral number in a nested structure; keys too."""
    out = [] if out is None else out
    if isinstance(obj, str):
        out.append((path, obj))
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            if isinstance(k, str) and not _IDENT.match(k):
                out.append((_join(path, "(key)"), k))
            _leaves(v, _key_path(path, k), out)
    elif isinstance(obj, list | tuple | set | frozenset):
        for i, v in enumerate(sorted(obj, key=str) if isinstance(obj, set | frozenset) else obj):
            _leaves(v, f"{path}[{i}]", out)
    elif type(obj).__module__.startswith(("numpy", "pandas")) and hasattr(obj, "dtype") and hasattr(obj, "__len__"):
        import numpy as np

        arr = np.asarray(obj)
        if arr.dtype.kind in "OUSiuf":
            if arr.ndim == 0:
                _leaves(arr.item(), path, out)
            else:
                for i, v in enumerate(arr.tolist()):
                    _leaves(v, f"{path}[{i}]", out)
    else:
        t = _value_text(obj)
        if t:
            out.append((path, t))
    return out


def _output_leaves(out: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    leaves: list[tuple[str, str]] = []
    kind = out.get("output_type", "")
    if kind == "stream":
        leaves += _leaves(_text(out.get("text", "")), f"{where} {out.get('name', 'stream')}")
    elif kind == "error":
        leaves += _leaves(out.get("ename", ""), f"{where} error name")
        leaves += _leaves(out.get("evalue", ""), f"{where} error value")
        leaves += _leaves("\n".join(out.get("traceback", []) or []), f"{where} traceback")
    for mime, v in (out.get("data") or {}).items():
        if isinstance(v, Mapping | dict) or (isinstance(v, list) and mime.endswith("json")):
            leaves += [(_join(f"{where} {mime}", p), t) for p, t in _leaves(v, "")]
        else:
            leaves.append((f"{where} {mime}", _text(v)))
    if out.get("metadata"):
        leaves += _leaves(out["metadata"], f"{where} metadata")
    if kind == "stream" or kind == "error" or out.get("data") is not None or out.get("metadata") is not None:
        return leaves
    return leaves + _leaves(dict(out), where)  # an odd output: everything it holds


def _widget_leaves(w: Any, path: str, out: list[tuple[str, str]], seen: set[int]) -> None:
    """(location, text) of a widget's state, its children's, a FigureWidget's figure and an
    Output widget's outputs; locations like ``VBox › children[1] › HTML › value``."""
    if id(w) in seen:
        return
    seen.add(id(w))
    name = type(w).__name__
    desc = getattr(w, "description", "")
    if isinstance(desc, str) and desc:
        name += f"“{desc}”"
    here = f"{path} › {name}" if path else name
    if hasattr(w, "to_plotly_json"):  # a plotly FigureWidget
        out += [(f"{here} › {p}", t) for p, t in _leaves(w.to_plotly_json(), "")]
        return
    if not hasattr(w, "get_state"):
        raise TypeError(f"scan_widget needs an ipywidgets widget or a plotly figure, got {type(w).__name__}")
    for k, v in w.get_state().items():
        if k in ("children", "layout", "style", "_dom_classes") or isinstance(v, bytes | memoryview):
            continue
        if isinstance(v, str) and v.startswith("IPY_MODEL_"):
            continue
        if k == "outputs" and isinstance(v, list | tuple):
            for m, o in enumerate(v, start=1):
                out += _output_leaves(o, f"{here} › output {m}")
            continue
        out += _leaves(v, f"{here} › {k}")
    for i, c in enumerate(getattr(w, "children", ()) or ()):
        _widget_leaves(c, f"{here} › children[{i}]", out, seen)


def _distinct_texts(s: Any) -> tuple[Any, list[str]]:
    """(code of each cell, text of each distinct value) of a column, as the scan reads them:
    text as is, integers and integral floats without ``.0`` (a phone read as 13800138000.0),
    lists and dicts as JSON; dates, booleans and missing values as ''."""
    import numpy as np
    import pandas as pd

    kind = s.dtype.kind
    if kind in "bMm":
        return np.full(len(s), -1, dtype=np.intp), []
    try:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists): compare their JSON text
        codes, uniq = pd.factorize(pd.Series([_plain(v) for v in s], dtype=object))
        return codes, [str(u) for u in uniq]
    return codes, [v if isinstance(v, str) else (_value_text(v) or _plain(v)) for v in np.asarray(uniq, dtype=object)]


def _plain(v: Any) -> str:
    if isinstance(v, list | tuple | set | dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    return "" if isinstance(v, bool | float) or v is None else str(v)


def _decode_bytes(data: bytes, suffix: str, label: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{label}: cannot scan {suffix or 'this'} content: it is neither UTF-8 nor GB18030 text "
                     f"(the guard reads {', '.join(_TEXT_SUFFIXES + _XLSX_SUFFIXES)})")


_ID_ATTR = re.compile(r"""\sid=["']([^"'<>]{1,80})["']""")
_HEADING_OPEN = re.compile(r"<[hH][1-6][\s>]")
_HEADING = re.compile(r"<(h[1-6])\b[^>]*>(.{0,300}?)</\1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def _html_anchors(raw: str, guard: Guard) -> tuple[list[int], Callable[[int], str]]:
    """Where each element id and heading of a page starts, and (on demand) its label: ``#id`` or
    “heading text” (masked by the guard)."""
    found = sorted([(m.start(), m) for m in _ID_ATTR.finditer(raw)] + [(m.start(), None) for m in _HEADING_OPEN.finditer(raw)],
                   key=lambda t: t[0])
    pos = [p for p, _ in found]

    def label(i: int) -> str:
        p, m = found[i]
        if m is not None:
            return guard._redact("#" + m.group(1))
        h = _HEADING.match(raw, p)
        words = re.sub(r"\s+", " ", unescape(_TAGS.sub("", h.group(2)))).strip().rstrip("¶").strip()[:40] if h else ""
        return guard._redact(f"“{words}”")

    return pos, label


_XML_ANCHOR = re.compile(
    r"<node\b[^>]*?\bid=\"([^\"]*)\"|<edge\b[^>]*?\bsource=\"([^\"]*)\"[^>]*?\btarget=\"([^\"]*)\""
    r"|<data\b[^>]*?\bkey=\"([^\"]*)\"|<attvalue\b[^>]*?\bfor=\"([^\"]*)\"")
_XML_KEY = re.compile(r"<key\b[^>]*?\bid=\"([^\"]*)\"[^>]*?\battr\.name=\"([^\"]*)\"|<attribute\b[^>]*?\bid=\"([^\"]*)\"[^>]*?\btitle=\"([^\"]*)\"")


def _xml_anchors(raw: str, guard: Guard) -> tuple[list[int], Callable[[int], str]]:
    """GraphML/GEXF: the node or edge each position is in, and the attribute (GraphML ``<data
    key>``, GEXF ``<attvalue for>``, mapped to their names)."""
    keys = {}
    for m in _XML_KEY.finditer(raw):
        if m.group(1) is not None:
            keys[m.group(1)] = m.group(2)
        else:
            keys[m.group(3)] = m.group(4)
    pos, names = [], []
    element = ""
    for m in _XML_ANCHOR.finditer(raw):
        if m.group(1) is not None:
            element = f"node {unescape(m.group(1))}"
            label = element
        elif m.group(2) is not None:
            element = f"edge {unescape(m.group(2))}→{unescape(m.group(3))}"
            label = element
        else:
            k = m.group(4) if m.group(4) is not None else m.group(5)
            label = _join(element, f"attribute {keys.get(k, k)}")
        pos.append(m.start())
        names.append(label)
    return pos, lambda i: guard._redact(names[i])
