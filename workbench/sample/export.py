"""The sample written the way real exports look (导出台账), for the loaders to be tested on.

* ``ledger.xlsx`` (xlsxwriter, constant memory): ``信访事项台账`` one row per case with Chinese
  headers, a title row and an export-note row above them, names (not ids) of units and
  leaders, Chinese labels, the main petitioner inline, dates mostly as real Excel dates but in
  a reproducible minority of rows as text ("2023/4/4", "2023年4月4日", "2023.04.04 10:30") or
  bare serial numbers; ``其他信访人`` (the other petitioners of a case); ``单位``; ``人员``.
* ``events.csv`` in GB18030: the handling log with unit and person names.
* ``truth/truth.json`` + ``truth/truth_persons.csv``, and a short ``README.md``.
* ``SYNTHETIC.json``: the manifest (generator, seed, sha256 of each file) the trainer role needs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..vocab import vocabularies
from .truth import Truth

__all__ = ["export", "write_synthetic_manifest", "ledger_rows", "write_ledger", "write_events", "CASE_HEADERS", "OTHER_HEADERS", "UNIT_HEADERS", "PEOPLE_HEADERS", "EVENT_HEADERS",
           "DATE_FORMS"]

#: 信访事项台账 headers → canonical column (``category`` is "一级_二级").
CASE_HEADERS: dict[str, str] = {
    "信访件编号": "case_id", "信访日期": "received_at", "信访形式": "channel", "登记机关": "registered_unit_id",
    "问题属地": "region_code", "问题属地名称": "region_name", "内容分类": "category", "信访目的": "demand_type",
    "信访人数": "headcount", "概况信息": "summary", "责任单位": "responsible_unit_id", "包案领导": "lead_person_id",
    "到达责任单位时间": "arrived_at", "受理时间": "accepted_at", "限办截止时间": "due_at", "答复时间": "replied_at",
    "办结时间": "closed_at", "满意度": "satisfaction", "信访部门满意值": "satisfaction_office",
    "信访件状态": "status", "重复信访件编号": "repeat_of", "重复信访标志": "repeat_flag",
    "是否依法逐级走访": "stepwise_flag", "信访人姓名": "petitioner_name", "信访人证件号码": "petitioner_id_number",
    "信访人电话": "petitioner_phone", "信访人住址": "petitioner_address", "信访人住址代码": "petitioner_region_code",
}
OTHER_HEADERS: dict[str, str] = {
    "信访件编号": "case_id", "姓名": "name", "证件号码": "id_number", "手机号": "phone", "住址": "address",
    "住址代码": "region_code", "身份": "role",
}
UNIT_HEADERS: dict[str, str] = {
    "单位编号": "unit_id", "单位名称": "name", "上级单位编号": "parent_id", "层级": "level", "单位类型": "kind",
    "所在地代码": "region_code",
}
PEOPLE_HEADERS: dict[str, str] = {"人员编号": "person_id", "姓名": "name", "所在单位": "unit_id", "职务": "title", "角色": "role"}
EVENT_HEADERS: dict[str, str] = {
    "信访件编号": "case_id", "办理时间": "at", "办理方式": "action", "办理机构": "from_unit_id", "去向机构": "to_unit_id",
    "经办人": "actor_id", "主协办": "role", "办理意见": "note", "责任分摊": "share",
}
#: How a row writes its dates: share of rows, and the form.
DATE_FORMS: tuple[tuple[str, float], ...] = (
    ("excel", 0.85), ("slash", 0.04), ("chinese", 0.04), ("dotted", 0.04), ("serial", 0.03),
)
_DATE_COLS = ("received_at", "arrived_at", "accepted_at", "due_at", "replied_at", "closed_at")
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ms")


def _labels(vocab: str) -> dict[str, str]:
    return dict(vocabularies().labels["zh"][vocab])


def _serial(s: pd.Series) -> np.ndarray:
    ms = s.to_numpy(dtype="datetime64[ms]")
    return (ms - _EXCEL_EPOCH).astype("timedelta64[ms]").astype(np.int64) / 86_400_000.0


def _text_dates(s: pd.Series, form: str) -> pd.Series:
    if form == "slash":
        return s.dt.year.astype("str") + "/" + s.dt.month.astype("str") + "/" + s.dt.day.astype("str")
    if form == "chinese":
        return s.dt.year.astype("str") + "年" + s.dt.month.astype("str") + "月" + s.dt.day.astype("str") + "日"
    return s.dt.strftime("%Y.%m.%d %H:%M")


def ledger_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The 信访事项台账 sheet as a DataFrame (names and Chinese labels, dates still datetimes)."""
    c = frames["cases"]
    unit_name = frames["units"].set_index("unit_id")["name"]
    person_name = frames["people"].set_index("person_id")["name"]
    links = frames["case_petitioners"]
    main = links[links["role"] == "petitioner"].drop_duplicates("case_id")
    pets = frames["petitioners"].set_index("petitioner_id")
    mp = main.set_index("case_id")["petitioner_id"].reindex(c["case_id"])
    rec = pets.reindex(mp.to_numpy())
    yes_no = {True: "是", False: "否"}
    out = pd.DataFrame({
        "case_id": c["case_id"],
        "received_at": c["received_at"],
        "channel": c["channel"].map(_labels("channel")),
        "registered_unit_id": c["registered_unit_id"].map(unit_name),
        "region_code": c["region_code"],
        "region_name": c["region_name"],
        "category": c["category_l1"] + "_" + c["category_l2"],
        "demand_type": c["demand_type"].map(_labels("demand_type")),
        "headcount": c["headcount"],
        "summary": c["summary"],
        "responsible_unit_id": c["responsible_unit_id"].map(unit_name),
        "lead_person_id": c["lead_person_id"].map(person_name),
        "arrived_at": c["arrived_at"], "accepted_at": c["accepted_at"], "due_at": c["due_at"],
        "replied_at": c["replied_at"], "closed_at": c["closed_at"],
        "satisfaction": c["satisfaction"].map(_labels("satisfaction")),
        "satisfaction_office": c["satisfaction_office"].map(_labels("satisfaction")),
        "status": c["status"],
        "repeat_of": c["repeat_of"],
        "repeat_flag": c["repeat_flag"].map(yes_no),
        "stepwise_flag": c["stepwise_flag"].map(yes_no),
        "petitioner_name": rec["name"].to_numpy(),
        "petitioner_id_number": rec["id_number"].to_numpy(),
        "petitioner_phone": rec["phone"].to_numpy(),
        "petitioner_address": rec["address"].to_numpy(),
        "petitioner_region_code": rec["region_code"].to_numpy(),
    })
    return out


