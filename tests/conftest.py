from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

NOW = "2026-11-01"

# A small messy one-row-per-case ledger (台账) as petition systems export it: a title row and a
# note row above the header, mixed date forms, a few broken rows. Each broken row is documented
# with the problem it must produce.
LEDGER_HEADER = [
    "信访件编号", "信访日期", "信访形式", "问题属地", "内容分类", "信访目的", "信访人数",
    "概况信息", "登记机关", "责任单位", "协办单位", "包案领导", "受理时间", "答复时间", "办结时间",
    "满意度", "信访人姓名", "信访人证件号码", "信访人电话", "备注栏",
]
LEDGER_ROWS = [
    # 1 clean, real Excel datetime
    ["XF001", dt.datetime(2025, 3, 3, 9, 30), "来访", "339901001", "城乡建设_物业管理", "求决", 1,
     "反映小区物业管理混乱", "青山县信访局", "青山县住建局", None, "张明", dt.datetime(2025, 3, 5),
     dt.datetime(2025, 4, 20), dt.datetime(2025, 4, 25), "满意", "王建国", "11010519491231002X", "13800000001", "a"],
    # 2 clean, text dates in three forms, category with "/"
    ["XF002", "2025/3/4", "网上信访", "339902", "劳动和社会保障/工资福利", "求决", "2",
     "拖欠工资", "江临市信访局", "青山县人社局", "青山县住建局、青山县总工会", None, "2025年3月6日",
     "2025.04.01 10:30", None, "基本满意", "李四", None, "13800000002", None],
    # 3 Excel serial number date (45720 = 2025-03-04), case number stored as a number
    [20250003, 45720, "来信", "339901", "自然资源_土地征收", "申诉", 1,
     "征地补偿", "青山县信访局", "青山县自然资源局", None, None, None, None, None, None, "赵六", "110105194912310021", None, None],
    # 4 duplicate case number of row 1 -> quarantined
    ["XF001", "2025-03-07", "来访", "339901", "城乡建设", "求决", 1, "重复录入", "青山县信访局",
     "青山县住建局", None, None, None, None, None, None, None, None, None, None],
    # 5 unparseable received date -> quarantined
    ["XF005", "三月七日", "来访", "339901", "城乡建设", "求决", 1, "", "青山县信访局",
     "青山县住建局", None, None, None, None, None, None, None, None, None, None],
    # 6 future received date -> quarantined
    ["XF006", "2099-01-01", "来访", "339901", "城乡建设", "求决", 1, "", "青山县信访局",
     "青山县住建局", None, None, None, None, None, None, None, None, None, None],
    # 7 closure before acceptance (flag), unknown channel (flag), headcount 0 (flag)
    ["XF007", "2025-03-08", "飞鸽传书", "339901", "城乡建设", "求决", 0, "", "青山县信访局",
     "青山县住建局", None, None, "2025-03-20", None, "2025-03-10", None, None, None, None, None],
    # 8 missing case number -> quarantined
    [None, "2025-03-09", "来访", "339901", "城乡建设", "求决", 1, "", "青山县信访局",
     "青山县住建局", None, None, None, None, None, None, None, None, None, None],
    # 9 unknown category (flag), pre-1980 optional date (flag), impossible optional date (flag)
    ["XF009", "2025-03-10 14:05", "来电", "339901", "外星事务", "咨询", 1, "", "青山县信访局",
     "青山县住建局", None, None, "1970-01-01", "2025-02-30", None, None, None, None, None, None],
    # 10 a totally blank row (skipped, counted as blank)
    [None] * 20,
    # 11 collective visit registered at the province about a county matter -> skip-level
    ["XF011", "2025-03-11", "来访", "339901001", "经济管理_企业改制", "求决", 30, "企业改制安置",
     "省信访局", "青山县国资办", None, "张明", "2025-03-12", None, None, None, "钱七", None, "13800000007", None],
]


def _write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, date_fmt)
                elif isinstance(v, int | float):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v))
    wb.close()
    return path


@pytest.fixture
def write_xlsx():
    return _write_xlsx


@pytest.fixture
def ledger_xlsx(tmp_path: Path) -> Path:
    rows = [["青山县信访事项台账（2025年3月）"], ["导出时间：2025-04-30  单位：青山县信访局"], LEDGER_HEADER, *LEDGER_ROWS]
    return _write_xlsx(tmp_path / "台账.xlsx", {"台账": rows, "说明": [["本表由系统导出"]]})


