"""Privacy (workbench.privacy, DESIGN §9): masks and scrubs on hand-built strings and frames, the
analyst's keyed pseudonyms, the key file, the trainer's synthetic-only rule, and a shareable copy
of the bundled sample with nothing personal left in it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.privacy import (
    MANIFEST,
    Masker,
    PrivacyError,
    SyntheticOnlyError,
    is_id_number,
    is_synthetic,
    mask_address,
    mask_id_number,
    mask_phone,
    masker_for,
    new_key,
    read_key,
    require_synthetic,
    scrub_text,
)

KEY = bytes(range(32))
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CODE = r"[0-9A-HJKMNP-TV-Z]"  # Crockford base32: no I, L, O, U
#: a full ID number or mobile phone standing alone (letters and digits around it make it part of
#: something else: a case number, a record id, a timestamp)
FULL_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
FULL_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


# --------------------------------------------------------------------------- masks and scrubs


def test_masks_of_single_values():
    assert mask_id_number("339903196408043304") == "3399**********3304"
    assert mask_id_number("339903640804330") == "3399*******4330"
    assert mask_phone("13812345678") == "138****5678" and mask_phone(None) == "" and mask_phone("123") == "***"
    assert mask_address("江临市青山县双溪镇下溪村8组53号") == "江临市青山县双溪镇"
    assert mask_address("江临市临江区锦屏街道香樟雅苑6幢1单元3201室") == "江临市临江区锦屏街道"
    assert mask_address("浙江省杭州市西湖区转塘街道象山村12号") == "浙江省杭州市西湖区转塘街道"
    assert mask_address("青山县下溪村8组") == "青山县"  # no township: up to the county
    assert mask_address("人民路12号") == "***" and mask_address(np.nan) == ""


def test_id_numbers_are_checked_not_guessed():
    assert is_id_number("339903196408043304")  # check character 4 is right
    assert not is_id_number("33990319640804330X")  # wrong check character: strict says no
    assert is_id_number("33990319640804330X", strict=False)  # … but a typo'd ID is still personal data
    assert not is_id_number("339903196413043304", strict=False)  # month 13: not a birth date
    assert is_id_number("339903640804330") and not is_id_number("339903641304330")  # the old 15-digit form
    assert not is_id_number("XF3399212023000007") and not is_id_number("12345")


def test_scrub_text_masks_ids_and_phones_right_next_to_chinese():
    assert scrub_text("联系电话13812345678，身份证号33990319640804330X") == "联系电话138****5678，身份证号3399**********330X"
    assert scrub_text("身份证339903196408043304号") == "身份证3399**********3304号"
    assert scrub_text("老身份证339903640804330。") == "老身份证3399*******4330。"
    assert scrub_text("手机+86 138 1234 5678、8613812345678、138-1234-5678") == "手机138****5678、138****5678、138****5678"
    assert scrub_text("座机0571-88881234或(010)12345678或057188881234") == \
        "座机0571-****1234或010-****5678或0571-****1234"


def test_scrub_text_leaves_numbers_that_are_not_personal():
    same = ["件号XF3399212023000007已办结", "时间戳1700000000000", "金额13812345678901元", "订单20250102123456789012",
            "编号339903196413043304", "共12345678元", "R13052084821ee064", "第2024000123号"]
    for s in same:
        assert scrub_text(s) == s, s
    assert scrub_text(None) == "" and scrub_text(float("nan")) == ""


def test_scrub_text_replaces_known_names():
    assert scrub_text("王建国和李秀英反映", {"王建国": "化名-A", "李秀英": "化名-B"}) == "化名-A和化名-B反映"
    assert scrub_text("欧阳建国反映，王建国附议", ["欧阳建国", "王建国", "王"]) == "****反映，***附议"  # longest first; 1 char never


def test_masker_text_and_values_by_role():
    sup, ana, tra = Masker("supervisor"), Masker("analyst", key=KEY), Masker("trainer")
    s = "王建国，电话13812345678，身份证339903196408043304"
    assert sup.text(s) == s and sup.id_number("339903196408043304") == "339903196408043304"
    assert ana.text(s) == tra.text(s) == "王建国，电话138****5678，身份证3399**********3304"
    assert ana.with_names({"王建国": ana.pseudonym("P1")}).text(s).startswith(ana.pseudonym("P1") + "，")
    assert ana.with_names(["王建国"]).text(s).startswith("某信访人，")
    assert (tra.phone("13812345678"), tra.address("江临市青山县双溪镇下溪村8组53号")) == ("138****5678", "江临市青山县双溪镇")
    with pytest.raises(PrivacyError, match="supervisor, analyst, trainer"):
        Masker("guest")


# --------------------------------------------------------------------------- pseudonyms


def test_pseudonyms_are_stable_keyed_and_the_same_code_in_both_languages():
    zh, en = Masker("analyst", "zh", KEY), Masker("analyst", "en", KEY)
    p = zh.pseudonym("P0123456789")
    assert re.fullmatch(f"化名-{CODE}{{8}}", p)
    assert p == "化名-40JD7CM1"  # the same in every run and process: HMAC-SHA256, nothing random
    assert en.pseudonym("P0123456789") == "alias-40JD7CM1"
    assert Masker("analyst", key=KEY).pseudonym("P0123456789") == p  # a second Masker, same key
    assert Masker("analyst", key=bytes(32)).pseudonym("P0123456789") != p  # another key, another code
    assert zh.pseudonym("P0123456788") != p
    assert zh.pseudonyms(["P1", "P2", "P1"]) == [zh.pseudonym("P1"), zh.pseudonym("P2"), zh.pseudonym("P1")]
    assert zh.person_label("P1", "王建国") == zh.pseudonym("P1")
    assert Masker("supervisor").person_label("P1", "王建国") == "王建国（P1）"
    assert Masker("supervisor").person_label("P1", None) == "P1"
    assert Masker("trainer").person_label("P1", "王建国") == "王建国"


def test_pseudonyms_from_one_key_file_agree_across_maskers(tmp_path):
    path = new_key(tmp_path / "k.key")
    a = masker_for("analyst", key_file=path).pseudonym("P42")
    b = masker_for("analyst", key_file=path).pseudonym("P42")
    other = masker_for("analyst", key_file=new_key(tmp_path / "other.key")).pseudonym("P42")
    assert a == b and a != other


def test_no_two_persons_of_the_sample_share_a_pseudonym(sample_book):
    ids = pd.unique(sample_book.book.petitioners["petitioner_id"].astype(str))
    assert len(ids) > 20_000
    m = Masker("analyst", key=KEY)
    codes = [m.pseudonym(k) for k in ids]
    assert len(set(codes)) == len(ids)  # 8 characters (40 bits): no collision among 24k records
    assert len(set(m.pseudonyms(ids))) == len(ids)


def test_colliding_codes_get_longer(monkeypatch):
    import workbench.privacy.masking as M

    monkeypatch.setattr(M, "CODE_LENGTH", 1)  # 32 codes for 200 keys: collisions are certain
    m = Masker("analyst", key=KEY)
    keys = [f"P{i}" for i in range(200)]
    labels = m.pseudonyms(keys)
    assert len(set(labels)) == 200
    assert {len(lab) for lab in labels} == {len("化名-") + 10}  # every one collided here, so all got 10


# --------------------------------------------------------------------------- the key


def test_new_key_and_read_key(tmp_path):
    p = new_key(tmp_path / "sub" / "analyst.key")
    assert re.fullmatch(r"[0-9a-f]{64}\n", p.read_text()) and (p.stat().st_mode & 0o777) == 0o600
    assert len(read_key(p)) == 32
    with pytest.raises(PrivacyError, match="analyst.key: a file is already there"):
        new_key(p)
    for name, body, why in (("empty.key", "", "empty"), ("word.key", "secret words", "not a key"),
                            ("short.key", "abcd" * 4, "too short")):
        f = tmp_path / name
        f.write_text(body)
        with pytest.raises(PrivacyError, match=f"{name}.*{why}"):
            read_key(f)
    with pytest.raises(PrivacyError, match="nowhere.key: no such file"):
        read_key(tmp_path / "nowhere.key")


def test_analyst_without_a_key_is_told_the_three_ways(monkeypatch):
    monkeypatch.delenv("WORKBENCH_PSEUDONYM_KEY_FILE", raising=False)
    wb.set_config(pseudonym_key_file=None)
    with pytest.raises(PrivacyError) as err:
        masker_for("analyst")
    msg = str(err.value)
    for way in ("pseudonym_key_file", "WORKBENCH_PSEUDONYM_KEY_FILE", "--key-file", "workbench key new"):
        assert way in msg, way
    assert masker_for("trainer").role == "trainer" and masker_for("supervisor").full  # they need none
    with pytest.raises(PrivacyError, match="unknown role 'guest'.*supervisor, analyst, trainer"):
        masker_for("guest")


def test_key_resolution_order(tmp_path, monkeypatch):
    by_arg, by_config, by_env = (new_key(tmp_path / f"{n}.key") for n in ("arg", "config", "env"))
    code = {p: Masker("analyst", key=read_key(p)).pseudonym("P1") for p in (by_arg, by_config, by_env)}
    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY_FILE", str(by_env))
    wb.set_config(pseudonym_key_file=None)
    assert masker_for("analyst").pseudonym("P1") == code[by_env]
    wb.set_config(pseudonym_key_file=str(by_config))
    assert masker_for("analyst").pseudonym("P1") == code[by_config]
    assert masker_for("analyst", key_file=by_arg).pseudonym("P1") == code[by_arg]
    wb.set_config(pseudonym_key_file=str(tmp_path / "gone.key"))
    with pytest.raises(PrivacyError, match="gone.key: no such file"):
        masker_for("analyst")


# --------------------------------------------------------------------------- tables


def test_frame_masks_the_personal_columns_by_role():
    df = pd.DataFrame({"petitioner_id": ["R1", "R2"], "name": ["王建国", None], "id_number": ["339903196408043304", None],
                       "phone": ["13812345678", "0571-88881234"], "address": ["江临市青山县双溪镇下溪村8组53号", None],
                       "summary": ["电话13812345678", None], "n": [1, 2]})
    ana = Masker("analyst", key=KEY)
    out = ana.frame(df)
    assert out["name"].tolist()[0] == ana.pseudonym("R1") and pd.isna(out["name"].iloc[1])
    assert out["petitioner_id"].tolist() == [ana.record_id("R1"), ana.record_id("R2")]
    assert re.fullmatch(f"R{CODE}{{16}}", out["petitioner_id"].iloc[0])
    assert out["id_number"].iloc[0] == "3399**********3304" and pd.isna(out["id_number"].iloc[1])
    assert out["phone"].tolist() == ["138****5678", "0571-****1234"]
    assert out["address"].iloc[0] == "江临市青山县双溪镇" and out["summary"].iloc[0] == "电话138****5678"
    assert out["n"].tolist() == [1, 2] and len(out) == 2 and df["name"].iloc[0] == "王建国"  # df untouched
    tra = Masker("trainer").frame(df)
    assert tra["name"].iloc[0] == "王建国" and tra["petitioner_id"].tolist() == ["R1", "R2"]
    assert tra["phone"].iloc[0] == "138****5678"
    assert Masker("supervisor").frame(df) is df
    # a person_key wins over the record id; a units table's name is not a person's
    keyed = ana.frame(pd.DataFrame({"person_key": ["P1"], "petitioner_id": ["R1"], "姓名": ["王建国"]}))
    assert keyed.iloc[0].tolist() == [ana.pseudonym("P1"), ana.record_id("R1"), ana.pseudonym("P1")]
    units = pd.DataFrame({"unit_id": ["U1"], "name": ["青山县住建局"]})
    assert ana.frame(units)["name"].tolist() == ["青山县住建局"]


def test_frame_masks_list_columns_of_a_persons_table():
    """The resolver's persons table holds lists (name variants, phones): each element masked."""
    df = pd.DataFrame({"person_key": ["P1", "P2"], "name": ["王建国", "李四"],
                       "name_variants": [["王建国", "王建囯"], ["李四"]], "phones": [["13812345678"], []]})
    ana = Masker("analyst", key=KEY)
    out = ana.frame(df)
    assert out["name_variants"].tolist() == [[ana.pseudonym("P1")], [ana.pseudonym("P2")]]
    assert out["phones"].tolist() == [["138****5678"], []]
    assert out["name"].tolist() == [ana.pseudonym("P1"), ana.pseudonym("P2")]


