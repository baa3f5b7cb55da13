"""Views of repeat petitions (重复信访): matters left unresolved (积案), a person's dossier, escalation
between levels (越级), petitioning groups and the repeat-count bands.

The framing is matters and the units that answer for them, not people (DESIGN §9): every table
starts from a matter still open and the units that handled it; nothing here maps where a person
goes or predicts anything. Each figure reads a data function's output:

- :func:`matter_table` (the matters as the role may see them) → :func:`unresolved_table` /
  :func:`unresolved_table_html`; :func:`long_running_table` (上访老户);
- one person: :func:`dossier_data` → :func:`dossier_figure` (one timeline across channels and
  levels), :func:`dossier_story` (in sentences) and :func:`merge_table` (why records were merged,
  with the one call that undoes a wrong merge);
- :func:`escalation_flows` → :func:`escalation_figure` (county → city → province → central);
- :func:`group_layout` → :func:`group_network_figure`; :func:`group_profile` / :func:`group_data`;
- :func:`bands_data` → :func:`bands_figure`; :func:`repeat_rate` → :func:`repeat_rate_figure`.

Privacy (DESIGN §9), enforced here for every view through :class:`workbench.privacy.Masker`:
names, ID numbers, phones and addresses only for the ``supervisor`` role; the ``analyst`` sees
persons under stable pseudonyms (化名, keyed: the analyst's key file) with IDs and phones masked;
the ``trainer`` (synthetic data only) sees the invented names, IDs and phones masked. Outside the
supervisor role the person links of accusation cases (揭发控告) are left out as if they were not
there. Every ``role`` argument may also be a Masker (e.g. one made with an explicit key file).

They read the results of :func:`workbench.resolve_persons` (``persons``),
:func:`workbench.repeat_matters` (``repeats``) and :func:`workbench.petitioner_groups` (``groups``).

>>> mask_id_number("339902198001011234"), mask_phone("13812341215")
('3399**********1234', '138****1215')
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..i18n import lang, text
from ..privacy.masking import Masker, mask_id_number, mask_phone, masker_for
from ..vocab import label
from .delays import _GREY, _layout, _n, _pct, _tint

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..casebook import Casebook

__all__ = [
    "LEVELS",
    "BANDS",
    "OUTCOMES",
    "Dossier",
    "is_supervisor",
    "mask_id_number",
    "mask_phone",
    "hidden_cases",
    "case_outcomes",
    "case_levels",
    "matter_table",
    "unresolved_matters",
    "unresolved_table",
    "unresolved_table_html",
    "person_labels",
    "long_running_table",
    "dossier_data",
    "group_data",
    "dossier_figure",
    "dossier_story",
    "merge_table",
    "merge_html",
    "undo_call",
    "escalation_flows",
    "escalation_figure",
    "group_layout",
    "group_network_figure",
    "group_profile",
    "escalated_group",
    "bands_data",
    "bands_figure",
    "repeat_rate",
    "repeat_rate_figure",
    "table_html",
]

#: the levels a matter climbs (the y axis of a dossier, the columns of the escalation Sankey)
LEVELS = ("county", "city", "province", "central")
#: repeat-count bands (件次 per person)
BANDS = ("1", "2–5", "6–10", "11–30", "31–50", "50+")
#: what became of a case, in the order of the legend
OUTCOMES = ("open", "rejected", "dissatisfied", "replied", "satisfied")
_OUTCOME_COLOUR = {"open": "#e67e22", "rejected": "#2c3e50", "dissatisfied": "#c0392b", "replied": "#3b6ea8",
                   "satisfied": "#2e8b57"}
_CHANNEL_SYMBOL = {"visit": "circle", "letter": "square", "online": "diamond", "phone": "triangle-up",
                   "mailbox": "pentagon", "hotline": "star", "fax": "hexagon"}
_RANK = {lv: i for i, lv in enumerate(LEVELS)}
_BELOW = {"township": 0, "village": 0}  # a case registered below the county counts at the county
_GROUP_COLOURS = ("#3b6ea8", "#16a085", "#8e44ad", "#d35400", "#2c3e50", "#b7950b", "#c0392b", "#1abc9c",
                  "#7f8c8d", "#6c5ce7")
_SEP = "、"


# --------------------------------------------------------------------------- privacy


def _role(role: str | Masker | None) -> str:
    if isinstance(role, Masker):
        return role.role
    if role:
        return role
    from ..config import get_config

    return get_config().role


def _masker(role: str | Masker | None) -> Masker:
    """The Masker of ``role``: itself when one is given; the analyst's reads the configured key
    (a :class:`~workbench.privacy.PrivacyError` naming the ways to give one when there is none)."""
    return role if isinstance(role, Masker) else masker_for(_role(role))


def is_supervisor(role: str | Masker | None = None) -> bool:
    """Whether ``role`` (default: the configured one) may see names, IDs, phones and addresses.

    >>> is_supervisor("analyst"), is_supervisor("supervisor")
    (False, True)
    """
    return _role(role) == "supervisor"


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _isin(s: pd.Series, values: Any) -> np.ndarray:
    """``s.isin(values)`` as a bool array, hashed in Arrow (a set of ids against a long column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    vals = pa.array([str(v) for v in values], type=pa.string()) if not isinstance(values, pa.Array) else values
    arr = pa.array(s.astype("str"), type=pa.string(), from_pandas=True)
    return np.asarray(pc.fill_null(pc.is_in(arr, value_set=vals), False).to_numpy(zero_copy_only=False), dtype=bool)


def hidden_cases(book: Casebook, role: str | Masker | None = None) -> np.ndarray:
    """Case ids whose person links ``role`` may not see: the accusations (揭发控告) outside the
    supervisor role, none for the supervisor (:meth:`workbench.privacy.Masker.hidden_cases`).

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B"],
    ...     "received_at": ["2025-01-02", "2025-01-03"], "demand_type": ["揭发控告", "求决"]}))
    >>> hidden_cases(book, "analyst").tolist(), hidden_cases(book, "supervisor").tolist()
    (['A'], [])
    """
    return Masker(_role(role)).hidden_cases(book)


def _visible(frame: pd.DataFrame, book: Casebook, role: str | Masker | None) -> pd.DataFrame:
    """``frame`` (a table with a ``case_id`` per person link) without the links ``role`` may not
    see: outside the supervisor role, those of accusation cases."""
    return Masker(_role(role)).visible(frame, book)


def person_labels(keys: Sequence[object] | pd.Series, persons=None, role: str | Masker | None = None,
                  language: str | None = None) -> list[str]:
    """How each person is named in a view (:meth:`workbench.privacy.Masker.person_label`): the
    supervisor ``name（person_key）`` (the key alone without ``persons`` or a name), the analyst
    a stable pseudonym (化名, keyed; ``alias-`` in English), the trainer the (synthetic) name.
    ``role`` may be a Masker; ``language`` (default: the Masker's) names the pseudonym's prefix.

    >>> import types
    >>> from workbench.privacy import Masker
    >>> p = types.SimpleNamespace(persons=pd.DataFrame({"person_key": ["P1"], "name": ["张三"]}))
    >>> person_labels(["P1", "P2"], p, "supervisor"), person_labels(["P1"], p, "trainer")
    (['张三（P1）', 'P2'], ['张三'])
    >>> person_labels(["P1"], p, Masker("analyst", key=bytes(32)))
    ['化名-5W5EHFRG']
    """
    m = _masker(role)
    if language and language != m.language:
        m = replace(m, language=language)
    ks = [str(k) for k in keys]
    if m.role == "analyst" or persons is None:
        return m.person_labels(ks)
    pp = persons.persons
    if len(ks) < 200:  # a dossier or a list: look the few up rather than index them all
        pp = pp.loc[_isin(pp["person_key"], set(ks))]
    nm = pp.drop_duplicates("person_key").set_index("person_key")["name"].astype(object) if len(pp) else pd.Series(dtype=object)
    return m.person_labels(ks, [nm.get(k) for k in ks])


# --------------------------------------------------------------------------- cases and matters


def case_outcomes(cases: pd.DataFrame) -> pd.Series:
    """What became of each case (办理结果), one code per row: ``rejected`` (不予受理/不再受理),
    ``open`` (neither replied nor closed), ``dissatisfied`` / ``satisfied`` (evaluated 不满意 /
    满意 or 基本满意), else ``replied`` (answered, not evaluated).

    >>> c = pd.DataFrame({"status": ["已办结", "不予受理", "办理中", "已办结"],
    ...     "replied_at": pd.to_datetime(["2025-02-01", None, None, "2025-02-01"]),
    ...     "closed_at": pd.to_datetime([None] * 4), "satisfaction": ["dissatisfied", None, None, None]})
    >>> case_outcomes(c).tolist()
    ['dissatisfied', 'rejected', 'open', 'replied']
    """
    n = len(cases)

    def col(name: str) -> pd.Series:
        return cases[name] if name in cases else pd.Series([None] * n, index=cases.index, dtype=object)

    status = col("status").astype("str")
    rejected = status.str.contains("不予受理|不再受理", regex=True).fillna(False).to_numpy(dtype=bool)
    answered = (col("replied_at").notna() | col("closed_at").notna()).to_numpy(dtype=bool)
    sat = col("satisfaction").astype("str")
    dis = (sat == "dissatisfied").fillna(False).to_numpy(dtype=bool)
    ok = sat.isin(["satisfied", "basically_satisfied"]).fillna(False).to_numpy(dtype=bool)
    out = np.select([rejected, ~answered, dis, ok], ["rejected", "open", "dissatisfied", "satisfied"], "replied")
    return pd.Series(out.astype(object), index=cases.index, name="outcome")


def case_levels(book: Casebook, case_ids: Sequence[object] | pd.Series) -> pd.Series:
    """The level (county/city/province/central) of the unit that registered each case; levels below
    the county count at the county; an unknown unit gives None.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-01-02"],
    ...     "registered_unit_id": ["S"]}), units=pd.DataFrame({"unit_id": ["S"], "name": ["省信访局"],
    ...     "level": ["province"]}))
    >>> case_levels(book, ["A", "Z"]).tolist()
    ['province', None]
    """
    c = book.cases
    reg = c.drop_duplicates("case_id").set_index(c.drop_duplicates("case_id")["case_id"].astype(str))["registered_unit_id"] \
        if "registered_unit_id" in c else pd.Series(dtype=object)
    lv = book.units.drop_duplicates("unit_id").set_index("unit_id")["level"].astype(object) \
        if len(book.units) and "level" in book.units else pd.Series(dtype=object)
    ids = pd.Series([str(x) for x in case_ids], dtype=object)
    levels = ids.map(reg.astype(object)).map(lv).map(lambda v: LEVELS[_BELOW[v]] if v in _BELOW else v)
    return pd.Series([v if v in _RANK else None for v in levels], dtype=object, name="level")


def _unit_names(book: Casebook) -> pd.Series:
    from ..rules.delays import names

    return names(book, "units")


def _level_word(v: object, lg: str) -> str:
    return label("unit_level", str(v), lg) if not _missing(v) and str(v) in LEVELS else text("person.level.unknown", lg)


def _visible_cases(repeats, book: Casebook, role: str | Masker | None) -> pd.DataFrame:
    """``repeats.cases`` as ``role`` may see them, with the case facts a view shows: channel,
    category, registering and responsible unit, replied/closed dates, satisfaction and outcome,
    level (the repeats' own, else the registering unit's). Sorted by matter and time."""
    rc = _visible(repeats.cases, book, role)
    cols = [c for c in ("case_id", "channel", "category_l1", "category_l2", "region_code", "demand_type",
                        "registered_unit_id", "responsible_unit_id", "replied_at", "closed_at", "satisfaction",
                        "status", "headcount") if c in book.cases]
    bc = book.cases
    facts = bc[cols] if len(rc) > len(bc) // 4 else bc.loc[_isin(bc["case_id"], pd.unique(rc["case_id"].astype(str))), cols]
    facts = facts.drop_duplicates("case_id")
    facts = facts.assign(case_id=facts["case_id"].astype(str), outcome=case_outcomes(facts))
    keep = [c for c in ("case_id", "person_key", "matter_key", "repeat_no", "is_repeat", "level", "received_at")
            if c in rc]
    out = rc[keep].assign(case_id=rc["case_id"].astype(str)).merge(facts.drop(columns=[c for c in ("region_code",)
                                                                                         if "region_code" in keep]),
                                                                     on="case_id", how="left")
    if "received_at" not in out:
        rec = book.cases.drop_duplicates("case_id").set_index(book.cases.drop_duplicates("case_id")["case_id"].astype(str))
        out["received_at"] = out["case_id"].map(rec["received_at"])
    lv = out["level"].astype(object) if "level" in out else pd.Series([None] * len(out), dtype=object)
    lv = lv.map(lambda v: LEVELS[_BELOW[v]] if v in _BELOW else v)
    if lv.isna().any() or not lv.isin(list(LEVELS)).all():
        fill = case_levels(book, out["case_id"]).to_numpy(dtype=object)
        lv = pd.Series(np.where(lv.isin(list(LEVELS)).to_numpy(dtype=bool), lv.to_numpy(dtype=object), fill), dtype=object)
    out["level"] = lv.to_numpy(dtype=object)
    out["rank"] = out["level"].map(_RANK).astype("float64")
    return out.sort_values(["matter_key", "received_at", "case_id"], kind="stable").reset_index(drop=True)


def matter_table(repeats, book: Casebook, role: str | Masker | None = None, *, open_only: bool = False) -> pd.DataFrame:
    """One row per matter (信访事项) as ``role`` may see it, from its visible cases: matter_key,
    person_key, category_l1, category_l2, region_code, n_cases, first_at, last_at, highest_level,
    path (levels in the order first reached, climbing only: ``county→city→province``), escalated,
    case_ids, unit_ids (responsible units in order of first appearance), outcomes (per case, in
    time order), last_outcome, open, long_running. Flags (open, long_running) and the matter's
    category and locality come from ``repeats.matters``; a matter whose every case is hidden from
    the role is left out. ``open_only`` keeps open matters.
    """
    return _matters_of(_visible_cases(repeats, book, role), repeats.matters, open_only)


def _matters_of(vc: pd.DataFrame, m: pd.DataFrame, open_only: bool = False) -> pd.DataFrame:
    """:func:`matter_table` from the visible cases ``vc`` and the matters ``m``."""
    if open_only and "open" in m:
        keys = set(m.loc[m["open"].fillna(False).astype(bool), "matter_key"].astype(str))
        vc = vc.loc[_isin(vc["matter_key"], keys)]
    cols = ["matter_key", "person_key", "category_l1", "category_l2", "region_code", "n_cases", "first_at", "last_at",
            "highest_level", "path", "escalated", "case_ids", "unit_ids", "outcomes", "last_outcome", "open",
            "long_running"]
    if not len(vc):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    from ..networks.transfer import group_lists

    key = vc["matter_key"].astype(str).to_numpy(dtype=object)
    uniq, inv = np.unique(key, return_inverse=True)
    n = len(uniq)
    rank = vc["rank"].to_numpy(dtype=np.float64)
    first_row = np.r_[True, inv[1:] != inv[:-1]]  # vc is sorted by matter, time
    last_row = np.r_[inv[1:] != inv[:-1], True]
    # running highest level within each matter; a step is where it first rises
    r = np.where(np.isnan(rank), -1.0, rank)
    cum = pd.Series(r).groupby(inv).cummax().to_numpy()
    prev = np.r_[-2.0, cum[:-1]]
    step = (first_row | (cum > prev)) & (cum >= 0)
    path_parts = group_lists(inv[step], np.asarray([LEVELS[int(v)] for v in cum[step]], dtype=object), n)
    units = vc["responsible_unit_id"].astype(object).where(vc["responsible_unit_id"].notna(), None).to_numpy(dtype=object) \
        if "responsible_unit_id" in vc else np.full(len(vc), None, dtype=object)
    dup_unit = pd.DataFrame({"k": inv, "u": units}).duplicated().to_numpy() | pd.isna(units)
    hi = pd.Series(r).groupby(inv).max().to_numpy()
    out = pd.DataFrame({
        "matter_key": uniq,
        "person_key": vc["person_key"].astype(str).to_numpy(dtype=object)[first_row],
        "n_cases": np.bincount(inv, minlength=n).astype(np.int64),
        "first_at": vc["received_at"].to_numpy()[first_row],
        "last_at": vc["received_at"].to_numpy()[last_row],
        "highest_level": [LEVELS[int(v)] if v >= 0 else None for v in hi],
        "path": ["→".join(p) for p in path_parts],
        "escalated": [len(p) > 1 for p in path_parts],
        "case_ids": group_lists(inv, vc["case_id"].to_numpy(dtype=object), n),
        "unit_ids": group_lists(inv[~dup_unit], units[~dup_unit], n),
        "outcomes": group_lists(inv, vc["outcome"].to_numpy(dtype=object), n),
        "last_outcome": vc["outcome"].to_numpy(dtype=object)[last_row],
    })
    mm = m.drop_duplicates("matter_key").assign(matter_key=m.drop_duplicates("matter_key")["matter_key"].astype(str)) \
        .set_index("matter_key")
    for c in ("category_l1", "category_l2", "region_code"):
        src = mm[c] if c in mm else None
        if src is None:  # the matter's own facts missing: its first case's
            src = vc.loc[first_row].set_index(uniq)[c] if c in vc else pd.Series(dtype=object)
        out[c] = out["matter_key"].map(src.astype(object)).to_numpy(dtype=object)
    for c in ("open", "long_running"):
        if c in mm:
            out[c] = out["matter_key"].map(mm[c].astype(object)).fillna(False).astype(bool).to_numpy()
        elif c == "open":
            out[c] = out["last_outcome"].eq("open").to_numpy()
        else:
            out[c] = False
    if open_only:
        out = out.loc[out["open"]]
    return out[cols].reset_index(drop=True)


def unresolved_matters(repeats, book: Casebook, role: str | Masker | None = None) -> pd.DataFrame:
    """The matters still open (积案), ranked for assignment: long-running first (上访老户), then
    the most cases, the highest level reached, the earliest first petition; ``rank`` from 1."""
    t = matter_table(repeats, book, role, open_only=True)
    if not len(t):
        return t.assign(rank=pd.Series([], dtype=np.int64))
    lv = t["highest_level"].map(_RANK).fillna(-1)
    t = t.assign(_lr=~t["long_running"], _n=-t["n_cases"], _lv=-lv)
    t = t.sort_values(["_lr", "_n", "_lv", "first_at", "matter_key"], kind="stable").drop(columns=["_lr", "_n", "_lv"])
    return t.assign(rank=np.arange(1, len(t) + 1)).reset_index(drop=True)


def _outcome_summary(outcomes: Sequence[str], lg: str) -> str:
    """'不满意×2、未办结' — each outcome with its count, in the order of :data:`OUTCOMES`."""
    counts = pd.Series(list(outcomes), dtype=object).value_counts()
    parts = [text(f"person.outcome.{o}", lg) + (f"×{int(counts[o])}" if counts[o] > 1 else "")
             for o in OUTCOMES if o in counts]
    return _SEP.join(parts)


def _region_names(book: Casebook) -> dict[str, str]:
    """county code → name, from the ledger's own ``region_name`` where it has one, else the
    county-level units' names."""
    out: dict[str, str] = {}
    c = book.cases
    if "region_name" in c and "region_code" in c:
        rc = c["region_code"].astype("str").str.slice(0, 6)
        nm = c["region_name"].astype("str")
        six = (c["region_code"].astype("str").str.len() == 6).fillna(False).to_numpy(dtype=bool)
        pairs = pd.DataFrame({"c": rc[six], "n": nm[six]}).dropna().drop_duplicates("c")
        out.update(dict(zip(pairs["c"], pairs["n"], strict=True)))
    u = book.units
    if len(u) and "region_code" in u and "level" in u:
        gov = u.loc[(u["level"].astype("str") == "county").fillna(False).to_numpy(dtype=bool)
                    & u["name"].astype("str").str.contains("人民政府").fillna(False).to_numpy(dtype=bool)]
        for code, name in zip(gov["region_code"].astype(str), gov["name"].astype(str), strict=True):
            out.setdefault(code[:6], name.replace("人民政府", ""))
    return out


def _region(code: object, regions: dict[str, str]) -> str:
    if _missing(code) or not str(code):
        return ""
    s = str(code)
    return regions.get(s[:6], s)


def _path_words(path: object, lg: str) -> str:
    if _missing(path) or not str(path):
        return ""
    return " → ".join(_level_word(p, lg) for p in str(path).split("→"))


def _date(t: object) -> str:
    return "" if _missing(t) else pd.Timestamp(t).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def unresolved_table(repeats, book: Casebook, top: int = 20, language: str | None = None, *,
                     persons=None, role: str | Masker | None = None, unresolved: pd.DataFrame | None = None) -> pd.DataFrame:
    """The first ``top`` matters of :func:`unresolved_matters` in words, ranked from 1: the
    person (name for the supervisor when ``persons`` is given, else the person_key), category,
    locality, cases, first and last petition, highest level and path, the units that handled
    the matter and what came of its cases — the basis for assigning matters for resolution.
    ``unresolved``: :func:`unresolved_matters` already computed.

    >>> import types
    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B"],
    ...     "received_at": ["2025-01-02", "2025-03-01"], "registered_unit_id": ["X", "S"],
    ...     "responsible_unit_id": ["J", "J"], "replied_at": ["2025-02-01", None],
    ...     "satisfaction": ["不满意", None], "region_code": ["339902", "339902"]}),
    ...     units=pd.DataFrame({"unit_id": ["X", "S", "J"], "name": ["县信访局", "市信访局", "县住建局"],
    ...     "level": ["county", "city", "county"]}), now="2025-06-01")
    >>> rc = pd.DataFrame({"case_id": ["A", "B"], "person_key": ["P1", "P1"], "matter_key": ["M1", "M1"],
    ...     "repeat_no": [1, 2], "level": ["county", "city"], "received_at": pd.to_datetime(["2025-01-02", "2025-03-01"])})
    >>> m = pd.DataFrame({"matter_key": ["M1"], "person_key": ["P1"], "category_l1": ["城乡建设"],
    ...     "category_l2": ["建设管理"], "region_code": ["339902"], "open": [True], "long_running": [False]})
    >>> from workbench.privacy import Masker
    >>> analyst = Masker("analyst", key=bytes(32))
    >>> t = unresolved_table(types.SimpleNamespace(cases=rc, matters=m), book, language="zh", role=analyst)
    >>> t[["信访人", "件数", "层级路径", "办理单位", "办理结果"]].values.tolist()
    [['化名-5W5EHFRG', 2, '县/区 → 市', '县住建局', '未办结、答复·不满意']]
    """
    lg = lang(language)
    t = (unresolved if unresolved is not None else unresolved_matters(repeats, book, role)).head(top)
    units = _unit_names(book)
    regions = _region_names(book)
    out = pd.DataFrame({
        "person": person_labels(t["person_key"], persons, role, lg),
        "category": [f"{a}/{b}" if not _missing(b) and b else str(a) for a, b in zip(t["category_l1"], t["category_l2"], strict=True)],
        "region": [_region(c, regions) for c in t["region_code"]],
        "n_cases": t["n_cases"].astype(np.int64).to_numpy(),
        "first_at": [_date(v) for v in t["first_at"]],
        "last_at": [_date(v) for v in t["last_at"]],
        "highest_level": [_level_word(v, lg) for v in t["highest_level"]],
        "path": [_path_words(p, lg) for p in t["path"]],
        "units": [_SEP.join(str(units.get(u, u)) for u in us) for us in t["unit_ids"]],
        "outcomes": [_outcome_summary(o, lg) for o in t["outcomes"]],
        "long_running": [text("person.yes", lg) if v else "" for v in t["long_running"]],
    })
    out.columns = [text(f"person.col.{c}", lg) for c in out.columns]
    out.index = pd.RangeIndex(1, len(out) + 1, name=text("person.rank", lg))
    return out


def table_html(df: pd.DataFrame, caption: str | None = None, max_rows: int = 200) -> str:
    """A compact escaped HTML table (:func:`workbench.views.blame.table_html`)."""
    from .blame import table_html as _table_html

    return _table_html(df, caption, max_rows)


def unresolved_table_html(repeats, book: Casebook, top: int = 20, language: str | None = None, *,
                          persons=None, role: str | Masker | None = None, unresolved: pd.DataFrame | None = None) -> str:
    """:func:`unresolved_table` as HTML, captioned with how many matters are open in all."""
    lg = lang(language)
    u = unresolved if unresolved is not None else unresolved_matters(repeats, book, role)
    t = unresolved_table(repeats, book, top, lg, persons=persons, role=role, unresolved=u)
    n_open = len(u)
    return table_html(t, text("person.unresolved.caption", lg, n=_n(len(t)), total=_n(n_open)))


def long_running_table(repeats, book: Casebook, top: int = 20, language: str | None = None, *,
                       persons=None, role: str | Masker | None = None) -> pd.DataFrame:
    """上访老户: the persons whose matters run long (``repeats.persons.long_running``), most cases
    first, with their visible cases, matters, open matters, first and last petition, highest level
    and the units that handled them. Persons are named as :func:`person_labels` allows."""
    lg = lang(language)
    mt = matter_table(repeats, book, role)
    rp = repeats.persons
    keys = set(rp.loc[rp["long_running"].fillna(False).astype(bool), "person_key"].astype(str)) \
        if "long_running" in rp else set()
    mt = mt.loc[mt["person_key"].isin(keys)]
    units = _unit_names(book)
    cols = ["person", "n_cases", "n_matters", "open_matters", "first_at", "last_at", "highest_level", "units"]
    if not len(mt):
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    else:
        g = mt.groupby("person_key", sort=False)
        per = pd.DataFrame({
            "n_cases": g["n_cases"].sum(), "n_matters": g.size(), "open_matters": g["open"].sum(),
            "first_at": g["first_at"].min(), "last_at": g["last_at"].max(),
            "hi": g["highest_level"].agg(lambda s: max((_RANK.get(v, -1) for v in s), default=-1)),
            "units": g["unit_ids"].agg(lambda s: list(dict.fromkeys(u for us in s for u in us))),
        }).reset_index()
        per = per.sort_values(["n_cases", "last_at", "person_key"], ascending=[False, False, True], kind="stable").head(top)
        out = pd.DataFrame({
            "person": person_labels(per["person_key"], persons, role, lg),
            "n_cases": per["n_cases"].astype(np.int64).to_numpy(),
            "n_matters": per["n_matters"].astype(np.int64).to_numpy(),
            "open_matters": per["open_matters"].astype(np.int64).to_numpy(),
            "first_at": [_date(v) for v in per["first_at"]], "last_at": [_date(v) for v in per["last_at"]],
            "highest_level": [_level_word(LEVELS[int(h)] if h >= 0 else None, lg) for h in per["hi"]],
            "units": [_SEP.join(str(units.get(u, u)) for u in us[:4]) + ("…" if len(us) > 4 else "") for us in per["units"]],
        })
        out.attrs["person_keys"] = per["person_key"].tolist()
    out.columns = [text(f"person.col.{c}", lg) for c in cols]
    out.index = pd.RangeIndex(1, len(out) + 1, name=text("person.rank", lg))
    return out


# --------------------------------------------------------------------------- one person's dossier


@dataclass
class Dossier:
    """Everything :func:`dossier_figure`, :func:`dossier_story` and :func:`merge_table` show for one
    person (or one group, ``kind="group"``), already filtered for the role.

    ``cases``: the visible cases in time order (case_id, matter_key, repeat_no, received_at, channel,
    level, category, registering and responsible unit ids and names, replied_at, closed_at,
    outcome); ``matters``: their rows of :func:`matter_table`; ``person``: what the role may see of
    the person (person_key, label, and for the supervisor name, name variants, ID number, phones;
    masked ID and phones otherwise); ``records``: the petitioner records merged into the person;
    ``links`` / ``rejected``: the accepted and the refused pairs among and around them.
    """

    key: str
    label: str
    role: str
    cases: pd.DataFrame
    matters: pd.DataFrame
    person: dict[str, Any] = field(default_factory=dict)
    records: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    kind: str = "person"
    members: pd.DataFrame = field(default_factory=pd.DataFrame)


def _dossier_cases(vc: pd.DataFrame, book: Casebook) -> pd.DataFrame:
    units = _unit_names(book)
    c = vc.sort_values(["received_at", "case_id"], kind="stable").drop_duplicates("case_id").reset_index(drop=True)

    def name(col: str) -> list[str]:
        if col not in c:
            return [""] * len(c)
        return ["" if _missing(u) else str(units.get(u, u)) for u in c[col]]

    c["registered_unit_name"] = name("registered_unit_id")
    c["responsible_unit_name"] = name("responsible_unit_id")
    return c


def dossier_data(book: Casebook, persons, repeats, person_key: str, role: str | Masker | None = None) -> Dossier:
    """One person's dossier as ``role`` may see it: all their visible cases, matters, and the
    records merged into them with the evidence of each merge (``persons.explain``). Outside the
    supervisor role there are no names, addresses, full IDs or phones, and no accusation cases.

    Raises KeyError for a person_key the resolution does not know.
    """
    msk = _masker(role)
    role = msk.role
    pk = str(person_key)
    pp = persons.persons
    row = pp.loc[pp["person_key"].astype(str) == pk]
    if not len(row):
        raise KeyError(f"person {pk!r} is not in this resolution")
    r = row.iloc[0].to_dict()
    rc = repeats.cases
    mine = rc.loc[rc["person_key"].astype(str) == pk]
    sub = _one_person(repeats, mine)
    vc = _visible_cases(sub, book, role)
    cases = _dossier_cases(vc, book)
    matters = _matters_of(vc, sub.matters)
    sup = is_supervisor(role)
    person: dict[str, Any] = {"person_key": pk, "n_records": r.get("n_records"), "region_code": r.get("region_code")}
    phones = [str(p) for p in (r.get("phones") or []) if not _missing(p)] if isinstance(r.get("phones"), (list, tuple, np.ndarray)) else []
    if msk.role != "analyst":  # the supervisor's real names, the trainer's invented ones
        person.update(name=r.get("name"), name_variants=list(r.get("name_variants") or []))
    person.update(id_number=msk.id_number(r.get("id_number")), phones=[msk.phone(p) for p in phones])
    if not sup and person.get("region_code") is not None and not _missing(person["region_code"]):
        person["region_code"] = str(person["region_code"])[:9]  # the township, as addresses are cut
    for k in ("flagged", "flag"):
        if k in r:
            person[k] = r[k]
    labels = person_labels([pk], persons, msk)
    records, links, rejected = _merge_evidence(book, persons, pk, msk)
    return Dossier(pk, labels[0], role, cases, matters, person, records, links, rejected)


def _one_person(repeats, cases: pd.DataFrame):
    """A repeats-shaped view of only these case rows (and their matters)."""
    from types import SimpleNamespace

    keys = set(cases["matter_key"].astype(str)) if len(cases) else set()
    m = repeats.matters
    return SimpleNamespace(cases=cases, matters=m.loc[_isin(m["matter_key"], keys)])


def _merge_evidence(book: Casebook, persons, pk: str, msk: Masker) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The records of a person (with their details as the role may see them: names for the
    supervisor and the trainer, IDs and phones masked outside the supervisor role, addresses cut
    to the township) and the accepted and refused links among and around them. Outside the
    supervisor role a record's cases count only the cases the role may see."""
    sup = msk.full
    recs = persons.records
    mine = recs.loc[recs["person_key"].astype(str) == pk]
    ids = mine["petitioner_id"].astype(str).tolist()
    pet = book.petitioners
    det = pet.assign(petitioner_id=pet["petitioner_id"].astype(str)).drop_duplicates("petitioner_id") \
        .set_index("petitioner_id") if len(pet) else pd.DataFrame()

    def get(col: str, pid: str) -> object:
        return det.at[pid, col] if col in det and pid in det.index else None

    cp = persons.case_persons
    if len(ids) and "petitioner_id" in cp:
        cp = msk.visible(cp.loc[_isin(cp["petitioner_id"], ids)], book)
        n_cases = cp.groupby(cp["petitioner_id"].astype(str))["case_id"].nunique()
    else:
        n_cases = pd.Series(dtype=np.int64)
    rows = []
    for pid, how in zip(ids, mine["how"] if "how" in mine else [""] * len(ids), strict=True):
        d: dict[str, object] = {"petitioner_id": pid, "how": "" if _missing(how) else str(how)}
        if msk.role != "analyst":
            d["name"] = get("name", pid)
        d.update(id_number=msk.id_number(get("id_number", pid)), phone=msk.phone(get("phone", pid)),
                 address=msk.address(get("address", pid)))
        d["cases"] = int(n_cases.get(pid, 0))
        rows.append(d)
    records = pd.DataFrame(rows)
    ex = None
    if hasattr(persons, "explain"):
        try:
            ex = persons.explain(pk)
        except Exception:  # another helper's method: fall back to the links and rejected tables
            ex = None
    idset = set(ids)

    def pairs(frame: pd.DataFrame | None, inside: bool) -> pd.DataFrame:
        if frame is None or not len(frame) or "petitioner_id_a" not in frame:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in ("petitioner_id_a", "petitioner_id_b", "score",
                                                                            "evidence", "decided")})
        a = _isin(frame["petitioner_id_a"], idset)
        b = _isin(frame["petitioner_id_b"], idset)
        return frame.loc[(a & b) if inside else (a | b)].reset_index(drop=True)

    links = pairs(persons.links, True)
    if ex is not None and len(ex) and "petitioner_id_a" in ex:
        key = set(zip(persons.links["petitioner_id_a"].astype(str), persons.links["petitioner_id_b"].astype(str),
                      strict=True)) if len(persons.links) else set()
        linked = np.asarray([(str(a), str(b)) in key for a, b in zip(ex["petitioner_id_a"], ex["petitioner_id_b"],
                                                                     strict=True)], dtype=bool)
        if "status" in ex:
            linked = (ex["status"].astype(str) == "linked").to_numpy(dtype=bool)
        elif "linked" in ex:
            linked = ex["linked"].fillna(False).astype(bool).to_numpy()
        if "decided_or_reason" in ex:
            why = ex["decided_or_reason"].astype(object)
            ex = ex.assign(decided=why.where(linked, None), reason=why.where(~linked, None))
        rejected = ex.loc[~linked].reset_index(drop=True)
        if len(ex.loc[linked]) >= len(links):
            links = ex.loc[linked].reset_index(drop=True)
    else:
        rejected = pairs(getattr(persons, "rejected", None), False)
    if not sup:
        shown = ("id_number", "phone", "address") if msk.role == "trainer" else ("name", "id_number", "phone", "address")
        links, rejected = _scrub(links, det, ids, shown), _scrub(rejected, det, ids, shown)
    return records, links, rejected


