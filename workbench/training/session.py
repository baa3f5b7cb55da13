"""Studies (案例) and a learner's session on one: questions, checking, hints, progress.

A :class:`Study` is one case study (its content in ``studies.toml``) set on one loaded ledger.
``study.check("q1", answer)`` reads the answer in the forms people write it
(:mod:`.checking`), compares it with the expected answer computed from the ledger by the
workbench's own analyses (:mod:`.expected`, on first use) and returns a :class:`Feedback`:
right or not, a message, the number of tries and — on a wrong answer — the next hint. Neither
the feedback, nor any repr, nor any error ever shows an expected answer.

>>> spec = load_specs()["01"]
>>> spec.question("q2").kind, len(spec.questions) >= 3
('number', True)
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import lang, text
from . import checking as ck
from .expected import Expected, Solution, StudyError, solve

__all__ = ["Question", "StudySpec", "Study", "Feedback", "Progress", "MarkdownText", "StudyError", "StudyLookupError",
           "load_specs", "studies", "study", "answers", "default_sample"]

_DATA = Path(__file__).with_name("studies.toml")
_VAGUE = 10  # a unit word that fits more units than this is too vague to count


def _pair(v: Any, where: str) -> tuple[str, str]:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)):
        raise ValueError(f"{_DATA.name}: {where} must be a pair [Chinese, English], got {v!r}")
    return v[0], v[1]


def _pick(pair: tuple[str, str] | None, language: str, **facts: str) -> str:
    if pair is None:
        return ""
    s = pair[1] if language == "en" else pair[0]
    return s.format(**facts) if facts else s


class StudyLookupError(KeyError):
    """No study or question of that name (the message lists the ones there are)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MarkdownText(str):
    """A string that a notebook shows as Markdown."""

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Question:
    """One question of a study, both languages (see ``studies.toml`` for the kinds)."""

    id: str
    kind: str
    prompt_text: tuple[str, str]
    hints: tuple[tuple[str, str], ...] = ()
    explain: tuple[str, str] | None = None
    options: tuple[tuple[str, str, str], ...] = ()
    count: int = 1
    tol: float = 0.0
    rel: float = 0.0
    too_high: tuple[str, str] | None = None
    too_low: tuple[str, str] | None = None

    def prompt(self, language: str | None = None, **facts: str) -> str:
        return _pick(self.prompt_text, lang(language), **facts)

    def hint(self, i: int, language: str | None = None, **facts: str) -> str:
        return _pick(self.hints[i], lang(language), **facts)

    def option_label(self, key: str, language: str | None = None) -> str:
        for k, zh, en in self.options:
            if k == key:
                return en if lang(language) == "en" else zh
        raise KeyError(key)

    def choices(self, language: str | None = None) -> list[tuple[str, str]]:
        """(letter. label, key) for each option."""
        lg = lang(language)
        return [(f"{chr(ord('A') + i)}. {en if lg == 'en' else zh}", k) for i, (k, zh, en) in enumerate(self.options)]


@dataclass(frozen=True)
class StudySpec:
    """A study's content: id, slug (its solver), notebook, minutes, title, goals, questions."""

    id: str
    slug: str
    notebook: str
    minutes: int
    title_text: tuple[str, str]
    goal_texts: tuple[tuple[str, str], ...]
    questions: tuple[Question, ...]
    subject: str = ""

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        known = ", ".join(q.id for q in self.questions)
        raise StudyLookupError(text("training.err.unknown_question", study=self.id, q=qid, known=known))


_KINDS = ("number", "days", "units", "person", "level", "category", "choice")