def _write_table(ws, df: pd.DataFrame, headers: dict[str, str], first_row: int, fmt_head, text_cols: set[str]) -> None:
    for j, h in enumerate(headers):
        ws.write_string(first_row, j, h, fmt_head)
    cols = [df[c].astype(object).where(df[c].notna(), None).tolist() for c in headers.values()]
    is_text = [c in text_cols for c in headers.values()]
    for i in range(len(df)):
        r = first_row + 1 + i
        for j, col in enumerate(cols):
            v = col[i]
            if v is None:
                continue
            if is_text[j] or isinstance(v, str):
                ws.write_string(r, j, str(v))
            else:
                ws.write_number(r, j, float(v))


def write_ledger(path: Path, frames: dict[str, pd.DataFrame], truth: Truth, dirty: bool = False) -> None:
    """Write ``ledger.xlsx``; with ``dirty``, append the broken rows listed in ``truth.data_problems``."""
    import xlsxwriter

    rows = ledger_rows(frames)
    n = len(rows)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([truth.seed, 2024]).generate_state(1)[0]))
    forms = np.array([f for f, _ in DATE_FORMS])
    p = np.array([w for _, w in DATE_FORMS])
    form = forms[np.minimum(np.searchsorted(np.cumsum(p) / p.sum(), rng.random(n), side="right"), len(p) - 1)]
    # per date column: (kind, value) — kind 0 dated number, 1 text, 2 bare serial number
    date_cells: dict[str, tuple[np.ndarray, list]] = {}
    for col in _DATE_COLS:
        s = rows[col]
        serial = _serial(s)
        vals: np.ndarray = np.empty(n, dtype=object)
        kind = np.zeros(n, dtype=np.int8)
        vals[:] = np.round(serial * 86400.0) / 86400.0
        for f in ("slash", "chinese", "dotted"):
            m = (form == f) & s.notna().to_numpy()
            if m.any():
                vals[m] = _text_dates(s[m], f).tolist()
                kind[m] = 1
        kind[form == "serial"] = 2
        vals[s.isna().to_numpy()] = None
        cells: list = vals.tolist()
        date_cells[col] = (kind, cells)

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    title = wb.add_format({"bold": True, "font_size": 14})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    d_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("信访事项台账")
    start, end = pd.Timestamp(truth.period["start"]), pd.Timestamp(truth.period["end"]) - pd.Timedelta(days=1)
    ws.write_string(0, 0, f"{truth.city['name']}信访事项台账（{start.year}年{start.month}月—{end.year}年{end.month}月）", title)
    ws.write_string(1, 0, f"导出单位：{truth.city['name']}信访局　导出时间：{pd.Timestamp(truth.period['end']):%Y-%m-%d %H:%M}　"
                          f"共{n}件　说明：样例数据，单位、人员、信访人均为虚构")
    headers = list(CASE_HEADERS)
    for j, h in enumerate(headers):
        ws.write_string(2, j, h, head)
    text_cols = {"case_id", "region_code", "repeat_of", "petitioner_id_number", "petitioner_phone",
                 "petitioner_region_code"}
    plain = {c: rows[c].astype(object).where(rows[c].notna(), None).tolist()
             for c in CASE_HEADERS.values() if c not in _DATE_COLS}
    order = list(CASE_HEADERS.values())
    for i in range(n):
        r = 3 + i
        for j, col in enumerate(order):
            if col in date_cells:
                dkind, dvals = date_cells[col]
                v = dvals[i]
                if v is None:
                    continue
                if dkind[i] == 1:
                    ws.write_string(r, j, v)
                elif dkind[i] == 2:
                    ws.write_number(r, j, v)
                else:
                    ws.write_number(r, j, v, d_fmt if col == "due_at" else dt_fmt)
                continue
            v = plain[col][i]
            if v is None:
                continue
            if col in text_cols or isinstance(v, str):
                ws.write_string(r, j, str(v))
            else:
                ws.write_number(r, j, float(v))
    if dirty:
        # Broken rows as real exports carry them; the loader must quarantine each (truth.data_problems).
        case_col = {c: j for j, c in enumerate(order)}
        k = n // 2
        r = 3 + n
        for j, col in enumerate(order):  # 1. a case entered twice
            if col in date_cells:
                dkind, dvals = date_cells[col]
                if dvals[k] is not None:
                    ws.write_string(r, j, str(rows[col].iloc[k])) if dkind[k] == 1 else ws.write_number(r, j, float(dvals[k]), dt_fmt)
            elif plain[col][k] is not None:
                v = plain[col][k]
                ws.write_string(r, j, str(v)) if (col in text_cols or isinstance(v, str)) else ws.write_number(r, j, float(v))
        ws.write_string(r, case_col["summary"], str(plain["summary"][k]) + "（重复录入）")
        truth.data_problems.append({"file": path.name, "sheet": "信访事项台账", "row": r + 1, "column": "case_id",
                                    "value": str(plain["case_id"][k]), "reason": "duplicate_case_id"})
        r += 1  # 2. a case whose date was never filled in
        ws.write_string(r, case_col["case_id"], f"{truth.city['code'][:4]}DRAFT0001")
        ws.write_string(r, case_col["received_at"], "待补录")
        ws.write_string(r, case_col["channel"], "来信")
        truth.data_problems.append({"file": path.name, "sheet": "信访事项台账", "row": r + 1, "column": "received_at",
                                    "value": "待补录", "reason": "unparseable_required_date"})
        r += 1  # 3. the total line some systems append
        ws.write_string(r, case_col["summary"], f"合计：{n}件")
        truth.data_problems.append({"file": path.name, "sheet": "信访事项台账", "row": r + 1, "column": "case_id",
                                    "value": None, "reason": "missing_required"})
    ws.set_column(0, len(headers) - 1, 14)

    links = frames["case_petitioners"]
    others = links[links["role"] != "petitioner"].merge(frames["petitioners"], on="petitioner_id", how="left")
    others["role"] = others["role"].map(_labels("petitioner_role"))
    ws2 = wb.add_worksheet("其他信访人")
    _write_table(ws2, others, OTHER_HEADERS, 0, head, {"case_id", "id_number", "phone", "region_code"})

    units = frames["units"].copy()
    units["level"] = units["level"].map(_labels("unit_level"))
    ws3 = wb.add_worksheet("单位")
    _write_table(ws3, units, UNIT_HEADERS, 0, head, set(UNIT_HEADERS.values()))
    people = frames["people"].copy()
    people["role"] = people["role"].map(_labels("person_role"))
    ws4 = wb.add_worksheet("人员")
    _write_table(ws4, people, PEOPLE_HEADERS, 0, head, set(PEOPLE_HEADERS.values()))
    wb.close()


