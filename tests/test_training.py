"""Case-study training (workbench.training): the answers the checker computes from the bundled
sample are the patterns planted in it (checked against truth.json and against independent
recomputations from the raw tables), answers in the forms people write pass, wrong ones fail
without giving the answer away, hints come one at a time, and the notebooks run end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench import training
from workbench.training import checking as ck
from workbench.training import session

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks" / "training"
NAMES = ("01_buck_passing.ipynb", "02_overdue_leader.ipynb", "03_restructuring_group.ipynb")


@pytest.fixture(scope="module")
def sample(sample_book):
    """The bundled sample with its truth and every study's solution computed once (remembered
    on the book, so each test's fresh session starts from them)."""
    for sid in ("01", "02", "03"):
        training.study(sid, sample_book.book).facts  # noqa: B018 - computes and caches the solution
    return sample_book


def fresh(sample, sid: str, language: str = "zh") -> training.Study:
    return training.study(sid, sample.book, language=language)


def expected(sample, sid: str):
    return fresh(sample, sid)._solved().expected


def bounce_days_from_events(book, case_id: str) -> float:
    """Days a case spent in segments that ended with it sent back where it came from, read
    straight from its routing events (not through the custody module)."""
    ev = book.events
    r = ev.loc[(ev["case_id"] == case_id) & ev["action"].astype(str).isin(["transfer", "assign", "return"])]
    r = r.sort_values("at", kind="stable")
    frm, to, at = r["from_unit_id"].tolist(), r["to_unit_id"].tolist(), r["at"].tolist()
    days = 0.0
    for i in range(len(r) - 1):
        if to[i + 1] == frm[i]:  # the holder (to[i]) sent it back to where it came from
            days += (at[i + 1] - at[i]) / pd.Timedelta(days=1)
    return days


# ----------------------------------------------------------------------------- the studies' content
def test_three_studies_with_goals_questions_and_hints_in_both_languages():
    specs = session.load_specs()
    assert list(specs) == ["01", "02", "03"]
    assert [s.slug for s in specs.values()] == ["buck_passing", "overdue_leader", "restructuring_group"]
    for s in specs.values():
        assert len(s.questions) >= 5 and len(s.goal_texts) >= 3
        assert all(t for pair in (s.title_text, *s.goal_texts) for t in pair)
        for q in s.questions:
            assert q.hints and all(zh and en for zh, en in q.hints), (s.id, q.id)
            assert q.explain is not None, (s.id, q.id)
            if q.kind == "choice":
                assert len(q.options) >= 3
    table = training.studies(language="en")
    assert table["notebook"].tolist() == list(NAMES)
    assert table["minutes"].sum() >= 60


# ----------------------------------------------------------------------------- expected = planted truth
def test_study_01_answers_are_the_planted_buck_passing_pair(sample):
    t, book = sample.truth["buck_passing"], sample.book
    e = expected(sample, "01")
    assert set(e["q1"].value) == set(t["unit_ids"]) == {"U0088", "U0089"}
    # every bounced matter is a planted one; the planted ones missing had not reached the second
    # unit when the ledger was cut (one routing or none in the log)
    bp = workbench.buck_passing(book)
    bounced = set(bp.iloc[0]["case_ids"])
    assert bounced <= set(t["case_ids"]) and e["q2"].value == len(bounced)
    ev = book.events
    for cid in set(t["case_ids"]) - bounced:
        routings = ev.loc[(ev["case_id"] == cid) & ev["action"].astype(str).isin(["transfer", "assign", "return"])]
        assert len(routings) <= 1, cid
    assert 0 < len(t["case_ids"]) - e["q2"].value <= 5
    # the main category: counted on the planted cases themselves
    planted = book.cases.loc[book.cases["case_id"].isin(t["case_ids"])]
    top = planted.groupby(["category_l1", "category_l2"], observed=True).size().idxmax()
    assert e["q3"].value == tuple(top) == tuple(t["categories"][0].split("_"))
    # the chosen matter: a planted one; its bounce days read from the raw events; charged to the
    # unit that finally handled it (谁主管、谁负责), one of the pair
    case = fresh(sample, "01").facts["case"]
    assert case in t["case_ids"]
    assert e["q4"].value == pytest.approx(bounce_days_from_events(book, case), abs=0.01)
    final = book.cases.set_index("case_id").loc[case, "responsible_unit_id"]
    assert e["q5"].value == (final,) and final in t["unit_ids"]


