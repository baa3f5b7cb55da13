"""Petitioner records resolved into persons (信访人身份归并), every merge with its reasons.

How (DESIGN §7):

1. **Normalise** each record: the name folded and read as pinyin (:mod:`.names`), the ID number
   upper-cased with its checksum (``id_valid``), the phone reduced to its digits (a leading 86
   dropped), the address reduced to its household part (after the last 街道/镇/乡, or after the
   county) within its county (first six digits of ``region_code``).
2. **Block**: candidate pairs only among records sharing an ID number, a phone, a household
   address, village + loose name key (sorted toneless pinyin: homophones and swapped characters
   share it), county + loose name key, or birth date from the ID + loose name key. A block
   larger than ``block_cap`` records (county + name: a fifth of it) gives no pairs (reported);
   the others do, so the work grows with the records, not their square.
3. **Score** each pair with points (roughly log-likelihood ratios, Fellegi–Sunter style), summed:

   ==================  ===================================================  ======
   evidence            level                                                points
   ==================  ===================================================  ======
   ID number           same, checksum valid (身份证号一致)                    +12
                       same, checksum fails                                 +9
                       one digit apart (录入错误)                             +6
                       both valid and different (cannot be one person)       -20
                       different, one fails its checksum                     -4
   name                exact +6 · homophone +5 · order +5 · homophone and
                       order +4 · one character +2 · surname only -4 ·
                       different -8 · missing 0
   phone               same, not a hub                                      +5
                       same, a hub (records of 2+ different names on it)    +2
                       both known and different                             -1
   address             same household                                       +4
                       same village / community                             +1
                       different county                                     -2
   ==================  ===================================================  ======

   A pair is linked when its score reaches ``threshold`` (8) AND its names agree at least to
   one character, or its ID numbers agree (at most one digit apart): a phone or an address never
   links two names that do not match, so a family's or a group's shared phone chains no one.
4. **Cluster** the links into connected components, then **check** each: a cluster holding
   valid ID numbers more than one digit apart (``conflicting_ids``) or records the supervisor
   said are different (``cannot_link``) is split: each ID number (or decided record) anchors a
   person, and every other record joins the anchor it reaches first, strongest link first. The
   links cut are kept in ``rejected``. A must-link decision always joins.

The person key is ``"P"`` + 10 hex digits of sha1 of the person's smallest petitioner_id: stable
across loads of the same records, and it carries no personal data.

>>> import workbench as wb
>>> pets = pd.DataFrame({"petitioner_id": ["R1", "R2", "R3", "R4"],
...     "name": ["王建国", "汪建国", "王建國", "王建国"],
...     "id_number": ["11010519491231002X", None, None, None],
...     "phone": ["13800000001", "13800000001", None, "13900000009"],
...     "address": ["青山县双溪镇下溪村8组53号", None, "双溪镇下溪村8组53号", "临江区桐林镇西沟村9组35号"],
...     "region_code": ["339921104203", "339921104203", "339921104203", "339902100203"]})
>>> cases = pd.DataFrame({"case_id": ["C1", "C2"], "received_at": ["2025-01-02", "2025-02-03"]})
>>> links = pd.DataFrame({"case_id": ["C1", "C1", "C2", "C2"], "petitioner_id": ["R1", "R2", "R3", "R4"]})
>>> book = wb.Casebook.from_frames(cases=cases, petitioners=pets, case_petitioners=links, now="2026-01-01")
>>> p = resolve_persons(book)
>>> p.records.groupby("person_key").size().sort_values().tolist()
[1, 3]
>>> p.links["evidence"].tolist()
['同音姓名（王建国/汪建国）·同一电话·同村（社区）', '姓名繁简体不同（王建国/王建國）·同一住址']
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .names import NAME_EVIDENCE, NAME_LEVELS, NameTable, compare_names, fold_names
from .overrides import Overrides

__all__ = [
    "Persons",
    "resolve_persons",
    "THRESHOLD",
    "BLOCK_CAP",
    "POINTS",
    "person_keys",
    "accuracy",
]

#: Score at which a pair is linked.
THRESHOLD = 8.0
#: Blocks with more records than this give no candidate pairs (reported in ``Persons.report``);
#: county + name blocks (wide: a common name in a county) are capped at a fifth of it.
BLOCK_CAP = 200
#: Points per evidence level (see the module docstring).
POINTS: dict[str, dict[str, float]] = {
    "id": {"equal": 12, "equal_unchecked": 9, "one_digit": 6, "conflict": -20, "differ": -4, "none": 0},
    "name": {"exact": 6, "homophone": 5, "order": 5, "homo_order": 4, "one_char": 2, "surname": -4,
             "different": -8, "missing": 0},
    "phone": {"equal": 5, "hub": 2, "differ": -1, "none": 0},
    "address": {"household": 4, "village": 1, "county": 0, "other_county": -2, "none": 0},
}
_ID_WORDS = {"equal": "身份证号一致", "equal_unchecked": "身份证号一致（校验位不符）",
             "one_digit": "身份证号仅差一位（疑录入错误）", "conflict": "身份证号不同",
             "differ": "身份证号不同（其一校验不符）", "none": ""}
_PHONE_WORDS = {"equal": "同一电话", "hub": "同一电话（该号码登记过不同姓名）", "differ": "", "none": ""}
_ADDR_WORDS = {"household": "同一住址", "village": "同村（社区）", "county": "", "other_county": "不同县区",
               "none": ""}
_FLAG_ORDER = ("conflicting_ids", "cannot_link", "hub_phone", "id_only")
_HOW = ("override", "id_number", "id_number_typo", "phone+name", "name+address", "shared_phone+name",
        "name+region", "alone")


@dataclass
class Persons:
    """Petitioner records resolved into persons (see the module docstring for the rules).

    records: petitioner_id, person_key, how (strongest evidence that put the record in its
    person), flagged. persons: person_key, n_records, n_cases, name, name_variants, id_number,
    phones, region_code, flagged, flag. links: accepted pairs with score, evidence and decided
    ("model" | "override"). rejected: candidate pairs not linked, with score, evidence and reason
    (below_threshold · names_differ · hub_phone · ids_differ · conflicting_ids (cut when a cluster
    was split) · cannot_link); kept when the score is above 0, or for a decision, a hub phone or
    matching names with different valid IDs. case_persons:
    case_id, petitioner_id, person_key, role. report: what was odd and the rule applied."""

    records: pd.DataFrame
    persons: pd.DataFrame
    links: pd.DataFrame
    rejected: pd.DataFrame
    case_persons: pd.DataFrame
    report: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"what": [], "count": [], "rule": []}))

    def explain(self, person_key: str) -> pd.DataFrame:
        """The links and rejected pairs touching one person's records: petitioner_id_a/b,
        person_key_a/b, status (linked / rejected), score, evidence, decided_or_reason."""
        ids = self.records.loc[self.records["person_key"] == person_key, "petitioner_id"]
        key = self.records.set_index("petitioner_id")["person_key"]
        parts = []
        for frame, status, col in ((self.links, "linked", "decided"), (self.rejected, "rejected", "reason")):
            m = frame["petitioner_id_a"].isin(ids) | frame["petitioner_id_b"].isin(ids)
            f = frame.loc[m, ["petitioner_id_a", "petitioner_id_b", "score", "evidence", col]]
            f = f.rename(columns={col: "decided_or_reason"})
            f.insert(2, "status", status)
            parts.append(f)
        out = pd.concat(parts, ignore_index=True)
        out.insert(2, "person_key_a", out["petitioner_id_a"].map(key))
        out.insert(3, "person_key_b", out["petitioner_id_b"].map(key))
        return out.sort_values(["status", "score"], ascending=[True, False], ignore_index=True)


# ---------------------------------------------------------------------------------------- keys


def person_keys(smallest_ids: pd.Series) -> pd.Series:
    """``"P"`` + 10 hex digits of sha1 of each person's smallest petitioner_id.

    >>> person_keys(pd.Series(["R1"])).tolist()
    ['P95ced8b121']
    """
    vals = smallest_ids.astype("str").tolist()
    return pd.Series(["P" + hashlib.sha1(v.encode("utf-8")).hexdigest()[:10] for v in vals],
                     index=smallest_ids.index, dtype="str")


# ------------------------------------------------------------------------------- normalising


def _arrow(s: pd.Series) -> pa.Array:
    arr = pa.array(s.astype("str"))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _codes(s: pd.Series | np.ndarray) -> np.ndarray:
    """Dense integer codes, -1 for missing."""
    codes, _ = pd.factorize(pd.Series(s), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def _combine(*codes: np.ndarray) -> np.ndarray:
    """One code per combination of several code columns (-1 where any is -1)."""
    out = codes[0].copy()
    for c in codes[1:]:
        bad = (out < 0) | (c < 0)
        out = out * (int(c.max(initial=0)) + 1) + c
        out[bad] = -1
        out = _codes(out)
        out[bad] = -1
    return out


def _normalise(recs: pd.DataFrame) -> pd.DataFrame:
    """Per record: id (upper, trimmed), id_valid, phone (digits), household, village, county."""
    n = len(recs)
    col = lambda c: recs[c] if c in recs.columns else pd.Series([None] * n, index=recs.index, dtype="str")  # noqa: E731
    idn = pc.utf8_upper(pc.replace_substring_regex(pc.utf8_normalize(_arrow(col("id_number")), form="NFKC"), r"\s+", ""))
    idn = pc.if_else(pc.equal(pc.utf8_length(idn), 0), None, idn)
    if "id_valid" in recs.columns:
        valid = recs["id_valid"].fillna(False).to_numpy(dtype=bool)
    else:
        from ..ids import id_checksum_valid

        valid = id_checksum_valid(col("id_number")).to_numpy(dtype=bool)
    ph = pc.replace_substring_regex(pc.utf8_normalize(_arrow(col("phone")), form="NFKC"), r"\D", "")
    ph = pc.replace_substring_regex(ph, r"^(?:0086|86)(1\d{10})$", r"\1")
    # too short to be a phone, or one digit repeated (00000000, 11111111111): a placeholder
    junk = pc.or_(pc.less(pc.utf8_length(ph), 7), pc.match_substring_regex(ph, "^(?:" + "|".join(f"{d}+" for d in range(10)) + ")$"))
    ph = pc.if_else(pc.fill_null(junk, True), None, ph)
    region = pc.utf8_trim_whitespace(_arrow(col("region_code")))
    county = pc.if_else(pc.greater_equal(pc.utf8_length(region), 6), pc.utf8_slice_codeunits(region, 0, 6), None)
    addr = pc.replace_substring_regex(pc.utf8_normalize(_arrow(col("address")), form="NFKC"), r"\s+", "")
    # the household part: after the last 街道/镇/乡, else after the county (区/县/旗), else all
    rest = pc.replace_substring_regex(addr, r"^.*(?:街道|镇|乡|苏木)", "")
    rest = pc.if_else(pc.equal(rest, addr), pc.replace_substring_regex(addr, r"^.*?[省市]?.*?(?:区|县|旗)", ""), rest)
    rest = pc.if_else(pc.less(pc.utf8_length(rest), 2), None, rest)
    house = pc.binary_join_element_wise(county, rest, pa.scalar("|", pa.large_string()))
    birth = pc.if_else(pc.match_substring_regex(idn, r"^\d{17}[\dX]$"), pc.utf8_slice_codeunits(idn, 6, 14), None)
    return pd.DataFrame({
        "id": pd.Series(idn, dtype="str"), "id_valid": valid & ~pc.is_null(idn).to_numpy(zero_copy_only=False),
        "phone": pd.Series(ph, dtype="str"), "house": pd.Series(house, dtype="str"),
        "village": pd.Series(region, dtype="str"), "county": pd.Series(county, dtype="str"),
        "birth": pd.Series(birth, dtype="str"),
    })


# ---------------------------------------------------------------------------------- blocking


def _block_pairs(key: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray, int]:
    """All pairs (i < j) of records sharing a key (>= 0), in blocks of 2..cap records; and the
    number of blocks over the cap."""
    idx = np.flatnonzero(key >= 0)
    if len(idx) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    k = key[idx]
    o = np.argsort(k, kind="stable")
    idx, k = idx[o], k[o]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    ok = (sizes >= 2) & (sizes <= cap)
    pos = np.arange(len(k))
    rem = np.repeat(starts + sizes, sizes) - pos - 1
    rem = np.where(np.repeat(ok, sizes), rem, 0)
    first = np.repeat(pos, rem)
    offs = np.arange(len(first)) - np.repeat(np.cumsum(rem) - rem, rem)
    a, b = idx[first], idx[first + 1 + offs]
    return np.minimum(a, b), np.maximum(a, b), int((sizes > cap).sum())


# ------------------------------------------------------------------------------- components


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member index) of each of ``n`` nodes."""
    lab = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return lab
    while True:
        la, lb = lab[a], lab[b]
        if np.array_equal(la, lb):
            return lab
        m = np.minimum(la, lb)
        np.minimum.at(lab, la, m)
        np.minimum.at(lab, lb, m)
        while True:
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt


def _anchor_split(n: int, a: np.ndarray, b: np.ndarray, score: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Label each node with the seed it reaches first over edges, strongest edge first; seeded
    nodes keep their seed (-1 = none), nodes no seed reaches stay -1."""
    lab = seed.copy()
    for _ in range(n + 1):
        ua, ub = lab[a] >= 0, lab[b] >= 0
        fwd = ua & ~ub
        bwd = ub & ~ua
        tgt = np.r_[b[fwd], a[bwd]]
        if len(tgt) == 0:
            break
        src = np.r_[lab[a[fwd]], lab[b[bwd]]]
        sc = np.r_[score[fwd], score[bwd]]
        o = np.lexsort((-sc, tgt))
        tgt, src = tgt[o], src[o]
        first = np.r_[True, tgt[1:] != tgt[:-1]]
        lab[tgt[first]] = src[first]
    return lab


# ----------------------------------------------------------------------------------- scoring


def _hamming18(ids: pd.Series, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Digits that differ between two 18-character ID numbers (99 where either is not 18 digits/X);
    two neighbouring digits swapped count as one slip."""
    arr = _arrow(ids)
    ok18 = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9X]{18}$"), False)
    filled = pa.concat_arrays([pc.if_else(ok18, arr, "#" * 18).cast(pa.large_binary())])
    offsets = np.frombuffer(filled.buffers()[1], dtype=np.int64)[: len(filled) + 1]
    data = np.frombuffer(filled.buffers()[2], dtype=np.uint8) if len(filled) else np.zeros(0, np.uint8)
    mat = data[offsets[0]: offsets[-1]].reshape(-1, 18)
    ok = ok18.to_numpy(zero_copy_only=False)
    ma, mb = mat[a], mat[b]
    d = (ma != mb).sum(axis=1)
    swap = (d == 2) & ((ma[:, :-1] == mb[:, 1:]) & (ma[:, 1:] == mb[:, :-1]) & (ma[:, :-1] != ma[:, 1:])).any(axis=1)
    return np.where(ok[a] & ok[b], np.where(swap, 1, d), 99)