def write_events(path: Path, frames: dict[str, pd.DataFrame], truth: Truth | None = None) -> None:
    """Write ``events.csv`` (GB18030) with names instead of ids; given a truth, append the broken
    lines it then lists in ``truth.data_problems``."""
    e = frames["events"]
    unit_name = frames["units"].set_index("unit_id")["name"]
    person_name = frames["people"].set_index("person_id")["name"]
    out = pd.DataFrame({
        "信访件编号": e["case_id"],
        "办理时间": e["at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "办理方式": e["action"].map(_labels("action")),
        "办理机构": e["from_unit_id"].map(unit_name),
        "去向机构": e["to_unit_id"].map(unit_name),
        "经办人": e["actor_id"].map(person_name),
        "主协办": e["role"].map(_labels("event_role")),
        "办理意见": e["note"],
        "责任分摊": e["share"].astype("float64").map(lambda x: "" if np.isnan(x) else f"{x:g}"),
    })
    out.to_csv(path, index=False, encoding="gb18030")
    if truth is not None:
        line = len(out) + 2  # header is line 1
        first = out.iloc[0]
        bad = [
            (f"{first['信访件编号']},{first['办理时间']},催办,{first['办理机构']},,,,,,多出的一列", None, "malformed_row"),
            (f"XF-已撤销-0001,{first['办理时间']},受理,{first['办理机构']},,,,,", "XF-已撤销-0001", "unknown_case"),
            (f"{first['信访件编号']},{first['办理时间']},系统同步,{first['办理机构']},,,,,", "系统同步", "unknown_action"),
        ]
        with open(path, "ab") as fh:
            for i, (text, value, reason) in enumerate(bad):
                fh.write((text + "\n").encode("gb18030"))
                col = {"malformed_row": "", "unknown_case": "case_id", "unknown_action": "action"}[reason]
                truth.data_problems.append({"file": path.name, "sheet": "", "row": line + i, "column": col,
                                            "value": value if value is not None else text, "reason": reason})


_README = """# 江临市信访事项样例数据（虚构）

Synthetic sample of the petition supervision workbench: a fictional city ({city}, code {code}),
{n} cases received {start} – {end} (exclusive), seed {seed}. Every unit, official and petitioner is
invented; ID numbers pass the GB 11643 checksum except the planted typos.

| file | what |
|---|---|
| `ledger.xlsx` | sheet `信访事项台账`: one row per case, title and export-note rows above the header, unit and leader names, the main petitioner inline; dates mostly Excel dates, some rows as text (`2023/4/4`, `2023年4月4日`, `2023.04.04 10:30`) or bare serial numbers. Sheets `其他信访人` (representatives 代表 and co-signers 联名人), `单位`, `人员` |
| `events.csv` | the handling log (办理过程), GB18030, one row per action, unit and person names |
| `truth/truth.json` | what was planted: a buck-passing pair, an overdue leader, a one-month spike, an escalating group, long-running petitioners, with case ids; summary statistics |
| `truth/truth_persons.csv` | petitioner record id → person id (identity resolution answers), with the name variant and ID typo planted in each record |

The ledger also carries a few broken rows as real exports do (a case entered twice, a date never
filled in, a total line, three bad lines in the event log); `truth/truth.json` lists them under
`data_problems` and the loader quarantines each. Load it with `workbench.load(<this folder>)` (the
truth files sit in `truth/`, out of the loader's way); regenerate with
`workbench.sample.write_sample(<folder>, n_cases={n}, seed={seed})`.
"""


def export(out_dir: Path, frames: dict[str, pd.DataFrame], truth: Truth, dirty: bool = True) -> None:
    """Write all files of the sample into ``out_dir`` (the truth into ``out_dir/truth/``, so that
    ``workbench.load(out_dir)`` reads the ledger files only). ``dirty`` appends a few broken rows
    that the loader must quarantine, listed in ``truth.data_problems``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth.data_problems = []
    write_ledger(out_dir / "ledger.xlsx", frames, truth, dirty=dirty)
    write_events(out_dir / "events.csv", frames, truth if dirty else None)
    truth.to_json(out_dir / "truth" / "truth.json")
    (out_dir / "README.md").write_text(
        _README.format(city=truth.city["name"], code=truth.city["code"], n=truth.n_cases, seed=truth.seed,
                       start=truth.period["start"], end=truth.period["end"]),
        encoding="utf-8",
    )
    write_synthetic_manifest(out_dir, truth, dirty=dirty)


def write_synthetic_manifest(out_dir: Path, truth: Truth, dirty: bool = True) -> Path:
    """``SYNTHETIC.json`` in ``out_dir``: generator, seed, number of cases and the sha256 of every
    file the sample wrote — what lets the trainer role load it (DESIGN §9); see
    :mod:`workbench.privacy.synthetic`."""
    from ..privacy.synthetic import write_manifest

    out_dir = Path(out_dir)
    files = [p for p in ("ledger.xlsx", "events.csv", "README.md", "truth/truth.json", "truth/truth_persons.csv")
             if (out_dir / p).is_file()]
    return write_manifest(out_dir, files, generator="workbench.sample.write_sample", seed=int(truth.seed),
                          n_cases=int(truth.n_cases), city=truth.city.get("name"),
                          period={"start": truth.period.get("start"), "end": truth.period.get("end")}, dirty=bool(dirty))