def test_study_02_answers_are_the_planted_overdue_leader(sample):
    t, book = sample.truth["overdue_leader"], sample.book
    e = expected(sample, "02")
    assert e["q1"].value == t["person_id"] == "L00250"
    # the late cases, recounted from the clocks: any clock of hers late or still open past its limit
    cs = workbench.clocks(book)
    mine = cs.loc[(cs["lead_person_id"] == t["person_id"]) & (cs["party"].astype(str) != "petitioner")]
    late_cases = mine.loc[mine["status"].astype(str).isin(["late", "open_past_limit"]), "case_id"].unique()
    assert e["q2"].value == len(late_cases)
    assert set(late_cases) <= set(t["case_ids"])
    # truth's late share uses the generator's own yardstick (the ledger's stated due date, no holiday
    # rule, every demand type): close to the rules' count, and far above the other leaders'
    share = e["q2"].value / t["planted_cases"]
    assert abs(share - t["late_share"]) < 0.06 and share > 4 * t["late_share_other_leaders"]
    # the ranking by late rate (responsible-unit clocks only) is accepted within the tolerance
    r = workbench.ranking(book, by="leader").set_index("lead_person_id")
    assert fresh(sample, "02").check("q2", int(r.loc[t["person_id"], "late_cases"])).correct
    # planted as slow handling: the handling clock holds most of her late clocks
    by_clock = mine.loc[mine["status"].astype(str).isin(["late", "open_past_limit"])].groupby(
        "clock", observed=True).size()
    assert by_clock.idxmax() == "handle" and e["q3"].value == "handle"
    # ranked by the raw share, only leaders with a handful of cases come first
    leaders = workbench.attribute_blame(book).by_leader()
    above = leaders.loc[leaders["late_share"] > leaders.loc[leaders["lead_person_id"] == t["person_id"],
                                                            "late_share"].iloc[0]]
    assert e["q4"].value == len(above) > 0 and above["cases"].max() < 10
    assert e["q5"].value == "small_n"


def test_study_03_answers_are_the_planted_escalating_group(sample):
    t, book = sample.truth["group"], sample.book
    e = expected(sample, "03")
    assert e["q1"].value == t["members"] == 14
    assert e["q2"].value == len(t["case_ids"]) == 7
    assert e["q3"].value == t["escalation_path"][-1] == "province"
    esc = t["escalation"]
    days = (pd.Timestamp(esc[-1]["received_at"]) - pd.Timestamp(esc[0]["received_at"])) / pd.Timedelta(days=1)
    assert e["q4"].value == pytest.approx(days, abs=0.01)
    assert e["q5"].value == (t["responsible_unit_id"],)
    # what went wrong: every case after the first repeats the one before and was accepted again,
    # while no clock ran late
    gc = book.cases.set_index("case_id").loc[t["case_ids"]]
    assert gc["repeat_of"].iloc[1:].tolist() == t["case_ids"][:-1] and gc["accepted_at"].notna().all()
    cs = workbench.clocks(book)
    assert not cs.loc[cs["case_id"].isin(t["case_ids"]), "status"].astype(str).isin(["late", "open_past_limit"]).any()
    assert e["q6"].value == "reaccepted"


