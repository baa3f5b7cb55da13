"""The expected answers of the studies, computed from the loaded ledger with the workbench's own
analyses at check time — never read from the sample's truth file, never printed.

Each study has a solver: ``solve(book, spec, policy, as_of, language) -> Solution``. A
:class:`Solution` holds ``facts`` the learner may see (the case a question is about, the subject
of the study) and the ``expected`` answers, whose repr hides them. Only the trainer's answer
sheet (:func:`workbench.training.answers`) writes them out.

>>> Expected("number", 12.0, "12", "a table")
<expected number answer: hidden>
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import text

__all__ = ["Expected", "Solution", "StudyError", "SOLVERS", "solve"]


class StudyError(ValueError):
    """A study cannot be set on this ledger (its pattern is not there): says which and why."""


@dataclass(frozen=True, eq=False, repr=False)
class Expected:
    """One expected answer. ``value`` by kind: number/days → float; units → tuple of unit ids;
    person → person id; level → level key; category → (l1, l2); choice → option key.
    ``shown`` is the answer as the trainer's sheet writes it; ``source`` says where it comes
    from (the analysis and column, no value)."""

    kind: str
    value: Any
    shown: str
    source: str

    def __repr__(self) -> str:
        return f"<expected {self.kind} answer: hidden>"

    __str__ = __repr__


@dataclass(repr=False)
class Solution:
    """What a study's questions are about (``facts``, visible) and their answers (hidden)."""

    facts: dict[str, str] = field(default_factory=dict)
    expected: dict[str, Expected] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<solution of {len(self.expected)} questions: hidden>"


_LATE = ("late", "open_past_limit")


def _unit_names(book) -> pd.Series:
    from ..rules.delays import names

    return names(book, "units")


def _units_shown(book, ids: tuple[str, ...], language: str) -> str:
    nm = _unit_names(book)
    sep = "、" if language != "en" else ", "
    return sep.join(f"{nm.get(u, u)}（{u}）" if language != "en" else f"{nm.get(u, u)} ({u})" for u in ids)


def _days_shown(days: float, language: str) -> str:
    return text("training.days", language, n=f"{days:.1f}")


# ----------------------------------------------------------------------------- study 01
def solve_buck_passing(book, spec: Any, policy: object = None, as_of: object = None,
                       language: str = "zh") -> Solution:
    """踢皮球: the first buck-passing pair (flagged first), its bounced matters, their main
    category, and one chosen matter of that category — the one that lost the most days
    bouncing, all of them charged to one unit."""
    from ..chains.buck import buck_passing
    from ..chains.segments import custody

    bp = buck_passing(book, policy, as_of)
    bp = bp.loc[bp["score"] > 0]
    if not len(bp):
        raise StudyError(text("training.err.no_pattern", language, study=spec.id, what="buck_passing"))
    flagged = bp.loc[bp["flagged"]]
    top = (flagged if len(flagged) else bp).iloc[0]
    pair = (str(top["unit_a"]), str(top["unit_b"]))
    ids = [str(x) for x in top["case_ids"]]
    cases = book.cases
    mine = cases.loc[cases["case_id"].isin(ids), ["case_id", "category_l1", "category_l2"]]
    cats = (mine.dropna(subset=["category_l2"]).groupby(["category_l1", "category_l2"], observed=True).size()
            .rename("n").reset_index().sort_values(["n", "category_l1", "category_l2"],
                                                   ascending=[False, True, True], kind="stable"))
    l1, l2 = str(cats.iloc[0]["category_l1"]), str(cats.iloc[0]["category_l2"])
    seg = custody(book, policy, as_of)
    in_cat = mine.loc[mine["category_l2"] == l2, "case_id"]
    b = seg.loc[seg["bounce"] & seg["case_id"].isin(in_cat), ["case_id", "days_held", "charged_unit_id"]]
    b = b.assign(charged=b["charged_unit_id"].astype(object))
    per = b.groupby("case_id").agg(days=("days_held", "sum"), charged=("charged", "nunique")).reset_index()
    pick = per.loc[per["charged"] == 1] if (per["charged"] == 1).any() else per
    pick = pick.sort_values(["days", "case_id"], ascending=[False, True], kind="stable")
    case = str(pick.iloc[0]["case_id"])
    days = float(pick.iloc[0]["days"])
    charged = str(b.loc[b["case_id"] == case].groupby("charged")["days_held"].sum().idxmax())
    catalogue = "buck_passing"
    return Solution(
        facts={"case": case},
        expected={
            "q1": Expected("units", pair, _units_shown(book, pair, language), f"{catalogue}(book): name_a, name_b"),
            "q2": Expected("number", float(len(ids)), str(len(ids)),
                           f"{catalogue}(book): bounce_cases + refused_both = len(case_ids)"),
            "q3": Expected("category", (l1, l2), f"{l1}_{l2}", "book.cases[case_ids].category_l2.value_counts()"),
            "q4": Expected("days", days, _days_shown(days, language),
                           "custody(book): days_held of the case's bounce segments"),
            "q5": Expected("units", (charged,), _units_shown(book, (charged,), language),
                           "custody(book): charged_unit_id of the case's bounce segments"),
        })


