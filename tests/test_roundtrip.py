"""The sample in export form (Excel 台账 + GB18030 event CSV) loads back to what the generator made."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench.sample import generate_frames, write_sample

N, SEED = 2500, 5
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    write_sample(d, n_cases=N, seed=SEED)
    frames, _ = generate_frames(N, SEED)
    truth = workbench.sample.Truth.from_json(d / "truth" / "truth.json")
    book = workbench.load([d / "ledger.xlsx", d / "events.csv"], now="2030-01-01")
    return frames, truth, book


def _norm(df: pd.DataFrame, key: list[str], cols: list[str]) -> pd.DataFrame:
    out = df[key + cols].copy()
    for c in cols:
        if pd.api.types.is_datetime64_any_dtype(out[c].dtype):
            out[c] = out[c].astype("datetime64[ms]")
        elif str(out[c].dtype) in ("Int32", "Int64", "Float64", "boolean"):
            out[c] = out[c].astype("Float64" if str(out[c].dtype) != "boolean" else "boolean")
        else:
            out[c] = out[c].astype("str")
    return out.sort_values(key).reset_index(drop=True)


def test_every_row_taken(exported):
    frames, truth, book = exported
    q = book.quality().tables.set_index("table")
    # every generated row is taken; the planted broken rows (3 ledger rows, 3 log lines) are not
    assert q.loc["cases", "read"] == N + 3 and q.loc["cases", "quarantined"] == 3
    assert q.loc["events", "read"] == len(frames["events"]) + 3 and q.loc["events", "quarantined"] == 3
    assert len(book.cases) == N and len(book.events) == len(frames["events"])
    _planted_problems_found(book, truth)
    flagged = book.quarantine[book.quarantine["outcome"] == "flagged"]
    assert set(flagged["reason"]) == {"invalid_id_number"}  # planted ID typos, kept and marked
    assert not book.events["derived"].any()


def test_cases_round_trip(exported):
    frames, _, book = exported
    cols = ["channel", "registered_unit_id", "region_code", "region_name", "category_l1", "category_l2",
            "demand_type", "headcount", "summary", "responsible_unit_id", "lead_person_id", "satisfaction",
            "satisfaction_office", "status", "repeat_of", "repeat_flag", "stepwise_flag",
            "is_collective", "is_skip_level"]
    pd.testing.assert_frame_equal(_norm(book.cases, ["case_id"], cols), _norm(frames["cases"], ["case_id"], cols))
    dates = ["received_at", "arrived_at", "accepted_at", "due_at", "replied_at", "closed_at"]
    got, want = _norm(book.cases, ["case_id"], dates), _norm(frames["cases"], ["case_id"], dates)
    # some rows carry text dates without seconds or without a time (as real ledgers do)
    for c in dates:
        assert (got[c].dt.normalize() == want[c].dt.normalize()).where(want[c].notna(), got[c].isna()).all(), c
        exact = (got[c] == want[c]).sum() / max(want[c].notna().sum(), 1)
        assert exact > 0.85, c


def test_events_units_people_round_trip(exported):
    frames, _, book = exported
    key = ["case_id", "at", "action", "to_unit_id", "role"]
    cols = ["from_unit_id", "actor_id", "note"]
    pd.testing.assert_frame_equal(_norm(book.events, key, cols), _norm(frames["events"], key, cols))
    ucols = ["name", "parent_id", "level", "kind", "region_code"]
    pd.testing.assert_frame_equal(_norm(book.units, ["unit_id"], ucols), _norm(frames["units"], ["unit_id"], ucols))
    pcols = ["name", "unit_id", "title", "role"]
    pd.testing.assert_frame_equal(_norm(book.people, ["person_id"], pcols), _norm(frames["people"], ["person_id"], pcols))


def test_petitioners_round_trip(exported):
    frames, _, book = exported
    cols = ["name", "id_number", "phone", "address"]
    pd.testing.assert_frame_equal(_norm(book.petitioners, ["petitioner_id"], cols),
                                  _norm(frames["petitioners"], ["petitioner_id"], cols))
    lk = ["case_id", "petitioner_id"]
    pd.testing.assert_frame_equal(_norm(book.case_petitioners, lk, ["role"]), _norm(frames["case_petitioners"], lk, ["role"]))


def test_bundled_sample_matches_generator():
    """data/sample/ is the generator's output for its recorded seed and size."""
    d = ROOT / "data" / "sample"
    truth = workbench.sample.Truth.from_json(d / "truth" / "truth.json")
    frames, _ = generate_frames(truth.n_cases, truth.seed)
    book = workbench.load(d, now="2030-01-01")  # the whole folder: the truth sits apart
    assert len(book.cases) == truth.n_cases == len(frames["cases"])
    assert len(book.events) == len(frames["events"])
    assert sorted(book.cases["case_id"]) == sorted(frames["cases"]["case_id"])
    _planted_problems_found(book, truth)


def _planted_problems_found(book, truth) -> None:
    """Exactly the planted rows are quarantined, each for (at least) the planted reason."""
    q = book.quarantine[book.quarantine["outcome"] == "quarantined"]
    got = set(zip(q["file"], q["sheet"].fillna(""), q["row"].astype(int), q["reason"], strict=True))
    want = {(p["file"], p["sheet"], p["row"], p["reason"]) for p in truth.data_problems}
    assert want <= got
    assert {g[:3] for g in got} == {w[:3] for w in want}
    assert len(want) == 6