def _scrub(frame: pd.DataFrame, det: pd.DataFrame, ids: list[str],
           columns: Sequence[str] = ("name", "id_number", "phone", "address")) -> pd.DataFrame:
    """Evidence and reason texts with any name, ID number or phone (``columns``) of the records
    starred (the wording is another module's: a view must not trust it to hold no personal data)."""
    if not len(frame) or not len(det):
        return frame
    secrets: set[str] = set()
    pids = set(ids) | set(frame["petitioner_id_a"].astype(str)) | set(frame["petitioner_id_b"].astype(str))
    for col in columns:
        if col in det:
            vals = det.loc[det.index.isin(list(pids)), col]
            secrets |= {str(v) for v in vals if not _missing(v) and len(str(v)) >= 2}
    if not secrets:
        return frame
    out = frame.copy()
    ordered = sorted(secrets, key=len, reverse=True)
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("str", "string"):
            vals = out[col].astype(object).tolist()
            for i, v in enumerate(vals):
                if isinstance(v, str):
                    for s in ordered:
                        if s in v:
                            v = v.replace(s, "*" * len(s))
                    vals[i] = v
            out[col] = pd.Series(vals, index=out.index, dtype=object)
    return out


def group_data(book: Casebook, groups, repeats, group_id: str, persons=None, role: str | Masker | None = None) -> Dossier:
    """A petitioning group's cases as one dossier (``kind="group"``): the group's cases that the
    role may see, each once, gathered into one matter per issue category (the members' own
    matters on one issue are one matter of the group; open if any member's is), and its members
    (label, role, cases; outside the supervisor role, members linked only through hidden cases
    are left out). Draw it with :func:`dossier_figure`, tell it with :func:`dossier_story`."""
    from types import SimpleNamespace

    msk = _masker(role)
    role = msk.role
    gid = str(group_id)
    mem = groups.members.loc[groups.members["group_id"].astype(str) == gid]
    if not len(mem):
        raise KeyError(f"group {gid!r} is not in these groups")
    g = groups.groups.loc[groups.groups["group_id"].astype(str) == gid]
    gcases = {str(c) for c in (g["case_ids"].iloc[0] if len(g) and "case_ids" in g else [])}
    rc = repeats.cases
    sel = _isin(rc["person_key"], set(mem["person_key"].astype(str))).copy()
    if gcases:
        sel &= _isin(rc["case_id"], gcases)
    mine = _visible(rc.loc[sel], book, role)
    m = repeats.matters.assign(matter_key=repeats.matters["matter_key"].astype(str))
    m = m.loc[_isin(m["matter_key"], set(mine["matter_key"].astype(str)))]
    cat = (m["category_l1"].astype(str) + "/" + m["category_l2"].astype(str)) if len(m) else pd.Series(dtype=object)
    to_issue = dict(zip(m["matter_key"], gid + ":" + cat, strict=True))
    m = m.assign(matter_key=m["matter_key"].map(to_issue), person_key=gid)
    agg = {c: "first" for c in ("person_key", "category_l1", "category_l2", "region_code") if c in m}
    agg.update({c: "max" for c in ("open", "long_running") if c in m})
    issues = m.groupby("matter_key", sort=False).agg(agg).reset_index() if len(m) else m
    cases = mine.drop_duplicates("case_id").assign(person_key=gid)
    cases = cases.assign(matter_key=cases["matter_key"].astype(str).map(to_issue))
    sub = SimpleNamespace(cases=cases, matters=issues)
    vc = _visible_cases(sub, book, role)
    members = mem.assign(person=person_labels(mem["person_key"], persons, msk))
    seen = mine.groupby(mine["person_key"].astype(str))["case_id"].nunique() if len(mine) else pd.Series(dtype=np.int64)
    members = members.assign(visible_cases=members["person_key"].astype(str).map(seen).fillna(0).astype(np.int64))
    if not is_supervisor(role):
        members = members.loc[members["visible_cases"] > 0]
    return Dossier(gid, gid, role, _dossier_cases(vc, book), _matters_of(vc, sub.matters),
                   {"group_id": gid, "size": len(members)}, kind="group", members=members.reset_index(drop=True))