# ----------------------------------------------------------------------------- study 02
#: the step a clock belongs to (study 02, question 3)
STEP_OF_CLOCK = {"route": "route", "accept": "accept", "handle": "handle", "review": "review", "recheck": "review"}
_STEP_OF_PARTY = {"office": "route", "unit": "handle", "reviewer": "review"}


def solve_overdue_leader(book, spec: Any, policy: object = None, as_of: object = None,
                         language: str = "zh") -> Solution:
    """包案领导: the leader first by the Wilson lower bound of the late share, their late cases,
    the step where their late clocks are, and how many leaders the raw share puts above them."""
    from ..chains.blame import attribute_blame
    from ..rules.clocks import clocks

    leaders = attribute_blame(book, policy, as_of).by_leader()
    if not len(leaders) or leaders.iloc[0]["late_cases"] == 0:
        raise StudyError(text("training.err.no_pattern", language, study=spec.id, what="overdue_leader"))
    top = leaders.iloc[0]
    pid, name = str(top["lead_person_id"]), str(top["name"])
    cs = clocks(book, policy, as_of)
    late = cs.loc[(cs["lead_person_id"] == pid) & cs["status"].astype(str).isin(_LATE)
                  & (cs["party"].astype(str) != "petitioner"), ["case_id", "clock", "party"]]
    step = late["clock"].astype(str).map(STEP_OF_CLOCK).fillna(late["party"].astype(str).map(_STEP_OF_PARTY))
    counts = late.assign(step=step).drop_duplicates(["case_id", "step"])["step"].value_counts()
    order = [o[0] for o in spec.question("q3").options]
    counts = counts.reindex(order, fill_value=0)
    stage = str(counts.idxmax())
    above = int((leaders["late_share"] > top["late_share"]).sum())
    return Solution(expected={
        "q1": Expected("person", pid, f"{name}（{pid}）" if language != "en" else f"{name} ({pid})",
                       "attribute_blame(book).by_leader(): first row (sorted by late_share_low)"),
        "q2": Expected("number", float(top["late_cases"]), str(int(top["late_cases"])),
                       "attribute_blame(book).by_leader(): late_cases"),
        "q3": Expected("choice", stage, spec.question("q3").option_label(stage, language),
                       "clocks(book): late or open_past_limit clocks of the leader's cases, by step"),
        "q4": Expected("number", float(above), str(above),
                       "attribute_blame(book).by_leader(): rows with late_share above the leader's"),
        "q5": Expected("choice", "small_n", spec.question("q5").option_label("small_n", language),
                       "the Wilson lower bound (late_share_low) against the raw share (late_share)"),
    })


# ----------------------------------------------------------------------------- study 03
_WRONG_ORDER = ("late", "reaccepted", "buck", "rejected")


