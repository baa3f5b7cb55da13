"""The canonical data model of the Casebook (DESIGN §3): tables, columns and dtypes.

Every table is declared here once; loaders, the sample generator and validation read these
declarations, so a column's name and type live in one place.

Kinds map to pandas 3 dtypes: ``str`` → the pyarrow-backed ``str`` dtype, ``datetime`` →
``datetime64[ms]`` (timezone-naive local time, Asia/Shanghai), ``int`` → nullable ``Int32``,
``float`` → ``Float64``, ``bool`` → nullable ``boolean``.

>>> TABLES["cases"].key
'case_id'
>>> "received_at" in TABLES["cases"].required
True
>>> empty_frame("units").dtypes["level"]
<StringDtype(na_value=nan)>
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "ColumnSpec",
    "TableSpec",
    "TABLES",
    "TABLE_NAMES",
    "DTYPES",
    "LEVEL_ORDER",
    "empty_frame",
    "coerce_frame",
]

DTYPES: dict[str, object] = {
    "str": "str",
    "datetime": "datetime64[ms]",
    "int": "Int32",
    "float": "Float64",
    "bool": "boolean",
}

#: Unit levels from the bottom up; skip-level (越级) compares positions in this order.
LEVEL_ORDER: dict[str, int] = {
    "village": 0,
    "township": 1,
    "county": 2,
    "city": 3,
    "province": 4,
    "central": 5,
}


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its kind, whether a source must have it, its vocabulary."""

    name: str
    kind: str = "str"
    required: bool = False
    vocab: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One canonical table: ordered columns, primary key, and derived columns."""

    name: str
    columns: tuple[ColumnSpec, ...]
    key: str | None = None
    derived: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def all_columns(self) -> tuple[ColumnSpec, ...]:
        return self.columns + self.derived

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        for c in self.all_columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def dtypes(self) -> dict[str, object]:
        return {c.name: DTYPES[c.kind] for c in self.all_columns}


def _cols(*specs: tuple) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(*s) for s in specs)


CASES = TableSpec(
    "cases",
    _cols(
        ("case_id", "str", True, None, "信访件编号"),
        ("received_at", "datetime", True, None, "登记/来信来访时间"),
        ("channel", "str", False, "channel", "信访形式"),
        ("registered_unit_id", "str", False, None, "登记机关"),
        ("region_code", "str", False, None, "问题属地 (GB/T 2260, 6+ digits)"),
        ("region_name", "str", False, None, "问题属地名称"),
        ("category_l1", "str", False, None, "问题分类一级"),
        ("category_l2", "str", False, None, "问题分类二级"),
        ("demand_type", "str", False, "demand_type", "诉求类型/信访目的"),
        ("headcount", "int", False, None, "人数"),
        ("summary", "str", False, None, "诉求摘要"),
        ("responsible_unit_id", "str", False, None, "责任/承办单位"),
        ("lead_person_id", "str", False, None, "包案领导"),
        ("arrived_at", "datetime", False, None, "到达责任单位时间"),
        ("accepted_at", "datetime", False, None, "受理时间"),
        ("due_at", "datetime", False, None, "限办截止时间 (as the source states it)"),
        ("replied_at", "datetime", False, None, "答复时间"),
        ("closed_at", "datetime", False, None, "办结时间"),
        ("satisfaction", "str", False, "satisfaction", "满意度 (责任单位)"),
        ("satisfaction_office", "str", False, "satisfaction", "满意度 (信访部门)"),
        ("status", "str", False, None, "信访件状态 (as exported)"),
        ("repeat_of", "str", False, None, "重复信访件编号"),
        ("repeat_flag", "bool", False, None, "重复信访标志 (as exported)"),
        ("stepwise_flag", "bool", False, None, "是否依法逐级走访 (as exported)"),
        ("source_row", "str", False, None, "file:sheet:row the case came from"),
    ),
    key="case_id",
    derived=_cols(
        ("is_collective", "bool", False, None, "集体访: headcount >= 5"),
        ("is_skip_level", "bool", False, None, "越级: registered above responsible level + 1"),
        ("is_first", "bool", False, None, "初信初访: first case on this matter"),
    ),
)

EVENTS = TableSpec(
    "events",
    _cols(
        ("case_id", "str", True, None, "信访件编号"),
        ("at", "datetime", True, None, "办理时间"),
        ("action", "str", True, "action", "办理方式"),
        ("from_unit_id", "str", False, None, "办理机构"),
        ("to_unit_id", "str", False, None, "去向机构"),
        ("actor_id", "str", False, None, "经办人"),
        ("role", "str", False, "event_role", "主办/协办"),
        ("note", "str", False, None, "办理意见"),
        ("share", "float", False, None, "责任分摊 share (0-1) of a co-handling assignment"),
        ("derived", "bool", False, None, "derived from the case's dates, not in the source log"),
        ("seq", "int", False, None, "order within the source"),
        ("source_row", "str", False, None, "file:sheet:row"),
    ),
)

PETITIONERS = TableSpec(
    "petitioners",
    _cols(
        ("petitioner_id", "str", True, None, "信访人记录编号"),
        ("name", "str", False, None, "姓名"),
        ("id_number", "str", False, None, "居民身份证号"),
        ("phone", "str", False, None, "联系电话"),
        ("address", "str", False, None, "住址"),
        ("region_code", "str", False, None, "住址代码"),
        ("tags", "str", False, None, "标签"),
        ("source_row", "str", False, None, "file:sheet:row"),
    ),
    key="petitioner_id",
    derived=_cols(("id_valid", "bool", False, None, "ID number passes its checksum")),
)

CASE_PETITIONERS = TableSpec(
    "case_petitioners",
    _cols(
        ("case_id", "str", True, None, "信访件编号"),
        ("petitioner_id", "str", True, None, "信访人记录编号"),
        ("role", "str", False, "petitioner_role", "信访人/代表/联名人"),
        ("source_row", "str", False, None, "file:sheet:row"),
    ),
)

UNITS = TableSpec(
    "units",
    _cols(
        ("unit_id", "str", True, None, "单位编号"),
        ("name", "str", False, None, "单位名称"),
        ("parent_id", "str", False, None, "上级单位"),
        ("level", "str", False, "unit_level", "层级"),
        ("kind", "str", False, None, "单位类型"),
        ("region_code", "str", False, None, "所在地代码"),
        ("source_row", "str", False, None, "file:sheet:row, or 'derived'"),
    ),
    key="unit_id",
)

PEOPLE = TableSpec(
    "people",
    _cols(
        ("person_id", "str", True, None, "人员编号"),
        ("name", "str", False, None, "姓名"),
        ("unit_id", "str", False, None, "所在单位"),
        ("title", "str", False, None, "职务"),
        ("role", "str", False, "person_role", "主要领导/分管领导/经办人"),
        ("source_row", "str", False, None, "file:sheet:row, or 'derived'"),
    ),
    key="person_id",
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (CASES, EVENTS, PETITIONERS, CASE_PETITIONERS, UNITS, PEOPLE)
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    spec = TABLES[table]
    return pd.DataFrame({c.name: pd.Series([], dtype=DTYPES[c.kind]) for c in spec.all_columns})


def null_column(n: int, kind: str) -> pd.Series:
    """A column of ``n`` missing values of a kind, built without a Python list."""
    if kind == "str":
        import pyarrow as pa

        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.large_string())])).astype("str"))
    if kind == "datetime":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ms]"))
    values = np.zeros(n, dtype={"int": "int32", "float": "float64", "bool": "bool"}[kind])
    return pd.Series(pd.array(values, dtype=DTYPES[kind])).mask(np.ones(n, dtype=bool))


def coerce_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Add missing canonical columns, cast declared ones, canonical columns first, extras after.

    Casting assumes values are already clean (validation happens before); extras are kept.
    """
    spec = TABLES[table]
    out = {}
    n = len(df)
    for c in spec.all_columns:
        dtype = DTYPES[c.kind]
        if c.name in df.columns:
            s = df[c.name]
            if str(s.dtype) != str(dtype):
                s = s.astype(dtype)
            out[c.name] = s.reset_index(drop=True)
        else:
            out[c.name] = null_column(n, c.kind)
    extras = [c for c in df.columns if c not in out]
    for c in extras:
        out[c] = df[c].reset_index(drop=True)
    return pd.DataFrame(out)