def dossier_figure(d: Dossier, language: str | None = None) -> go.Figure:
    """One timeline of a person's (or group's) cases: x the date, y the level of the registering
    unit (县 · 市 · 省 · 中央), marker shape the channel, colour what came of the case; a thin
    line joins the cases of each matter. The hover gives the unit that handled the case and its
    outcome; each point's ``customdata`` is ``[case_id, matter_key]``."""
    import plotly.graph_objects as go

    lg = lang(language)
    c = d.cases
    fig = go.Figure()
    y_of = {lv: i for i, lv in enumerate(LEVELS)}
    ys = np.asarray([y_of.get(str(v), -1) if not _missing(v) else -1 for v in c["level"]], dtype=float) if len(c) else np.zeros(0)
    # a matter's cases joined in time order, offset a little per matter so lines do not overlap
    keys = list(dict.fromkeys(c["matter_key"].astype(str))) if len(c) else []
    off = {k: (i - (len(keys) - 1) / 2) * min(0.12, 0.5 / max(len(keys), 1)) for i, k in enumerate(keys)}
    yo = ys + np.asarray([off[str(k)] for k in c["matter_key"]]) if len(c) else ys
    # dates as text: widget messages are JSON, where a Timestamp is not a value
    xs = pd.to_datetime(c["received_at"]).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object) if len(c) \
        else np.zeros(0, dtype=object)
    lx: list[object] = []
    ly: list[object] = []
    for k in keys:
        sel = (c["matter_key"].astype(str) == k).to_numpy()
        if sel.sum() > 1:
            lx += [*xs[sel].tolist(), None]
            ly += [*yo[sel].tolist(), None]
    if lx:
        fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", line={"color": "#b8c2cc", "width": 1.2},
                                 hoverinfo="skip", showlegend=False, name=text("person.fig.matter_line", lg)))
    units_word, out_word = text("person.hover.unit", lg), text("person.hover.outcome", lg)
    hover = []
    for r in c.itertuples(index=False):
        rr = r._asdict()
        cat = "/".join(str(rr.get(k)) for k in ("category_l1", "category_l2") if not _missing(rr.get(k)) and rr.get(k))
        lines = [f"<b>{html.escape(str(rr['case_id']))}</b> · {_date(rr['received_at'])}",
                 f"{text('person.hover.channel', lg)}: {html.escape(label('channel', str(rr.get('channel')), lg) or '—')}"
                 f" · {html.escape(_level_word(rr.get('level'), lg))}",
                 f"{text('person.hover.registered', lg)}: {html.escape(rr.get('registered_unit_name') or '—')}",
                 f"{units_word}: {html.escape(rr.get('responsible_unit_name') or '—')}",
                 f"{out_word}: {html.escape(text('person.outcome.' + str(rr['outcome']), lg))}"
                 + (f" · {text('person.hover.replied', lg)} {_date(rr.get('replied_at'))}" if not _missing(rr.get('replied_at')) else "")]
        if cat:
            lines.append(f"{text('person.hover.category', lg)}: {html.escape(cat)}")
        if not _missing(rr.get("repeat_no")):
            lines.append(text("person.hover.repeat_no", lg, n=int(rr["repeat_no"])))
        if d.kind == "group" and not _missing(rr.get("headcount")):
            lines.append(f"{text('person.hover.headcount', lg)}: {int(rr['headcount'])}")
        hover.append("<br>".join(lines))
    hover_arr = np.asarray(hover, dtype=object)
    outcome = c["outcome"].astype(str).to_numpy(dtype=object) if len(c) else np.zeros(0, dtype=object)
    channel = c["channel"].astype(object).to_numpy(dtype=object) if len(c) and "channel" in c else np.full(len(c), None, dtype=object)
    cd = np.column_stack([c["case_id"].astype(str).to_numpy(dtype=object), c["matter_key"].astype(str).to_numpy(dtype=object)]) \
        if len(c) else np.zeros((0, 2), dtype=object)
    chans = [ch for ch in _CHANNEL_SYMBOL if ch in set(channel)] + sorted({str(ch) for ch in channel if ch not in _CHANNEL_SYMBOL})
    for ch in chans:
        sel = np.asarray([str(v) == ch for v in channel], dtype=bool)
        fig.add_trace(go.Scatter(
            x=xs[sel].tolist(), y=yo[sel].tolist(), mode="markers",
            marker={"symbol": _CHANNEL_SYMBOL.get(ch, "circle"), "size": 13,
                    "color": [_OUTCOME_COLOUR.get(o, _GREY) for o in outcome[sel]], "line": {"width": 1, "color": "white"}},
            customdata=cd[sel], hovertext=hover_arr[sel], hovertemplate="%{hovertext}<extra></extra>",
            name=label("channel", ch, lg) or ch, showlegend=False))
    for ch in chans:  # the shape key in grey: the points' colours are the outcomes'
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label("channel", ch, lg) or ch,
                                 marker={"symbol": _CHANNEL_SYMBOL.get(ch, "circle"), "size": 11, "color": "#8a949e"},
                                 legendgroup="channel", legendgrouptitle={"text": text("person.fig.channel", lg)},
                                 hoverinfo="skip"))
    for o in OUTCOMES:  # the colour key: empty traces that only fill the legend
        if o in set(outcome):
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=text(f"person.outcome.{o}", lg),
                                     marker={"symbol": "square", "size": 11, "color": _OUTCOME_COLOUR[o]},
                                     legendgroup="outcome", legendgrouptitle={"text": text("person.fig.outcome", lg)},
                                     hoverinfo="skip"))
    n_m = len(d.matters)
    title = text("person.fig.dossier_title" if d.kind == "person" else "person.fig.group_title", lg,
                 who=html.escape(_who(d, lg)), cases=_n(len(c)), matters=_n(n_m))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('person.fig.dossier_note', lg))}</span>"
    fig.update_yaxes(tickvals=list(range(len(LEVELS))), ticktext=[_level_word(v, lg) for v in LEVELS],
                     range=[-0.6, len(LEVELS) - 0.4], showgrid=True, gridcolor="#eee", zeroline=False)
    fig.update_xaxes(type="date", showgrid=True, gridcolor="#f3f3f3")
    return _layout(fig, title={"text": title}, height=400, hovermode="closest",
                   legend={"groupclick": "toggleitem", "tracegroupgap": 12},
                   margin={"t": 90, "l": 10, "r": 10, "b": 40})