def _hand_book():
    """Three cases: A (求决) by 王建国 R1 with co-signer 李丽 R2, whose summary names both; B an
    accusation (揭发控告) by 赵秀英 R3 naming herself; C (求决) by 王建国 again (a second record R4)."""
    cases = pd.DataFrame({
        "case_id": ["A", "B", "C"], "received_at": ["2025-01-02", "2025-01-03", "2025-02-01"],
        "demand_type": ["求决", "揭发控告", "求决"],
        "summary": ["王建国与李丽反映杨林镇征地补偿，电话13812345678", "赵秀英举报村干部，身份证339903196408043304",
                    "王建国再次反映"]})
    pets = pd.DataFrame({
        "petitioner_id": ["R1", "R2", "R3", "R4"], "name": ["王建国", "李丽", "赵秀英", "王建国"],
        "id_number": ["339903196408043304", None, "339903640804330", None],
        "phone": ["13812345678", "13900000001", "13700000002", "13812345678"],
        "address": ["江临市青山县双溪镇下溪村8组53号", None, "江临市云溪县杨林镇枣湾村5组", None],
        "region_code": ["339921104203", None, "339922100206", None]})
    links = pd.DataFrame({"case_id": ["A", "A", "B", "C"], "petitioner_id": ["R1", "R2", "R3", "R4"],
                          "role": ["petitioner", "cosigner", "petitioner", "petitioner"]})
    events = pd.DataFrame({"case_id": ["A", "B"], "at": ["2025-01-02", "2025-01-03"], "action": ["登记", "登记"],
                           "note": ["李丽来电13900000001", "赵秀英来访"]})
    return wb.Casebook.from_frames(cases=cases, events=events, petitioners=pets, case_petitioners=links, now="2025-06-01")