@cache
def load_specs(path: str | Path | None = None) -> dict[str, StudySpec]:
    """The studies of ``studies.toml`` (or another file of the same form), by id."""
    p = Path(path) if path is not None else _DATA
    data = tomllib.loads(p.read_text(encoding="utf-8"))
    out: dict[str, StudySpec] = {}
    for s in data.get("study", []):
        sid = str(s["id"])
        qs = []
        for q in s.get("question", []):
            where = f"study {sid} question {q.get('id')}"
            if q.get("kind") not in _KINDS:
                raise ValueError(f"{p.name}: {where}: kind must be one of {_KINDS}, got {q.get('kind')!r}")
            opt = tuple((str(o[0]), str(o[1]), str(o[2])) for o in q.get("options", []))
            if q["kind"] == "choice" and len(opt) < 2:
                raise ValueError(f"{p.name}: {where}: a choice question needs at least two options")
            qs.append(Question(
                id=str(q["id"]), kind=q["kind"], prompt_text=_pair(q["prompt"], f"{where} prompt"),
                hints=tuple(_pair(h, f"{where} hint") for h in q.get("hints", [])),
                explain=_pair(q["explain"], f"{where} explain") if "explain" in q else None,
                options=opt, count=int(q.get("count", 1)), tol=float(q.get("tol", 0)), rel=float(q.get("rel", 0)),
                too_high=_pair(q["too_high"], f"{where} too_high") if "too_high" in q else None,
                too_low=_pair(q["too_low"], f"{where} too_low") if "too_low" in q else None))
        out[sid] = StudySpec(
            id=sid, slug=str(s["slug"]), notebook=str(s.get("notebook", "")), minutes=int(s.get("minutes", 0)),
            title_text=_pair(s["title"], f"study {sid} title"),
            goal_texts=tuple(_pair(g, f"study {sid} goal") for g in s.get("goals", [])),
            questions=tuple(qs), subject=str(s.get("subject", "")))
    return out


def _spec(study_id: str) -> StudySpec:
    specs = load_specs()
    sid = str(study_id).strip()
    sid = sid.zfill(2) if sid.isdigit() else sid
    if sid in specs:
        return specs[sid]
    by_slug = {s.slug: s for s in specs.values()}
    if sid in by_slug:
        return by_slug[sid]
    raise StudyLookupError(text("training.err.unknown_study", study=study_id, known=", ".join(specs)))


# ----------------------------------------------------------------------------- feedback and progress
@dataclass(frozen=True)
class Feedback:
    """The answer to one check: ``correct``, a ``message``, ``tries`` so far (answers that could
    not be read are not counted: ``counted`` False), hints used and left, and ``hint`` — the
    next hint, given with a wrong answer when asked for."""

    question: str
    correct: bool
    message: str
    tries: int
    hints_used: int
    hints_left: int
    hint: str | None = None
    counted: bool = True

    def __str__(self) -> str:
        return self.message + (f"\n{self.hint}" if self.hint else "")

    def _repr_markdown_(self) -> str:
        hint = f"\n\n> {self.hint}" if self.hint else ""
        return f"**{self.question}** · {self.message}{hint}"