def _words(template: np.ndarray, codes: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(template, dtype=object)[codes], type=pa.large_string())


def _score_pairs(a: np.ndarray, b: np.ndarray, norm: pd.DataFrame, names: pd.Series, nt: NameTable,
                 ncode: np.ndarray, hub: np.ndarray) -> pd.DataFrame:
    """Levels, points and evidence words of each candidate pair."""
    # ID
    ida, idb = norm["id"].to_numpy()[a], norm["id"].to_numpy()[b]
    va, vb = norm["id_valid"].to_numpy()[a], norm["id_valid"].to_numpy()[b]
    has = pd.notna(ida) & pd.notna(idb)
    same = has & (ida == idb)
    ham = _hamming18(norm["id"], a, b)
    id_lvl = np.select([same & va & vb, same, has & (ham == 1), has & va & vb, has],
                       ["equal", "equal_unchecked", "one_digit", "conflict", "differ"], "none")
    # name
    nl = np.asarray(compare_names(nt, ncode[a], ncode[b]).astype("str"), dtype=object)
    nl = np.where((ncode[a] < 0) | (ncode[b] < 0), "missing", nl)
    # phone
    pa_, pb_ = norm["phone"].to_numpy()[a], norm["phone"].to_numpy()[b]
    phas = pd.notna(pa_) & pd.notna(pb_)
    psame = phas & (pa_ == pb_)
    ph_lvl = np.select([psame & ~hub[a], psame, phas], ["equal", "hub", "differ"], "none")
    # address
    ha, hb = norm["house"].to_numpy()[a], norm["house"].to_numpy()[b]
    vla, vlb = norm["village"].to_numpy()[a], norm["village"].to_numpy()[b]
    ca, cb = norm["county"].to_numpy()[a], norm["county"].to_numpy()[b]
    ad_lvl = np.select([pd.notna(ha) & (ha == hb), pd.notna(vla) & (vla == vlb),
                        pd.notna(ca) & (ca == cb), pd.notna(ca) & pd.notna(cb)],
                       ["household", "village", "county", "other_county"], "none")
    score = (pd.Series(id_lvl).map(POINTS["id"]).to_numpy(float) + pd.Series(nl).map(POINTS["name"]).to_numpy(float)
             + pd.Series(ph_lvl).map(POINTS["phone"]).to_numpy(float)
             + pd.Series(ad_lvl).map(POINTS["address"]).to_numpy(float))
    return pd.DataFrame({"a": a, "b": b, "id": id_lvl, "name": nl, "phone": ph_lvl, "address": ad_lvl,
                         "score": score})


