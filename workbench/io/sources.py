"""Readers: turn files and databases into raw tables with canonical headers and provenance.

A raw table is what one sheet, file or database table holds after its header row is found and
its headers are mapped; values are still as the source wrote them (cleaning and validation
are :mod:`workbench.io.assemble`'s job). Every row carries ``_file``, ``_sheet`` and ``_row``
(the row number a person sees when opening the source: spreadsheet row, CSV line).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..quality import PROBLEM_COLUMNS, LoadError
from ..vocab import HeaderMap, norm_key

__all__ = ["RawTable", "Skipped", "read_source", "detect_encoding", "classify_headers"]

_HEADER_SCAN_ROWS = 30
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_DUCKDB_SUFFIXES = {".duckdb", ".ddb"}

# Which canonical columns a table must have to be recognised as that table.
_REQUIRED_TO_CLASSIFY: dict[str, list[set[str]]] = {
    "cases": [{"case_id", "received_at"}],
    "events": [{"case_id", "at", "action"}],
    "petitioners": [{"name"}, {"id_number"}, {"phone"}, {"case_id", "petitioner_id"}],
    "units": [{"unit_id", "name"}, {"name", "level"}, {"name", "parent_id"}],
    "people": [{"person_id", "name"}, {"name", "title"}, {"name", "unit_id"}],
}
_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "cases": ("台账", "信访件", "信访事项", "案件", "工单", "case"),
    "events": ("办理过程", "流转", "办理记录", "过程", "event", "log"),
    "petitioners": ("信访人", "petitioner"),
    "units": ("单位", "机构", "unit", "org"),
    "people": ("人员", "领导", "people", "person", "staff"),
}


@dataclass
class RawTable:
    """One source table, headers mapped. ``frame`` has canonical columns, extras, provenance."""

    file: str
    sheet: str
    table: str
    frame: pd.DataFrame
    header_row: int
    mapping: dict[str, str]
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    blank_rows: int = 0


@dataclass
class Skipped:
    """A sheet or table that was read but not recognised as any Casebook table."""

    file: str
    sheet: str
    headers: list[str]
    note: str


# --------------------------------------------------------------------------- classification


def classify_headers(
    headers: list[str], hmap: HeaderMap, columns: Mapping[str, str] | None, name: str = ""
) -> tuple[str | None, dict[str, str], int]:
    """Pick the table a header row belongs to. Returns (table, mapping, score)."""
    best: tuple[int, int, str | None, dict[str, str]] = (-1, 0, None, {})
    lname = name.lower()
    for table, needs in _REQUIRED_TO_CLASSIFY.items():
        mapping = hmap.map_headers(table, headers, columns)
        canon = set(mapping.values())
        if not any(need <= canon for need in needs):
            continue
        if table in ("units", "people") and "case_id" in canon:
            continue
        specific = len(canon - {"case_id", "source_row"})
        hint = int(any(h in lname for h in _NAME_HINTS[table]))
        if (specific, hint) > best[:2]:
            best = (specific, hint, table, mapping)
    return best[2], best[3], best[0]


def _header_score(cells: Iterable[object], known: set[str]) -> int:
    return sum(1 for c in cells if norm_key(c) in known)


def _known_headers(hmap: HeaderMap) -> set[str]:
    known = {norm_key(h) for h in hmap.known_headers()}
    for table in hmap.lookup.values():
        known.update(table)
    return known


def _find_header_row(rows: Sequence[Sequence[object]], hmap: HeaderMap) -> int | None:
    """The row (within the first 30) holding the most known headers; at least two."""
    known = _known_headers(hmap)
    scores = [_header_score(r, known) for r in rows[:_HEADER_SCAN_ROWS]]
    if not scores or max(scores) < 2:
        return None
    return int(np.argmax(scores))


def _header_cells(rows: Sequence[Sequence[object]], h: int, hmap: HeaderMap) -> tuple[list[object], int]:
    """The header cells and the index of the last header row. Exports often carry a two-row header: group
    titles over merged cells (受理情况 over 受理时间 | 受理单位) and the real names below, or
    names merged down over two rows. When the row above or below the best row also holds known
    headers, the two are read together: per column the known name wins, else the lower one."""
    known = _known_headers(hmap)

    def cell(r: int, j: int) -> object:
        row = rows[r]
        return row[j] if j < len(row) else None

    def empty(v: object) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    top = h
    if h > 0 and _header_score(rows[h - 1], known) >= 2:
        top = h - 1
    elif h + 1 < len(rows) and _header_score(rows[h + 1], known) >= 2:
        top = h
    else:
        return list(rows[h]), h
    width = max(len(rows[top]), len(rows[top + 1]))
    merged: list[object] = []
    for j in range(width):
        upper, lower = cell(top, j), cell(top + 1, j)
        if not empty(lower) and (norm_key(lower) in known or norm_key(upper) not in known):
            merged.append(lower)
        else:
            merged.append(upper if not empty(upper) else lower)
    return merged, top + 1


def _dedupe(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = str(h).strip() if h is not None and str(h).strip() else f"column_{i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def _missing_error(file: str, headers: list[str], hmap: HeaderMap, columns) -> LoadError:
    """The hard error for a table whose kind is clear but which lacks required columns."""
    best_table, best_n = None, 0
    for table in _REQUIRED_TO_CLASSIFY:
        n = len(hmap.map_headers(table, headers, columns))
        if n > best_n:
            best_table, best_n = table, n
    table = best_table or "cases"
    mapped = set(hmap.map_headers(table, headers, columns).values())
    need = min(_REQUIRED_TO_CLASSIFY[table], key=lambda s: len(s - mapped))
    missing = sorted(need - mapped)
    parts = []
    for m in missing:
        aliases = list(hmap.aliases.get(table, {}).get(m, ())) + [m]
        close: list[str] = []
        for a in aliases:
            close += difflib.get_close_matches(a, [str(h) for h in headers], n=3, cutoff=0.3)
        close = list(dict.fromkeys(close))[:3]
        parts.append(
            f"'{m}' (e.g. {', '.join(aliases[:4])}); closest headers found: "
            + (", ".join(repr(c) for c in close) if close else "none")
        )
    return LoadError(
        f"{file}: looks like a {table} table but lacks required column(s): "
        + "; ".join(parts)
        + ". Pass columns={'<your header>': '<canonical name>'} to map them."
    )


def _frame_from_grid(
    rows: Sequence[Sequence[object]], header_idx: int, file: str, sheet: str, first_row_number: int,
    header_cells: Sequence[object] | None = None,
) -> tuple[list[str], pd.DataFrame, int]:
    """Rows after the header → object frame with provenance; blank rows skipped and counted.
    ``header_idx`` is the last header row; ``header_cells`` the (merged) header when given."""
    cells = rows[header_idx] if header_cells is None else header_cells
    headers = _dedupe([("" if h is None else str(h)) for h in cells])
    width = len(headers)
    body = rows[header_idx + 1 :]
    data = [list(r[:width]) + [None] * (width - len(r)) for r in body]
    df = pd.DataFrame(data, columns=headers, dtype=object)
    row_numbers = np.arange(len(df)) + first_row_number + header_idx + 1
    # per row, stop at the first filled cell (most rows: the first one)
    blank = pd.Series([all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in r) for r in data], dtype=bool)
    df["_row"] = row_numbers
    _provenance(df, file, sheet)
    n_blank = int(blank.sum())
    df = df.loc[~blank.to_numpy()].reset_index(drop=True)
    return headers, df, n_blank


def _provenance(df: pd.DataFrame, file: str, sheet: str) -> None:
    """Mark every row with its file and sheet (categorical: one string each, not one a row)."""
    zeros = np.zeros(len(df), dtype=np.int8)
    df["_file"] = pd.Categorical.from_codes(zeros, categories=[file])
    df["_sheet"] = pd.Categorical.from_codes(zeros, categories=[sheet])


def _finish(
    file: str, sheet: str, headers: list[str], df: pd.DataFrame, header_row: int,
    hmap: HeaderMap, columns, blank_rows: int = 0, problems: pd.DataFrame | None = None,
) -> RawTable | Skipped:
    table, mapping, _ = classify_headers(headers, hmap, columns, sheet or Path(file).stem)
    if table is None:
        known = sum(1 for h in headers if any(norm_key(h) in t for t in hmap.lookup.values()))
        if known >= 2:
            raise _missing_error(f"{file}" + (f" [{sheet}]" if sheet else ""), headers, hmap, columns)
        return Skipped(file, sheet, headers, "not recognised as a ledger table (headers: " + ", ".join(headers[:8]) + ")")
    if table == "petitioners" and not {"name", "id_number", "phone", "address"} & set(mapping.values()):
        table = "case_petitioners"  # a link table: case number and petitioner id only
    df = df.rename(columns=mapping)
    out = RawTable(file, sheet, table, df, header_row, mapping, blank_rows=blank_rows)
    if problems is not None:
        out.problems = problems
    return out


# --------------------------------------------------------------------------- Excel


def _read_excel(path: Path, sheet: str | None, hmap: HeaderMap, columns) -> list[RawTable | Skipped]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for unreadable files
        raise LoadError(f"{path}: cannot be read as an Excel workbook ({exc})") from exc
    names = wb.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise LoadError(f"{path}: no sheet named {sheet!r}; sheets are {names}")
        names = [sheet]
    out: list[RawTable | Skipped] = []
    for name in names:
        ws = wb.get_sheet_by_name(name)
        rows = ws.to_python(skip_empty_area=False)
        if not rows:
            out.append(Skipped(path.name, name, [], "empty sheet"))
            continue
        h = _find_header_row(rows, hmap)
        if h is None:
            out.append(Skipped(path.name, name, [str(c) for c in rows[0] if c not in (None, "")][:8], "no header row recognised"))
            continue
        cells, last = _header_cells(rows, h, hmap)
        headers, df, n_blank = _frame_from_grid(rows, last, path.name, name, 1, cells)
        out.append(_finish(path.name, name, headers, df, last + 1, hmap, columns, n_blank))
    return out


# --------------------------------------------------------------------------- CSV


def detect_encoding(data: bytes, file: str = "") -> tuple[str, int]:
    """Detect a text file's encoding. Returns (codec, BOM length).

    Order: a BOM; strict UTF-8; strict GB18030 (which covers GBK and GB2312); then
    charset-normalizer's best match. No match is a :class:`LoadError`.

    >>> detect_encoding("编号".encode("utf-8-sig"))
    ('utf-8', 3)
    >>> detect_encoding("编号,日期".encode("gbk"))
    ('gb18030', 0)
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", 0
    try:
        data.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030", 0
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            data.decode(best.encoding)
            return best.encoding, 0
        except (UnicodeDecodeError, LookupError):
            pass
    raise LoadError(
        f"{file}: unknown text encoding (not UTF-8, not GB18030/GBK, and no other encoding fits); "
        "re-export the file as UTF-8 or GB18030"
    )


