"""The supervisor's merge / split decisions on petitioner records (人工认定: 同一人 / 不同人).

A small file kept beside the ledger, TOML (default) or CSV by its suffix, one decision per entry:
the two petitioner record ids, ``same`` (must-link 认定同一人) or ``different`` (cannot-link 认定
不同人), who decided, when and why. :func:`decide` appends; :func:`workbench.resolve_persons`
applies every decision on every call, so a decision survives reloading the ledger. Where one
pair was decided more than once, the latest decision counts.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "identity.toml"
>>> _ = decide(path, "R1", "R2", "same", by="张督查", why="同一身份证复印件", at="2026-01-05")
>>> ov = decide(path, "R3", "R1", "different", by="张督查", why="父子，同名", at="2026-01-06")
>>> ov.frame()[["a", "b", "decision", "by", "at"]].values.tolist()
[['R1', 'R2', 'same', '张督查', '2026-01-05'], ['R1', 'R3', 'different', '张督查', '2026-01-06']]
>>> len(Overrides.load(path).decisions)
2
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Decision", "Overrides", "decide", "DECISIONS"]

#: The two decisions a supervisor can take on a pair of records.
DECISIONS: tuple[str, ...] = ("same", "different")
_FIELDS = ("a", "b", "decision", "by", "why", "at")
_HEADER = "# 信访人身份人工认定（same = 同一人, different = 不同人）。workbench.identity.decide 追加写入。\n"


@dataclass(frozen=True)
class Decision:
    """One decision: records ``a`` and ``b`` are the ``same`` person or ``different`` persons."""

    a: str
    b: str
    decision: str
    by: str = ""
    why: str = ""
    at: str = ""


@dataclass
class Overrides:
    """The decisions of one file, in the order taken (later ones win for the same pair)."""

    decisions: list[Decision] = field(default_factory=list)
    path: Path | None = None
    #: entries of the file that could not be read as a decision, with the reason
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> Overrides:
        """Read a TOML or CSV decisions file; a missing file is no decisions."""
        p = Path(path)
        if not p.exists():
            return cls([], p)
        if p.suffix.lower() == ".csv":
            with p.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
        else:
            rows = tomllib.loads(p.read_text(encoding="utf-8")).get("decision", [])
        out, problems = [], []
        for n, r in enumerate(rows, 1):
            a, b, d = (str(r.get(k) or "").strip() for k in ("a", "b", "decision"))
            if not a or not b or d not in DECISIONS:
                problems.append(f"entry {n}: needs a, b and decision in {DECISIONS}")
                continue
            out.append(Decision(a, b, d, str(r.get("by") or ""), str(r.get("why") or ""), str(r.get("at") or "")))
        return cls(out, p, problems)

    def frame(self) -> pd.DataFrame:
        """One row per decided pair (a < b), the latest decision for it: a, b, decision, by, why, at."""
        if not self.decisions:
            return pd.DataFrame({k: pd.Series(dtype="str") for k in _FIELDS})
        df = pd.DataFrame([d.__dict__ for d in self.decisions], columns=list(_FIELDS)).astype("str")
        lo = df[["a", "b"]].min(axis=1)
        hi = df[["a", "b"]].max(axis=1)
        df["a"], df["b"] = lo, hi
        df = df[df["a"] != df["b"]]
        return df.drop_duplicates(["a", "b"], keep="last").reset_index(drop=True)


def decide(path: str | Path, a: str, b: str, decision: str, *, by: str, why: str = "",
           at: str | None = None) -> Overrides:
    """Append a decision (``same`` or ``different``) on records ``a`` and ``b`` to the file at
    ``path`` (created if missing; TOML unless it ends in ``.csv``) and return all its decisions.
    ``at`` defaults to today."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    d = Decision(str(a), str(b), decision, by, why, at or dt.date.today().isoformat())
    if p.suffix.lower() == ".csv":
        new = not p.exists() or p.stat().st_size == 0
        with p.open("a", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(_FIELDS))
            if new:
                w.writeheader()
            w.writerow(d.__dict__)
    else:
        # JSON string literals are valid TOML basic strings
        entry = "\n[[decision]]\n" + "".join(
            f"{k} = {json.dumps(getattr(d, k), ensure_ascii=False)}\n" for k in _FIELDS)
        with p.open("a", encoding="utf-8") as fh:
            if p.stat().st_size == 0:
                fh.write(_HEADER)
            fh.write(entry)
    return Overrides.load(p)