def _evidence(pairs: pd.DataFrame, names: pd.Series) -> pd.Series:
    """The evidence words of scored pairs, strongest first: ID, name, phone, address."""
    a, b = pairs["a"].to_numpy(np.int64), pairs["b"].to_numpy(np.int64)
    id_lvl, nl = pairs["id"].to_numpy(), pairs["name"].to_numpy()
    ph_lvl, ad_lvl = pairs["phone"].to_numpy(), pairs["address"].to_numpy()
    raw = _arrow(names)
    na_, nb_ = raw.take(pa.array(a)), raw.take(pa.array(b))
    sep = lambda x: pa.scalar(x, pa.large_string())  # noqa: E731
    pair_names = pc.binary_join_element_wise(na_, nb_, sep("/"))
    folded_same = (nl == "exact") & pc.fill_null(pc.not_equal(na_, nb_), False).to_numpy(zero_copy_only=False)
    nkey = np.where(folded_same, "folded", nl)
    tmpl = {k: v.split("（")[0] for k, v in NAME_EVIDENCE.items()}
    has_names = np.isin(nkey, ["folded", "homophone", "order", "homo_order", "one_char", "surname", "different"])
    head = pa.array(np.array([tmpl.get(k, "") for k in nkey], dtype=object), type=pa.large_string())
    name_words = pc.if_else(pa.array(has_names), pc.binary_join_element_wise(head, sep("（"), pair_names, sep("）"), sep("")), head)
    name_words = pc.if_else(pa.array(nkey == "missing"), sep("姓名缺失"), name_words)
    ph_words = _words(np.array([_PHONE_WORDS[k] for k in _PHONE_WORDS], dtype=object),
                      pd.Categorical(ph_lvl, categories=list(_PHONE_WORDS)).codes)
    parts = [_words(np.array(list(_ID_WORDS.values()), dtype=object), pd.Categorical(id_lvl, categories=list(_ID_WORDS)).codes),
             name_words, ph_words,
             _words(np.array(list(_ADDR_WORDS.values()), dtype=object), pd.Categorical(ad_lvl, categories=list(_ADDR_WORDS)).codes)]
    parts = [pc.if_else(pc.equal(p, ""), None, p) for p in parts]
    evidence = pc.binary_join_element_wise(*parts, sep("·"), null_handling="skip")
    return pd.Series(evidence, dtype="str", index=pairs.index)


# ---------------------------------------------------------------------------------- resolving