@dataclass(frozen=True)
class Progress:
    """How a session stands: one row per question (question, prompt, correct, tries,
    hints_used, hints_total) and the totals."""

    study: str
    table: pd.DataFrame
    language: str = "zh"

    @property
    def answered(self) -> int:
        return int(self.table["correct"].sum())

    @property
    def total(self) -> int:
        return len(self.table)

    @property
    def tries(self) -> int:
        return int(self.table["tries"].sum())

    @property
    def hints_used(self) -> int:
        return int(self.table["hints_used"].sum())

    def summary(self) -> str:
        return text("training.progress", self.language, done=self.answered, total=self.total, tries=self.tries,
                    hints=self.hints_used)

    def _display_table(self) -> pd.DataFrame:
        t = self.table.copy()
        t["correct"] = t["correct"].map({True: "✔", False: ""})
        t["hints_used"] = t["hints_used"].astype(str) + "/" + t["hints_total"].astype(str)
        t = t.drop(columns=["hints_total"])
        t.columns = [text(f"training.col.{c}", self.language) for c in t.columns]
        return t

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self._display_table().to_string(index=False)}"

    def _repr_html_(self) -> str:
        t = self._display_table()
        cell = 'style="text-align:left;padding:2px 10px"'
        head = "".join(f"<th {cell}>{html.escape(str(c))}</th>" for c in t.columns)
        body = "".join("<tr>" + "".join(f"<td {cell}>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                       for row in t.itertuples(index=False))
        return f"<p>{html.escape(self.summary())}</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass
class _State:
    tries: int = 0
    hints: int = 0
    correct: bool = False


# ----------------------------------------------------------------------------- the session
class Study:
    """A case study set on one ledger, and one learner's session on it.

    ``id``, ``title``, ``goals``, ``questions``; ``check(qid, answer)``, ``hint(qid)``,
    ``ask(qid)`` (widgets), ``progress()``, ``debrief()``. ``facts`` names what questions refer
    to (e.g. the chosen case), never an answer.
    """

    def __init__(self, spec: StudySpec, book: Any, *, policy: object = None, as_of: object = None,
                 language: str | None = None):
        self.spec = spec
        self.book = book
        self.policy = policy
        self.as_of = as_of
        self._language = language
        self._solution: Solution | None = None
        self._state: dict[str, _State] = {q.id: _State() for q in spec.questions}
        self._aliases: dict[str, pd.DataFrame] = {}

    # -- what it is
    @property
    def language(self) -> str:
        return lang(self._language)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return _pick(self.spec.title_text, self.language)

    @property
    def goals(self) -> list[str]:
        return [_pick(g, self.language) for g in self.spec.goal_texts]

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.spec.questions

    @property
    def facts(self) -> dict[str, str]:
        """What the questions refer to (the chosen case, the subject): computed with the answers."""
        return dict(self._solved().facts)

    def _solved(self) -> Solution:
        if self._solution is None:
            # remembered on the book (as the clocks are), so a second session on it starts at once
            cache = self.book.__dict__.setdefault("_training_cache", {})
            key = (self.spec.id, str(self.policy), str(self.as_of), self.language, id(self.book.cases),
                   id(self.book.events))
            if key not in cache:
                cache[key] = solve(self.book, self.spec, self.policy, self.as_of, self.language)
            self._solution = cache[key]
        return self._solution

    def _facts(self) -> dict[str, str]:
        f = {"subject": self.spec.subject}
        if any("{case}" in q.prompt_text[0] for q in self.spec.questions) or self._solution is not None:
            f.update(self._solved().facts)
        return f

    def prompt(self, qid: str) -> str:
        """The question's text in the session's language."""
        return self.spec.question(qid).prompt(self.language, **self._facts())

    def __repr__(self) -> str:
        done = sum(s.correct for s in self._state.values())
        return f"Study {self.id} · {self.title} · {done}/{len(self._state)}"

    def _repr_markdown_(self) -> str:
        lg = self.language
        lines = [f"### {self.title}", "",
                 f"*{text('training.minutes', lg, n=self.spec.minutes, q=len(self.questions))}*", "",
                 f"**{text('training.goals', lg)}**", ""]
        lines += [f"{i}. {g}" for i, g in enumerate(self.goals, 1)]
        lines += ["", f"**{text('training.questions', lg)}**", ""]
        lines += [f"{i}. {self.prompt(q.id)}" for i, q in enumerate(self.questions, 1)]
        return "\n".join(lines)

    # -- hints
    def hint(self, qid: str) -> str | None:
        """Reveal the next hint of a question (one at a time); None when none is left."""
        q = self.spec.question(qid)
        st = self._state[qid]
        if st.hints >= len(q.hints):
            return None
        st.hints += 1
        return text("training.hint_n", self.language, i=st.hints, n=len(q.hints),
                    hint=q.hint(st.hints - 1, self.language, **self._facts()))

    def hints_shown(self, qid: str) -> list[str]:
        """The hints of a question revealed so far."""
        q = self.spec.question(qid)
        n = self._state[qid].hints
        return [text("training.hint_n", self.language, i=i + 1, n=len(q.hints),
                     hint=q.hint(i, self.language, **self._facts())) for i in range(n)]

    # -- checking
    def check(self, qid: str, answer: object, *, hint: bool = True) -> Feedback:
        """Check an answer to question ``qid``. A wrong answer counts a try and, with ``hint``
        (default), brings the next hint; an answer that cannot be read says how to write it and
        counts nothing."""
        q = self.spec.question(qid)
        st = self._state[qid]
        lg = self.language
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            empty = "training.unread.choice" if q.kind == "choice" else "training.empty"
            return self._feedback(q, False, text(empty, lg), counted=False)
        expected = self._solved().expected[qid]
        verdict, message = self._judge(q, expected, answer)
        if verdict == "unread":
            return self._feedback(q, False, message, counted=False)
        if verdict == "ok":
            if st.correct:
                return self._feedback(q, True, text("training.correct_again", lg), counted=False)
            st.tries += 1
            st.correct = True
            return self._feedback(q, True, text("training.correct", lg))
        if st.correct:  # asked again after a right answer: say so, and keep the question answered
            return self._feedback(q, False, message, counted=False)
        st.tries += 1
        nxt = self.hint(qid) if hint else None
        if nxt is None and hint:
            message = f"{message} {text('training.no_more_hints', lg)}"
        return self._feedback(q, False, message, hint_text=nxt)

    def _feedback(self, q: Question, correct: bool, message: str, *, counted: bool = True,
                  hint_text: str | None = None) -> Feedback:
        st = self._state[q.id]
        return Feedback(question=q.id, correct=correct, message=message, tries=st.tries, hints_used=st.hints,
                        hints_left=len(q.hints) - st.hints, hint=hint_text, counted=counted)

    def _wrong(self, q: Question, direction: str | None = None) -> tuple[str, str]:
        lg = self.language
        said = {"high": q.too_high, "low": q.too_low}.get(direction or "")
        return "wrong", (text("training.wrong", lg) + (" " + _pick(said, lg) if said else ""))

    def _judge(self, q: Question, e: Expected, answer: object) -> tuple[str, str]:
        """("ok" | "wrong" | "unread", message)."""
        lg = self.language
        if q.kind in ("number", "days"):
            v = ck.parse_number(answer) if q.kind == "number" else ck.parse_days(answer)
            if v is None:
                return "unread", text(f"training.unread.{q.kind}", lg)
            tol = q.tol
            if q.kind == "days":
                tol = max(tol, ck.duration_unit(answer) / 2 if ck.duration_unit(answer) > 1 else 0.0)
            if ck.within(v, float(e.value), tol, q.rel):
                return "ok", ""
            return self._wrong(q, "high" if v > float(e.value) else "low")
        if q.kind == "units":
            return self._judge_units(q, e, answer)
        if q.kind == "person":
            found = ck.find_mentions(answer, self._alias_table("people"), key="key")
            if not found:
                return "unread", text("training.unread.person", lg)
            right = all(e.value in m for m in found)
            return ("ok", "") if right else self._wrong(q)
        if q.kind == "level":
            level = ck.parse_level(answer)
            if level is None:
                found = ck.find_mentions(answer, self._alias_table("units"), key="key")
                levels = self._unit_levels()
                named = {levels.get(u) for m in found if len(m) == 1 for u in m} - {None}
                level = named.pop() if len(named) == 1 else None
            if level is None:
                return "unread", text("training.unread.level", lg)
            return ("ok", "") if level == e.value else self._wrong(q)
        if q.kind == "category":
            cats = self.book.cases[["category_l1", "category_l2"]].dropna().drop_duplicates()
            status, got = ck.match_category(answer, cats.itertuples(index=False, name=None))
            if status == "ok":
                return ("ok", "") if got == tuple(e.value) else self._wrong(q)
            if status == "ambiguous":
                return "unread", text("training.unread.category_ambiguous", lg, n=got)
            return "unread", text("training.unread.category_l1" if status == "l1" else "training.unread.category", lg)
        if q.kind == "choice":
            key = ck.match_choice(answer, q.options)
            if key is None:
                return "unread", text("training.unread.choice", lg)
            return ("ok", "") if key == e.value else self._wrong(q)
        raise ValueError(f"question {q.id}: unknown kind {q.kind!r}")

    def _judge_units(self, q: Question, e: Expected, answer: object) -> tuple[str, str]:
        lg = self.language
        found = ck.find_mentions(answer, self._alias_table("units"), key="key")
        if not found:
            generic = any(g in ck.normalise(answer) for g in ck.GENERIC_UNIT_WORDS)
            return "unread", text("training.unread.vague" if generic else "training.unread.unit", lg)
        if any(len(m) > _VAGUE for m in found):
            return "unread", text("training.unread.vague", lg)
        want = set(e.value)
        hits: set[str] = set()
        stray = 0
        for m in found:
            inter = want & set(m)
            if inter:
                hits |= inter
            else:
                stray += 1
        if hits == want and not stray:
            return "ok", ""
        if hits and len(want) > 1:
            return "wrong", text("training.wrong", lg) + " " + text("training.units.partial", lg)
        if len(found) != len(want):
            return "wrong", text("training.wrong", lg) + " " + text("training.units.count", lg, n=len(want))
        return self._wrong(q)

    def _alias_table(self, kind: str) -> pd.DataFrame:
        if kind not in self._aliases:
            if kind == "units":
                t = ck.unit_aliases(self.book.units).rename(columns={"unit_id": "key"})
            else:
                p = self.book.people
                ids = p["person_id"].astype(str)
                t = pd.concat([pd.DataFrame({"alias": ids.str.lower(), "key": ids}),
                               pd.DataFrame({"alias": p["name"].astype(str).map(ck.normalise), "key": ids})],
                              ignore_index=True)
                t = t.loc[t["alias"].str.len() >= 2].drop_duplicates().reset_index(drop=True)
            self._aliases[kind] = t
        return self._aliases[kind]

    def _unit_levels(self) -> dict[str, str]:
        u = self.book.units
        return dict(zip(u["unit_id"].astype(str), u["level"].astype(str), strict=False))

    # -- the session
    def progress(self) -> Progress:
        """The session so far: per question, answered or not, tries, hints used."""
        rows = [{"question": q.id, "prompt": self.prompt(q.id), "correct": self._state[q.id].correct,
                 "tries": self._state[q.id].tries, "hints_used": self._state[q.id].hints,
                 "hints_total": len(q.hints)} for q in self.questions]
        return Progress(self.id, pd.DataFrame(rows), self.language)

    def debrief(self) -> MarkdownText:
        """After the answers: each question's explanation — shown once it is answered right."""
        lg = self.language
        out = [f"### {text('training.debrief.title', lg)} · {self.title}", "", self.progress().summary(), ""]
        for i, q in enumerate(self.questions, 1):
            out.append(f"**{text('training.q', lg, n=i)}** {self.prompt(q.id)}")
            out.append("")
            if self._state[q.id].correct and q.explain:
                out.append("> " + _pick(q.explain, lg))
            else:
                out.append(f"> *{text('training.debrief.locked', lg)}*")
            out.append("")
        return MarkdownText("\n".join(out))

    def ask(self, qid: str | None = None):
        """The questions as widgets: a text box or a list to choose from, 检查 (check), 提示
        (hint, one at a time) and the feedback. ``qid`` for one question, else all."""
        from .widgets import Quiz

        return Quiz(self, [qid] if qid else [q.id for q in self.questions])


# ----------------------------------------------------------------------------- entry points
def default_sample() -> Path:
    """The bundled synthetic sample (``data/sample`` of the working folder or the checkout)."""
    from ..config import bundled_sample

    p = bundled_sample()
    if p is None:
        raise FileNotFoundError(text("training.err.no_sample", path="data/sample"))
    return p


def _load(data: str | Path | None) -> Any:
    import workbench

    path = Path(data) if data is not None else default_sample()
    if not path.exists():
        raise FileNotFoundError(text("training.err.no_sample", path=str(path)))
    return workbench.load(path)


def studies(language: str | None = None) -> pd.DataFrame:
    """The studies: id, title, minutes, questions, notebook."""
    lg = lang(language)
    return pd.DataFrame([{"id": s.id, "title": _pick(s.title_text, lg), "minutes": s.minutes,
                          "questions": len(s.questions), "notebook": s.notebook} for s in load_specs().values()])


def study(study_id: str, book: Any = None, *, data: str | Path | None = None, policy: object = None,
          as_of: object = None, language: str | None = None) -> Study:
    """Set study ``study_id`` (``"01"``, ``1`` or its slug) on ``book`` (default: load ``data``,
    default the bundled sample). The answers are computed on the first check."""
    spec = _spec(study_id)
    return Study(spec, book if book is not None else _load(data), policy=policy, as_of=as_of, language=language)


_FORMS = {"number": "training.forms.number", "days": "training.forms.days", "units": "training.forms.units",
          "person": "training.forms.person", "level": "training.forms.level", "category": "training.forms.category",
          "choice": "training.forms.choice"}


def answers(study_id: str, book: Any = None, *, data: str | Path | None = None, policy: object = None,
            as_of: object = None, language: str | None = None) -> pd.DataFrame:
    """The trainer's answer sheet (培训人员专用): per question the prompt, the expected answer
    computed from the ledger, what forms and tolerance are accepted, and where it comes from.
    Only under the trainer role; raises PermissionError otherwise."""
    from ..config import get_config

    spec = _spec(study_id)
    lg = lang(language)
    if get_config().role != "trainer":
        raise PermissionError(text("training.err.role", lg, study=spec.id))
    s = Study(spec, book if book is not None else _load(data), policy=policy, as_of=as_of, language=lg)
    sol = s._solved()
    rows = []
    for q in spec.questions:
        e = sol.expected[q.id]
        tol = max(q.tol, 0.0)
        accepts = text(_FORMS[q.kind], lg)
        if q.kind in ("number", "days"):
            band = max(tol, q.rel * abs(float(e.value)))
            within = text("training.tol.exact", lg) if band == 0 else text("training.tol.within", lg, tol=f"{band:g}")
            accepts = within + ("; " if lg == "en" else "；") + accepts
        rows.append({"question": q.id, "prompt": s.prompt(q.id), "answer": e.shown, "accepts": accepts,
                     "source": e.source})
    out = pd.DataFrame(rows)
    out.attrs["study"] = spec.id
    return out