def dossier_story(d: Dossier, language: str | None = None) -> str:
    """A person's (or group's) matters in a few Markdown sentences: how many cases and matters,
    each matter's path and how it climbed — which level it went to after which lower-level reply
    (or while the lower level still held it) — whether it is still open, and the units that
    handled it."""
    lg = lang(language)
    who = _who(d, lg)
    c = d.cases
    if not len(c):
        return text("person.story.none", lg, who=who)
    hi = max((_RANK.get(str(v), -1) for v in c["level"]), default=-1)
    n_open = int(d.matters["open"].sum()) if len(d.matters) else 0
    lines = [text("person.story.head", lg, who=who, first=_date(c["received_at"].min()), last=_date(c["received_at"].max()),
                  cases=_n(len(c)), matters=_n(len(d.matters)), level=_level_word(LEVELS[hi] if hi >= 0 else None, lg),
                  open=_n(n_open))]
    if d.kind == "group" and len(d.members):
        reps = d.members.loc[d.members["role"].astype(str) == "representative", "person"].tolist()
        lines[0] += text("person.story.members", lg, n=_n(len(d.members)), reps=_SEP.join(reps) or "—")
    order = d.matters.sort_values(["open", "n_cases"], ascending=[False, False], kind="stable") if len(d.matters) else d.matters
    shown = order.head(8)
    by_matter = {k: g for k, g in c.groupby(c["matter_key"].astype(str), sort=False)}
    join = " " if lg == "en" else ""
    for i, m in enumerate(shown.itertuples(index=False), start=1):
        mc = by_matter.get(str(m.matter_key))
        if mc is None:
            continue
        mc = mc.sort_values(["received_at", "case_id"], kind="stable")
        cat = f"{m.category_l1}/{m.category_l2}" if not _missing(m.category_l2) and m.category_l2 else str(m.category_l1)
        per_level = mc["level"].astype(str).value_counts()
        levels = _SEP.join(text("person.story.at_level", lg, level=_level_word(v, lg), n=int(per_level[v]))
                           for v in LEVELS if v in per_level) if m.n_cases > 1 else ""
        head = text("person.story.matter" if m.n_cases > 1 else "person.story.matter1", lg, i=i, cat=cat,
                    n=_n(m.n_cases), path=_path_words(m.path, lg) or "—", first=_date(m.first_at),
                    last=_date(m.last_at), levels=levels)
        steps = []
        top, prev = -1, None
        for r in mc.itertuples(index=False):
            rank = _RANK.get(str(r.level), -1)
            if prev is not None and rank > top >= 0:
                p_unit = prev.responsible_unit_name or prev.registered_unit_name or "—"
                if not _missing(prev.replied_at) and prev.replied_at <= r.received_at:
                    why = text("person.story.after_reply", lg, unit=p_unit, date=_date(prev.replied_at),
                               outcome=text(f"person.short.{prev.outcome}", lg))
                elif prev.outcome == "rejected":
                    why = text("person.story.after_reject", lg, unit=p_unit)
                else:
                    why = text("person.story.while_held", lg, unit=p_unit)
                step = text("person.story.step", lg, why=why, date=_date(r.received_at), level=_level_word(r.level, lg),
                            channel=label("channel", str(r.channel), lg) or "—", unit=r.registered_unit_name or "—")
                steps.append(step[:1].upper() + step[1:])
            top = max(top, rank)
            prev = r
        units = list(dict.fromkeys(u for u in mc["responsible_unit_name"] if u))
        state = text("person.story.open", lg) if bool(m.open) else text(
            "person.story.closed", lg, outcome=text(f"person.short.{m.last_outcome}", lg))
        lines.append(join.join([head, *steps, state, text("person.story.units", lg, units=_SEP.join(units) or "—")]))
    if len(order) > len(shown):
        lines.append(text("person.story.more", lg, n=_n(len(order) - len(shown))))
    return "\n\n".join(lines)


