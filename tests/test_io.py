"""Readers, header mapping, validation and quarantine on hand-built ledgers."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench import LoadError
from workbench.ids import id_checksum_valid
from workbench.io.sources import detect_encoding

from .conftest import EVENTS_CSV, LEDGER_HEADER, LEDGER_ROWS, NOW


def _reasons(book, table=None):
    q = book.quarantine
    if table:
        q = q[q["table"] == table]
    return q.groupby(["reason", "outcome"]).size().to_dict()


def test_excel_ledger_with_title_rows_and_broken_rows(ledger_xlsx):
    book = workbench.load(ledger_xlsx, now=NOW)
    # 11 data rows below the header, one of them blank: 10 read
    assert book.quality().tables.set_index("table").loc["cases"].to_dict() == {
        "read": 10, "clean": 3, "flagged": 3, "quarantined": 4, "derived": 0,
    }
    assert sorted(book.cases["case_id"]) == ["20250003", "XF001", "XF002", "XF007", "XF009", "XF011"]
    assert _reasons(book, "cases") == {
        ("duplicate_case_id", "quarantined"): 1,
        ("unparseable_required_date", "quarantined"): 1,
        ("future_required_date", "quarantined"): 1,
        ("missing_required", "quarantined"): 1,
        ("unknown_value", "flagged"): 1,
        ("closed_before_accepted", "flagged"): 1,
        ("bad_headcount", "flagged"): 1,
        ("date_before_1980", "flagged"): 1,
        ("unknown_category", "flagged"): 1,
        ("unparseable_date", "flagged"): 1,
        ("invalid_id_number", "flagged"): 1,
    }
    # the problem log names file, sheet, spreadsheet row, column and value
    dup = book.quarantine[book.quarantine["reason"] == "duplicate_case_id"].iloc[0]
    assert (dup["file"], dup["sheet"], dup["row"], dup["column"], dup["value"]) == ("台账.xlsx", "台账", 7, "case_id", "XF001")
    bad_date = book.quarantine[book.quarantine["reason"] == "unparseable_required_date"].iloc[0]
    assert (bad_date["row"], bad_date["value"]) == (8, "三月七日")
    # rejected rows are kept whole
    assert len(book.rejected["cases"]) == 4
    # the notes sheet is reported, not silently ignored
    src = book.quality().sources
    assert src.loc[src["sheet"] == "说明", "note"].str.contains("no header").all()
    assert src.loc[src["sheet"] == "台账", "header_row"].item() == 3


def test_excel_values_and_types(ledger_xlsx):
    book = workbench.load(ledger_xlsx, now=NOW)
    c = book.cases.set_index("case_id")
    assert c.loc["XF001", "received_at"] == pd.Timestamp("2025-03-03 09:30")
    assert c.loc["XF002", "accepted_at"] == pd.Timestamp("2025-03-06")
    assert c.loc["XF002", "replied_at"] == pd.Timestamp("2025-04-01 10:30")
    assert c.loc["20250003", "received_at"] == pd.Timestamp("2025-03-04")  # Excel serial 45720
    assert c.loc["XF001", ["category_l1", "category_l2"]].tolist() == ["城乡建设", "住房保障与房地产"]
    assert c.loc["20250003", ["category_l1", "category_l2"]].tolist() == ["国土资源", "土地征收"]
    assert c.loc["XF002", "channel"] == "online" and c.loc["XF001", "channel"] == "visit"
    assert pd.isna(c.loc["XF007", "channel"]) and pd.isna(c.loc["XF007", "headcount"])
    assert c.loc["XF009", "channel"] == "phone" and c.loc["XF009", "demand_type"] == "inquiry"
    assert c.loc["XF002", "satisfaction"] == "basically_satisfied"
    assert c.loc["XF001", "source_row"] == "台账.xlsx:台账:4"
    # unknown columns are kept
    assert "备注栏" in book.cases.columns and c.loc["XF001", "备注栏"] == "a"
    # flags
    assert c.loc["XF011", "is_collective"] and not c.loc["XF001", "is_collective"]
    assert c.loc["XF011", "is_skip_level"] and not c.loc["XF001", "is_skip_level"]
    # dtypes are the declared ones
    assert str(book.cases["received_at"].dtype) == "datetime64[ms]"
    assert str(book.cases["headcount"].dtype) == "Int32"
    assert str(book.cases["is_collective"].dtype) == "boolean"
    # ID numbers stay text with the trailing X
    p = book.petitioners.set_index("name")
    assert p.loc["王建国", "id_number"] == "11010519491231002X" and bool(p.loc["王建国", "id_valid"])
    assert not bool(p.loc["赵六", "id_valid"])


def test_derived_event_log_and_units(ledger_xlsx):
    book = workbench.load(ledger_xlsx, now=NOW)
    ev = book.events
    assert ev["derived"].all()
    x1 = ev[ev["case_id"] == "XF001"]
    assert x1["action"].tolist() == ["register", "assign", "accept", "reply", "close"]
    x2 = ev[ev["case_id"] == "XF002"]
    co = x2[x2["role"] == "co"]
    assert sorted(co["to_unit_id"]) == ["青山县住建局", "青山县总工会"]
    assert (x2.loc[x2["role"] == "lead", "to_unit_id"] == "青山县人社局").all()
    u = book.units.set_index("unit_id")["level"]
    assert u["省信访局"] == "province" and u["青山县住建局"] == "county" and u["江临市信访局"] == "city"
    assert set(book.people["person_id"]) == {"张明"}


def test_gb18030_event_log_with_broken_lines(ledger_xlsx, events_csv_gb):
    book = workbench.load([ledger_xlsx, events_csv_gb], now=NOW)
    t = book.quality().tables.set_index("table").loc["events"]
    # 12 data lines (one record spans two lines): 8 taken, 4 quarantined
    assert (t["read"], t["quarantined"], t["flagged"]) == (12, 4, 1)
    assert _reasons(book, "events") == {
        ("malformed_row", "quarantined"): 1,
        ("unknown_case", "quarantined"): 1,
        ("unknown_action", "quarantined"): 1,
        ("unparseable_required_date", "quarantined"): 1,
        ("event_before_registration", "flagged"): 1,
        ("event_out_of_order", "flagged"): 1,
    }
    q = book.quarantine.set_index("reason")
    assert q.loc["malformed_row", "row"] == 11  # the line a text editor shows (a record above spans two)
    assert q.loc["unknown_case", "row"] == 12 and q.loc["unknown_case", "value"] == "XF999"
    src = book.events.set_index(["case_id", "action"])["source_row"]
    assert src[("XF001", "reply")] == "流转记录.csv:6"
    assert book.events.loc[book.events["action"] == "reply", "note"].iloc[0] == "答复意见，\n见附件"
    # cases with a source log get no derived events; the others do
    assert not book.events.loc[book.events["case_id"].isin(["XF001", "XF002"]), "derived"].any()
    assert book.events.loc[book.events["case_id"] == "XF011", "derived"].all()
    # co-handling assignment from the log kept as such
    x2 = book.events[(book.events["case_id"] == "XF002") & (book.events["action"] == "assign")]
    assert dict(zip(x2["to_unit_id"], x2["role"], strict=True)) == {"青山县人社局": "lead", "青山县住建局": "co"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_detected(tmp_path, encoding):
    text = "标题：台账\n信访件编号,信访日期,信访形式,概况信息\nA1,2024-01-02,来信,反映噪音扰民\nA2,2024年1月3日,来访,欠薪\n"
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode(encoding))
    assert detect_encoding(p.read_bytes())[0] in ("utf-8", "gb18030")
    book = workbench.load(p, now=NOW)
    assert book.cases["summary"].tolist() == ["反映噪音扰民", "欠薪"]
    assert book.cases["channel"].tolist() == ["letter", "visit"]
    assert book.cases["source_row"].tolist() == ["t.csv:3", "t.csv:4"]


def test_unknown_encoding_is_a_load_error(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"\x81\x30" * 5 + bytes(range(128, 256)) * 40)
    with pytest.raises(LoadError, match="bad.csv"):
        workbench.load(p)


def test_missing_required_column_names_file_and_closest_headers(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text("信访件编号,来信时间,信访形式,概况信息\nA1,2024-01-02,来信,x\n", encoding="utf-8")
    with pytest.raises(LoadError) as err:
        workbench.load(p)
    msg = str(err.value)
    assert "ledger.csv" in msg and "received_at" in msg and "来信时间" in msg
    # the explicit mapping fixes it
    book = workbench.load(p, columns={"来信时间": "received_at"}, now=NOW)
    assert book.cases["received_at"].tolist() == [pd.Timestamp("2024-01-02")]


def test_pinyin_and_english_headers(tmp_path):
    p = tmp_path / "national.csv"
    p.write_text(
        "XFJBH,XFRQ,XFXS,WTSDDM,NRFLMC,XBJZSJ,BJSJ,extra_col\n"
        "330100202400001,20240105,网上信访,330102,城乡建设_建设管理,2024-03-05,2024-02-01,keep me\n",
        encoding="utf-8",
    )
    book = workbench.load(p, now=NOW)
    c = book.cases.iloc[0]
    assert c["case_id"] == "330100202400001" and c["received_at"] == pd.Timestamp("2024-01-05")
    assert c["region_code"] == "330102" and c["due_at"] == pd.Timestamp("2024-03-05")
    assert c["closed_at"] == pd.Timestamp("2024-02-01") and c["extra_col"] == "keep me"
    q = tmp_path / "en.csv"
    q.write_text("case_id,received_at,channel,category_l1,category_l2\nE1,2024-01-05,hotline,环境保护,环境污染\n", encoding="utf-8")
    c = workbench.load(q, now=NOW).cases.iloc[0]
    assert (c["channel"], c["category_l1"], c["category_l2"]) == ("hotline", "环境保护", "环境污染")


def test_multi_table_workbook_maps_names_to_ids(tmp_path, write_xlsx):
    cases = [["信访件编号", "信访日期", "责任单位", "包案领导", "登记机关"],
             ["C1", "2024-05-06", "青山县住建局", "李强", "省信访局"],
             ["C2", "2024-05-07", "U9", "L1", "省信访局"],
             ["C3", "2024-05-08", "不存在局", "无名氏", "U1"]]
    events = [["信访件编号", "办理时间", "办理方式", "办理机构", "去向机构", "经办人"],
              ["C1", "2024-05-06 09:00", "登记", "省信访局", None, None],
              ["C1", "2024-05-07 09:00", "交办", "省信访局", "青山县住建局", None]]
    pets = [["信访件编号", "姓名", "证件号码", "手机号", "身份"],
            ["C1", "王五", "11010519491231002X", "13900000000", "代表"],
            ["C1", "赵六", None, "13900000000", "联名人"],
            ["C9", "孙七", None, None, "联名人"]]
    units = [["单位编号", "单位名称", "上级单位编号", "层级"],
             ["U1", "省信访局", None, "省"], ["U2", "江临市政府", "U1", "市"],
             ["U9", "青山县住建局", "U2", "县"], ["U9", "重复单位", None, "县"]]
    people = [["人员编号", "姓名", "所在单位", "职务", "角色"], ["L1", "李强", "U9", "局长", "主要领导"]]
    p = write_xlsx(tmp_path / "all.xlsx", {"信访件": cases, "办理过程": events, "信访人": pets, "单位": units, "人员": people})
    book = workbench.load(p, now=NOW)
    c = book.cases.set_index("case_id")
    assert c.loc["C1", "responsible_unit_id"] == "U9" and c.loc["C1", "lead_person_id"] == "L1"
    assert c.loc["C1", "registered_unit_id"] == "U1" and c.loc["C2", "responsible_unit_id"] == "U9"
    assert c.loc["C3", "responsible_unit_id"] == "不存在局"  # kept as written, flagged
    assert bool(c.loc["C1", "is_skip_level"])  # province (4) above county (2) + 1
    assert _reasons(book, "cases") == {("unknown_unit", "flagged"): 1, ("unknown_person", "flagged"): 1}
    assert _reasons(book, "units") == {("duplicate_key", "quarantined"): 1}
    assert _reasons(book, "petitioners") == {("unknown_case", "quarantined"): 1}
    assert book.events.loc[~book.events["derived"], "to_unit_id"].dropna().tolist() == ["U9"]
    links = book.case_petitioners.sort_values("role")
    assert links["role"].tolist() == ["cosigner", "representative"]
    assert len(book.petitioners) == 2
    assert book.units.set_index("unit_id").loc["U9", "level"] == "county"
    assert book.where(unit="江临市政府").cases["case_id"].tolist() == ["C1", "C2"]


def test_xls_legacy(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("台账")
    rows = [["信访件编号", "信访日期", "信访形式"], ["X1", "2023-04-04", "来访"], ["X2", "2023/4/5", "来信"]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    p = tmp_path / "old.xls"
    wb.save(str(p))
    book = workbench.load(p, now=NOW)
    assert book.cases["received_at"].tolist() == [pd.Timestamp("2023-04-04"), pd.Timestamp("2023-04-05")]


def test_parquet_duckdb_sqlite_round_trip(tmp_path, ledger_xlsx, events_csv_gb):
    import duckdb

    book = workbench.load([ledger_xlsx, events_csv_gb], now=NOW)
    d = book.to_parquet(tmp_path / "pq")
    again = workbench.load(d, now=NOW)
    pd.testing.assert_frame_equal(again.cases[book.cases.columns].reset_index(drop=True),
                                  book.cases.reset_index(drop=True), check_dtype=False)
    assert not (again.quarantine["outcome"] == "quarantined").any()
    assert again.events["source_row"].tolist() == book.events["source_row"].tolist()

    db = tmp_path / "ledger.duckdb"
    con = duckdb.connect(str(db))
    cases = pd.DataFrame({"信访件编号": ["D1", "D2"], "信访日期": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)], "信访形式": ["来访", "来信"]})
    con.register("c", cases)
    con.execute("CREATE TABLE 台账 AS SELECT * FROM c")
    con.close()
    b = workbench.load(db, now=NOW)
    assert b.cases["case_id"].tolist() == ["D1", "D2"] and b.cases["channel"].tolist() == ["visit", "letter"]

    sq = tmp_path / "ledger.sqlite"
    with sqlite3.connect(sq) as con:
        con.execute("CREATE TABLE cases (xfjbh TEXT, xfrq TEXT, xfxs TEXT, sjh TEXT)")
        con.execute("INSERT INTO cases VALUES ('S1', '2024-02-03', '来电', '01012345678')")
    b = workbench.load(f"sqlite:///{sq}", now=NOW)
    assert b.cases["case_id"].tolist() == ["S1"] and b.cases["channel"].tolist() == ["phone"]
    assert workbench.load(sq, now=NOW).cases["case_id"].tolist() == ["S1"]


@pytest.mark.postgres
def test_postgresql_server(tmp_path):
    initdb = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
    pytest.importorskip("psycopg")
    if initdb is None:
        pytest.skip("no PostgreSQL server binaries on this machine")
    bindir = Path(initdb).parent
    data = tmp_path / "pg"
    user = "postgres"
    import os

    env = dict(os.environ)
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system user
        import pwd

        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' system user to run the server")
        run_as = ["runuser", "-u", "postgres", "--"]
        subprocess.run(["chown", "postgres", str(tmp_path)], check=True)
        os.chmod(tmp_path, 0o777)
        for parent in tmp_path.parents:
            try:
                os.chmod(parent, os.stat(parent).st_mode | 0o011)
            except PermissionError:
                pass
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust"],
                   check=True, capture_output=True, env=env)
    port = 54329
    sock = tmp_path
    proc = subprocess.Popen([*run_as, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                             "-k", str(sock), "-h", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import psycopg

        url = f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres"
        for _ in range(100):
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} user={user} dbname=postgres") as con:
                    con.execute('CREATE TABLE "信访件" ("信访件编号" text, "登记时间" timestamp, "信访形式" text)')
                    con.execute("INSERT INTO \"信访件\" VALUES ('P1', '2024-06-01 10:00', '网上信访')")
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        book = workbench.load(url, now=NOW)
        assert book.cases["case_id"].tolist() == ["P1"]
        assert book.cases["received_at"].tolist() == [pd.Timestamp("2024-06-01 10:00")]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_id_checksum_agrees_with_stdnum():
    import numpy as np
    from stdnum.cn import ric

    rng = np.random.default_rng(1)
    base = [f"{rng.integers(110000, 659999)}{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{rng.integers(0, 999):03d}" for i in range(400)]
    ids = [b + d for b in base for d in (ric.calc_check_digit(b + "0"), str(rng.integers(0, 10)), "X")]
    ids += ["11010519491331002X", "1101051949123100", "abc"]
    got = id_checksum_valid(pd.Series(ids)).tolist()

    def oracle(i: str) -> bool:  # checksum and birth date; stdnum's is_valid also checks the birthplace table
        try:
            ric.get_birth_date(i)
            return len(i) == 18 and ric.calc_check_digit(i) == i[-1]
        except Exception:
            return False

    assert got == [oracle(i) for i in ids]
    assert sum(got) >= 400


def test_nothing_dropped_counts_add_up(ledger_xlsx, events_csv_gb):
    book = workbench.load([ledger_xlsx, events_csv_gb], now=NOW)
    t = book.quality().tables
    assert (t["read"] == t["clean"] + t["flagged"] + t["quarantined"]).all()
    taken = {"cases": len(book.cases), "events": int((~book.events["derived"]).sum())}
    for name, n in taken.items():
        row = t.set_index("table").loc[name]
        assert row["clean"] + row["flagged"] == n
    text = str(book.quality())
    assert "隔离 4" in text and "台账.xlsx" in text


def test_where_filters(ledger_xlsx):
    book = workbench.load(ledger_xlsx, now=NOW)
    assert sorted(book.where(region="339901").cases["case_id"]) == ["20250003", "XF001", "XF007", "XF009", "XF011"]
    assert book.where(region="339901001").cases["case_id"].tolist() == ["XF001", "XF011"]
    assert book.where(region="339900").cases.shape[0] == 6
    assert book.where(period=("2025-03-04", "2025-03-08")).cases["case_id"].tolist() == ["XF002", "20250003", "XF007"]
    assert book.where(channel=["来访", "letter"]).cases["case_id"].tolist() == ["XF001", "20250003", "XF011"]
    assert book.where(category="国土资源/土地征收").cases["case_id"].tolist() == ["20250003"]
    sub = book.where(unit="青山县住建局", period="2025-03")
    assert sorted(sub.cases["case_id"]) == ["XF001", "XF007", "XF009"]
    assert set(sub.events["case_id"]) == {"XF001", "XF007", "XF009"}
    assert set(sub.case_petitioners["case_id"]) == {"XF001"}
    assert sub.filters == {"unit": "青山县住建局", "period": "2025-03"}
    assert book.check().empty


def test_ledger_row_constants_are_consistent():
    assert all(len(r) == len(LEDGER_HEADER) for r in LEDGER_ROWS)
    assert "XF999" in EVENTS_CSV


def test_id_number_stored_as_number_is_flagged(tmp_path, write_xlsx):
    rows = [["信访件编号", "信访日期", "信访人姓名", "信访人证件号码"],
            ["N1", "2024-01-01", "甲", 110105194912310021], ["N2", "2024-01-02", "乙", "11010519491231002X"]]
    book = workbench.load(write_xlsx(tmp_path / "n.xlsx", {"台账": rows}), now=NOW)
    q = book.quarantine
    lost = q[q["reason"] == "numeric_text_lost"]
    assert lost[["row", "column"]].values.tolist() == [[2, "petitioner_id_number"]]
    assert lost["outcome"].tolist() == ["flagged"]


def test_user_header_and_vocab_files_extend_the_aliases(tmp_path):
    (tmp_path / "h.toml").write_text('[cases]\nreceived_at = ["来件日期"]\nchannel = ["来件方式"]\n', encoding="utf-8")
    (tmp_path / "v.toml").write_text('[channel]\nonline = ["政务APP"]\n', encoding="utf-8")
    p = tmp_path / "local.csv"
    p.write_text("件号,来件日期,来件方式\nL1,2024-05-01,政务APP\n", encoding="utf-8")
    with pytest.raises(LoadError):
        workbench.load(p)
    book = workbench.load(p, headers=tmp_path / "h.toml", vocab=tmp_path / "v.toml", now=NOW)
    assert book.cases[["case_id", "channel"]].values.tolist() == [["L1", "online"]]


def test_named_sheet_and_english_messages(ledger_xlsx):
    book = workbench.load(ledger_xlsx, sheet="台账", now=NOW, language="en")
    assert set(book.quality().sources["sheet"]) == {"台账"}
    msgs = set(book.quarantine["message"])
    assert "duplicate case number; the first occurrence was taken, this row was not" in msgs
    assert "read 10 = taken 3 + taken with a flag 3 + quarantined 4" in str(book.quality())
    with pytest.raises(LoadError, match="no sheet named"):
        workbench.load(ledger_xlsx, sheet="不存在")


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(LoadError, match="nothing.xlsx: no such file"):
        workbench.load(tmp_path / "nothing.xlsx")
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(LoadError, match="broken.xlsx: cannot be read as an Excel workbook"):
        workbench.load(bad)
    notes = tmp_path / "notes.csv"
    notes.write_text("说明\n本文件没有台账\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no cases table"):
        workbench.load(notes)


def test_first_petition_and_repeat_flags(tmp_path):
    """初信初访: a petitioner record's first case on a category is first; later ones are repeats,
    as is any case the export marks (重复信访标志) or links to an earlier one (重复信访件编号)."""
    p = tmp_path / "r.csv"
    p.write_text(
        "信访件编号,信访日期,内容分类,信访人姓名,信访人电话,重复信访标志,重复信访件编号\n"
        "R1,2024-01-05,城乡建设_物业管理,王一,13900000001,,\n"
        "R2,2024-03-05,城乡建设_物业管理,王一,13900000001,,\n"      # same record, same matter: repeat
        "R3,2024-02-05,民政_社会救助,王一,13900000001,,\n"           # same record, other matter: first
        "R4,2024-04-05,城乡建设_物业管理,王一,13900000009,,\n"      # other record (phone changed): first here
        "R5,2024-04-06,民政_优抚,李二,13900000002,是,\n"            # the export says repeat
        "R6,2024-04-07,民政_优抚,赵三,13900000003,,R0\n",           # linked to an earlier case
        encoding="utf-8",
    )
    c = workbench.load(p, now=NOW).cases.set_index("case_id")["is_first"]
    assert c.to_dict() == {"R1": True, "R2": False, "R3": True, "R4": True, "R5": False, "R6": False}


def test_two_row_header_with_group_titles(tmp_path, write_xlsx):
    """受理情况 spans 受理时间 | 受理单位 (merged cell: only the first cell has the title)."""
    rows = [["某县信访事项登记表"],
            ["信访件编号", "信访日期", "受理情况", None, "办理结果"],
            [None, None, "受理时间", "受理单位", "办结时间"],
            ["T1", "2024-06-01", "2024-06-03", "某县住建局", "2024-07-01"],
            ["T2", "2024-06-02", "2024-06-04", "某县人社局", None]]
    book = workbench.load(write_xlsx(tmp_path / "two.xlsx", {"登记表": rows}), now=NOW)
    c = book.cases.set_index("case_id")
    assert c.loc["T1", "accepted_at"] == pd.Timestamp("2024-06-03")
    assert c.loc["T1", "closed_at"] == pd.Timestamp("2024-07-01")
    assert c.loc["T2", "source_row"] == "two.xlsx:登记表:5"
    assert book.quarantine.empty
    assert book.quality().sources["header_row"].tolist() == [3]


def test_derived_log_assigns_on_arrival_or_registration(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("信访件编号,信访日期,责任单位,到达责任单位时间\n"
                 "A1,2024-01-02,甲局,2024-01-05\nA2,2024-01-03,乙局,\nA3,2024-01-04,,\n", encoding="utf-8")
    ev = workbench.load(p, now=NOW).events
    assign = ev[ev["action"] == "assign"].set_index("case_id")
    assert assign["at"].to_dict() == {"A1": pd.Timestamp("2024-01-05"), "A2": pd.Timestamp("2024-01-03")}
    assert set(ev.loc[ev["case_id"] == "A3", "action"]) == {"register"}  # no unit, no assignment


def test_log_listed_newest_first_is_not_out_of_order(tmp_path):
    cases = tmp_path / "c.csv"
    cases.write_text("信访件编号,信访日期\nB1,2024-01-02\nB2,2024-01-03\n", encoding="utf-8")
    log = tmp_path / "e.csv"
    log.write_text("信访件编号,办理时间,办理方式\n"
                   "B1,2024-02-01,答复\nB1,2024-01-05,受理\nB1,2024-01-02,登记\n"
                   "B2,2024-01-04,受理\nB2,2024-01-20,答复\nB2,2024-01-03,登记\n", encoding="utf-8")
    q = workbench.load([cases, log], now=NOW).quarantine
    bad = q[q["reason"] == "event_out_of_order"]
    assert bad["row"].tolist() == [6]  # only B2's reply breaks the file's newest-first order


def test_loading_is_deterministic(ledger_xlsx, events_csv_gb):
    a = workbench.load([ledger_xlsx, events_csv_gb], now=NOW)
    b = workbench.load([ledger_xlsx, events_csv_gb], now=NOW)
    for t in ("cases", "events", "petitioners", "case_petitioners", "units", "people"):
        pd.testing.assert_frame_equal(a[t], b[t])
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)


def test_out_of_order_fast_path_equals_the_group_by():
    """The one-pass running max/min (rows of a case together) gives what a group-by gives, and
    interleaved logs take the group-by."""
    import numpy as np
    import pandas as pd

    from workbench.io.assemble import _breaks

    rng = np.random.default_rng(1)
    for trial in range(40):
        sizes = rng.integers(1, 8, rng.integers(1, 50))
        code = np.repeat(np.arange(len(sizes)), sizes)
        if trial % 2:
            rng.shuffle(code)
        day = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 30, len(code)), unit="D"))
        up, down = _breaks(day, code)
        g = day.groupby(code, sort=False)
        up2 = (day < g.cummax().groupby(code, sort=False).shift(1)).fillna(False)
        down2 = (day > g.cummin().groupby(code, sort=False).shift(1)).fillna(False)
        assert up.tolist() == up2.tolist() and down.tolist() == down2.tolist(), trial