# ----------------------------------------------------------------------------- answers in many forms
def _right_forms(sample) -> dict[tuple[str, str], list[object]]:
    """Right answers as learners write them, built from the truth (not from the solution)."""
    tb, tl, tg = sample.truth["buck_passing"], sample.truth["overdue_leader"], sample.truth["group"]
    book = sample.book
    a, b = tb["unit_names"]
    case = fresh(sample, "01").facts["case"]
    d = bounce_days_from_events(book, case)
    final = book.cases.set_index("case_id").loc[case, "responsible_unit_id"]
    final_name = book.units.set_index("unit_id").loc[final, "name"]
    l1, l2 = tb["categories"][0].split("_")
    gunit = book.units.set_index("unit_id").loc[tg["responsible_unit_id"], "name"]
    esc = tg["escalation"]
    gdays = (pd.Timestamp(esc[-1]["received_at"]) - pd.Timestamp(esc[0]["received_at"])) / pd.Timedelta(days=1)
    n_bounced = len(tb["case_ids"])
    return {
        ("01", "q1"): [f"{a}、{b}", f"{tb['unit_ids'][1]} 和 {tb['unit_ids'][0].lower()}",
                       f"{a.removeprefix('青山县')}，{b.removeprefix('青山县')}"],
        ("01", "q2"): [str(n_bounced), f"约{n_bounced}件", "三百"],
        ("01", "q3"): [l2, f"{l1}_{l2}", f"{l1}/{l2}", "拆迁"],
        ("01", "q4"): [f"{d:.1f}", f"{round(d)}天", f"{d + 0.8:.1f} days"],
        ("01", "q5"): [final_name, final, f"{final_name}（{final}）"],
        ("02", "q1"): [tl["name"], tl["person_id"], f"{tl['title']}{tl['name']}", tl["person_id"].lower()],
        ("02", "q3"): ["C", "handle", "办理答复", "3"],
        ("02", "q5"): ["A", "small_n", "a."],
        ("03", "q1"): [str(tg["members"]), "十四人", f"{tg['members']} 人"],
        ("03", "q2"): [f"{len(tg['case_ids'])}件", "七"],
        ("03", "q3"): ["省", "省级", "province", "Provincial level", "江南省信访局"],
        ("03", "q4"): [f"{gdays:.0f}天", f"{gdays / ck.DAYS_PER_MONTH:.1f}个月", str(round(gdays) + 2)],
        ("03", "q5"): [gunit, gunit.replace("人民政府", "政府"), tg["responsible_unit_id"]],
        ("03", "q6"): ["B", "reaccepted", "2"],
    }


def test_right_answers_in_several_forms_pass(sample):
    for (sid, qid), forms in _right_forms(sample).items():
        for form in forms:
            s = fresh(sample, sid)
            fb = s.check(qid, form)
            assert fb.correct and fb.tries == 1 and fb.hint is None, (sid, qid, form, fb.message)


@pytest.mark.parametrize(("sid", "qid", "answer", "says"), [
    # the direction of a wrong count teaches something here: said, with why
    ("01", "q2", "187", "双方均退回"),
    ("01", "q2", 420, "正常的交办不算"),
    ("01", "q4", "60", "最终办理单位"),
    ("02", "q2", "111", "限办截止时间"),
    ("02", "q2", "60", "超期未办"),
    ("03", "q1", "16", "身份合并"),
    # elsewhere a wrong answer is just wrong
    ("01", "q1", "青山县信访局、江临市信访局", None),
    ("01", "q3", "土地征收", None),
    ("01", "q5", "青山县信访局", None),
    ("02", "q1", "刘平", None),
    ("02", "q3", "A", None),
    ("02", "q4", "0", None),
    ("02", "q5", "workload", None),
    ("03", "q2", "8", None),
    ("03", "q3", "市级", None),
    ("03", "q4", "200", None),
    ("03", "q5", "石门县信访局", None),
    ("03", "q6", "late", None),
])
def test_wrong_answers_fail(sample, sid, qid, answer, says):
    s = fresh(sample, sid)
    fb = s.check(qid, answer, hint=False)
    assert not fb.correct and fb.counted and fb.tries == 1
    assert fb.message.startswith("✘")
    if says is None:
        assert fb.message == "✘ 还不对，再想一想。"
    else:
        assert says in fb.message
    assert "偏" not in fb.message or says is not None


def test_partly_right_units_and_unreadable_answers(sample):
    s = fresh(sample, "01")
    a = sample.truth["buck_passing"]["unit_names"][0]
    assert "对了一部分" in s.check("q1", a, hint=False).message
    for answer, says in (("不知道", "没有认出单位"), ("人民政府", "太笼统"), ("", "请先写下答案")):
        fb = s.check("q1", answer)
        assert not fb.correct and not fb.counted and says in fb.message and fb.hint is None
    for answer, says in (("3 或 4", "只写一个数"), ("很多", "只写一个数")):
        assert says in s.check("q2", answer).message
    assert "写到二级分类" in s.check("q3", "城乡建设").message
    assert "能对上 2 个分类" in s.check("q3", "房屋").message
    assert "写一个层级" in fresh(sample, "03").check("q3", "县→市→省").message
    assert "从选项中选一个" in fresh(sample, "02").check("q3", "Z").message
    assert s.progress().table.set_index("question").loc[["q1", "q2", "q3"], "tries"].tolist() == [1, 0, 0]