def _who(d: Dossier, lg: str) -> str:
    return text("person.group.label", lg, id=d.key) if d.kind == "group" else d.label


def undo_call(a: str, b: str, overrides: str | None = None) -> str:
    """The one call that records two merged records as different persons (a supervisor's
    decision, applied on every load by ``resolve_persons(book, overrides=...)``).

    >>> undo_call("R1", "R2", "decisions.csv")
    'decide("decisions.csv", "R1", "R2", "different", by="…", why="…")'
    """
    path = f'"{overrides}"' if overrides else "OVERRIDES"
    return f'decide({path}, "{a}", "{b}", "different", by="…", why="…")'


def merge_table(d: Dossier, language: str | None = None, overrides: str | None = None, *,
                max_links: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Why the records were merged: (records, links). ``records``: each petitioner record of the
    person with how it was matched (and, for the supervisor only, its name, ID number, phone and
    address; masked ID and phone otherwise). ``links``: each accepted pair with its score, the
    evidence and who decided, beside the call that undoes it (:func:`undo_call`); the refused
    pairs around the person follow, marked as not merged, with the reason. ``max_links``: show
    only that many merged pairs, the weakest (the ones most worth checking)."""
    lg = lang(language)
    keys = _TEXT_KEYS()
    rec = d.records.copy()
    cols = [c for c in ("petitioner_id", "name", "id_number", "phone", "address", "how", "cases") if c in rec]
    rec = rec[cols]
    if "how" in rec:
        rec["how"] = [text(f"person.how.{h}", lg) if f"person.how.{h}" in keys else h for h in rec["how"]]
    rec.columns = [text(f"person.rec.{c}", lg) for c in cols]
    rows = []
    for frame, merged in ((d.links, True), (d.rejected, False)):
        for r in frame.itertuples(index=False):
            rr = r._asdict()
            a, b = str(rr.get("petitioner_id_a")), str(rr.get("petitioner_id_b"))
            ev = rr.get("evidence")
            score = rr.get("score")
            how = rr.get("decided") if merged else rr.get("reason")
            prefix = "person.decided." if merged else "person.reason."
            rows.append({
                "a": a, "b": b, "merged": text("person.yes", lg) if merged else text("person.no", lg),
                "score": None if _missing(score) else round(float(score), 2),  # type: ignore[arg-type]
                "evidence": "" if _missing(ev) else str(ev),
                "decided": "" if _missing(how) else text(prefix + str(how), lg) if prefix + str(how) in keys else str(how),
                "undo": undo_call(a, b, overrides) if merged else "",
            })
    lk = pd.DataFrame(rows, columns=["a", "b", "merged", "score", "evidence", "decided", "undo"])
    merged_n = len(d.links)
    if max_links is not None and merged_n > max_links:  # the weakest merges are the ones worth checking
        top = lk.iloc[:merged_n].sort_values("score", kind="stable").head(max_links)
        lk = pd.concat([top, lk.iloc[merged_n:]], ignore_index=True)
    lk.attrs["merged"], lk.attrs["shown"] = merged_n, min(merged_n, max_links or merged_n)
    lk.columns = [text(f"person.link.{c}", lg) for c in lk.columns]
    return rec, lk


def merge_html(d: Dossier, language: str | None = None, overrides: str | None = None, max_links: int | None = 20) -> str:
    """:func:`merge_table` as HTML: the records, then the links with the undo call beside each
    and a note on how a supervisor undoes a wrong merge."""
    lg = lang(language)
    rec, lk = merge_table(d, lg, overrides, max_links=max_links)
    note = html.escape(text("person.ui.undo_note", lg))
    cap = text("person.ui.links_caption", lg, n=_n(lk.attrs["merged"]), m=_n(lk.attrs["shown"]))
    return (f"<h4>{html.escape(text('person.ui.merges', lg))}</h4>" + table_html(rec) + table_html(lk, cap)
            + f"<div style='color:#555;font-size:12px;margin:4px 0'>{note}<br>"
              f"{html.escape(text('person.ui.rejected_note', lg))}</div>")


def _TEXT_KEYS() -> dict[str, tuple[str, str]]:
    from ..i18n import TEXT

    return TEXT


# --------------------------------------------------------------------------- escalation


def escalation_flows(repeats, book: Casebook, role: str | Masker | None = None, *, min_cases: int = 2) -> pd.DataFrame:
    """Matters flowing up the levels (越级/逐级上行): one row per step of the matters' paths
    (:func:`matter_table`, climbing only) and per end — ``source``, ``target`` (a level, or
    ``open`` / ``closed`` for where the matter stands at its highest level), ``matters``,
    ``persons`` (distinct), ``matter_keys``. Matters with fewer than ``min_cases`` visible cases
    are left out (by default, one-off petitions).
    """
    mt = matter_table(repeats, book, role)
    mt = mt.loc[mt["n_cases"] >= min_cases] if len(mt) else mt
    cols = ["source", "target", "matters", "persons", "matter_keys"]
    if not len(mt):
        return pd.DataFrame({c: pd.Series([], dtype=object if c in ("source", "target", "matter_keys") else np.int64)
                             for c in cols})
    parts = [str(p).split("→") if p else [] for p in mt["path"]]
    src: list[str] = []
    dst: list[str] = []
    mk: list[str] = []
    pk: list[str] = []
    for key, person, p, is_open in zip(mt["matter_key"], mt["person_key"], parts, mt["open"], strict=True):
        if not p:
            continue
        for a, b in zip(p[:-1], p[1:], strict=False):
            src.append(a)
            dst.append(b)
            mk.append(key)
            pk.append(person)
        src.append(p[-1])
        dst.append("open" if is_open else "closed")
        mk.append(key)
        pk.append(person)
    f = pd.DataFrame({"source": src, "target": dst, "matter_key": mk, "person_key": pk})
    order = {v: i for i, v in enumerate((*LEVELS, "open", "closed"))}
    g = f.groupby(["source", "target"], sort=False)
    out = pd.DataFrame({"matters": g["matter_key"].nunique(), "persons": g["person_key"].nunique(),
                        "matter_keys": g["matter_key"].agg(list)}).reset_index()
    out = out.assign(_s=out["source"].map(order), _t=out["target"].map(order)).sort_values(["_s", "_t"], kind="stable")
    return out.drop(columns=["_s", "_t"])[cols].reset_index(drop=True)


def escalation_figure(flows: pd.DataFrame, language: str | None = None, measure: str = "matters") -> go.Figure:
    """Sankey of :func:`escalation_flows`: 县 → 市 → 省 → 中央 and, at the right, whether the
    matters are still open (未化解) or closed where they stopped. Links sized by ``measure``
    (``matters`` or ``persons``); each link's ``customdata`` is ``[source, target]``."""
    import plotly.graph_objects as go

    lg = lang(language)
    nodes = [v for v in (*LEVELS, "open", "closed") if v in set(flows["source"]) | set(flows["target"])]
    idx = {v: i for i, v in enumerate(nodes)}
    into = flows.groupby("target")[measure].sum() if len(flows) else pd.Series(dtype=float)
    out_ = flows.groupby("source")[measure].sum() if len(flows) else pd.Series(dtype=float)

    def word(v: str) -> str:
        return text(f"person.flow.{v}", lg) if v in ("open", "closed") else _level_word(v, lg)

    node_labels = [text("person.flow.node", lg, level=word(v), n=_n(max(into.get(v, 0), out_.get(v, 0)))) for v in nodes]
    colours = {"county": "#5a6e8c", "city": "#3b6ea8", "province": "#8e44ad", "central": "#7f0000", "open": "#e67e22",
               "closed": "#2e8b57"}
    xs = {"county": 0.01, "city": 0.3, "province": 0.6, "central": 0.85, "open": 0.99, "closed": 0.99}
    link_colour = [_tint("#e67e22", 0.45) if t == "open" else _tint("#2e8b57", 0.3) if t == "closed" else _tint("#3b6ea8", 0.35)
                   for t in flows["target"]]
    hover = [text("person.flow.hover", lg, src=word(s), dst=word(t), matters=_n(m), persons=_n(p))
             for s, t, m, p in zip(flows["source"], flows["target"], flows["matters"], flows["persons"], strict=True)]
    # the two end nodes stacked by their sizes, so the larger never runs off the figure
    into_end = flows.groupby("target")[measure].sum()
    v_open, v_closed = float(into_end.get("open", 0)), float(into_end.get("closed", 0))
    f_open = v_open / (v_open + v_closed) if v_open + v_closed else 0.5
    end_y = {"open": 0.05 + 0.85 * f_open / 2, "closed": 0.1 + 0.85 * f_open + 0.85 * (1 - f_open) / 2}
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": node_labels, "color": [colours[v] for v in nodes], "pad": 18, "thickness": 16,
              "x": [xs[v] for v in nodes], "y": [end_y.get(v, 0.5) for v in nodes],
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": [idx[s] for s in flows["source"]], "target": [idx[t] for t in flows["target"]],
              "value": flows[measure].astype(float).tolist(), "color": link_colour,
              "customdata": [[s, t] for s, t in zip(flows["source"], flows["target"], strict=True)],
              "label": hover, "hovertemplate": "%{label}<extra></extra>"},
    ))
    up = flows.loc[~flows["target"].isin(["open", "closed"])] if len(flows) else flows
    n_up = len(set(k for ks in up["matter_keys"] for k in ks)) if len(up) else 0
    n_all = len(set(k for ks in flows["matter_keys"] for k in ks)) if len(flows) else 0
    title = text("person.flow.title", lg, n=_n(n_all), up=_n(n_up), measure=text(f"person.flow.{measure}", lg))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('person.flow.note', lg))}</span>"
    return _layout(fig, title={"text": title}, height=440, margin={"t": 100, "l": 20, "r": 20, "b": 20})