def _line_numbers(
    df: pd.DataFrame, invalid: list[tuple[int | None, str, int]], first_record: int, quoted: bool
) -> tuple[np.ndarray, list[int]]:
    """The line a text editor shows for each kept record and each rejected one.

    pyarrow numbers records, not lines (its numbers for rejected rows count records from the top
    of the file); a quoted value holding line breaks makes its record span several lines, which
    pushes every later record down. Kept records take the record numbers the rejected ones leave
    free, in order."""
    n_bad = len(invalid)
    total = len(df) + n_bad
    records = np.arange(first_record, first_record + total, dtype=np.int64)
    is_bad = np.zeros(total, dtype=bool)
    bad_numbers = np.array([n or 0 for n, _, _ in invalid], dtype=np.int64) if n_bad else np.zeros(0, np.int64)
    is_bad[np.clip(bad_numbers - first_record, 0, max(total - 1, 0))] = True
    extra = np.zeros(total, dtype=np.int64)
    if quoted:
        nl = np.zeros(len(df), dtype=np.int64)
        for c in df.columns:
            counts = df[c].str.count("\n").fillna(0).to_numpy(dtype=np.int64)
            if counts.any():
                nl += counts
        extra[~is_bad] = nl[: int((~is_bad).sum())]
        order = np.argsort(bad_numbers, kind="stable")
        extra[np.flatnonzero(is_bad)] = np.array([invalid[i][1].count("\n") for i in order], dtype=np.int64)
    lines = records + np.concatenate([[0], np.cumsum(extra)[:-1]]) if total else records
    kept = lines[~is_bad][: len(df)]
    bad_at = dict(zip(bad_numbers[np.argsort(bad_numbers, kind="stable")].tolist(), lines[is_bad].tolist(), strict=False))
    return kept, [int(bad_at.get(n, n)) if n is not None else 0 for n, _, _ in invalid]


