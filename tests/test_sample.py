"""Tests of the synthetic sample generator (workbench.sample), at the level of its frames."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from workbench.ids import id_checksum_valid, record_ids
from workbench.sample import Truth, generate_frames, write_sample
from workbench.sample.build import late_mask
from workbench.schema import LEVEL_ORDER, TABLES, coerce_frame
from workbench.vocab import categories, header_map, vocabularies

N = 2000
SEED = 11


@pytest.fixture(scope="module")
def sample() -> tuple[dict[str, pd.DataFrame], Truth]:
    return generate_frames(N, seed=SEED)


@pytest.fixture(scope="module")
def frames(sample):
    return sample[0]


@pytest.fixture(scope="module")
def truth(sample):
    return sample[1]


def _end(truth: Truth) -> pd.Timestamp:
    return pd.Timestamp(truth.period["end"])


# ------------------------------------------------------------------ determinism and shape


def test_same_seed_same_sample(sample):
    frames, truth = sample
    again, truth2 = generate_frames(N, seed=SEED)
    for name in frames:
        pd.testing.assert_frame_equal(frames[name], again[name], check_exact=True)
    assert truth.to_dict() == truth2.to_dict()
    pd.testing.assert_frame_equal(truth.persons, truth2.persons)


def test_other_seed_other_sample(frames):
    other, _ = generate_frames(N, seed=SEED + 1)
    assert not other["cases"]["summary"].equals(frames["cases"]["summary"])
    assert not other["events"]["at"].equals(frames["events"]["at"])


def test_exact_case_count_within_period(frames, truth):
    c = frames["cases"]
    assert len(c) == N
    assert c["received_at"].min() >= pd.Timestamp(truth.period["start"])
    assert c["received_at"].max() < _end(truth)
    assert c["received_at"].is_monotonic_increasing


@pytest.mark.parametrize("table", list(TABLES))
def test_columns_and_dtypes_match_schema(frames, table):
    df = frames[table]
    spec = TABLES[table]
    assert list(df.columns) == [c.name for c in spec.all_columns]
    assert {k: str(v) for k, v in df.dtypes.items()} == {k: str(v) for k, v in spec.dtypes().items()}
    pd.testing.assert_frame_equal(coerce_frame(df, table), df)


def test_keys_and_names_unique(frames):
    assert frames["cases"]["case_id"].is_unique
    assert frames["units"]["unit_id"].is_unique and frames["units"]["name"].is_unique
    assert frames["people"]["person_id"].is_unique and frames["people"]["name"].is_unique
    assert frames["petitioners"]["petitioner_id"].is_unique
    assert not frames["case_petitioners"].duplicated(["case_id", "petitioner_id"]).any()


def test_case_id_format(frames):
    c = frames["cases"]
    assert c["case_id"].str.fullmatch(r"XF\d{16}").all()
    assert (c["case_id"].str.slice(8, 12).astype(int) == c["received_at"].dt.year).all()


# ------------------------------------------------------------------ integrity


def test_referential_integrity(frames):
    c, e, u, p = frames["cases"], frames["events"], frames["units"], frames["people"]
    units, people = set(u["unit_id"]), set(p["person_id"])
    assert set(e["case_id"]) == set(c["case_id"])
    assert frames["case_petitioners"]["case_id"].isin(c["case_id"]).all()
    assert set(frames["case_petitioners"]["petitioner_id"]) == set(frames["petitioners"]["petitioner_id"])
    for col in ("registered_unit_id", "responsible_unit_id"):
        assert c[col].isin(units).all()
    assert c["lead_person_id"].dropna().isin(people).all()
    for col in ("from_unit_id", "to_unit_id"):
        assert e[col].dropna().isin(units).all()
    assert e["from_unit_id"].notna().all()
    assert e["actor_id"].isin(people).all()
    assert u["parent_id"].dropna().isin(units).all()
    assert p["unit_id"].isin(units).all()
    assert c["repeat_of"].dropna().isin(c["case_id"]).all()


def test_leaders_are_principals_or_deputies(frames):
    role = frames["people"].set_index("person_id")["role"]
    assert role[frames["cases"]["lead_person_id"].dropna()].isin(["principal", "deputy"]).all()
    assert role[frames["events"]["actor_id"]].eq("handler").all()


def test_vocabularies(frames):
    codes = vocabularies().codes
    c, e = frames["cases"], frames["events"]
    for col, vocab in (("channel", "channel"), ("demand_type", "demand_type"), ("satisfaction", "satisfaction"),
                       ("satisfaction_office", "satisfaction")):
        assert set(c[col].dropna()) <= set(codes[vocab])
    assert set(e["action"]) <= set(codes["action"])
    assert set(e["role"].dropna()) == {"lead", "co"}
    assert set(frames["case_petitioners"]["role"]) <= set(codes["petitioner_role"])
    assert set(frames["units"]["level"]) == set(LEVEL_ORDER)
    assert set(frames["people"]["role"]) == set(codes["person_role"])
    level2 = categories().level2
    pairs = c[["category_l1", "category_l2"]].drop_duplicates()
    assert all(l2 in level2[l1] for l1, l2 in pairs.itertuples(index=False))


def test_regions(frames):
    c, u = frames["cases"], frames["units"]
    assert c["region_code"].str.fullmatch(r"3399\d{2}(\d{3})?").all()
    assert (c["region_code"].str.len() == 9).mean() > 0.75
    lvl = u.set_index("unit_id")["level"]
    width = {"village": 12, "township": 9, "county": 6, "city": 6, "province": 6}
    codes = u.set_index("unit_id")["region_code"]
    for uid, level in lvl.items():
        if level in width:
            assert len(codes[uid]) == width[level], uid


def test_mixes(frames, truth):
    c = frames["cases"]
    ch = c["channel"].value_counts(normalize=True)
    assert 0.42 <= ch["online"] <= 0.58
    assert 0.13 <= ch["visit"] <= 0.24
    assert 0.06 <= ch["letter"] <= 0.15
    dt = c["demand_type"].value_counts(normalize=True)
    assert dt.idxmax() == "request" and 0.03 <= dt["accusation"] <= 0.08
    assert 0.02 <= c["is_collective"].mean() <= 0.08
    assert 0.3 <= c["lead_person_id"].notna().mean() <= 0.6
    assert c.loc[c["is_collective"] | c["repeat_flag"], "lead_person_id"].notna().mean() > c["lead_person_id"].notna().mean()
    assert 7.0 <= len(frames["events"]) / len(c) <= 9.5
    assert 0.1 <= truth.stats["share_repeat"] <= 0.3


# ------------------------------------------------------------------ events


def test_event_logs_are_ordered_and_complete(frames, truth):
    c, e = frames["cases"], frames["events"]
    assert (e.groupby("case_id", sort=False)["at"].diff().dropna() >= pd.Timedelta(0)).all()
    seq = e.groupby("case_id", sort=False).cumcount()
    assert (e["seq"].astype(int) == seq).all()
    assert (e["at"] < _end(truth)).all()
    first = e[e["seq"] == 0].set_index("case_id")
    assert (first["action"] == "register").all()
    cc = c.set_index("case_id")
    assert (first["at"] == cc.loc[first.index, "received_at"]).all()
    assert (first["from_unit_id"] == cc.loc[first.index, "registered_unit_id"]).all()
    assert not e["derived"].any() and e["source_row"].isna().all()


def test_case_dates_follow_the_log(frames):
    c, e = frames["cases"].set_index("case_id"), frames["events"]
    for action, col in (("accept", "accepted_at"), ("reply", "replied_at"), ("close", "closed_at")):
        at = e[e["action"] == action].set_index("case_id")["at"]
        assert at.index.is_unique
        pd.testing.assert_series_equal(at.sort_index(), c[col].dropna().sort_index(), check_names=False)
    acc = c["accepted_at"].dropna()
    assert (c.loc[acc.index, "due_at"] == acc.dt.normalize() + pd.Timedelta(days=60)).all()
    assert c.loc[c["accepted_at"].isna(), "due_at"].isna().all()
    assert (c["closed_at"].dropna() >= c.loc[c["closed_at"].notna(), "replied_at"]).all()
    assert (c["arrived_at"].dropna() >= c.loc[c["arrived_at"].notna(), "received_at"]).all()
    assert (c["satisfaction"].notna() == c["closed_at"].notna()).all()


def test_open_cases_at_the_end(frames, truth):
    c = frames["cases"]
    end = _end(truth)
    recent = c[c["received_at"] >= end - pd.Timedelta(days=61)]
    assert 0.1 < recent["replied_at"].isna().mean() < 0.9
    old_open = c[(c["received_at"] < end - pd.Timedelta(days=150)) & c["replied_at"].isna() & c["accepted_at"].notna()]
    assert len(old_open) > 0
    assert (old_open["status"] == "超期未作出处理意见").all()
    assert {"已办结", "办理中", "不予受理"} <= set(c["status"])


def test_co_handling_and_returns(frames):
    e = frames["events"]
    co = e[e["role"].notna()]
    assert (co["action"] == "assign").all()
    assert co.groupby("case_id")["role"].apply(lambda r: (r == "lead").sum() == 1 and (r == "co").sum() >= 1).all()
    shares = co.dropna(subset=["share"]).groupby("case_id")["share"].sum()
    assert len(shares) > 0 and np.allclose(shares.astype(float), 1.0, atol=0.011)
    assert (e["action"] == "return").sum() > 0
    assert {"review", "recheck", "extend", "urge", "supervise", "follow_up", "evaluate", "reject"} <= set(e["action"])


def test_skip_level_flags(frames):
    c = frames["cases"]
    lvl = frames["units"].set_index("unit_id")["level"].map(LEVEL_ORDER)
    reg = c["registered_unit_id"].map(lvl)
    resp = c["responsible_unit_id"].map(lvl)
    visits = c["channel"] == "visit"
    assert (c["is_skip_level"] == ((reg > resp + 1) & visits)).all()
    assert not c.loc[~visits, "is_skip_level"].any()
    assert c.loc[~visits, "stepwise_flag"].isna().all()
    assert (c.loc[visits, "stepwise_flag"] == ~c.loc[visits, "is_skip_level"]).all()
    assert (~c.loc[visits, "stepwise_flag"].astype(bool)).sum() > 0


def test_repeats_point_back_in_time(frames):
    c = frames["cases"].set_index("case_id")
    rep = c[c["repeat_of"].notna()]
    assert (rep["repeat_flag"]).all() and not c.loc[c["repeat_of"].isna(), "repeat_flag"].any()
    assert (c.loc[rep["repeat_of"], "received_at"].to_numpy() < rep["received_at"].to_numpy()).all()
    assert (c["is_first"] == ~c["repeat_flag"]).all()


# ------------------------------------------------------------------ petitioners


def test_record_ids_are_content_hashes(frames):
    p = frames["petitioners"]
    assert (record_ids(p) == p["petitioner_id"]).all()
    assert p["petitioner_id"].str.fullmatch(r"R[0-9a-f]{16}").all()


def test_id_numbers_valid_except_planted_typos(frames, truth):
    from stdnum.cn import ric

    p = frames["petitioners"]
    has = p["id_number"].notna()
    assert (p.loc[has, "id_valid"] == id_checksum_valid(p.loc[has, "id_number"])).all()
    assert p.loc[~has, "id_valid"].isna().all()
    typo = p["petitioner_id"].map(truth.persons.set_index("petitioner_id")["id_typo"])
    assert (p.loc[has, "id_valid"] == ~typo[has].astype(bool)).all()
    assert typo.sum() > 0
    for number in p.loc[p["id_valid"].fillna(False).astype(bool), "id_number"].head(200):
        assert ric.calc_check_digit(number) == number[-1]
        assert 1900 < int(number[6:10]) < 2010
    main = frames["case_petitioners"].query("role == 'petitioner'").merge(p, on="petitioner_id")
    assert 0.15 <= main["id_number"].isna().mean() <= 0.35


def test_phones_and_addresses(frames):
    p = frames["petitioners"]
    assert p["phone"].dropna().str.fullmatch(r"1[3-9]\d{9}").all()
    assert p["address"].dropna().str.contains("镇|乡|街道").all()
    assert p["region_code"].str.fullmatch(r"3399\d{8}").all()


def test_collective_cases_list_at_most_five_representatives(frames):
    cp = frames["case_petitioners"]
    per_case = cp.groupby("case_id")["role"].value_counts().unstack(fill_value=0)
    assert (per_case["petitioner"] == 1).all()
    assert (per_case["petitioner"] + per_case.get("representative", 0) <= 5).all()
    hc = frames["cases"].set_index("case_id")["headcount"]
    reps = per_case.index[per_case.get("representative", 0) > 0]
    assert (hc[reps] >= 5).all()


def test_truth_maps_every_record_to_a_person(frames, truth):
    m = truth.persons
    assert m["petitioner_id"].is_unique
    assert set(m["petitioner_id"]) == set(frames["petitioners"]["petitioner_id"])
    assert m["person_id"].str.fullmatch(r"P\d{7}").all()
    assert m["person_id"].nunique() < len(m)  # some persons have several records
    assert set(m["name_variant"]) - {""} <= {"homophone", "traditional", "swap", "typo"}


def test_name_variants_keep_the_sound(truth):
    pypinyin = pytest.importorskip("pypinyin")
    m = truth.persons
    homo = m[m["name_variant"] == "homophone"]
    assert len(homo) > 0
    from workbench.sample.names import HOMOPHONES

    for a, b in HOMOPHONES.items():
        assert pypinyin.lazy_pinyin(a) == pypinyin.lazy_pinyin(b), (a, b)


# ------------------------------------------------------------------ planted patterns


def test_buck_passing_pair(frames, truth):
    bp = truth.buck_passing
    a, b = bp["unit_ids"]
    e = frames["events"]
    ev = e[e["case_id"].isin(bp["case_ids"])]
    assert len(bp["case_ids"]) >= 10
    between = ev[ev["from_unit_id"].isin([a, b]) & ev["to_unit_id"].isin([a, b])]
    via_bureau = ev[(ev["action"] == "return") & ev["from_unit_id"].isin([a, b])]
    assert len(between) + len(via_bureau) >= 2 * len(bp["case_ids"])
    pair_cases = set(between["case_id"]) | set(via_bureau["case_id"])
    assert pair_cases == set(bp["case_ids"])
    cats = frames["cases"].set_index("case_id").loc[bp["case_ids"]]
    assert set(cats["category_l1"] + "_" + cats["category_l2"]) <= set(bp["categories"])
    assert bp["late_share"] > 2 * bp["late_share_others"]
    # ping-pong between the two units is rare elsewhere
    others = e[~e["case_id"].isin(bp["case_ids"])]
    assert (others["from_unit_id"].isin([a, b]) & others["to_unit_id"].isin([a, b])).sum() <= 2


def test_overdue_leader(frames, truth):
    ol = truth.overdue_leader
    c, e = frames["cases"], frames["events"]
    late = late_mask(c, e, _end(truth))
    led = c["lead_person_id"].notna() & c["accepted_at"].notna()
    mine = c["lead_person_id"] == ol["person_id"]
    assert set(c.loc[mine, "case_id"]) == set(ol["case_ids"])
    assert mine.sum() >= 30
    assert late[led & mine].mean() >= 0.3
    assert late[led & ~mine].mean() <= 0.15
    by_leader = late[led].groupby(c.loc[led, "lead_person_id"]).agg(["mean", "size"])
    assert by_leader.loc[by_leader["size"] >= 10, "mean"].idxmax() == ol["person_id"]


def test_spike(frames, truth):
    sp = truth.spike
    c = frames["cases"]
    hit = c[(c["region_code"] == sp["region_code"]) & (c["category_l2"] == sp["category_l2"])]
    months = pd.period_range(truth.period["start"], _end(truth) - pd.Timedelta(days=1), freq="M").strftime("%Y-%m")
    monthly = hit["received_at"].dt.strftime("%Y-%m").value_counts().reindex(months, fill_value=0)
    assert monthly[sp["month"]] == sp["observed_count"]
    assert monthly[sp["month"]] >= 3 * max(monthly.median(), 1)
    assert monthly.idxmax() == sp["month"]
    spike = c[c["case_id"].isin(sp["case_ids"])]
    assert (spike["received_at"].dt.strftime("%Y-%m") == sp["month"]).all()
    assert spike["summary"].str.contains(sp["keyword"]).all()
    assert spike["summary"].str.contains(sp["factory"]).mean() > 0.5


def test_escalating_group(frames, truth):
    g = truth.group
    c = frames["cases"].set_index("case_id").loc[g["case_ids"]].sort_values("received_at")
    lvl = frames["units"].set_index("unit_id")["level"]
    levels = c["registered_unit_id"].map(lvl).map(LEVEL_ORDER).to_numpy()
    assert (np.diff(levels) >= 0).all()
    assert levels[0] == LEVEL_ORDER["county"] and levels.max() >= LEVEL_ORDER["province"]
    assert g["escalation_path"][:3] == ["county", "city", "province"]
    assert c["is_collective"].all() and (c["category_l2"] == "企业改制").all()
    assert (~c["stepwise_flag"].dropna().astype(bool)).any()  # skip-level visits at some point
    assert 8 <= len(g["person_ids"]) <= 15
    assert len(g["shared_phones"]) >= 1
    links = frames["case_petitioners"][frames["case_petitioners"]["case_id"].isin(g["case_ids"])]
    persons = links["petitioner_id"].map(truth.record_to_person())
    assert set(persons) == set(g["person_ids"])


def test_long_running_petitioners(frames, truth):
    lr = truth.long_running
    assert 5 <= len(lr) <= 10
    c = frames["cases"].set_index("case_id")
    cp = frames["case_petitioners"]
    to_person = truth.record_to_person()
    variants = 0
    for p in lr:
        assert len(p["case_ids"]) >= 8
        days = c.loc[p["case_ids"], "received_at"]
        assert days.max() - days.min() >= pd.Timedelta(days=730)
        recs = cp[cp["case_id"].isin(p["case_ids"]) & (cp["role"] == "petitioner")]["petitioner_id"]
        assert (recs.map(to_person) == p["person_id"]).all()
        variants += recs.nunique() > 1
        assert c.loc[p["case_ids"], "category_l2"].nunique() == 1
    assert variants >= len(lr) - 1


# ------------------------------------------------------------------ truth, export, casebook


def test_truth_json_roundtrip(tmp_path, truth):
    path = truth.to_json(tmp_path / "truth.json")
    assert (tmp_path / "truth_persons.csv").exists()
    back = Truth.from_json(path)
    assert back.to_dict() == truth.to_dict()
    pd.testing.assert_frame_equal(back.persons.reset_index(drop=True), truth.persons.reset_index(drop=True),
                                  check_dtype=False)


def test_write_sample(tmp_path):
    out = tmp_path / "sample"
    assert write_sample(out, n_cases=600, seed=5, dirty=False) == out
    truth = Truth.from_json(out / "truth" / "truth.json")
    assert {p.name for p in out.iterdir()} == {"ledger.xlsx", "events.csv", "truth", "README.md", "SYNTHETIC.json"}
    assert {p.name for p in (out / "truth").iterdir()} == {"truth.json", "truth_persons.csv"}
    assert truth.data_problems == []
    # the manifest that lets the trainer role load it: every file with its sha256
    import hashlib
    import json

    manifest = json.loads((out / "SYNTHETIC.json").read_text(encoding="utf-8"))
    assert (manifest["generator"], manifest["seed"], manifest["n_cases"], manifest["dirty"]) == (
        "workbench.sample.write_sample", 5, 600, False)
    assert manifest["files"] == {p: hashlib.sha256((out / p).read_bytes()).hexdigest() for p in (
        "README.md", "events.csv", "ledger.xlsx", "truth/truth.json", "truth/truth_persons.csv")}
    sheets = pd.read_excel(out / "ledger.xlsx", sheet_name=None, header=None, engine="calamine", dtype=object)
    assert list(sheets) == ["信访事项台账", "其他信访人", "单位", "人员"]
    ledger = sheets["信访事项台账"]
    assert str(ledger.iat[0, 0]).startswith("江临市信访事项台账（")
    headers = ledger.iloc[2].tolist()
    mapped = header_map().map_headers("cases", headers)
    assert len(mapped) == len(headers)
    assert mapped["内容分类"] == "category" and mapped["信访人姓名"] == "petitioner_name"
    body = ledger.iloc[3:]
    assert len(body) == 600
    assert body[0].map(lambda v: isinstance(v, str) and re.fullmatch(r"XF\d{16}", v) is not None).all()
    kinds = body[1].map(lambda v: type(v).__name__).value_counts()
    assert kinds.get("datetime", 0) > 400 and kinds.get("str", 0) > 0 and kinds.get("float", 0) + kinds.get("int", 0) > 0
    ids = body[headers.index("信访人证件号码")].dropna()
    assert ids.map(lambda v: isinstance(v, str)).all()
    for name, table in (("其他信访人", "petitioners"), ("单位", "units"), ("人员", "people")):
        hs = sheets[name].iloc[0].tolist()
        assert len(header_map().map_headers(table, hs)) == len(hs), name
    units = sheets["单位"]
    assert set(units.iloc[1:, 3]) <= set(vocabularies().labels["zh"]["unit_level"].values())
    ev = pd.read_csv(out / "events.csv", encoding="gb18030", dtype=str)
    assert len(header_map().map_headers("events", ev.columns)) == len(ev.columns)
    assert set(ev["办理方式"]) <= set(vocabularies().labels["zh"]["action"].values())
    assert ev["经办人"].notna().all()
    assert truth.n_cases == 600 and truth.seed == 5 and len(truth.persons) > 600


def test_generate_casebook():
    from workbench.sample import generate

    book, truth = generate(600, seed=2)
    assert len(book.cases) == 600
    assert truth.n_cases == 600


def test_small_samples_are_refused():
    with pytest.raises(ValueError):
        generate_frames(100)


def test_scale_and_seasonality():
    t = time.perf_counter()
    f, truth = generate_frames(20000, seed=3)
    elapsed = time.perf_counter() - t
    c = f["cases"]
    assert len(c) == 20000 and 140_000 < len(f["events"]) < 190_000
    assert elapsed < 60  # typically ~1.5 s; speed proper is measured in benchmarks/bench_sample.py
    # 欠薪 (wage arrears) peak in the two months before the Spring Festival
    wages = c[c["category_l2"] == "工资福利"]
    winter = wages["received_at"].dt.month.isin([12, 1]).mean()
    assert winter > 1.8 * (2 / 12)
    # visits and letters come on working days
    weekday = c.loc[c["channel"] == "visit", "received_at"].dt.day_of_week
    assert (weekday >= 5).mean() < 0.05


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_invariants_hold_across_seeds(seed):
    """What must hold for any seed, not only the one the other tests use."""
    f, truth = generate_frames(1000, seed=seed)
    c, e = f["cases"], f["events"]
    assert c["case_id"].is_unique and set(e["case_id"]) <= set(c["case_id"])
    co = e[e["role"].notna()]
    per_case = co.groupby("case_id")["role"].agg(lambda r: ((r == "lead").sum(), (r == "co").sum()))
    assert all(lead == 1 and n_co >= 1 for lead, n_co in per_case)
    units = set(f["units"]["unit_id"])
    assert set(e["to_unit_id"].dropna()) <= units and set(c["responsible_unit_id"]) <= units
    assert (e.groupby("case_id")["at"].apply(lambda s: s.is_monotonic_increasing)).all()
    assert truth.spike["observed_count"] >= 12