# --------------------------------------------------------------------------- groups


def group_layout(groups, *, top: int | None = 40) -> pd.DataFrame:
    """Positions of the members of the ``top`` largest groups (by cases) as data: one row per
    member (person_key, group_id, role, n_cases, x, y) and, in ``attrs["centres"]``, one row per
    group (group_id, x, y, size, n_cases). Groups sit on a grid, largest first; members on a
    circle around their group's centre, representatives at its heart. Deterministic.

    >>> import types
    >>> g = types.SimpleNamespace(members=pd.DataFrame({"group_id": ["G1", "G1", "G1"],
    ...     "person_key": ["A", "B", "C"], "role": ["representative", "member", "member"], "n_cases": [3, 2, 2]}),
    ...     groups=pd.DataFrame({"group_id": ["G1"], "size": [3], "n_cases": [4]}))
    >>> lay = group_layout(g)
    >>> lay[["person_key", "x", "y"]].round(2).values.tolist()
    [['A', 0.0, 0.0], ['B', 0.36, 0.0], ['C', -0.36, 0.0]]
    """
    gr = groups.groups
    if not len(gr):
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("person_key", "group_id", "role", "n_cases", "x", "y")})
        out.attrs["centres"] = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("group_id", "x", "y", "size", "n_cases")})
        return out
    order = gr.assign(group_id=gr["group_id"].astype(str)).sort_values(["n_cases", "size", "group_id"],
                                                                      ascending=[False, False, True], kind="stable")
    if top:
        order = order.head(top)
    k = len(order)
    cols = max(1, int(math.ceil(math.sqrt(k * 1.6))))
    gx = (np.arange(k) % cols).astype(float)
    gy = -(np.arange(k) // cols).astype(float)
    centres = pd.DataFrame({"group_id": order["group_id"].to_numpy(dtype=object), "x": gx, "y": gy,
                            "size": order["size"].to_numpy(), "n_cases": order["n_cases"].to_numpy()})
    mem = groups.members.assign(group_id=groups.members["group_id"].astype(str))
    mem = mem.loc[mem["group_id"].isin(set(centres["group_id"]))]
    rep = (mem["role"].astype(str) == "representative").to_numpy()
    mem = mem.assign(_rep=~rep).sort_values(["group_id", "_rep", "n_cases", "person_key"], ascending=[True, True, False, True],
                                             kind="stable")
    rep = ~mem["_rep"].to_numpy(dtype=bool)
    gid = mem["group_id"].to_numpy(dtype=object)
    # position within the group, counted separately for representatives (heart) and members (ring)
    pos = mem.groupby(["group_id", "_rep"], sort=False).cumcount().to_numpy()
    n_in = mem.groupby(["group_id", "_rep"], sort=False)["person_key"].transform("size").to_numpy()
    cx = _gid_map(centres, "x", gid)
    cy = _gid_map(centres, "y", gid)
    ring = 0.36
    ang = 2 * np.pi * pos / np.maximum(n_in, 1)
    rad = np.where(rep, np.where(n_in > 1, 0.16, 0.0), ring)
    out = pd.DataFrame({"person_key": mem["person_key"].astype(str).to_numpy(dtype=object), "group_id": gid,
                        "role": mem["role"].astype(str).to_numpy(dtype=object),
                        "n_cases": mem["n_cases"].to_numpy(), "x": cx + rad * np.cos(ang), "y": cy + rad * np.sin(ang)})
    out.attrs["centres"] = centres
    return out.reset_index(drop=True)


def _gid_map(centres: pd.DataFrame, col: str, gid: np.ndarray) -> np.ndarray:
    return pd.Series(gid, dtype=object).map(centres.set_index("group_id")[col]).to_numpy(dtype=float)


def group_network_figure(groups, layout: pd.DataFrame | None = None, language: str | None = None, *,
                         persons=None, role: str | Masker | None = None, top: int | None = 40, width: int | None = None) -> go.Figure:
    """The petitioning groups drawn as clusters (WebGL): one dot per member sized by cases,
    coloured by group, representatives as diamonds with a dark edge; grey lines join members who
    petitioned together (``groups.network``); each group is labelled with its size and cases.
    Member dots carry ``customdata`` ``[person_key, group_id]``, the group labels ``[group_id]``.
    Members are named as :func:`person_labels` allows."""
    import plotly.graph_objects as go

    lg = lang(language)
    lay = layout if layout is not None else group_layout(groups, top=top)
    centres = lay.attrs.get("centres", pd.DataFrame(columns=["group_id", "x", "y", "size", "n_cases"]))
    fig = go.Figure()
    pos = {k: (x, y) for k, x, y in zip(lay["person_key"], lay["x"], lay["y"], strict=True)}
    ex: list[float | None] = []
    ey: list[float | None] = []
    G = getattr(groups, "network", None)
    if G is not None and len(lay):
        same = dict(zip(lay["person_key"], lay["group_id"], strict=True))
        for a, b in G.edges():
            if a in pos and b in pos and same.get(a) == same.get(b):
                ex += [pos[a][0], pos[b][0], None]
                ey += [pos[a][1], pos[b][1], None]
    fig.add_trace(go.Scattergl(x=ex, y=ey, mode="lines", line={"color": "#c8d0d8", "width": 0.8}, hoverinfo="skip",
                               showlegend=False, name=text("person.net.edges", lg)))
    colour_of = {g: _GROUP_COLOURS[i % len(_GROUP_COLOURS)] for i, g in enumerate(centres["group_id"])}
    names = person_labels(lay["person_key"], persons, role, lg)
    n_cases = lay["n_cases"].astype(float).to_numpy() if len(lay) else np.zeros(0)
    size = 7 + 16 * np.sqrt(n_cases / n_cases.max()) if len(n_cases) and n_cases.max() > 0 else np.full(len(lay), 8.0)
    role_word = {r: text(f"person.role.{r}", lg) for r in ("representative", "member")}
    hover = np.asarray([f"<b>{html.escape(nm)}</b><br>{html.escape(role_word.get(r, r))} · {text('person.net.group', lg)} "
                        f"{html.escape(str(g))}<br>{text('person.col.n_cases', lg)}: {_n(c)}<br>"
                        f"<i>{text('person.ui.click_group', lg)}</i>"
                        for nm, r, g, c in zip(names, lay["role"], lay["group_id"], n_cases, strict=True)], dtype=object)
    cd = np.column_stack([lay["person_key"].to_numpy(dtype=object), lay["group_id"].to_numpy(dtype=object)]) \
        if len(lay) else np.zeros((0, 2), dtype=object)
    rep = (lay["role"] == "representative").to_numpy(dtype=bool) if len(lay) else np.zeros(0, dtype=bool)
    for mask, nm, sym, edge in ((~rep, "person.net.members", "circle", "white"), (rep, "person.net.representatives",
                                                                                    "diamond", "#222")):
        fig.add_trace(go.Scattergl(
            x=lay["x"].to_numpy(dtype=float)[mask], y=lay["y"].to_numpy(dtype=float)[mask], mode="markers",
            marker={"size": size[mask].round(1), "symbol": sym,
                    "color": [colour_of.get(g, _GREY) for g in lay["group_id"].to_numpy(dtype=object)[mask]],
                    "line": {"width": 1.5 if sym == "diamond" else 0.5, "color": edge}},
            customdata=cd[mask], hovertext=hover[mask], hovertemplate="%{hovertext}<extra></extra>",
            name=text(nm, lg)))
    glabel = [text("person.net.label", lg, size=_n(s), cases=_n(c))
              for g, s, c in zip(centres["group_id"], centres["size"], centres["n_cases"], strict=True)]
    fig.add_trace(go.Scattergl(x=centres["x"].to_numpy(dtype=float), y=centres["y"].to_numpy(dtype=float) + 0.5,
                               mode="text", text=glabel, textfont={"size": 11, "color": "#333"},
                               customdata=centres["group_id"].to_numpy(dtype=object).reshape(-1, 1),
                               hovertext=[f"{text('person.net.group', lg)} {html.escape(str(g_))}: {html.escape(t_)}<br>"
                                          f"<i>{text('person.ui.click_group', lg)}</i>" for g_, t_ in zip(centres["group_id"], glabel,
                                                                                              strict=True)],
                               hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
                               name=text("person.net.groups", lg)))
    n_groups = len(groups.groups)
    title = text("person.net.title", lg, shown=_n(len(centres)), groups=_n(n_groups), persons=_n(len(lay)))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('person.net.note', lg))}</span>"
    rows = int(-centres["y"].min()) + 1 if len(centres) else 1
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig = _layout(fig, title={"text": title}, height=max(360, 150 + 120 * rows), hovermode="closest",
                  legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                  margin={"t": 100, "l": 10, "r": 10, "b": 10})
    if width:
        fig.update_layout(width=width)
    return fig


