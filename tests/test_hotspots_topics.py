"""Hot topics from the summaries (workbench.hotspots.topics / lexicon)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("jieba")

import workbench as wb
from workbench.hotspots import topics
from workbench.hotspots.lexicon import extract_entities, ledger_lexicon
from workbench.hotspots.topics import hot_issues, keywords, tokenize


def _book(rows: list[tuple[str, str, str, str]], petitioners: list[tuple[str, str, str]] | None = None,
          units: pd.DataFrame | None = None, heads: dict[str, int] | None = None) -> wb.Casebook:
    """rows: (case_id, received_at, category_l1, summary); petitioners: (case_id, petitioner_id, name)."""
    cases = pd.DataFrame(rows, columns=["case_id", "received_at", "category_l1", "summary"])
    cases["region_code"] = "339922"
    cases["headcount"] = cases["case_id"].map(heads or {}).fillna(1).astype(int)
    kw: dict[str, pd.DataFrame] = {}
    if petitioners:
        kw["petitioners"] = pd.DataFrame({"petitioner_id": [p[1] for p in petitioners],
                                          "name": [p[2] for p in petitioners]})
        kw["case_petitioners"] = pd.DataFrame({"case_id": [p[0] for p in petitioners],
                                               "petitioner_id": [p[1] for p in petitioners]})
    if units is not None:
        kw["units"] = units
    return wb.Casebook.from_frames(cases=cases, now="2026-01-01", **kw)


def test_segmentation_keeps_domain_terms_and_ledger_names_whole(tmp_path):
    book = _book([
        ("A", "2024-01-02", "国土资源", "反映征地拆迁补偿款未足额发放"),
        ("B", "2024-01-03", "经济管理", "反映企业改制时职工安置不到位"),
        ("C", "2024-01-04", "城乡建设", "反映小区物业管理混乱，电梯停运"),
        ("D", "2024-01-05", "劳动和社会保障", "反映被青山县宏达精密机械有限公司无故辞退"),
        ("E", "2024-01-06", "劳动和社会保障", "反映宏达精密机械拖欠工资3个月"),
    ])
    tk = tokenize(book, cache_dir=tmp_path).set_index("case_id")["tokens"]
    assert "征地拆迁" in tk["A"]
    assert "企业改制" in tk["B"]
    assert "物业管理" in tk["C"]
    assert "青山县宏达精密机械有限公司" in tk["D"]   # found in the ledger's own summaries
    assert "宏达精密机械" in tk["E"]                 # its short name (简称) is kept whole too
    assert "拖欠工资" in tk["E"]
    assert not any(t in ("反映", "3", "个月") for t in tk["E"])  # stop words and numbers dropped


def test_entities_found_by_kind():
    ents = extract_entities(pd.Series([
        "反映云溪县恒丰化工有限公司夜间排放废气", "反映桃源镇李家坝村土地被征收",
        "原石门县红星机械厂职工反映改制遗留问题", "反映凤鸣镇棚户区改造项目补偿过低",
        "反映锦绣花园物业管理混乱", "", None,
    ]), ["云溪县", "桃源镇", "石门县", "凤鸣镇"])
    got = dict(zip(ents["entity"], ents["kind"], strict=True))
    assert got == {"云溪县恒丰化工有限公司": "firm", "李家坝村": "village", "石门县红星机械厂": "factory",
                   "凤鸣镇棚户区改造项目": "project", "锦绣花园": "estate"}
    assert ents.set_index("entity").at["云溪县恒丰化工有限公司", "key"] == "恒丰化工"


def test_unit_and_place_names_go_into_the_dictionary():
    units = pd.DataFrame({"unit_id": ["U1"], "name": ["云溪县生态环境局"], "level": ["county"]})
    book = _book([("A", "2024-01-02", "环境保护", "反映云溪县生态环境局监管不力")], units=units)
    lex = ledger_lexicon(book)
    assert {"云溪县生态环境局", "云溪县"} <= set(lex["word"])
    assert "征地拆迁" in set(lex["word"])


def test_keywords_distinguish_segments_with_counts(tmp_path):
    rows = [(f"W{i}", "2024-01-02", "劳动和社会保障", "反映拖欠工资，老板避而不见") for i in range(4)]
    rows += [(f"E{i}", "2024-02-02", "环境保护", "反映工厂夜间偷排废气") for i in range(3)]
    rows += [("X", "2024-01-02", "环境保护", "反映工厂拖欠工资")]
    book = _book(rows)
    kw = keywords(book, top=4, cache_dir=tmp_path)
    assert list(kw.columns) == ["group", "word", "score", "count"]
    score = kw.set_index(["group", "word"])["score"]
    # words only 劳动和社会保障 uses beat 拖欠工资, which one 环境保护 case shares
    assert kw[kw.group == "劳动和社会保障"]["word"].iloc[0] in ("老板", "避而不见")
    assert score[("劳动和社会保障", "老板")] > score[("劳动和社会保障", "拖欠工资")] > 0
    assert kw[kw.group == "环境保护"]["word"].iloc[0] in ("工厂", "偷排", "废气", "夜间")
    counts = kw.set_index(["group", "word"])["count"]
    assert counts[("劳动和社会保障", "拖欠工资")] == 4
    assert counts[("环境保护", "废气")] == 3
    # a word shared by both sides is not what distinguishes 环境保护
    assert ("环境保护", "拖欠工资") not in counts.index
    by_month = keywords(book, by="period", cache_dir=tmp_path)
    assert set(by_month["group"]) == {"2024-01", "2024-02"}
    assert by_month[by_month.group == "2024-02"]["word"].iloc[0] in ("工厂", "偷排", "废气", "夜间")


def test_petitioner_names_never_keywords_or_labels(tmp_path):
    rows = [(f"C{i}", f"2024-03-{i + 1:02d}", "城乡建设", "王秀英反映翠湖家园物业乱收停车费") for i in range(6)]
    rows += [("D1", "2024-03-10", "政法", "反映家中被盗报案后无进展")]
    book = _book(rows, petitioners=[("C0", "P1", "王秀英")])
    tk = tokenize(book, cache_dir=tmp_path)
    assert "王秀英" in tk.at[0, "tokens"]  # the name is cut whole …
    kw = keywords(book, top=50, cache_dir=tmp_path)
    assert not kw["word"].str.contains("王秀英").any()                  # … never a keyword
    hi = hot_issues(book, min_cases=5, cache_dir=tmp_path)
    assert len(hi) == 1
    assert "王秀英" not in hi.at[0, "label"]
    assert not any("王秀英" in t for t in hi.at[0, "terms"])


def test_hot_issues_group_near_duplicates_and_separate_unrelated(tmp_path):
    rows = [
        # one estate, one problem, worded five ways
        ("E1", "2024-05-01", "城乡建设", "反映锦绣花园物业管理混乱，电梯长期停运"),
        ("E2", "2024-05-03", "城乡建设", "再次反映锦绣花园电梯停运，物业不管"),
        ("E3", "2024-05-04", "城乡建设", "12名群众集体来访，反映锦绣花园物业管理混乱，电梯长期停运"),
        ("E4", "2024-05-09", "城乡建设", "反映锦绣花园小区电梯停运三个月"),
        ("E5", "2024-06-01", "城乡建设", "反映锦绣花园物业公司不作为，电梯停运"),
        # one factory: its exhaust (环境保护) …
        ("F1", "2024-05-02", "环境保护", "反映云溪县恒丰化工有限公司夜间偷排废气"),
        ("F2", "2024-05-02", "环境保护", "反映恒丰化工夜间偷排废气，刺鼻气味"),
        ("F3", "2024-05-05", "环境保护", "反映云溪县恒丰化工有限公司排放废气，异味严重"),
        ("F4", "2024-05-06", "环境保护", "反映恒丰化工废气扰民"),
        ("F5", "2024-05-08", "环境保护", "反映云溪县恒丰化工有限公司偷排废气"),
        # … and the same factory's unpaid wages: another matter, not merged with the exhaust
        ("W1", "2024-05-03", "劳动和社会保障", "反映云溪县恒丰化工有限公司拖欠工资"),
        # unrelated complaints, each once
        ("U1", "2024-05-02", "政法", "反映被电信诈骗，报案后迟迟未破案"),
        ("U2", "2024-05-02", "交通运输", "反映出租车拒载、绕路多收费"),
        ("U3", "2024-05-02", "城乡建设", "反映翠湖家园物业乱收停车费"),
        ("U4", "2024-05-02", "民政", "反映家庭困难申请低保未获批准"),
        ("U5", "2024-05-02", "其他", ""),
        ("U6", "2024-05-02", "其他", None),
    ]
    book = _book(rows, heads={"E3": 12})  # type: ignore[arg-type]
    hi = hot_issues(book, min_cases=5, cache_dir=tmp_path)
    assert list(hi.columns) == topics.HOT_ISSUE_COLUMNS
    assert len(hi) == 2
    by_anchor = {row.terms[0]: row for row in hi.itertuples()}
    assert set(by_anchor) == {"锦绣花园", "恒丰化工"}
    estate, factory = by_anchor["锦绣花园"], by_anchor["恒丰化工"]
    assert estate.case_ids == ["E1", "E2", "E3", "E4", "E5"]
    assert factory.case_ids == ["F1", "F2", "F3", "F4", "F5"]
    assert factory.label.startswith("恒丰化工·") and "废气" in factory.terms
    assert factory.categories == ["环境保护"]
    assert factory.first_at == pd.Timestamp("2024-05-02") and factory.last_at == pd.Timestamp("2024-05-08")
    assert set(factory.representative_case_ids) <= set(factory.case_ids)
    assert 1 <= len(factory.representative_case_ids) <= 3
    # the collective visit (12 people) makes the estate's issue the hotter one
    assert hi.at[0, "terms"][0] == "锦绣花园"
    assert hi["issue_id"].is_unique
    again = hot_issues(book, min_cases=5, cache_dir=tmp_path)
    assert again["issue_id"].tolist() == hi["issue_id"].tolist()  # stable ids


def test_unnamed_identical_complaints_group_only_within_a_window(tmp_path):
    burst = [(f"B{i}", f"2024-05-{i + 1:02d}", "交通运输", "反映出租车拒载、绕路多收费") for i in range(5)]
    spread = [(f"S{i}", f"2024-{i + 6:02d}-01", "民政", "反映殡葬服务收费不透明") for i in range(5)]
    usual = [(f"U{m}{i}", f"2023-{m:02d}-{i + 1:02d}", "其他", "反映个人生活困难，请求帮助")
             for m in range(1, 13) for i in range(5)]  # five a month, every month: not a burst
    hi = hot_issues(_book(burst + spread + usual), min_cases=5, cache_dir=tmp_path)
    assert hi["case_ids"].tolist() == [[f"B{i}" for i in range(5)]]


def test_cache_makes_second_call_skip_jieba(tmp_path, monkeypatch):
    rows = [(f"C{i}", "2024-01-02", "城乡建设", f"反映锦绣花园拖欠工资{i}个月") for i in range(5)]
    rows += [("D", "2024-01-02", "城乡建设", "反映征地拆迁补偿过低"), ("E", "2024-01-02", "城乡建设", None)]
    book = _book(rows)  # type: ignore[arg-type]
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "env"))
    first = tokenize(book)
    assert first.attrs["distinct"] == 3       # numbers masked: five texts are one; '' is free
    assert first.attrs["segmented"] == 2 and first.attrs["cached"] == 0
    assert list((tmp_path / "env" / "tokens").glob("*/*.parquet"))

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("jieba used although every text is cached")

    monkeypatch.setattr(topics, "_make_tokenizer", boom)
    second = tokenize(book)
    assert second.attrs["segmented"] == 0 and second.attrs["cached"] == 2
    assert second["tokens"].tolist() == first["tokens"].tolist()
    assert second.at[6, "tokens"] == []
    with pytest.raises(AssertionError):  # without the cache, jieba is needed again
        tokenize(book, cache=False)


def test_odd_data_does_not_crash(tmp_path):
    empty = _book([("A", "2024-01-02", "其他", None), ("B", "2024-01-03", "其他", "")])  # type: ignore[list-item]
    assert tokenize(empty, cache_dir=tmp_path)["tokens"].tolist() == [[], []]
    assert keywords(empty, cache_dir=tmp_path).empty
    hi = hot_issues(empty, cache_dir=tmp_path)
    assert hi.empty and list(hi.columns) == topics.HOT_ISSUE_COLUMNS


@pytest.fixture(scope="module")
def sample_issues(sample_book, tmp_path_factory):
    return hot_issues(sample_book.book, cache_dir=tmp_path_factory.mktemp("tokens"))


def test_sample_spike_is_a_hot_issue(sample_book, sample_issues):
    spike = sample_book.truth["spike"]
    hit = sample_issues[sample_issues["terms"].map(lambda ts: spike["keyword"] in ts)]
    assert len(hit) == 1
    issue = hit.iloc[0]
    assert spike["keyword"] in issue["label"]
    assert len(set(issue["case_ids"]) & set(spike["case_ids"])) >= 0.9 * spike["spike_cases"]
    assert issue["n_cases"] <= spike["spike_cases"] + 2
    assert issue["categories"][0] == spike["category_l1"]
    assert str(issue["first_at"])[:7] == spike["month"]
    assert issue.name < 10  # among the hottest of the default top 50


def test_sample_group_enterprise_is_a_hot_issue(sample_book, sample_issues):
    enterprise = sample_book.truth["group"]["enterprise"]
    hit = sample_issues[sample_issues["terms"].map(lambda ts: enterprise in ts)]
    assert len(hit) == 1
    issue = hit.iloc[0]
    cases = sample_book.book.cases
    named = set(cases.loc[cases["summary"].str.contains(enterprise, na=False, regex=False), "case_id"])
    assert len(named) >= 5
    assert set(issue["case_ids"]) == named
    assert issue["categories"] == [sample_book.truth["group"]["category_l1"]]
    assert sample_book.truth["group"]["enterprise"] in issue["label"]