# ----------------------------------------------------------------------------- nothing gives it away
def _secrets(sample) -> tuple[set[str], set[str]]:
    """The expected answers as text (names, ids, labels) and as numbers (standalone tokens)."""
    from workbench.rules.delays import names as unit_names

    words, numbers = set(), set()

    names = unit_names(sample.book, "units")
    for sid in ("01", "02", "03"):
        for e in expected(sample, sid).values():
            if e.kind == "units":
                words |= {*e.value, *(names[u] for u in e.value)}
            elif e.kind == "person":
                p = sample.book.people.set_index("person_id").loc[e.value]
                words |= {e.value, p["name"]}
            elif e.kind == "category":
                words.add(e.value[1])
            elif e.kind in ("number", "days"):
                numbers |= {f"{e.value:.0f}", f"{e.value:.1f}"} if e.kind == "days" else {f"{e.value:.0f}"}
    return words, numbers


def _leaks(blob: str, words: set[str], numbers: set[str]) -> list[str]:
    found = [w for w in words if w in blob]
    found += [n for n in numbers if re.search(rf"(?<![0-9A-Za-z.]){re.escape(n)}(?![0-9A-Za-z.])", blob)]
    return found


def test_no_expected_value_in_any_feedback_repr_or_error(sample):
    words, numbers = _secrets(sample)
    assert {"青山县住建局", "L00250", "唐婷娜", "石门县人民政府", "298", "99", "14"} <= words | numbers
    blobs: list[str] = []
    counts: list[str] = []
    wrong = {"number": ["1", "100000", "3 或 4"], "days": ["1", "900", "很久"], "units": ["江临市信访局", "不知道"],
             "person": ["刘平", "张三"], "level": ["县", "中央", "?"], "category": ["土地征收", "房屋", "城乡建设"],
             "choice": ["D", "Z"]}
    for sid in ("01", "02", "03"):
        s = fresh(sample, sid, language="en" if sid == "02" else "zh")
        for q in s.questions:
            for answer in wrong[q.kind]:
                fb = s.check(q.id, answer)
                blobs += [fb.message, fb.hint or "", repr(fb), str(fb), fb._repr_markdown_()]
            blobs += [s.hint(q.id) or "", *s.hints_shown(q.id)]
        blobs += [repr(s._solved()), repr(s._solved().expected), str(s.facts), s._repr_markdown_()]
        # the session's own counts (tries, hints) are numbers too: names and labels only there
        counts += [repr(s), repr(s.progress()), s.progress()._repr_html_(), s.debrief()]
        quiz = s.ask()
        blobs += [quiz.static_html(), repr(quiz), quiz._repr_mimebundle_()["text/plain"]]
        with pytest.raises(KeyError) as err:
            s.check("q9", "1")
        blobs.append(str(err.value))
        with pytest.raises(KeyError) as err:
            training.study("42", sample.book)
        blobs.append(str(err.value))
    # and after right answers: the correct feedback and the debrief's explanations
    for (sid, qid), forms in _right_forms(sample).items():
        s = fresh(sample, sid)
        fb = s.check(qid, forms[0])
        blobs += [fb.message, repr(fb)]
        counts.append(s.debrief())
    leaks = [(b[:80], _leaks(b, words, numbers)) for b in blobs if _leaks(b, words, numbers)]
    leaks += [(b[:80], _leaks(b, words, set())) for b in counts if _leaks(b, words, set())]
    assert leaks == []


def test_notebook_sources_hold_no_answer_and_no_outputs(sample):
    import nbformat

    words, numbers = _secrets(sample)
    specs = session.load_specs()
    for sid in ("01", "02", "03"):  # and no chosen option's text
        for qid, e in expected(sample, sid).items():
            if e.kind == "choice":
                words |= {label for k, *labels in specs[sid].question(qid).options if k == e.value for label in labels}
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        source = "\n".join(c.source for c in nb.cells)
        assert _leaks(source, words, numbers) == [], name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), name
        params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and "SAMPLE =" in params[0].source and "LANGUAGE =" in params[0].source
        assert 'set_config(role="trainer"' in source
        assert source.count("# 在这里写代码") >= 3 and source.count("study.ask(") == len(
            session.load_specs()[name[:2]].questions)
        assert "讲解" in source and "study.debrief()" in source