def group_profile(groups, book: Casebook, group_id: str, language: str | None = None, *, persons=None,
                  role: str | Masker | None = None, repeats=None) -> pd.DataFrame:
    """One group's profile as a two-column table (item, value): members and representatives,
    cases, matters, highest level and path, the units that handled them, what came of the cases,
    whether any is open. With ``repeats`` the cases are those the role may see."""
    lg = lang(language)
    gid = str(group_id)
    g = groups.groups.loc[groups.groups["group_id"].astype(str) == gid]
    if not len(g):
        raise KeyError(f"group {gid!r} is not in these groups")
    r = g.iloc[0].to_dict()
    mem = groups.members.loc[groups.members["group_id"].astype(str) == gid]
    case_ids = [str(c) for c in (r.get("case_ids") or [])]
    hide = set(hidden_cases(book, role).tolist())
    case_ids = [c for c in case_ids if c not in hide]
    if repeats is not None and hide:
        visible = _visible(repeats.cases, book, role)
        keep = set(visible.loc[_isin(visible["case_id"], case_ids), "person_key"].astype(str))
        mem = mem.loc[mem["person_key"].astype(str).isin(keep)]
    reps = mem.loc[mem["role"].astype(str) == "representative", "person_key"].tolist()
    cases = book.cases.loc[_isin(book.cases["case_id"], case_ids)]
    units = _unit_names(book)
    lv = case_levels(book, cases["case_id"]).tolist()
    hi = max((_RANK.get(str(v), -1) for v in lv), default=-1)
    order = cases.assign(_lv=lv).sort_values("received_at", kind="stable")
    path, top = [], -1
    for v in order["_lv"]:
        rk = _RANK.get(str(v), -1)
        if rk > top:
            path.append(str(v))
            top = rk
    outs = case_outcomes(cases).tolist()
    items = [
        ("members", text("person.profile.members_v", lg, n=_n(len(mem)), reps=_n(len(reps)))),
        ("representatives", _SEP.join(person_labels(reps, persons, role, lg)) or "—"),
        ("cases", _n(len(cases))),
        ("period", f"{_date(cases['received_at'].min())} — {_date(cases['received_at'].max())}" if len(cases) else "—"),
        ("categories", _SEP.join(dict.fromkeys(f"{a}/{b}" for a, b in zip(cases["category_l1"], cases["category_l2"], strict=True)
                                               if not _missing(a))) if "category_l1" in cases else "—"),
        ("highest_level", _level_word(LEVELS[hi] if hi >= 0 else None, lg)),
        ("path", _path_words("→".join(path), lg) or "—"),
        ("units", _SEP.join(dict.fromkeys(str(units.get(u, u)) for u in cases["responsible_unit_id"] if not _missing(u))) or "—"),
        ("outcomes", _outcome_summary(outs, lg) or "—"),
        ("open", text("person.yes", lg) if "open" in outs else text("person.no", lg)),
    ]
    return pd.DataFrame({text("person.profile.item", lg): [text(f"person.profile.{k}", lg) for k, _ in items],
                         text("person.profile.value", lg): [v for _, v in items]})


def escalated_group(groups, book: Casebook) -> str | None:
    """The group whose matter climbed the most levels (counted along its path, climbing only),
    then the one with most cases, then the largest: the one to look at first. None when there
    are no groups.

    >>> import types
    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B", "C"],
    ...     "received_at": ["2025-01-02", "2025-01-03", "2025-02-03"], "registered_unit_id": ["S", "X", "M"]}),
    ...     units=pd.DataFrame({"unit_id": ["X", "M", "S"], "name": ["县信访局", "市信访局", "省信访局"],
    ...     "level": ["county", "city", "province"]}))
    >>> g = types.SimpleNamespace(groups=pd.DataFrame({"group_id": ["G1", "G2"], "size": [9, 3],
    ...     "n_cases": [5, 2], "case_ids": [["A"], ["B", "C"]]}))
    >>> escalated_group(g, book)
    'G2'
    """
    gr = groups.groups
    if not len(gr):
        return None
    ex = gr[["group_id", "case_ids"]].explode("case_ids").dropna(subset=["case_ids"])
    ex = ex.assign(group_id=ex["group_id"].astype(str), case_id=ex["case_ids"].astype(str))
    rec = book.cases.drop_duplicates("case_id")
    at = pd.Series(rec["received_at"].to_numpy(), index=rec["case_id"].astype(str).to_numpy())
    ex = ex.assign(at=ex["case_id"].map(at), rank=case_levels(book, ex["case_id"]).map(_RANK).fillna(-1).to_numpy())
    ex = ex.sort_values(["group_id", "at"], kind="stable")
    top = ex.groupby("group_id", sort=False)["rank"].cummax()
    prev = top.groupby(ex["group_id"], sort=False).shift(1).fillna(-2)
    steps = ((top > prev) & (top >= 0)).groupby(ex["group_id"], sort=False).sum()
    t = gr.assign(group_id=gr["group_id"].astype(str))
    t = t.assign(_steps=t["group_id"].map(steps).fillna(0))
    t = t.sort_values(["_steps", "n_cases", "size", "group_id"], ascending=[False, False, False, True], kind="stable")
    return str(t["group_id"].iloc[0])