EVENTS_CSV = """信访件编号,办理时间,办理方式,办理机构,去向机构,经办人,主协办,办理意见
XF001,2025-03-03 09:40,登记,青山县信访局,,刘一,,
XF001,2025-03-04 10:00,转送,青山县信访局,青山县住建局,刘一,主办,
XF001,2025-03-05 09:00,受理,青山县住建局,,陈二,,
XF001,2025-03-02 09:00,催办,青山县信访局,青山县住建局,刘一,,
XF001,2025-04-20 16:00,答复,青山县住建局,,陈二,,"答复意见，
见附件"
XF002,2025-03-04 11:00,登记,江临市信访局,,周三,,
XF002,2025-03-05 11:00,交办,江临市信访局,青山县人社局,周三,主办,
XF002,2025-03-05 11:00,交办,江临市信访局,青山县住建局,周三,协办,
XF002,2025-03-06 11:00,受理,青山县人社局,,吴四,,,多出一列
XF999,2025-03-06 11:00,受理,青山县人社局,,吴四,,
XF002,2025-03-07 11:00,飞走,青山县人社局,,吴四,,
XF002,不是日期,答复,青山县人社局,,吴四,,
"""


@pytest.fixture
def events_csv_gb(tmp_path: Path) -> Path:
    p = tmp_path / "流转记录.csv"
    p.write_bytes(EVENTS_CSV.encode("gb18030"))
    return p


@pytest.fixture(scope="session")
def analyst_key(tmp_path_factory):
    """One pseudonym key file for the analyst's tests (DESIGN §9: pseudonyms are keyed)."""
    from workbench.privacy import new_key

    return new_key(tmp_path_factory.mktemp("keys") / "analyst.key")


@pytest.fixture(autouse=True)
def _fresh_config():
    """Tests that change settings (language, role) must not leak them into other tests."""
    import workbench.config as cfg

    saved = cfg._current
    yield
    cfg._current = saved


@pytest.fixture(scope="session")
def sample_book():
    """The bundled sample ledger (data/sample), loaded once per test process, with its truth."""
    import json
    from types import SimpleNamespace

    import workbench

    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    book = workbench.load([root / "ledger.xlsx", root / "events.csv"])
    truth = json.loads((root / "truth" / "truth.json").read_text(encoding="utf-8"))
    return SimpleNamespace(book=book, truth=truth, root=root)


@pytest.fixture(scope="session")
def hand_ledger():
    """Eight hand-made cases whose clocks and KPIs are worked out by hand in tests/test_kpis.py."""
    import pandas as pd

    import workbench as wb

    rows = [
        # id, received, channel, head, unit, region, arrived, accepted, replied, closed, sat unit, sat office, lead, demand, repeat_of
        ("A", "2025-03-03 10:00", "来访", 1, "U_ZJ", "339902", "2025-03-05", "2025-03-06", "2025-04-01", "2025-04-02", "满意", "满意", "L1", "求决", None),
        ("B", "2025-03-04 10:00", "网上信访", 1, "U_ZJ", "339902", "2025-03-05", "2025-03-06", "2025-06-01", "2025-06-02", "不满意", "基本满意", "L1", "求决", None),
        ("C", "2025-03-10 10:00", "来信", 1, "U_RS", "339902", "2025-03-12", "2025-03-28", None, None, None, None, "L2", "求决", None),
        ("D", "2025-05-20 10:00", "来访", 6, "U_TOWN", "339902", "2025-05-21", "2025-05-22", None, None, None, None, None, "求决", None),
        ("E", "2025-04-10 10:00", "网上信访", 1, "U_ZJ", "339902", "2025-04-11", "2025-04-11", "2025-04-30", "2025-04-30", "满意", "满意", None, "求决", "A"),
        ("F", "2025-03-20 10:00", "来电", 1, "U_ZJ", "339903", "2025-03-21", "2025-03-21", "2025-03-25", "2025-03-25", "基本满意", "满意", None, "建议", None),
        ("G", "2025-03-21 10:00", "来访", 12, "U_RS", "339903", "2025-03-24", "2025-03-25", "2025-04-20", "2025-04-21", "超期未评价", "超期未评价", None, "求决", None),
        ("H", "2025-06-10 10:00", "来信", 1, "U_RS", "339903", "2025-06-12", None, None, None, None, None, None, "求决", None),
    ]
    cols = ["case_id", "received_at", "channel", "headcount", "responsible_unit_id", "region_code", "arrived_at",
            "accepted_at", "replied_at", "closed_at", "satisfaction", "satisfaction_office", "lead_person_id",
            "demand_type", "repeat_of"]
    cases = pd.DataFrame(rows, columns=cols)
    cases["registered_unit_id"] = "U_OFFICE"
    cases["category"] = "城乡建设_物业管理"
    units = pd.DataFrame({
        "unit_id": ["U_CITY", "U_OFFICE", "U_ZJ", "U_RS", "U_TOWN"],
        "name": ["江临市人民政府", "江临市信访局", "临江区住建局", "临江区人社局", "朝阳镇人民政府"],
        "parent_id": [None, "U_CITY", "U_CITY", "U_CITY", "U_CITY"],
        "level": ["city", "city", "county", "county", "township"],
        "kind": ["人民政府", "信访部门", "职能部门", "职能部门", "人民政府"],
    })
    book = wb.Casebook.from_frames(cases=cases, units=units, now="2025-12-31")
    assert len(book.cases) == 8
    return book