def _read_csv(path: Path, hmap: HeaderMap, columns) -> list[RawTable | Skipped]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc})") from exc
    encoding, bom = detect_encoding(data, str(path))
    head_text = data[bom : bom + 256_000].decode(encoding, errors="ignore")
    sample = head_text.splitlines()[:_HEADER_SCAN_ROWS]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    if sample and delimiter == ",":
        try:
            delimiter = csv.Sniffer().sniff("\n".join(sample[:10]), delimiters=",\t;|").delimiter
        except csv.Error:
            delimiter = ","
    rows = list(csv.reader(io.StringIO("\n".join(sample)), delimiter=delimiter))
    h = _find_header_row(rows, hmap)
    if h is None:
        return [Skipped(path.name, "", rows[0][:8] if rows else [], "no header row recognised")]
    headers = _dedupe(rows[h])
    invalid: list[tuple[int | None, str, int]] = []

    def on_invalid(row) -> str:
        invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    names = [f"c{i}" for i in range(len(headers))]
    quoted = b'"' in data
    body = memoryview(data)[bom:] if encoding == "utf-8" else memoryview(data)

    def parse(threads: bool):
        invalid.clear()
        return pcsv.read_csv(
            pa.BufferReader(body),
            read_options=pcsv.ReadOptions(
                skip_rows=h + 1, column_names=names, encoding="utf8" if encoding == "utf-8" else encoding,
                use_threads=threads, block_size=1 << 24,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=on_invalid, newlines_in_values=quoted,
                ignore_empty_lines=False,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True,
            ),
        )

    try:
        # Threads first (row numbers of bad lines are unknown then); a file with bad lines is
        # read again on one thread, which reports the line number of each.
        tbl = parse(threads=True)
        if invalid:
            tbl = parse(threads=False)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise LoadError(f"{path}: cannot be parsed as CSV ({exc})") from exc
    df = tbl.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow", na_value=np.nan) if t == pa.string() else None)
    df.columns = headers
    lines, bad_lines = _line_numbers(df, invalid, first_record=h + 2, quoted=quoted)
    blank_lines = [n for (n, text, _), line in zip(invalid, bad_lines, strict=True) if not text.strip()]
    bad = [(line, text) for (n, text, _), line in zip(invalid, bad_lines, strict=True) if text.strip()]
    blank = pd.Series(True, index=df.index)
    for c in headers:
        blank &= df[c].isna() | (df[c].str.strip() == "").fillna(True)
    df["_row"] = lines
    _provenance(df, path.name, "")
    n_blank_rows = int(blank.sum())
    if n_blank_rows:
        df = df.loc[~blank.to_numpy()].reset_index(drop=True)
    problems = pd.DataFrame(
        {
            "file": path.name, "sheet": "", "row": pd.array([n for n, _ in bad], dtype="Int64"),
            "table": None, "column": "", "value": [t[:200] for _, t in bad], "reason": "malformed_row",
            "message": "", "outcome": "quarantined",
        },
        columns=PROBLEM_COLUMNS,
    )
    res = _finish(path.name, "", headers, df, h + 1, hmap, columns, len(blank_lines) + n_blank_rows, problems)
    if isinstance(res, RawTable):
        res.problems["table"] = res.table
    return [res]


