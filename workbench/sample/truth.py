"""The truth of a sample (what was planted), to score the workbench's analyses against.

JSON-serialisable: ``truth.to_json(path)`` writes the JSON and, beside it, the record → person
mapping as ``truth_persons.csv`` (large); ``Truth.from_json(path)`` reads both back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

__all__ = ["Truth", "PERSONS_FILE"]

PERSONS_FILE = "truth_persons.csv"


@dataclass
class Truth:
    """What the sample generator planted (DESIGN §5–8) and who is behind each record."""

    seed: int
    n_cases: int
    period: dict = field(default_factory=dict)
    city: dict = field(default_factory=dict)
    buck_passing: dict = field(default_factory=dict)
    overdue_leader: dict = field(default_factory=dict)
    spike: dict = field(default_factory=dict)
    group: dict = field(default_factory=dict)
    long_running: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    #: rows planted in the export that the loader must quarantine: file, sheet, row, column, reason
    data_problems: list = field(default_factory=list)
    #: petitioner_id → person_id (with person_name, person_id_number, name_variant, id_typo)
    persons: pd.DataFrame | None = field(default=None, repr=False)

    def record_to_person(self) -> pd.Series:
        """petitioner_id → person_id as a Series."""
        if self.persons is None:
            raise ValueError("this truth has no record mapping")
        return self.persons.set_index("petitioner_id")["person_id"]

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "persons"}
        d["persons_file"] = PERSONS_FILE if self.persons is not None else None
        return json.loads(json.dumps(d, ensure_ascii=False, default=_plain))

    def to_json(self, path: str | Path) -> Path:
        """Write the truth as JSON (and ``truth_persons.csv`` next to it). Returns the JSON path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=_plain), encoding="utf-8")
        if self.persons is not None:
            self.persons.to_csv(path.with_name(PERSONS_FILE), index=False, encoding="utf-8")
        return path

    @classmethod
    def from_json(cls, path: str | Path) -> Truth:
        path = Path(path)
        d = json.loads(path.read_text(encoding="utf-8"))
        pf = d.pop("persons_file", None)
        persons = None
        if pf and path.with_name(pf).exists():
            persons = pd.read_csv(path.with_name(pf), dtype={"petitioner_id": "str", "person_id": "str",
                                                             "person_name": "str", "person_id_number": "str",
                                                             "name_variant": "str"}, keep_default_na=False,
                                  na_values={"person_id_number": [""]})
            persons["id_typo"] = persons["id_typo"].astype(bool)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known}, persons=persons)


def _plain(o: object) -> object:
    """JSON fallback for numpy and pandas scalars."""
    if hasattr(o, "item"):
        return o.item()  # type: ignore[no-any-return]
    if isinstance(o, pd.Timestamp):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