# ----------------------------------------------------------------------------- hints, progress, debrief
def test_hints_come_one_at_a_time(sample):
    s = fresh(sample, "01")
    n = len(s.spec.question("q1").hints)
    shown = [s.hint("q1") for _ in range(n)]
    assert [h.split("：")[0] for h in shown] == [f"提示 {i}/{n}" for i in range(1, n + 1)]
    assert s.hint("q1") is None and s.hints_shown("q1") == shown
    # a wrong typed answer brings the next hint of its own question only, and counts it
    fb = s.check("q2", "1")
    assert fb.hint is not None and fb.hint.startswith("提示 1/") and fb.hints_used == 1
    fb = s.check("q2", "2", hint=False)
    assert fb.hint is None and fb.hints_used == 1 and fb.tries == 2
    p = s.progress()
    assert (p.answered, p.tries, p.hints_used) == (0, 2, n + 1)


def test_progress_and_debrief_follow_the_session(sample):
    s = fresh(sample, "03")
    assert s.check("q2", "八", hint=False).tries == 1
    assert s.check("q2", _right_forms(sample)[("03", "q2")][0]).correct
    again = s.check("q2", "7件")
    assert again.correct and not again.counted and again.tries == 2
    assert not s.check("q2", "9").correct and s.progress().table.loc[1, "correct"]  # stays answered
    p = s.progress()
    assert (p.answered, p.total, p.tries) == (1, 6, 2)
    assert p.summary() == "已答对 1/6 题，共作答 2 次，用了 0 条提示。"
    d = s.debrief()
    explain = s.spec.question("q2").explain[0]
    assert explain in d and d.count("先答对这一题，再看讲解。") == 5
    assert d._repr_markdown_() == str(d)


def test_english_session(sample):
    s = fresh(sample, "02", language="en")
    assert s.title.startswith("Study 2") and "leader" in s.prompt("q1")
    assert s.check("q1", "nobody at all").message.startswith("No person recognised")
    assert s.check("q3", "A", hint=False).message == "✘ Not yet — think again."
    assert s.check("q5", "small_n").message == "✔ Correct!"
    assert s.progress().summary() == "1 of 5 answered correctly, 2 tries, 0 hints used."


def test_widget_cards_check_and_hint(sample):
    import ipywidgets as w

    s = fresh(sample, "02")
    quiz = s.ask("q3")
    card = quiz.widget().children[0]
    title, row, feedback, hints = card.children
    answer, check, hint = row.children
    assert isinstance(answer, w.Dropdown) and answer.value is None
    assert [k for _, k in answer.options][1:] == ["route", "accept", "handle", "review"]
    check.click()
    assert "从选项中选一个" in feedback.value and s.progress().tries == 0
    answer.value = "route"
    check.click()
    assert "还不对" in feedback.value and "提示" in feedback.value and s.progress().hints_used == 0
    hint.click()
    assert "提示 1/2" in hints.value and "提示 2/2" not in hints.value
    answer.value = "handle"
    check.click()
    assert "正确" in feedback.value and s.progress().answered == 1
    bundle = quiz._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert s.prompt("q3") in bundle["text/html"] and "JupyterLab" in bundle["text/html"]
    text_card = s.ask("q1").widget().children[0].children[1].children[0]
    assert isinstance(text_card, w.Text)


# ----------------------------------------------------------------------------- the trainer's sheet, errors
def test_answers_only_for_the_trainer(sample):
    workbench.set_config(role="supervisor")
    with pytest.raises(PermissionError, match="trainer"):
        training.answers("01", sample.book)
    workbench.set_config(role="trainer")
    sheet = training.answers("1", sample.book)
    assert sheet["question"].tolist() == ["q1", "q2", "q3", "q4", "q5"]
    assert sheet.loc[0, "answer"] == "青山县住建局（U0088）、青山县自然资源局（U0089）"
    assert sheet.loc[1, "answer"] == str(int(expected(sample, "01")["q2"].value))
    assert "允许相差" in sheet.loc[1, "accepts"] and "buck_passing" in sheet.loc[1, "source"]
    en = training.answers("overdue_leader", sample.book, language="en")
    assert en.loc[0, "answer"] == "唐婷娜 (L00250)" and en.loc[3, "accepts"].startswith("exact")