# --------------------------------------------------------------------------- Parquet, DuckDB, SQL


def _frame_source(file: str, sheet: str, df: pd.DataFrame, hmap: HeaderMap, columns) -> RawTable | Skipped:
    headers = [str(c) for c in df.columns]
    df = df.set_axis(headers, axis=1)  # a new frame (copy-on-write): the caller's stays as it was
    df["_row"] = np.arange(1, len(df) + 1)
    _provenance(df, file, sheet)
    return _finish(file, sheet, headers, df, 0, hmap, columns)


def _read_parquet(path: Path, hmap: HeaderMap, columns) -> list[RawTable | Skipped]:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise LoadError(f"{path}: cannot be read as Parquet ({exc})") from exc
    return [_frame_source(path.name, "", df, hmap, columns)]


def _read_duckdb(path: Path, sheet: str | None, hmap: HeaderMap, columns) -> list[RawTable | Skipped]:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:
        raise LoadError(f"{path}: cannot be opened as a DuckDB database ({exc})") from exc
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        if sheet is not None:
            names = [sheet]
        out: list[RawTable | Skipped] = []
        for name in names:
            df = con.execute(f'SELECT * FROM "{name}"').df()
            out.append(_frame_source(path.name, name, df, hmap, columns))
        return out
    finally:
        con.close()