def _load_overrides(overrides: Overrides | str | Path | None) -> Overrides:
    if isinstance(overrides, Overrides):
        return overrides
    if overrides is None:
        from ..config import get_config

        path = get_config().identity_overrides
        return Overrides.load(path) if path else Overrides()
    return Overrides.load(overrides)


def resolve_persons(book: object, overrides: Overrides | str | Path | None = None, *,
                    threshold: float = THRESHOLD, block_cap: int = BLOCK_CAP) -> Persons:
    """Resolve ``book.petitioners`` into persons (see the module docstring).

    ``overrides``: None → the file at ``get_config().identity_overrides`` (if set), a path, or an
    :class:`~workbench.identity.overrides.Overrides`."""
    recs = book.petitioners.reset_index(drop=True)  # type: ignore[attr-defined]
    n = len(recs)
    pid = recs["petitioner_id"].astype("str")
    names = recs["name"] if "name" in recs.columns else pd.Series([None] * n, dtype="str")
    report: list[tuple[str, int, str]] = []
    norm = _normalise(recs)
    folded = fold_names(names)
    nt = NameTable.of_folded(folded)
    ncode = nt.code_of(folded, folded=True)
    lkey = np.where(ncode >= 0, nt.key[np.maximum(ncode, 0)] if len(nt.key) else -1, -1)
    report.append(("records without a name", int((ncode < 0).sum()),
                   "linked only by an ID number (at most one digit apart)"))
    # hub phones: used by records of two or more different loose names (family, group representative)
    phc = _codes(norm["phone"])
    named = (phc >= 0) & (lkey >= 0)
    pk = pd.DataFrame({"p": phc[named], "k": lkey[named]}).drop_duplicates()
    nk = pk.groupby("p").size()
    hub_of = np.zeros(int(phc.max(initial=-1)) + 1, dtype=bool)
    hub_of[nk.index[nk.to_numpy() >= 2].to_numpy()] = True
    hub = np.where(phc >= 0, hub_of[np.maximum(phc, 0)] if len(hub_of) else False, False)
    report.append(("hub phones (2+ different names on one phone)", int(hub_of.sum()),
                   "a shared phone supports a link only together with a name match (+2, not +5)"))
    # blocks
    idc, hc = _codes(norm["id"]), _codes(norm["house"])
    vc, cc, bc = _codes(norm["village"]), _codes(norm["county"]), _codes(norm["birth"])
    blocks = {"id_number": idc, "phone": phc, "household": hc, "county+name": _combine(cc, lkey),
              "village+name": _combine(vc, lkey), "birth+name": _combine(bc, lkey)}
    pa_list, pb_list = [], []
    for what, key in blocks.items():
        x, y, over = _block_pairs(key, block_cap // 5 if what == "county+name" else block_cap)
        pa_list.append(x)
        pb_list.append(y)
        if over:
            report.append((f"{what} blocks over the cap", over, "no candidate pairs from them"))
    a = np.concatenate(pa_list) if pa_list else np.zeros(0, np.int64)
    b = np.concatenate(pb_list) if pb_list else np.zeros(0, np.int64)
    if n:
        u = np.unique(a * n + b)
        a, b = u // n, u % n
    pairs = _score_pairs(a, b, norm, names, nt, ncode, hub)
    name_ok = pairs["name"].isin(NAME_LEVELS[:5]).to_numpy()
    id_ok = pairs["id"].isin(["equal", "equal_unchecked", "one_digit"]).to_numpy()
    reason = np.select([~(name_ok | id_ok), pairs["score"].to_numpy() < threshold], ["names_differ", "below_threshold"], "")
    reason = np.where((reason == "below_threshold") & (pairs["id"].to_numpy() == "conflict"), "ids_differ", reason)
    hub_only = (reason == "below_threshold") & (pairs["phone"].to_numpy() == "hub") & (
        pairs["score"].to_numpy() + POINTS["phone"]["equal"] - POINTS["phone"]["hub"] >= threshold)
    reason = np.where(hub_only, "hub_phone", reason)
    pairs["reason"] = reason
    pairs["decided"] = "model"
    # words only for what is shown: links and the rejected pairs kept for review
    keep = (pairs["score"] > 0) | pairs["reason"].isin(["hub_phone"]) | (
        (pairs["reason"] == "ids_differ") & pairs["name"].isin(NAME_LEVELS[:5]))
    pairs["evidence"] = pd.Series(pd.NA, index=pairs.index, dtype="str")
    pairs.loc[keep, "evidence"] = _evidence(pairs[keep], names)
    pairs["keep"] = keep
    # overrides
    ov = _load_overrides(overrides)
    for p in ov.problems:
        report.append((f"overrides: {p}", 1, "entry ignored"))
    dec = ov.frame()
    pos = pd.Series(np.arange(n), index=pd.Index(pid))
    if len(dec):
        ia = pos.reindex(dec["a"]).to_numpy()
        ib = pos.reindex(dec["b"]).to_numpy()
        known = ~(np.isnan(ia) | np.isnan(ib))
        if (~known).any():
            report.append(("override decisions naming a record not in the book", int((~known).sum()),
                           "ignored: " + ", ".join(dec.loc[~known, "a"] + "/" + dec.loc[~known, "b"])))
        dec = dec.loc[known].assign(ia=ia[known].astype(np.int64), ib=ib[known].astype(np.int64))
        lo, hi = np.minimum(dec["ia"], dec["ib"]).to_numpy(), np.maximum(dec["ia"], dec["ib"]).to_numpy()
        dec = dec.assign(ia=lo, ib=hi)
    else:
        dec = dec.assign(ia=pd.Series(dtype=np.int64), ib=pd.Series(dtype=np.int64))
    same = dec[dec["decision"] == "same"]
    diff = dec[dec["decision"] == "different"]
    pair_code = pairs["a"].to_numpy() * max(n, 1) + pairs["b"].to_numpy()
    cl = np.isin(pair_code, diff["ia"].to_numpy() * max(n, 1) + diff["ib"].to_numpy())
    pairs.loc[cl, "reason"] = "cannot_link"
    ml_code = same["ia"].to_numpy() * max(n, 1) + same["ib"].to_numpy()
    pairs = pairs[~np.isin(pair_code, ml_code)]
    words = ("人工认定同一人（" + same["by"] + " " + same["at"] + "：" + same["why"] + "）").to_numpy()
    ml = pd.DataFrame({"a": same["ia"].to_numpy(), "b": same["ib"].to_numpy(), "score": np.inf,
                       "evidence": pd.Series(words, dtype="str"), "reason": "", "decided": "override"})
    edges = pd.concat([pairs.loc[pairs["reason"] == "", ["a", "b", "score", "evidence", "reason", "decided"]], ml],
                      ignore_index=True)
    ea, eb, es = edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64), edges["score"].to_numpy(float)
    comp = _components(n, ea, eb)
    # ---- check clusters: valid IDs more than a digit apart, cannot-link decisions inside
    seed = np.full(n, -1, dtype=np.int64)
    flag_split = np.full(n, "", dtype=object)
    vid = norm["id"].where(norm["id_valid"])
    cid = pd.DataFrame({"comp": comp, "id": vid}).dropna().drop_duplicates()
    multi = cid.groupby("comp")["id"].transform("size") > 1
    cid = cid[multi]
    if len(cid):
        j = cid.merge(cid, on="comp", suffixes=("_a", "_b"))
        j = j[j["id_a"] < j["id_b"]]
        ids_all = pd.Series(pd.unique(cid["id"]), dtype="str")
        code = pd.Series(np.arange(len(ids_all)), index=pd.Index(ids_all))
        ja, jb = code.reindex(j["id_a"]).to_numpy(), code.reindex(j["id_b"]).to_numpy()
        tmp = pd.Series(ids_all)
        ham = _hamming18(tmp, ja, jb)
        close = ham <= 1
        grp = _components(len(ids_all), ja[close], jb[close])
        n_grp = pd.DataFrame({"comp": cid["comp"].to_numpy(), "g": grp[code.reindex(cid["id"]).to_numpy()]}).groupby("comp")["g"].nunique()
        bad = n_grp.index[n_grp.to_numpy() > 1].to_numpy()
        if len(bad):
            rows = np.isin(comp, bad) & norm["id_valid"].to_numpy()
            seed[rows] = grp[code.reindex(vid[rows]).to_numpy()]
            flag_split[np.isin(comp, bad)] = "conflicting_ids"
            report.append(("clusters holding different valid ID numbers", len(bad),
                           "split: each ID anchors a person, other records join the anchor reached first"))
    if len(diff):
        inside = comp[diff["ia"].to_numpy()] == comp[diff["ib"].to_numpy()]
        if inside.any():
            base = int(seed.max(initial=-1)) + 1
            for side in ("ia", "ib"):
                r = diff[side].to_numpy()[inside]
                fresh = seed[r] < 0
                seed[r[fresh]] = base + r[fresh]
            ra, rb = diff["ia"].to_numpy()[inside], diff["ib"].to_numpy()[inside]
            clash = seed[ra] == seed[rb]
            seed[rb[clash]] = base + n + rb[clash]
            rows = np.isin(comp, comp[ra])
            flag_split[rows & (flag_split == "")] = "cannot_link"
            report.append(("clusters split by a cannot-link decision", int(len(np.unique(comp[ra]))),
                           "split along the decision"))
    if (seed >= 0).any():
        # a must-link joins whatever anchors its two records hold
        ml_a, ml_b = ml["a"].to_numpy(np.int64), ml["b"].to_numpy(np.int64)
        both = (seed[ml_a] >= 0) & (seed[ml_b] >= 0)
        if both.any():
            sl = _components(int(seed.max()) + 1, seed[ml_a[both]], seed[ml_b[both]])
            seed = np.where(seed >= 0, sl[np.maximum(seed, 0)], -1)
        involved = np.isin(comp, np.unique(comp[seed >= 0]))
        lab = _anchor_split(n, ea, eb, es, np.where(involved, seed, -1))
        cut = involved[ea] & (lab[ea] != lab[eb])
        cut_edges = edges[cut].assign(reason=np.where(flag_split[ea[cut]] == "cannot_link", "cannot_link", "conflicting_ids"))
        edges = edges[~cut]
        ea, eb, es = ea[~cut], eb[~cut], es[~cut]
        comp = _components(n, ea, eb)
    else:
        cut_edges = edges.iloc[:0].copy()
    # ---- outputs
    smallest = pd.Series(pid.to_numpy()).groupby(comp).min()
    keys = person_keys(smallest)
    pkey = keys.reindex(comp).to_numpy()
    # records: how each record joined its person (its strongest link)
    how_e = np.select([edges["decided"].to_numpy() == "override"], ["override"], "")
    lvl = pairs.set_index(pairs["a"] * max(n, 1) + pairs["b"])
    ecode = ea * max(n, 1) + eb
    idl = lvl["id"].reindex(ecode).to_numpy()
    phl = lvl["phone"].reindex(ecode).to_numpy()
    adl = lvl["address"].reindex(ecode).to_numpy()
    how_e = np.select([how_e == "override", idl == "equal", np.isin(idl, ["equal_unchecked", "one_digit"]), phl == "equal",
                       adl == "household", phl == "hub"],
                      ["override", "id_number", "id_number_typo", "phone+name", "name+address", "shared_phone+name"],
                      "name+region")
    rank = pd.Categorical(how_e, categories=list(_HOW)).codes
    er = pd.DataFrame({"node": np.r_[ea, eb], "rank": np.r_[rank, rank]}).groupby("node")["rank"].min()
    how = np.full(n, "alone", dtype=object)
    how[er.index.to_numpy()] = np.asarray(_HOW, dtype=object)[er.to_numpy()]
    # person flags
    flag = pd.Series(flag_split, dtype=object).replace("", None)
    weak_hub = (phl == "hub") & (lvl["name"].reindex(ecode).to_numpy() != "exact") & ~np.isin(idl, ["equal", "equal_unchecked", "one_digit"])
    id_only = np.isin(lvl["name"].reindex(ecode).to_numpy(), ["surname", "different", "missing"])
    comp_flag = pd.DataFrame({"comp": np.r_[comp[ea[weak_hub]], comp[ea[id_only]]],
                              "f": ["hub_phone"] * int(weak_hub.sum()) + ["id_only"] * int(id_only.sum())})
    rec_flag = pd.DataFrame({"comp": comp, "f": flag}).dropna()
    # still two valid IDs apart in one person (a must-link joined them)
    allf = pd.concat([rec_flag, comp_flag], ignore_index=True)
    allf["r"] = pd.Categorical(allf["f"], categories=list(_FLAG_ORDER)).codes
    pflag = allf.sort_values("r").drop_duplicates("comp").set_index("comp")["f"]
    person_flag = pd.Series(pflag.reindex(smallest.index).to_numpy(), index=smallest.index, dtype="str")
    records = pd.DataFrame({"petitioner_id": pid.to_numpy(), "person_key": pd.Series(pkey, dtype="str"),
                            "how": pd.Series(how, dtype="str"),
                            "flagged": person_flag.reindex(comp).notna().to_numpy()})
    # persons
    cp = book.case_petitioners  # type: ignore[attr-defined]
    key_of = pd.Series(pkey, index=pd.Index(pid.to_numpy()))
    case_persons = pd.DataFrame({"case_id": cp["case_id"].astype("str").to_numpy(),
                                 "petitioner_id": cp["petitioner_id"].astype("str").to_numpy(),
                                 "person_key": pd.Series(key_of.reindex(cp["petitioner_id"]).to_numpy(), dtype="str"),
                                 "role": cp["role"].astype("str").to_numpy() if "role" in cp.columns else "petitioner"})
    persons = _persons_table(comp, keys, names, nt, ncode, norm, case_persons, pkey, person_flag)
    # links and rejected
    links = pd.DataFrame({"petitioner_id_a": pid.to_numpy()[ea], "petitioner_id_b": pid.to_numpy()[eb],
                          "score": es, "evidence": edges["evidence"].to_numpy(), "decided": edges["decided"].to_numpy()})
    links = links.astype({"petitioner_id_a": "str", "petitioner_id_b": "str", "evidence": "str", "decided": "str"})
    keep = pairs["keep"] | (pairs["reason"] == "cannot_link")
    miss = keep & pairs["evidence"].isna()
    if miss.any():
        pairs.loc[miss, "evidence"] = _evidence(pairs[miss], names)
    rej = pairs[(pairs["reason"] != "") & keep]
    rej = pd.concat([rej[["a", "b", "score", "evidence", "reason"]], cut_edges[["a", "b", "score", "evidence", "reason"]]],
                    ignore_index=True)
    rejected = pd.DataFrame({"petitioner_id_a": pid.to_numpy()[rej["a"].to_numpy(np.int64)],
                             "petitioner_id_b": pid.to_numpy()[rej["b"].to_numpy(np.int64)],
                             "score": rej["score"].to_numpy(float), "evidence": rej["evidence"].to_numpy(),
                             "reason": rej["reason"].to_numpy()}).astype(
        {"petitioner_id_a": "str", "petitioner_id_b": "str", "evidence": "str", "reason": "str"})
    rep = pd.DataFrame(report, columns=["what", "count", "rule"])
    return Persons(records, persons, links.reset_index(drop=True), rejected, case_persons, rep)