def test_cli_prints_the_answer_sheet(sample, monkeypatch, capsys):
    import argparse

    from workbench.training import cli

    monkeypatch.setattr(session, "_load", lambda data: sample.book)
    parser = argparse.ArgumentParser(prog="workbench")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["training", "answers", "03"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "[q5]" in out and "石门县人民政府（U0140）" in out and "petitioner_groups" in out
    assert workbench.get_config().role == "trainer"
    args = parser.parse_args(["training", "answers", "07"])
    assert args.func(args) == 2
    assert "没有编号为“07”的案例" in capsys.readouterr().err
    args = parser.parse_args(["training", "list", "--lang", "en"])
    assert args.func(args) == 0 and "Passing the buck" in capsys.readouterr().out


def test_a_ledger_without_the_pattern_is_refused_clearly(hand_ledger):
    s = training.study("03", hand_ledger)
    with pytest.raises(training.StudyError, match="红星机械厂"):
        s.check("q1", "3")
    with pytest.raises(training.StudyLookupError) as err:
        training.study("9", hand_ledger)
    assert str(err.value) == "没有编号为“9”的案例；现有：01, 02, 03"
    with pytest.raises(training.StudyLookupError, match="q1, q2"):
        s.check("q7", "1")


def test_reading_answers():
    assert ck.parse_number("二百九十八件") == 298 and ck.parse_number("1,204") == 1204
    assert ck.parse_number("两万三千") == 23000 and ck.parse_number("12 和 13") is None
    assert ck.parse_days("3周") == 21 and ck.parse_days("1.5年") == pytest.approx(547.875)
    assert [ck.parse_level(s) for s in ("县级", "区", "地市", "中央", "national", "乡镇", "市和省")] == \
        ["county", "county", "city", "central", "central", "township", None]
    units = pd.DataFrame({"unit_id": ["U1", "U2", "U3"], "name": ["青山县住建局", "石门县住建局", "石门县人民政府"]})
    al = ck.unit_aliases(units)
    assert ck.find_mentions("住建局", al) == [frozenset({"U1", "U2"})]
    assert ck.find_mentions("石门县住建局和U3", al) == [frozenset({"U2"}), frozenset({"U3"})]
    assert ck.find_mentions("u30", al) == [] and ck.find_mentions("政府", al) == []
    assert ck.match_choice("b)", [("x", "甲", "a"), ("y", "乙", "b")]) == "y"
    assert ck.within(5.9, 5, 1) and not ck.within(6.1, 5, 1)


# ----------------------------------------------------------------------------- notebooks end to end
@pytest.mark.slow
def test_training_notebooks_run_end_to_end(tmp_path, sample):
    """The three notebooks, top to bottom on the bundled sample (the second in English): no
    error, the study's goals and answer cards shown, and no answer among the outputs — a learner
    who runs every cell sees the tools, not the answers. The first is rendered offline."""
    from workbench.notebooks import external_references, run_notebook

    words, _ = _secrets(sample)
    page = run_notebook(NOTEBOOKS / NAMES[0], tmp_path / "01.html").read_text(encoding="utf-8")
    assert external_references(page) == [] and "在 JupyterLab 中运行本笔记本" in page and "学习目标" in page
    assert _leaks(page, words, set()) == []
    for name, language in ((NAMES[1], "en"), (NAMES[2], "zh")):
        nb = run_notebook(NOTEBOOKS / name, parameters={"LANGUAGE": language})
        outputs = [o for c in nb.cells for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], name
        shown = json.dumps([o.get("data", {}) for o in outputs] + [o.get("text", "") for o in outputs],
                           ensure_ascii=False)
        if language == "en":
            assert "Learning goals" in shown and "Run this notebook in JupyterLab" in shown
        else:
            assert "学习目标" in shown and "study.check" in shown
        assert _leaks(shown, words, set()) == [], name