def test_book_for_an_analyst_on_a_hand_built_ledger():
    book = _hand_book()
    m = Masker("analyst", key=KEY)
    assert m.hidden_cases(book).tolist() == ["B"] and Masker("supervisor").hidden_cases(book).tolist() == []
    out = m.book(book)
    assert out.filters["privacy"] == {"role": "analyst", "hidden_links": 1, "withheld_records": 1}
    assert [len(t) for t in (out.cases, out.events, out.petitioners)] == [3, len(book.events), 4]
    assert len(out.case_petitioners) == 3 and "B" not in set(out.case_petitioners["case_id"])
    p = out.petitioners.set_index(book.petitioners["petitioner_id"].to_numpy())
    # pseudonyms of the records (no resolution given): R1 and R4 are two records, two pseudonyms
    assert p.loc["R1", "name"] == m.pseudonym("R1") and p.loc["R4", "name"] == m.pseudonym("R4")
    assert p.loc["R1", "id_number"] == "3399**********3304" and p.loc["R1", "phone"] == "138****5678"
    assert p.loc["R1", "address"] == "江临市青山县双溪镇" and p.loc["R1", "region_code"] == "339921104"
    assert p.loc["R3", "name"] == "（不予显示）" and p[["id_number", "phone", "address"]].loc["R3"].isna().all()
    assert p.loc["R1", "petitioner_id"] == m.record_id("R1")
    assert set(out.case_petitioners["petitioner_id"]) == {m.record_id(r) for r in ("R1", "R2", "R4")}
    s = dict(zip(out.cases["case_id"], out.cases["summary"], strict=True))
    # 王建国 is two records (two pseudonyms) → 某信访人; 李丽 (two characters) only in her own case;
    # the place 杨林镇 stays; the accuser is never named, not even by a pseudonym
    assert s["A"] == f"某信访人与{m.pseudonym('R2')}反映杨林镇征地补偿，电话138****5678"
    assert s["B"] == "某信访人举报村干部，身份证3399**********3304"
    assert s["C"] == "某信访人再次反映"
    assert out.events["note"].dropna().tolist() == [f"{m.pseudonym('R2')}来电139****0001", "某信访人来访"]
    # with a resolution, the pseudonym is the person's
    from types import SimpleNamespace

    persons = SimpleNamespace(records=pd.DataFrame({"petitioner_id": ["R1", "R2", "R3", "R4"],
                                                    "person_key": ["PA", "PB", "PC", "PA"]}))
    byp = m.book(book, persons)
    assert byp.petitioners["name"].tolist()[:2] == [m.pseudonym("PA"), m.pseudonym("PB")]
    assert byp.petitioners["name"].iloc[3] == m.pseudonym("PA")
    assert byp.cases["summary"].iloc[2] == f"{m.pseudonym('PA')}再次反映"


