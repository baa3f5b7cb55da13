"""Role-based masking (DESIGN §9): what each role may see of petitioners, and the masks.

Three roles (:data:`ROLES`):

- ``supervisor`` (督查督办人员) sees everything: names, ID numbers, phones, addresses, accusers;
- ``analyst`` (分析研判人员) sees persons under stable pseudonyms (化名, keyed by a secret key the
  analyst keeps, see :mod:`workbench.privacy.keys`), ID numbers and phones masked, addresses cut
  to the township (乡镇/街道), free text scrubbed of ID numbers, phones and known names;
- ``trainer`` (培训人员) works on synthetic data only, so sees invented names, with ID numbers and
  phones masked all the same.

Outside the supervisor role the person links of accusations (揭发控告, ``demand_type ==
"accusation"``) are never shown: a case may be counted, its accuser is not named.

Pseudonyms: ``化名-`` (``alias-`` in English) and 8 characters of Crockford base32 (no I, L, O,
U) of HMAC-SHA256(key, person_key) — 40 bits, so a province's persons rarely collide; when two
different keys do collide within one batch (:meth:`Masker.pseudonyms`), those two get 10
characters. Six characters (30 bits) collided on the bundled sample's 24,083 records for about
one key in five, which is why the code is 8 long.

>>> m = Masker("analyst", key=bytes(32))
>>> m.pseudonym("P0123456789")
'化名-2Z73WD77'
>>> m.person_label("P0123456789", "王建国") == m.pseudonym("P0123456789")
True
>>> Masker("supervisor").person_label("P0123456789", "王建国")
'王建国（P0123456789）'
>>> m.text("联系电话13812345678，身份证号33990319640804330X")
'联系电话138****5678，身份证号3399**********330X'
>>> m.address("江临市青山县双溪镇下溪村8组53号")
'江临市青山县双溪镇'
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .keys import KEY_HELP, PrivacyError, key_file_for, read_key

if TYPE_CHECKING:
    from ..casebook import Casebook

__all__ = [
    "ROLES",
    "PERSONAL_COLUMNS",
    "PrivacyError",
    "Masker",
    "masker_for",
    "mask_id_number",
    "mask_phone",
    "mask_address",
    "scrub_text",
    "is_id_number",
]

#: the roles, and what they may see (DESIGN §9)
ROLES = ("supervisor", "analyst", "trainer")

#: Which columns of a table hold personal data, by kind — the one list :meth:`Masker.frame` reads
#: (matched exactly, ASCII names case-insensitively):
#:
#: - ``name``: a petitioner's name. ``name`` itself is personal only in a table about petitioners
#:   (one with a person column: petitioner_id, person_key, id_number, phone, address); units and
#:   officials have a ``name`` too, and officials answer for their work by name.
#: - ``key``: a resolved person's key (``person_key``) → the pseudonym for the analyst.
#: - ``record``: a petitioner record id → the analyst's keyed stand-in (:meth:`Masker.record_id`).
#: - ``id_number`` / ``phone`` / ``address``: masked / cut to the township.
#: - ``text``: free text (summaries, notes) → ID numbers, phones and known names scrubbed.
PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "names", "name_variants", "petitioner_name", "姓名", "信访人", "信访人姓名", "名字"),
    "key": ("person_key", "person_key_a", "person_key_b"),
    "record": ("petitioner_id", "petitioner_id_a", "petitioner_id_b"),
    "id_number": ("id_number", "id_numbers", "petitioner_id_number", "证件号码", "身份证号", "身份证号码",
                  "居民身份证号", "信访人证件号码", "信访人身份证号"),
    "phone": ("phone", "phones", "petitioner_phone", "电话", "联系电话", "手机", "手机号", "手机号码", "信访人电话"),
    "address": ("address", "petitioner_address", "住址", "地址", "家庭住址", "信访人住址"),
    "text": ("summary", "note", "notes", "概况", "概况信息", "诉求摘要", "摘要", "备注", "备注栏", "办理意见",
             "内容", "信访内容"),
}
# "name" (alone) is a petitioner's only beside one of these
_PERSON_CONTEXT = {"petitioner_id", "person_key", "id_number", "phone", "address", "id_valid"}
# names that are personal wherever they stand (not the bare "name")
_KIND = {c.lower(): kind for kind, cols in PERSONAL_COLUMNS.items() for c in cols}

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_CODE_LENGTH_ON_COLLISION = 10
# the trainer needs no key (synthetic data): a fixed, public one keeps its pseudonyms stable
_TRAINER_KEY = b"workbench-trainer-synthetic-data"


# --------------------------------------------------------------------------- single values


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def mask_id_number(v: object) -> str:
    """An ID number with all but its first and last four characters starred ('' when missing).

    >>> mask_id_number("33990319640804330X"), mask_id_number(None)
    ('3399**********330X', '')
    """
    if _missing(v) or not str(v).strip():
        return ""
    s = str(v).strip()
    return s[:4] + "*" * max(len(s) - 8, 2) + s[-4:] if len(s) > 8 else "*" * len(s)


def mask_phone(v: object) -> str:
    """A phone number with its middle starred: a mobile's first three and last four digits kept
    (a +86/86 prefix, spaces and dashes dropped), a landline's area code and last four digits;
    anything else of 10+ characters keeps its first three and last four.

    >>> mask_phone("13812341215"), mask_phone("+86 138-1234-1215"), mask_phone("0571-88881234"), mask_phone("12345")
    ('138****1215', '138****1215', '0571-****1234', '*****')
    """
    if _missing(v) or not str(v).strip():
        return ""
    s = str(v).strip()
    digits = re.sub(r"[\s\-()（）]", "", s)
    if re.fullmatch(r"(?:\+?86)?1[3-9]\d{9}", digits):
        return digits[-11:-8] + "****" + digits[-4:]
    land = re.fullmatch(r"[(（]?(0\d{2,3})[)）]?[\s-]?(\d{7,8})", s)
    if land:
        return f"{land[1]}-{'*' * (len(land[2]) - 4)}{land[2][-4:]}"
    return s[:3] + "*" * (len(s) - 7) + s[-4:] if len(s) >= 10 else "*" * len(s)


_NOT_FILL = r"[^\d村组号路街巷弄栋幢楼室单元\s,，;；、]"
_ADDRESS_HEAD = re.compile(
    rf"^(?:{_NOT_FILL}{{1,12}}?(?:省|自治区))?"
    rf"(?:{_NOT_FILL}{{1,12}}?(?:市|州|盟|地区))?"
    rf"(?:{_NOT_FILL}{{1,12}}?(?:县|区|旗|市))?"
    rf"(?:{_NOT_FILL}{{1,12}}?(?:街道|镇|乡|苏木))?"
)


def mask_address(v: object) -> str:
    """An address cut after its township (乡镇/街道), else after its county, city or province;
    '***' when it names none of them ('' when missing). Villages, streets and house numbers go.

    >>> mask_address("江临市青山县双溪镇下溪村8组53号"), mask_address("临江区桐林镇明珠学府5幢4单元402室")
    ('江临市青山县双溪镇', '临江区桐林镇')
    >>> mask_address("江临市临江区锦屏街道香樟雅苑6幢1单元3201室"), mask_address("人民路12号")
    ('江临市临江区锦屏街道', '***')
    """
    if _missing(v) or not str(v).strip():
        return ""
    s = str(v).strip()
    head = _ADDRESS_HEAD.match(s)
    return head.group(0) if head and head.group(0) else "***"


def is_id_number(s: str, strict: bool = True) -> bool:
    """Whether ``s`` reads as a 居民身份证号: 18 characters (17 digits and a digit or X) with a
    correct GB 11643 check character (python-stdnum) and a real birth date, or 15 digits (the old
    form) with a real birth date. ``strict=False`` drops the check character, so an ID number
    with a typo still counts (it is personal data all the same): what :func:`scrub_text` masks.
    The birthplace is not checked (region codes change; stdnum's table lags them).

    >>> is_id_number("339903196408043304"), is_id_number("33990319640804330X")
    (True, False)
    >>> is_id_number("33990319640804330X", strict=False), is_id_number("339903640804330"), is_id_number("339903641304330")
    (True, True, False)
    """
    import datetime as dt

    from stdnum.cn import ric

    s = s.strip().upper()
    if len(s) == 18 and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X"):
        year, month, day, check = s[6:10], s[10:12], s[12:14], ric.calc_check_digit(s) == s[17]
    elif len(s) == 15 and s.isdigit():
        year, month, day, check = "19" + s[6:8], s[8:10], s[10:12], True
    else:
        return False
    try:
        born = dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return born.year >= 1880 and born <= dt.date.today() and (check or not strict)


# Digit boundaries: a number glued to letters or digits (case numbers XF3399212023000007, 13-digit
# timestamps, amounts) is not a personal number. Chinese text right next to it is a boundary.
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_NUMBERS = re.compile(
    rf"{_B}(?P<id18>\d{{17}}[\dXx]){_E}"
    rf"|{_B}(?P<id15>\d{{15}}){_E}"
    rf"|(?:(?<![0-9A-Za-z+])(?:\+|00)?86[ -]?|{_B})(?P<mobile>1[3-9]\d[ -]?\d{{4}}[ -]?\d{{4}}){_E}"
    rf"|{_B}[(（]?(?P<area>0\d{{2,3}})[)）]?[ -]?(?P<local>\d{{7,8}}){_E}"
)


def _mask_number(m: re.Match[str]) -> str:
    g = m.groupdict()
    if g["id18"] or g["id15"]:
        s = g["id18"] or g["id15"]
        return mask_id_number(s) if is_id_number(s, strict=False) else m.group(0)
    if g["mobile"]:
        return mask_phone(g["mobile"])
    return mask_phone(f"{g['area']}-{g['local']}")


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first, as a character trie (fast on thousands)."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def walk(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + walk(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return walk(trie)


def _name_regex(names: Iterable[str]) -> re.Pattern[str] | None:
    words = {str(n).strip() for n in names if not _missing(n) and len(str(n).strip()) >= 2}
    return re.compile(_trie_pattern(sorted(words))) if words else None


def scrub_text(s: object, names: Mapping[str, str] | Iterable[str] | None = None) -> str:
    """``s`` with ID numbers (18 or 15 digits with a real birth date, see :func:`is_id_number`) and phone
    numbers (mobile, with +86/86 or spaces/dashes; landline with area code) masked, and each
    known name of ``names`` replaced by its label (a mapping name → label), or starred (a list).
    Names shorter than two characters are left alone. Missing → ''.

    >>> scrub_text("联系电话13812345678，身份证号33990319640804330X")
    '联系电话138****5678，身份证号3399**********330X'
    >>> scrub_text("+86 138-1234-5678 或 0571-88881234；件号XF3399212023000007，时间戳1700000000000")
    '138****5678 或 0571-****1234；件号XF3399212023000007，时间戳1700000000000'
    >>> scrub_text("王建国反映", {"王建国": "化名-0000AAAA"}), scrub_text("王建国反映", ["王建国"])
    ('化名-0000AAAA反映', '***反映')
    """
    if _missing(s):
        return ""
    out = _NUMBERS.sub(_mask_number, str(s))
    if names:
        mapping = dict(names) if isinstance(names, Mapping) else {n: "*" * len(str(n)) for n in names}
        rx = _name_regex(mapping)
        if rx is not None:
            out = rx.sub(lambda m: mapping[m.group(0)], out)
    return out


# --------------------------------------------------------------------------- the Masker


def _code(key: bytes, person_key: str, length: int) -> str:
    d = int.from_bytes(hmac.new(key, person_key.encode("utf-8"), hashlib.sha256).digest(), "big")
    return "".join(_CROCKFORD[(d >> (256 - 5 * (i + 1))) & 31] for i in range(length))


def _map_unique(s: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` of each distinct non-missing value of ``s`` (missing stays missing), as a new Series."""
    try:
        vals = pd.unique(s.dropna())
    except TypeError:  # list values (a person's name variants, phones): each row on its own
        return s.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else fn(v))
    if not len(vals):
        return s
    lookup = {v: fn(v) for v in vals}
    out = s.map(lookup)
    return out.astype(s.dtype) if pd.api.types.is_string_dtype(s.dtype) else out