def _read_sql(url: str, sheet: str | None, hmap: HeaderMap, columns) -> list[RawTable | Skipped]:
    import sqlalchemy as sa

    shown = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
    try:
        engine = sa.create_engine(url)
        names = sa.inspect(engine).get_table_names()
    except Exception as exc:
        raise LoadError(f"{shown}: cannot connect or list tables ({exc})") from exc
    if sheet is not None:
        names = [sheet]
    out: list[RawTable | Skipped] = []
    try:
        with engine.connect() as con:
            for name in names:
                df = pd.read_sql_table(name, con)
                out.append(_frame_source(shown, name, df, hmap, columns))
    finally:
        engine.dispose()
    return out


def read_source(
    source: str | Path, hmap: HeaderMap, columns: Mapping[str, str] | None = None, sheet: str | None = None
) -> list[RawTable | Skipped]:
    """Read one path or database URL into raw tables (one per recognised sheet/table)."""
    if isinstance(source, str) and "://" in source:
        return _read_sql(source, sheet, hmap, columns)
    path = Path(source)
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if path.is_dir():
        out: list[RawTable | Skipped] = []
        for p in sorted(path.iterdir()):
            if p.suffix.lower() in _EXCEL_SUFFIXES | _CSV_SUFFIXES | _DUCKDB_SUFFIXES | {".parquet"}:
                if p.name.startswith(("~$", ".")):
                    continue
                out += read_source(p, hmap, columns, sheet)
        return out
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel(path, sheet, hmap, columns)
    if suffix in _CSV_SUFFIXES:
        return _read_csv(path, hmap, columns)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path, hmap, columns)
    if suffix in _DUCKDB_SUFFIXES:
        return _read_duckdb(path, sheet, hmap, columns)
    if suffix in (".db", ".sqlite", ".sqlite3"):
        return _read_sql(f"sqlite:///{path.resolve()}", sheet, hmap, columns)
    raise LoadError(
        f"{path}: unsupported file type {suffix!r}; use .xlsx/.xls, .csv, .parquet, .duckdb, "
        "a SQLite file or a database URL"
    )

