"""Property-based: malformed rows never crash the readers and every row is accounted for."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from workbench import LoadError

from .conftest import NOW, _write_xlsx

HEADER = ["信访件编号", "信访日期", "信访形式", "内容分类", "信访人数", "受理时间", "办结时间", "信访人证件号码"]

cell_text = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12),
    st.sampled_from(["2024-01-02", "2024/1/2 9:00", "2024年1月2日", "2024.01.02", "45000", "2024-02-30",
                     "1900-01-01", "2099-12-31", "来访", "网上信访", "城乡建设_物业管理", "0", "-3", "5",
                     "11010519491231002X", "A1", "A1", "  ", "是"]),
)
cell_any = st.one_of(cell_text, st.integers(-10, 60000), st.floats(allow_nan=True, allow_infinity=True),
                     st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)))
rows_text = st.lists(st.lists(cell_text, min_size=0, max_size=len(HEADER) + 2), min_size=0, max_size=25)
rows_any = st.lists(st.lists(cell_any, min_size=len(HEADER), max_size=len(HEADER)), min_size=0, max_size=20)

SETTINGS = settings(max_examples=int(__import__("os").environ.get("WORKBENCH_HYPOTHESIS_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _accounted(book, n_rows: int) -> None:
    t = book.quality().tables.set_index("table")
    assert (t["read"] == t["clean"] + t["flagged"] + t["quarantined"]).all()
    assert t.loc["cases", "read"] == n_rows
    assert t.loc["cases", "clean"] + t.loc["cases", "flagged"] == len(book.cases)
    assert book.cases["case_id"].is_unique
    assert book.cases["received_at"].notna().all()
    # every row read has its own line number: kept rows and quarantined rows never share one
    kept = book.cases["source_row"].str.rsplit(":", n=1).str[1].astype(int).tolist()
    q = book.quarantine[book.quarantine["outcome"] == "quarantined"]
    lost = q["row"].dropna().astype(int).unique().tolist()
    assert len(set(kept) | set(lost)) == n_rows


def _blank_line(r: list) -> bool:
    """What the reader skips as blank (counted apart): an empty line, a line of white space, or
    a line with the header's number of fields all empty. Anything else is read (and a line with
    the wrong number of fields is quarantined as malformed)."""
    if len(r) == 0:
        return True
    if len(r) == 1:
        return r[0] is not None and r[0] != "" and not r[0].strip()
    return len(r) == len(HEADER) and all(v is None or not v.strip() for v in r)


@SETTINGS
@given(rows=rows_text)
def test_csv_reader_accounts_for_every_row(tmp_path_factory, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    p = tmp_path_factory.mktemp("h") / "x.csv"
    p.write_bytes(buf.getvalue().encode("gb18030"))
    n = sum(1 for r in rows if not _blank_line(r))
    try:
        book = workbench.load(p, now=NOW)
    except LoadError:
        return
    _accounted(book, n)


@SETTINGS
@given(rows=rows_any)
def test_excel_reader_accounts_for_every_row(tmp_path_factory, rows):
    clean = []
    for r in rows:
        clean.append([None if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))) else v for v in r])
    p = _write_xlsx(tmp_path_factory.mktemp("h") / "x.xlsx", {"台账": [["标题行"], HEADER, *clean]})
    n = sum(1 for r in clean if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in r))
    try:
        book = workbench.load(p, now=NOW)
    except LoadError:
        return
    _accounted(book, n)