def solve_group(book, spec: Any, policy: object = None, as_of: object = None, language: str = "zh") -> Solution:
    """企业改制群体: the petitioning group whose shared cases are about the study's subject (a
    factory named in the summaries): its size, cases, highest level, duration, responsible unit,
    and what went most wrong in handling it (late clocks, re-accepted repeats, bounces, refusals)."""
    from ..chains.segments import custody
    from ..identity.groups import petitioner_groups
    from ..identity.resolve import resolve_persons
    from ..rules.clocks import clocks

    subject = spec.subject
    cases = book.cases
    about = cases["summary"].astype("str").str.contains(subject, regex=False).fillna(False).to_numpy(dtype=bool)
    ids = set(cases.loc[about, "case_id"].astype(str))
    if not ids:
        raise StudyError(text("training.err.no_subject", language, study=spec.id, subject=subject))
    groups = petitioner_groups(book, resolve_persons(book)).groups
    flat = groups[["group_id", "case_ids"]].explode("case_ids")
    hits = flat.assign(hit=flat["case_ids"].isin(ids)).groupby("group_id", sort=False)["hit"].sum()
    g = groups.assign(hit=groups["group_id"].map(hits).fillna(0).to_numpy())
    g = g.loc[g["hit"] > 0]
    if not len(g):
        raise StudyError(text("training.err.no_subject", language, study=spec.id, subject=subject))
    row = g.sort_values(["hit", "size"], ascending=False, kind="stable").iloc[0]
    gids = [str(x) for x in row["case_ids"]]
    gc = cases.loc[cases["case_id"].isin(gids)]
    unit = str(gc["responsible_unit_id"].dropna().astype(str).value_counts().idxmax())
    days = (pd.Timestamp(row["last_at"]) - pd.Timestamp(row["first_at"])) / pd.Timedelta(days=1)
    level = str(row["highest_level"])

    cs = clocks(book, policy, as_of)
    cs = cs.loc[cs["case_id"].isin(gids) & (cs["party"].astype(str) != "petitioner")]
    n_late = cs.loc[cs["status"].astype(str).isin(_LATE), "case_id"].nunique()
    n_re = int((gc["repeat_of"].notna() & gc["accepted_at"].notna()).sum()) if "repeat_of" in gc else 0
    seg = custody(book, policy, as_of)
    seg = seg.loc[seg["case_id"].isin(gids)]
    n_buck = seg.loc[seg["bounce"] | (seg["ended_by"].astype(str) == "returned"), "case_id"].nunique()
    ev = book.events
    n_rej = ev.loc[ev["case_id"].isin(gids) & (ev["action"].astype(str) == "reject"), "case_id"].nunique()
    tally = pd.Series([n_late, n_re, n_buck, n_rej], index=list(_WRONG_ORDER), dtype=np.int64)
    wrong = str(tally.idxmax())
    q6 = spec.question("q6")
    return Solution(
        facts={"subject": subject},
        expected={
            "q1": Expected("number", float(row["size"]), str(int(row["size"])),
                           "petitioner_groups(book, resolve_persons(book)).groups: size"),
            "q2": Expected("number", float(row["n_cases"]), str(int(row["n_cases"])),
                           "petitioner_groups(...).groups: n_cases"),
            "q3": Expected("level", level, text(f"training.level.{level}", language),
                           "petitioner_groups(...).groups: highest_level"),
            "q4": Expected("days", float(days), _days_shown(float(days), language),
                           "petitioner_groups(...).groups: last_at - first_at"),
            "q5": Expected("units", (unit,), _units_shown(book, (unit,), language),
                           "book.cases[case_ids].responsible_unit_id"),
            "q6": Expected("choice", wrong, q6.option_label(wrong, language),
                           "cases per problem: clocks late · repeat_of accepted · custody bounced/returned · reject events"),
        })


SOLVERS: dict[str, Callable[..., Solution]] = {
    "buck_passing": solve_buck_passing,
    "overdue_leader": solve_overdue_leader,
    "restructuring_group": solve_group,
}


def solve(book, spec: Any, policy: object = None, as_of: object = None, language: str = "zh") -> Solution:
    """The solution of the study ``spec`` on ``book`` (see the module docstring)."""
    return SOLVERS[spec.slug](book, spec, policy, as_of, language)