def _each(fn: Callable[[object], str]) -> Callable[[Any], Any]:
    """``fn`` applied to a value, or to each element of a list/array value (e.g. ``phones``)."""
    def go(v: Any) -> Any:
        if isinstance(v, list | tuple | np.ndarray):
            return [fn(x) for x in v]
        return fn(v)
    return go


@dataclass(frozen=True)
class Masker:
    """What one role may see, as functions of values, texts, tables and Casebooks.

    role: ``supervisor`` | ``analyst`` | ``trainer``; key: the pseudonym key (bytes; the analyst's
    is required by :func:`masker_for`); names: known petitioner names → the label replacing them
    in free text (set with :meth:`with_names`).
    """

    role: str
    language: str = "zh"
    key: bytes | None = field(default=None, repr=False)
    names: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PrivacyError(f"unknown role {self.role!r}; the roles are {', '.join(ROLES)}")
        if self.language not in ("zh", "en"):
            object.__setattr__(self, "language", "zh")

    @property
    def full(self) -> bool:
        """True only for the supervisor: nothing is masked."""
        return self.role == "supervisor"

    # ----------------------------------------------------------------- persons

    def _key(self) -> bytes:
        if self.key is not None:
            return self.key
        if self.role == "trainer":
            return _TRAINER_KEY
        raise PrivacyError(f"pseudonyms for the {self.role} role need a key: " + KEY_HELP)

    def _prefix(self) -> str:
        from ..i18n import text

        return text("privacy.pseudonym", self.language)

    def pseudonym(self, person_key: object) -> str:
        """The stable pseudonym of ``person_key``: ``化名-`` + 8 Crockford base32 characters of
        HMAC-SHA256(key, person_key); the code is the same in both languages."""
        return f"{self._prefix()}-{_code(self._key(), str(person_key), CODE_LENGTH)}"

    def pseudonyms(self, person_keys: Iterable[object] | pd.Series) -> list[str]:
        """:meth:`pseudonym` of each key, computed once per distinct key; two distinct keys whose
        8-character codes collide get 10 characters each, so no two persons share a label."""
        keys = [str(k) for k in person_keys]
        key = self._key()
        uniq = list(dict.fromkeys(keys))
        codes = {k: _code(key, k, CODE_LENGTH) for k in uniq}
        if len(set(codes.values())) < len(codes):
            seen = pd.Series(codes).duplicated(keep=False)
            for k in seen.index[seen.to_numpy()]:
                codes[k] = _code(key, k, _CODE_LENGTH_ON_COLLISION)
        pre = self._prefix()
        return [f"{pre}-{codes[k]}" for k in keys]

    def person_label(self, person_key: object, name: object = None) -> str:
        """How a person is named: supervisor ``name（person_key）`` (the key alone without a
        name), analyst the pseudonym, trainer the (synthetic) name, else the key."""
        k = str(person_key)
        has_name = not _missing(name) and bool(str(name).strip())
        if self.role == "analyst":
            return self.pseudonym(k)
        if self.role == "trainer":
            return str(name) if has_name else k
        return f"{name}（{k}）" if has_name else k

    def person_labels(self, person_keys: Iterable[object] | pd.Series,
                      names: Iterable[object] | pd.Series | None = None) -> list[str]:
        """:meth:`person_label` of many persons at once (pseudonyms computed per distinct key)."""
        keys = [str(k) for k in person_keys]
        if self.role == "analyst":
            return self.pseudonyms(keys)
        nm = list(names) if names is not None else [None] * len(keys)
        if len(nm) != len(keys):
            raise ValueError(f"person_labels: {len(keys)} keys but {len(nm)} names")
        return [self.person_label(k, n) for k, n in zip(keys, nm, strict=True)]

    # ----------------------------------------------------------------- values and text

    def id_number(self, v: object) -> object:
        """The ID number as the role may see it (masked outside the supervisor role)."""
        return v if self.full else mask_id_number(v)

    def phone(self, v: object) -> object:
        """The phone number as the role may see it (masked outside the supervisor role)."""
        return v if self.full else mask_phone(v)

    def address(self, v: object) -> object:
        """The address as the role may see it (cut to the township outside the supervisor role)."""
        return v if self.full else mask_address(v)

    def with_names(self, mapping: Mapping[str, str] | Iterable[str]) -> Masker:
        """A Masker that also replaces these petitioner names in free text: a mapping name →
        label (e.g. the pseudonym), or a list of names (each replaced by 某信访人)."""
        if not isinstance(mapping, Mapping):
            from ..i18n import text

            someone = text("privacy.someone", self.language)
            mapping = {str(n): someone for n in mapping}
        pairs = tuple((str(k), str(v)) for k, v in mapping.items() if not _missing(k) and len(str(k).strip()) >= 2)
        return replace(self, names=pairs)

    @cached_property
    def _names_rx(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        mapping = dict(self.names)
        return _name_regex(mapping), mapping

    def text(self, s: object) -> str:
        """Free text as the role may see it: outside the supervisor role, ID numbers and phone
        numbers masked and the names given by :meth:`with_names` replaced."""
        if _missing(s):
            return ""
        if self.full:
            return str(s)
        out = _NUMBERS.sub(_mask_number, str(s))
        rx, mapping = self._names_rx
        return rx.sub(lambda m: mapping[m.group(0)], out) if rx is not None else out

    def texts(self, s: pd.Series) -> pd.Series:
        """:meth:`text` of a column, once per distinct value (missing stays missing)."""
        if self.full:
            return s
        return _map_unique(s, self.text)

    # ----------------------------------------------------------------- tables

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` as the role may see it: the personal columns (see :data:`PERSONAL_COLUMNS`)
        masked outside the supervisor role. Names become pseudonyms for the analyst (of the
        row's ``person_key``, else of its ``petitioner_id``, else the :meth:`with_names` label,
        else of the name itself); the trainer keeps (synthetic) names; ID numbers and phones are
        masked, addresses cut to the township, free text scrubbed, and for the analyst record ids
        (petitioner_id) replaced by keyed stand-ins (:meth:`record_id`). Rows are never dropped.

        >>> m = Masker("analyst", key=bytes(32))
        >>> df = pd.DataFrame({"person_key": ["P1"], "name": ["王建国"], "phone": ["13812341215"],
        ...                    "summary": ["电话13812341215"]})
        >>> m.frame(df).iloc[0].tolist()
        ['化名-5W5EHFRG', '化名-5W5EHFRG', '138****1215', '电话138****1215']
        """
        if self.full or not len(df.columns):
            return df
        cols = {c: _KIND.get(str(c).lower()) for c in df.columns}
        context = any(str(c).lower() in _PERSON_CONTEXT for c in df.columns)
        key_col = next((c for c in df.columns if str(c).lower() == "person_key"), None)
        key_col = key_col or next((c for c in df.columns if str(c).lower() == "petitioner_id"), None)
        out = df.copy()
        for c, kind in cols.items():
            if kind is None or (kind == "name" and str(c).lower() == "name" and not context):
                continue
            s = df[c]
            if kind == "name":
                if self.role == "analyst":
                    out[c] = self._name_labels(s, df[key_col] if key_col is not None else None)
            elif kind == "key":
                if self.role == "analyst":
                    out[c] = _map_unique(s, lambda k: self.pseudonym(k))
            elif kind == "record":
                if self.role == "analyst":
                    out[c] = _map_unique(s, self.record_id)
            elif kind == "id_number":
                out[c] = _map_unique(s, _each(mask_id_number))
            elif kind == "phone":
                out[c] = _map_unique(s, _each(mask_phone))
            elif kind == "address":
                out[c] = _map_unique(s, mask_address)
            elif kind == "text":
                out[c] = self.texts(s)
        return out

    def _name_labels(self, names: pd.Series, keys: pd.Series | None) -> pd.Series:
        """The analyst's label for each name: pseudonym of its key, else of the name."""
        present = names.notna().to_numpy(dtype=bool)
        if keys is not None:
            labels = np.asarray(self.pseudonyms(keys.astype(object).where(keys.notna(), "")), dtype=object)
            if keys.isna().any():
                nokey = keys.isna().to_numpy(dtype=bool)
                labels[nokey] = np.asarray(self._by_name(names[nokey]), dtype=object)
        else:
            labels = np.asarray(self._by_name(names), dtype=object)
        values = labels.copy()
        values[~present] = None
        if names.map(lambda v: isinstance(v, list | tuple | np.ndarray)).any():  # name_variants lists
            wrapped = np.empty(len(values), dtype=object)  # one list per row, not a 2-D array
            wrapped[:] = [[lab] if isinstance(v, list | tuple | np.ndarray) else lab
                          for v, lab in zip(names, values, strict=True)]
            values = wrapped
        return pd.Series(values, index=names.index, dtype=names.dtype if pd.api.types.is_string_dtype(names.dtype)
                         else object)

    def _by_name(self, names: pd.Series) -> list[str]:
        known = dict(self.names)
        keyed = ["name:" + str(n) for n in names]
        pseud = self.pseudonyms(keyed)
        return [known.get(str(n), p) for n, p in zip(names, pseud, strict=True)]

    # ----------------------------------------------------------------- Casebooks

    def hidden_cases(self, book: Casebook) -> np.ndarray:
        """Case ids whose person links the role may not see: the accusations (揭发控告) outside
        the supervisor role, none for the supervisor.

        >>> import workbench as wb
        >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B"],
        ...     "received_at": ["2025-01-02", "2025-01-03"], "demand_type": ["揭发控告", "求决"]}))
        >>> Masker("trainer").hidden_cases(book).tolist(), Masker("supervisor").hidden_cases(book).tolist()
        (['A'], [])
        """
        c = book.cases
        if self.full or "demand_type" not in c:
            return np.asarray([], dtype=object)
        acc = (c["demand_type"].astype("str") == "accusation").fillna(False).to_numpy(dtype=bool)
        return c["case_id"].astype(str).to_numpy(dtype=object)[acc]

    def visible(self, frame: pd.DataFrame, book: Casebook, column: str = "case_id") -> pd.DataFrame:
        """``frame`` (one row per person link, with a ``case_id``) without the links the role may
        not see: outside the supervisor role, those of accusation cases."""
        if self.full or not len(frame) or "demand_type" not in book.cases:
            return frame
        hidden = self.hidden_cases(book)
        if not len(hidden):
            return frame
        from .._fast import isin

        return frame.loc[~isin(frame[column].astype("str"), list(hidden)).to_numpy(dtype=bool)]

    def record_id(self, petitioner_id: object) -> str:
        """The analyst's stand-in for a petitioner record id: ``R`` + 16 Crockford base32
        characters of HMAC-SHA256(key, id). (Record ids are plain hashes of the record's name, ID,
        phone and address: whoever holds those could recompute them, so they leave as stand-ins.)"""
        return "R" + _code(self._key(), "record:" + str(petitioner_id), 16)

    def _plan(self, book: Casebook, persons: Any = None) -> SimpleNamespace:
        """What sharing ``book`` under this role hides and relabels: the visible links, the
        withheld records (every link hidden), each record's label, and how free text is scrubbed
        (``masker`` for names of 3+ characters anywhere, ``own`` for a case's own petitioners)."""
        from .._fast import isin
        from ..i18n import text

        links = book.case_petitioners
        kept = self.visible(links, book)
        pets = book.petitioners
        pid = pets["petitioner_id"].astype("str")
        withheld = ~isin(pid, kept["petitioner_id"].astype("str")).to_numpy(dtype=bool) & \
            isin(pid, links["petitioner_id"].astype("str")).to_numpy(dtype=bool)
        someone = text("privacy.someone", self.language)
        names = pets["name"].astype("str")
        if self.role == "analyst" and (self.key is not None or persons is not None):
            person = pid
            if persons is not None:
                rec = persons.records.drop_duplicates("petitioner_id").set_index("petitioner_id")["person_key"]
                person = pid.map(rec.astype(object)).fillna(pid).astype("str")
            labels = pd.Series(self.pseudonyms(person), index=pets.index, dtype="str")
        elif self.role == "analyst":  # no key (a hotspot summary needs none): every name is 某信访人
            labels = pd.Series(someone, index=pets.index, dtype="str")
        else:
            labels = names
        # a name → its label; a name of several persons, or of a withheld record, → 某信访人
        known = pd.DataFrame({"name": names, "label": labels, "withheld": withheld}).dropna(subset=["name"])
        known = known.loc[known["name"].str.len() >= 2]
        per_name = known.groupby("name", sort=False).agg(n=("label", "nunique"), label=("label", "first"),
                                                          withheld=("withheld", "any"))
        generic = (per_name["n"] > 1) | per_name["withheld"]
        per_name.loc[generic, "label"] = someone
        if self.role == "trainer":  # synthetic names stay; only the accusers' go
            per_name = per_name.loc[per_name["withheld"]]
        # Free text loses every such name of three or more characters, and the names of its own
        # case's petitioners; a two-character name elsewhere is too often part of a word or a
        # place (杨林镇, 用于建厂) to be struck from every text.
        label_of = per_name["label"]
        masker = self.with_names(label_of[label_of.index.str.len() >= 3].to_dict())
        own = links[["case_id", "petitioner_id"]].merge(
            pd.DataFrame({"petitioner_id": pid, "name": names}).dropna(subset=["name"]), on="petitioner_id")
        own = own.loc[own["name"].isin(label_of.index) & (own["name"].str.len() == 2)]
        own = own.assign(label=own["name"].map(label_of))[["case_id", "name", "label"]].drop_duplicates()
        return SimpleNamespace(links=links, kept=kept, withheld=withheld, labels=labels, masker=masker, own=own)

    def case_texts(self, book: Casebook, column: str = "summary", persons: Any = None) -> pd.Series:
        """``book.cases[column]`` (free text, e.g. the summaries) as the role may see it, aligned
        with ``book.cases``: the supervisor's as they are; otherwise ID numbers and phones masked
        and petitioner names replaced (the analyst's by pseudonyms when the Masker has a key, else
        by 某信访人; the trainer's accusers' names by 某信访人), as in :meth:`book`."""
        s = book.cases[column]
        if self.full:
            return s
        plan = self._plan(book, persons)
        return _by_case(plan.masker.texts(s), book.cases["case_id"], plan.own)

    def book(self, book: Casebook, persons: Any = None) -> Casebook:
        """A copy of ``book`` to share under this role (the supervisor gets ``book`` itself).

        Outside the supervisor role the person links of accusation cases are dropped; the
        petitioner records left with no visible link (the accusers) keep their row but not their
        identity (name 不予显示, ID, phone, address empty); ID numbers and phones are masked and
        addresses cut to the township everywhere (the trainer's invented ones too: a shared page
        carries none); accusers' names are struck from free text. The analyst's copy also has
        every name as the pseudonym of its person (``persons``, the
        :func:`workbench.resolve_persons` result, else each record's ``petitioner_id``), record
        ids replaced by keyed stand-ins (:meth:`record_id`, the same in every table), address
        codes cut to 9 digits, and summaries, event notes, quarantined values and rejected rows
        scrubbed — petitioner names in them replaced by their pseudonyms, a name shared by
        several persons (or an accuser's) by 某信访人. Other rows are kept; what was hidden is
        counted in ``filters["privacy"]`` (role, hidden_links, withheld_records).
        """
        if self.full:
            return book
        from ..i18n import text

        plan = self._plan(book, persons)
        pets, masker, own, w = book.petitioners, plan.masker, plan.own, plan.withheld
        p = pets.copy()
        kept = plan.kept.reset_index(drop=True)
        for col, fn in (("id_number", mask_id_number), ("phone", mask_phone), ("address", mask_address)):
            if col in p:
                p[col] = _map_unique(pets[col], fn)
        if self.role == "analyst":
            p["name"] = plan.labels.where(pets["name"].notna(), pd.NA).astype(pets["name"].dtype)
            if "region_code" in p:
                p["region_code"] = pets["region_code"].astype("str").str.slice(0, 9)
            p["petitioner_id"] = _map_unique(pets["petitioner_id"], self.record_id)
            kept = kept.assign(petitioner_id=_map_unique(kept["petitioner_id"], self.record_id))
        if w.any():
            p.loc[w, "name"] = text("privacy.withheld", self.language)
            for col in ("id_number", "phone", "address"):
                if col in p:
                    p.loc[w, col] = pd.NA

        cases, events, quarantine = book.cases, book.events, book.quarantine
        rejected = dict(book.rejected)
        if "summary" in cases:
            cases = cases.assign(summary=_by_case(masker.texts(cases["summary"]), cases["case_id"], own))
        if "note" in events:
            events = events.assign(note=_by_case(masker.texts(events["note"]), events["case_id"], own))
        quarantine = _scrub_quarantine(book.quarantine, masker)
        rejected = {t: masker.frame(df) for t, df in book.rejected.items()}
        info = {"role": self.role, "hidden_links": int(len(plan.links) - len(plan.kept)), "withheld_records": int(w.sum())}
        return replace(book, cases=cases, events=events, petitioners=p, case_petitioners=kept,
                       quarantine=quarantine, rejected=rejected, filters={**dict(book.filters), "privacy": info})


def _by_case(texts: pd.Series, case_ids: pd.Series, own: pd.DataFrame) -> pd.Series:
    """``texts`` with the names in ``own`` (case_id, name, label) replaced in their own case's rows."""
    if not len(own) or not len(texts):
        return texts
    rows = pd.DataFrame({"row": np.arange(len(texts)), "case_id": case_ids.to_numpy(), "text": texts.to_numpy()})
    pairs = rows.dropna(subset=["text"]).merge(own, on="case_id")
    hit = np.fromiter((n in t for n, t in zip(pairs["name"], pairs["text"], strict=True)), dtype=bool, count=len(pairs))
    pairs = pairs.loc[hit]
    if not len(pairs):
        return texts
    out = texts.to_numpy(dtype=object).copy()
    for row, grp in pairs.groupby("row", sort=False):  # only the rows that name their petitioner
        t = out[row]
        for name, label in sorted(zip(grp["name"], grp["label"], strict=True), key=lambda x: -len(x[0])):
            t = t.replace(name, label)
        out[row] = t
    return pd.Series(out, index=texts.index, name=texts.name).astype(texts.dtype)


def _scrub_quarantine(q: pd.DataFrame, masker: Masker) -> pd.DataFrame:
    """The quarantine's ``value`` column masked by what its ``column`` holds, else scrubbed."""
    if not len(q) or "value" not in q:
        return q
    kind = q["column"].astype("str").str.lower().map(_KIND).astype(object) if "column" in q else \
        pd.Series([None] * len(q), index=q.index, dtype=object)
    v = q["value"]
    out = masker.texts(v).astype(object)
    for k, fn in (("id_number", mask_id_number), ("phone", mask_phone), ("address", mask_address)):
        sel = (kind == k).to_numpy(dtype=bool)
        if sel.any():
            out[sel] = [fn(x) for x in v[sel]]
    sel = (kind == "name").to_numpy(dtype=bool)
    if sel.any():
        out[sel] = masker._by_name(v[sel])
    return q.assign(value=pd.Series(out, index=q.index).astype(v.dtype))


def masker_for(role: str | None = None, key_file: str | Path | None = None, language: str | None = None) -> Masker:
    """The Masker of ``role`` (default: the configured one) in ``language`` (default: configured).

    The analyst needs a pseudonym key (``key_file``, else the configured ``pseudonym_key_file``
    or ``WORKBENCH_PSEUDONYM_KEY_FILE``): without one this raises a :class:`PrivacyError` naming
    the three ways to give one. The supervisor and the trainer need none (a key given is used).

    >>> masker_for("supervisor").full, masker_for("trainer").role
    (True, 'trainer')
    """
    from ..config import get_config

    cfg = get_config()
    role = (role or cfg.role or "supervisor").strip().lower()
    if role not in ROLES:
        raise PrivacyError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    path = key_file_for(key_file)
    key = None
    if path is not None and (role == "analyst" or key_file is not None or path.is_file()):
        key = read_key(path)
    if role == "analyst" and key is None:
        raise PrivacyError("the analyst role shows persons under pseudonyms (化名) and needs a key: " + KEY_HELP)
    return Masker(role, language or cfg.language, key)