# --------------------------------------------------------------------------- bands and the repeat rate


def bands_data(repeats) -> pd.DataFrame:
    """Persons by how many cases they lodged (件次 bands 1 · 2–5 · 6–10 · 11–30 · 31–50 · 50+): band,
    persons, cases, share of persons, share of cases, and the person_keys of each band.

    >>> import types
    >>> p = pd.DataFrame({"person_key": ["A", "B", "C"], "n_cases": [1, 3, 7], "band": ["1", "2–5", "6–10"]})
    >>> bands_data(types.SimpleNamespace(persons=p))[["band", "persons", "cases"]].values.tolist()
    [['1', 1, 1], ['2–5', 1, 3], ['6–10', 1, 7], ['11–30', 0, 0], ['31–50', 0, 0], ['50+', 0, 0]]
    """
    p = repeats.persons
    n = p["n_cases"].astype("float64").fillna(0).to_numpy()
    if "band" in p:
        band = p["band"].astype(str).to_numpy(dtype=object)
    else:
        band = np.asarray(BANDS, dtype=object)[np.searchsorted([1, 5, 10, 30, 50], n, side="left")]
    code = pd.Series(band, dtype=object).map({b: i for i, b in enumerate(BANDS)}).fillna(-1).astype(int).to_numpy()
    ok = code >= 0
    from ..networks.transfer import group_lists

    persons = np.bincount(code[ok], minlength=len(BANDS))
    cases = np.bincount(code[ok], weights=n[ok], minlength=len(BANDS)).astype(np.int64)
    return pd.DataFrame({"band": list(BANDS), "persons": persons.astype(np.int64), "cases": cases,
                         "share_persons": persons / max(persons.sum(), 1), "share_cases": cases / max(cases.sum(), 1),
                         "person_keys": group_lists(code[ok], p["person_key"].astype(str).to_numpy(dtype=object)[ok],
                                                    len(BANDS))})


def bands_figure(bands: pd.DataFrame, language: str | None = None) -> go.Figure:
    """Bars of :func:`bands_data`: persons per band, with the share of all cases they lodged
    written on each bar; ``customdata`` is the band."""
    import plotly.graph_objects as go

    lg = lang(language)
    fig = go.Figure(go.Bar(
        x=bands["band"].tolist(), y=bands["persons"].tolist(), marker={"color": ["#9fb3c8", "#5a7fa8", "#3b6ea8", "#d35400",
                                                                                 "#c0392b", "#7f0000"][: len(bands)]},
        text=[text("person.bands.bar", lg, n=_n(p), share=_pct(s)) for p, s in zip(bands["persons"], bands["share_cases"],
                                                                                     strict=True)],
        textposition="outside", customdata=bands["band"].tolist(),
        hovertext=[text("person.bands.hover", lg, band=b, persons=_n(p), cases=_n(c), share=_pct(s))
                   for b, p, c, s in zip(bands["band"], bands["persons"], bands["cases"], bands["share_cases"], strict=True)],
        hovertemplate="%{hovertext}<extra></extra>", name=text("person.bands.persons", lg)))
    fig.update_xaxes(type="category", title=text("person.bands.xaxis", lg))
    hi, lo = float(bands["persons"].max() or 1), float(bands["persons"].replace(0, np.nan).min() or 1)
    if hi > 50 * max(lo, 1):  # a long tail: log scale, with room above the tallest bar for its words
        fig.update_yaxes(type="log", range=[math.log10(max(lo, 1)) - 0.3, math.log10(hi) + 0.6])
    else:
        fig.update_yaxes(range=[0, hi * 1.2])
    fig.update_yaxes(title=text("person.bands.persons", lg))
    title = text("person.bands.title", lg, persons=_n(bands["persons"].sum()), cases=_n(bands["cases"].sum()))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('person.bands.note', lg))}</span>"
    return _layout(fig, title={"text": title}, height=400, margin={"t": 100, "b": 50}, showlegend=False)


def repeat_rate(repeats, book: Casebook, by: str = "month") -> pd.DataFrame:
    """重复信访率 (repeat cases over all cases, 件次) by ``month`` or ``county`` (the first six digits
    of the matter's locality): key, cases, repeats, rate. A case counts as a repeat when it repeats
    a matter for any of its petitioners (the flags of :meth:`Repeats.rate`, so the overall figure
    is the same); cases with no petitioner count as first petitions. Counts only: the same for
    every role.

    >>> import types
    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B", "C"],
    ...     "received_at": ["2025-01-02", "2025-01-20", "2025-02-03"], "region_code": ["339902", "339902", "339903001"]}))
    >>> rc = pd.DataFrame({"case_id": ["A", "B", "C"], "is_repeat": [False, True, True]})
    >>> repeat_rate(types.SimpleNamespace(cases=rc), book)[["key", "cases", "repeats"]].values.tolist()
    [['2025-01', 2, 1], ['2025-02', 1, 1]]
    >>> repeat_rate(types.SimpleNamespace(cases=rc), book, "county")["rate"].tolist()
    [0.5, 1.0]
    """
    c = book.cases
    flags = getattr(repeats, "_case_flags", None)  # the per-case flags behind Repeats.rate(), every role's links
    if isinstance(flags, pd.DataFrame) and len(flags) == len(c) and "is_repeat" in flags:
        is_rep = flags["is_repeat"].fillna(False).to_numpy(dtype=bool)
    else:
        rc = repeats.cases
        rep_ids = set(rc.loc[rc["is_repeat"].fillna(False).astype(bool), "case_id"].astype(str)) if "is_repeat" in rc else set()
        is_rep = _isin(c["case_id"], rep_ids)
    if by == "month":
        key = c["received_at"].dt.strftime("%Y-%m")
    elif by == "county":
        key = c["region_code"].astype("str").str.slice(0, 6)
    else:
        raise ValueError(f"by must be 'month' or 'county', not {by!r}")
    k = key.astype(object).where(key.notna(), None)
    t = pd.DataFrame({"key": k.to_numpy(dtype=object), "rep": is_rep}).dropna(subset=["key"])
    g = t.groupby("key", sort=True)["rep"]
    out = pd.DataFrame({"cases": g.size().astype(np.int64), "repeats": g.sum().astype(np.int64)}).reset_index()
    out["rate"] = out["repeats"] / out["cases"]
    if by == "county":
        regions = _region_names(book)
        out["name"] = [regions.get(str(v), str(v)) for v in out["key"]]
    out.attrs["by"] = by
    out.attrs["overall"] = float(is_rep.mean()) if len(is_rep) else float("nan")
    return out


def repeat_rate_figure(rate: pd.DataFrame, language: str | None = None) -> go.Figure:
    """重复信访率 of :func:`repeat_rate`: by month a line of the rate over bars of cases; by county
    bars of the rate, highest first, with the overall rate as a dashed line."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lg = lang(language)
    by = rate.attrs.get("by", "month")
    overall = rate.attrs.get("overall")
    if by == "month":
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_trace(go.Bar(x=rate["key"].tolist(), y=rate["cases"].tolist(), name=text("person.rate.cases", lg),
                             marker={"color": "#d9e3f0"}, hovertemplate="%{x}: %{y:,}<extra></extra>"), secondary_y=False)
        fig.add_trace(go.Scatter(x=rate["key"].tolist(), y=(rate["rate"] * 100).round(1).tolist(), mode="lines+markers",
                                 name=text("person.rate.rate", lg), line={"color": "#c0392b"},
                                 customdata=rate[["cases", "repeats"]].to_numpy(),
                                 hovertemplate="%{x}: %{y:.1f}% (%{customdata[1]:,}/%{customdata[0]:,})<extra></extra>"),
                      secondary_y=True)
        fig.update_yaxes(title=text("person.rate.cases", lg), secondary_y=False)
        fig.update_yaxes(title=text("person.rate.rate", lg), ticksuffix="%", tickformat=".0f", rangemode="tozero",
                         showgrid=False, secondary_y=True)
        fig.update_xaxes(type="category")
    else:
        t = rate.sort_values("rate", ascending=False, kind="stable")
        names = t["name"].tolist() if "name" in t else t["key"].tolist()
        fig = go.Figure(go.Bar(x=names, y=(t["rate"] * 100).round(1).tolist(), marker={"color": "#c0392b"},
                               text=[f"{r * 100:.1f}%" for r in t["rate"]], textposition="outside",
                               customdata=t["key"].tolist(),
                               hovertext=[f"{html.escape(n_)}: {r * 100:.1f}% ({_n(p)}/{_n(c)})" for n_, r, p, c
                                          in zip(names, t["rate"], t["repeats"], t["cases"], strict=True)],
                               hovertemplate="%{hovertext}<extra></extra>", name=text("person.rate.rate", lg)))
        if overall is not None and not _missing(overall):
            fig.add_hline(y=float(overall) * 100, line={"dash": "dash", "color": _GREY},
                          annotation_text=text("person.rate.overall", lg, rate=_pct(overall)))
        fig.update_yaxes(title=text("person.rate.rate", lg), ticksuffix="%", rangemode="tozero")
        fig.update_xaxes(type="category")
    title = text(f"person.rate.title.{by}", lg, rate=_pct(overall))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('person.rate.note', lg))}</span>"
    return _layout(fig, title={"text": title}, height=400, margin={"t": 100, "b": 50},
                   legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"})