def test_book_for_a_trainer_and_a_supervisor():
    book = _hand_book()
    assert Masker("supervisor").book(book) is book
    out = Masker("trainer").book(book)
    assert out.filters["privacy"]["hidden_links"] == 1 and "B" not in set(out.case_petitioners["case_id"])
    assert out.petitioners["name"].tolist() == ["王建国", "李丽", "（不予显示）", "王建国"]  # invented names stay
    assert out.petitioners["phone"].tolist()[:2] == ["138****5678", "139****0001"]  # numbers never leave
    assert out.petitioners["petitioner_id"].tolist() == ["R1", "R2", "R3", "R4"]
    assert out.cases["summary"].iloc[1].startswith("某信访人举报")  # the accuser's name goes
    assert out.cases["summary"].iloc[0].startswith("王建国与李丽")


def _distinct_text(df: pd.DataFrame) -> str:
    """Every distinct value of every column, one a line (what a scan of the table must read)."""
    return "\n".join("\n".join(map(str, pd.unique(df[c].dropna()))) for c in df.columns)


def test_book_of_the_sample_for_an_analyst_leaves_nothing_personal(sample_book):
    """Every table of the shared copy: no full ID number or mobile phone anywhere; no petitioner
    name in the person tables, the summaries, notes or quarantine; no accusation link; nothing
    else dropped. (Units and officials keep their names — officials answer for their work by
    name, and many units are named after places that are also two-character given names.)"""
    book = sample_book.book
    m = Masker("analyst", key=KEY)
    out = m.book(book)
    for t in ("cases", "events", "petitioners", "units", "people", "quarantine"):
        assert len(out[t] if t != "quarantine" else out.quarantine) == len(book[t] if t != "quarantine" else book.quarantine)
    acc = set(book.cases.loc[book.cases["demand_type"] == "accusation", "case_id"])
    n_acc_links = int(book.case_petitioners["case_id"].isin(acc).sum())
    assert n_acc_links > 500 and out.filters["privacy"]["hidden_links"] == n_acc_links
    assert len(out.case_petitioners) == len(book.case_petitioners) - n_acc_links
    assert not out.case_petitioners["case_id"].isin(acc).any()

    tables = {t: out[t] for t in ("cases", "events", "petitioners", "case_petitioners", "units", "people")}
    tables["quarantine"] = out.quarantine
    tables.update({f"rejected.{k}": v for k, v in out.rejected.items()})
    for name, df in tables.items():
        text = _distinct_text(df)
        ids = [x for x in FULL_ID.findall(text) if is_id_number(x, strict=False)]
        assert ids == [], (name, ids[:3])
        assert FULL_MOBILE.findall(text) == [], (name, FULL_MOBILE.findall(text)[:3])

    names = {str(n) for n in book.petitioners["name"].dropna() if len(str(n)) >= 2}
    from workbench.privacy.masking import _name_regex

    any_name = _name_regex(names)
    long_name = _name_regex(n for n in names if len(n) >= 3)
    assert any_name is not None and long_name is not None
    # (an address keeps its township, and towns share two-character given names: 杨林镇, 杨林)
    person = tables["petitioners"].drop(columns=["address"])
    for name, df in (("petitioners", person), ("case_petitioners", tables["case_petitioners"])):
        assert any_name.search(_distinct_text(df)) is None, name
    assert long_name.search(_distinct_text(tables["petitioners"][["address"]])) is None
    for df in (out.rejected.get("petitioners"), out.rejected.get("cases")):
        if df is not None:
            cols = [c for c in df.columns if c in ("name", "petitioner_name")]
            assert any_name.search(_distinct_text(df[cols])) is None
    free = _distinct_text(pd.DataFrame({"text": pd.concat([out.cases["summary"], out.events["note"],
                                                           out.quarantine["value"]], ignore_index=True)}))
    assert long_name.search(free) is None
    # a two-character name is gone from its own case's texts
    own = book.case_petitioners.merge(book.petitioners[["petitioner_id", "name"]], on="petitioner_id")
    own = own.loc[own["name"].str.len() == 2].merge(out.cases[["case_id", "summary"]], on="case_id").dropna()
    assert not any(n in s for n, s in zip(own["name"], own["summary"], strict=True))