def _mode(group: np.ndarray, value: pd.Series) -> pd.Series:
    """Most frequent non-missing value per group (ties: the smallest value)."""
    df = pd.DataFrame({"g": group, "v": value.to_numpy()}).dropna()
    c = df.groupby(["g", "v"]).size().rename("n").reset_index()
    c = c.sort_values(["g", "n", "v"], ascending=[True, False, True])
    return c.drop_duplicates("g").set_index("g")["v"]


def _lists(group: np.ndarray, value: pd.Series, groups: pd.Index) -> list:
    """Distinct non-missing values per group, sorted, as Python lists."""
    df = pd.DataFrame({"g": group, "v": value.to_numpy()}).dropna().drop_duplicates()
    df = df.sort_values(["g", "v"])
    g = pd.Index(groups).get_indexer(df["g"])
    counts = np.bincount(g, minlength=len(groups))
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    arr = pa.ListArray.from_arrays(pa.array(offsets), pa.array(df["v"].astype("str").to_numpy(), pa.large_string()))
    return arr.to_pylist()


def _persons_table(comp: np.ndarray, keys: pd.Series, names: pd.Series, nt: NameTable, ncode: np.ndarray,
                   norm: pd.DataFrame, case_persons: pd.DataFrame, pkey: np.ndarray,
                   person_flag: pd.Series) -> pd.DataFrame:
    groups = keys.index
    folded = pd.Series(np.where(ncode >= 0, np.asarray(nt.names, dtype=object)[np.maximum(ncode, 0)] if len(nt.names) else None, None), dtype="str")
    n_records = pd.Series(comp).value_counts().reindex(groups).to_numpy()
    cp = case_persons.dropna(subset=["person_key"]).drop_duplicates(["person_key", "case_id"])
    n_cases = cp.groupby("person_key").size().reindex(keys.to_numpy()).fillna(0).astype(np.int64).to_numpy()
    valid_id = norm["id"].where(norm["id_valid"])
    rawnames = pd.Series(names.to_numpy(), dtype="str").str.strip()
    out = pd.DataFrame({
        "person_key": keys.to_numpy(),
        "n_records": n_records.astype(np.int64),
        "n_cases": n_cases,
        "name": pd.Series(_mode(comp, folded).reindex(groups).to_numpy(), dtype="str"),
        "name_variants": _lists(comp, rawnames.where(rawnames.str.len() > 0), groups),
        "id_number": pd.Series(_mode(comp, valid_id).reindex(groups).to_numpy(), dtype="str"),
        "phones": _lists(comp, norm["phone"], groups),
        "region_code": pd.Series(_mode(comp, norm["village"]).reindex(groups).to_numpy(), dtype="str"),
        "flagged": person_flag.notna().to_numpy(),
        "flag": person_flag.to_numpy(),
    })
    return out.astype({"person_key": "str", "flag": "str"})


def accuracy(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Accuracy of a record → person assignment against the true record → person (both indexed
    by petitioner_id; records only in one are ignored).

    pairwise: of the record pairs put in one person, the share truly one person (precision), and
    of the true same-person pairs, the share put together (recall). B-cubed: per record, the
    share of its predicted person that is truly its person (precision) and of its true person
    that was predicted with it (recall), averaged over records. exact clusters: the share of
    predicted persons that are exactly a true person (precision) and of true persons found
    exactly (recall).

    >>> pred = pd.Series(["a", "a", "b", "c"], index=["R1", "R2", "R3", "R4"])
    >>> true = pd.Series(["x", "x", "x", "y"], index=["R1", "R2", "R3", "R4"])
    >>> {k: round(v, 3) for k, v in accuracy(pred, true).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'pair_precision': 1.0, 'pair_recall': 0.333, 'bcubed_precision': 1.0, 'bcubed_recall': 0.667,
     'cluster_precision': 0.333, 'cluster_recall': 0.5}
    """
    common = predicted.index.intersection(truth.index)
    df = pd.DataFrame({"p": predicted.reindex(common).to_numpy(), "t": truth.reindex(common).to_numpy()})
    pairs = lambda s: float((s * (s - 1) // 2).sum())  # noqa: E731
    cell = df.groupby(["p", "t"]).size()
    ps = df.groupby("p").size()
    ts = df.groupby("t").size()
    tp, pp, tt = pairs(cell), pairs(ps), pairs(ts)
    cw = cell.to_numpy(float)
    p_of = ps.reindex(cell.index.get_level_values(0)).to_numpy(float)
    t_of = ts.reindex(cell.index.get_level_values(1)).to_numpy(float)
    n = float(len(df)) or 1.0
    exact = (cw == p_of) & (cw == t_of)
    return {
        "pair_precision": tp / pp if pp else 1.0,
        "pair_recall": tp / tt if tt else 1.0,
        "bcubed_precision": float((cw * cw / p_of).sum() / n),
        "bcubed_recall": float((cw * cw / t_of).sum() / n),
        "cluster_precision": float(exact.sum() / max(len(ps), 1)),
        "cluster_recall": float(exact.sum() / max(len(ts), 1)),
    }