# --------------------------------------------------------------------------- the trainer's rule


def test_the_bundled_sample_carries_a_true_manifest():
    import json

    manifest = json.loads((SAMPLE / MANIFEST).read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["n_cases"]) == (7, 20000)
    for name in ("ledger.xlsx", "events.csv"):
        assert manifest["files"][name] == hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest()
    assert is_synthetic(SAMPLE) and is_synthetic([SAMPLE / "ledger.xlsx", SAMPLE / "events.csv"])


def test_trainer_loads_the_bundled_sample():
    wb.set_config(role="trainer")
    book = wb.load(SAMPLE)  # SYNTHETIC.json and README.md are not read as data
    assert len(book.cases) == 20000


def test_trainer_is_refused_real_data_naming_the_file(ledger_xlsx, events_csv_gb):
    wb.set_config(role="trainer")
    with pytest.raises(SyntheticOnlyError) as err:
        wb.load([ledger_xlsx, events_csv_gb])
    msg = str(err.value)
    assert "台账.xlsx" in msg and "流转记录.csv" in msg and "synthetic" in msg
    assert isinstance(err.value, wb.LoadError) and isinstance(err.value, PrivacyError)
    wb.set_config(role="supervisor")
    assert len(wb.load(ledger_xlsx).cases) > 0  # the same file loads for a supervisor


def test_a_changed_or_added_file_is_not_synthetic(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    for name in ("ledger.xlsx", "events.csv", MANIFEST):
        shutil.copy(SAMPLE / name, d / name)
    require_synthetic(d)
    with (d / "events.csv").open("ab") as f:
        f.write(b"\n")
    with pytest.raises(SyntheticOnlyError, match=r"events\.csv: changed since it was generated"):
        require_synthetic(d)
    shutil.copy(SAMPLE / "events.csv", d / "events.csv")
    (d / "real.csv").write_text("信访件编号,信访日期\nX1,2025-01-02\n", encoding="utf-8")
    with pytest.raises(SyntheticOnlyError, match=r"real\.csv: not listed in"):
        require_synthetic(d)
    assert not is_synthetic("sqlite:///x.db") and not is_synthetic(tmp_path / "missing.xlsx")
