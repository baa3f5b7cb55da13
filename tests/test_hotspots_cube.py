"""The issue cube and spike alerts (workbench.hotspots.cube / .alerts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.hotspots.alerts import _detect, expected_band, spike_alerts
from workbench.hotspots.cube import issue_cube


@pytest.fixture(scope="module")
def book():
    """Seven cases over two counties of one prefecture, one province-level code, one with neither
    region nor category. (A case without a received date is quarantined by the loader; the cube
    would count it in the period ``unknown``.)"""
    cases = pd.DataFrame({
        "case_id": ["A", "B", "C", "D", "E", "F", "G"],
        "received_at": ["2024-01-10", "2024-01-20", "2024-02-05", "2025-01-08", "2025-02-01", "2025-02-02", "2025-02-03"],
        "region_code": ["339922100", "339922101", "339922", "339922100", "339921", "33", None],
        "category_l1": ["环境保护", "环境保护", "环境保护", "环境保护", "民政", "民政", None],
        "category_l2": ["环境污染", "环境污染", "噪声", "环境污染", "社会救助", None, None],
        "headcount": [6, 1, 1, 8, 1, 1, 1],
        "repeat_of": [None, None, None, "A", None, None, None],
        "registered_unit_id": ["信访局"] * 7, "responsible_unit_id": ["环保局"] * 7,
        # A: accepted, never replied: the 60-day handling clock runs past its limit (late)
        "accepted_at": ["2024-01-11", "2024-01-21", "2024-02-06", "2025-01-09", "2025-02-02", "2025-02-03", "2025-02-04"],
        "replied_at": [None, "2024-02-01", "2024-02-20", "2025-01-20", "2025-02-10", "2025-02-10", "2025-02-10"],
    })
    return wb.Casebook.from_frames(cases=cases, now="2026-01-01")


def test_cube_cells_exact(book):
    cube = issue_cube(book)
    f = cube.frame
    assert f["cases"].sum() == len(book.cases)
    a = f.loc[(f["township9"] == "339922100") & (f["period"] == "2024-01")].iloc[0]
    assert (a["cases"], a["collective"], a["repeat"], a["late"]) == (1, 1, 0, 1)
    d = f.loc[(f["township9"] == "339922100") & (f["period"] == "2025-01")].iloc[0]
    assert (d["cases"], d["collective"], d["repeat"]) == (1, 1, 1)
    # a county code padded to the township level, a province code padded everywhere
    assert f.loc[f["category_l2"] == "噪声", "township9"].tolist() == ["339922000"]
    prov = f.loc[(f["category_l1"] == "民政") & (f["category_l2"] == "unknown")].iloc[0]
    assert (prov["prefecture4"], prov["county6"], prov["township9"]) == ("3300", "330000", "330000000")
    # missing region and category: their own unknown cell, counted
    g = f.loc[f["category_l1"] == "unknown"].iloc[0]
    assert (g["province2"], g["township9"], g["period"], g["cases"]) == ("unknown", "unknown", "2025-02", 1)
    assert cube.periods[0] == "2024-01" and cube.periods[-1] == "2025-02" and len(cube.periods) == 14


def test_slice_every_level(book):
    cube = issue_cube(book)
    by_r = {lvl: dict(zip(*cube.slice(level=lvl, by=("region",))[["region", "cases"]].T.values, strict=True))
            for lvl in ("province", "prefecture", "county", "township")}
    assert by_r["province"] == {"33": 6, "unknown": 1}
    assert by_r["prefecture"] == {"3399": 5, "3300": 1, "unknown": 1}
    assert by_r["county"] == {"339922": 4, "339921": 1, "330000": 1, "unknown": 1}
    assert by_r["township"] == {"339922100": 2, "339922101": 1, "339922000": 1, "339921000": 1,
                                "330000000": 1, "unknown": 1}
    s = cube.slice(category="环境保护", region="339922", level="county", by=("region",))
    assert s[["cases", "repeat", "collective", "repeat_share", "collective_share"]].values.tolist() == [[4, 1, 2, 0.25, 0.5]]
    s = cube.slice(level="county", by=("category_l2",), period="2024")
    assert dict(zip(s["category_l2"], s["cases"], strict=True)) == {"环境污染": 2, "噪声": 1}


def test_mom_yoy(book):
    cube = issue_cube(book)
    s = cube.slice(category="环境保护", level="township", region="339922100")
    row = s.loc[s["period"] == "2025-01"].iloc[0]
    assert (row["cases"], row["last_year"], row["yoy"], row["prev"]) == (1, 1, 0.0, 0)
    assert np.isnan(row["mom"])  # nothing the month before: no 环比
    s = cube.slice(category="环境保护", level="county", by=("period",))
    feb = s.loc[s["period"] == "2024-02"].iloc[0]
    assert (feb["cases"], feb["prev"], feb["mom"]) == (1, 2, -0.5)
    assert cube.slice(level="county", by=("period",), period="2025-02")["cases"].tolist() == [3]


def test_case_ids(book):
    cube = issue_cube(book)
    assert cube.case_ids(region="339922100") == ["A", "D"]
    assert cube.case_ids(region="339922", period="2024-01") == ["A", "B"]
    assert cube.case_ids(category="环境污染", flag="repeat") == ["D"]
    assert cube.case_ids(category="环境保护", flag="late") == ["A"]
    assert cube.case_ids(region="unknown") == ["G"]
    assert cube.case_ids(county6="339921") == ["E"]


def test_week_and_quarter(book):
    q = issue_cube(book, period="quarter")
    assert q.slice(level="province", by=("period",))[["period", "cases"]].values.tolist() == [
        ["2024Q1", 3], ["2025Q1", 4]]
    w = issue_cube(book, period="week")
    assert w.case_ids(period="2024-W03") == ["B"]  # Saturday 2024-01-20 is in ISO week 3


def test_series_zero_filled(book):
    s = issue_cube(book).series(level="county")
    assert len(s) == s.groupby(["region", "category"]).ngroups * 14
    one = s.loc[(s["region"] == "339922") & (s["category"] == "环境保护")]
    assert one["cases"].tolist() == [2, 1] + [0] * 10 + [1, 0]


def _simulate(rng, n=200, t=36, cats=10, disp=0.0, own_trend=0.01):
    """Series with a category season (±40 %), a category trend (+2 %/period) and own trends."""
    cat = np.arange(n) % cats
    base = np.exp(rng.uniform(np.log(0.3), np.log(30), n))
    k = np.arange(t)
    season = 1 + 0.4 * np.sin(2 * np.pi * (k[None, :] + rng.integers(0, 12, cats)[:, None]) / 12)
    trend = np.exp(rng.normal(0.02, 0.01, cats)[:, None] * k[None, :])
    own = np.exp(rng.normal(0, own_trend, n)[:, None] * k[None, :])
    mu = base[:, None] * season[cat] * trend[cat] * own
    lam = rng.gamma(1 / disp, disp * mu) if disp > 0 else mu
    index = pd.DataFrame({"region": [f"r{i}" for i in range(n)], "region_name": "", "category": [f"c{c}" for c in cat]})
    return index, rng.poisson(lam), mu


PERIODS = [f"p{i:02d}" for i in range(36)]


def test_no_alerts_from_season_and_trend():
    """Poisson noise around seasons and trends: Benjamini–Hochberg under no spikes keeps the chance
    of any alert in a run at alpha or less; measured over 40 runs of 200 series × 24 tested months."""
    rng = np.random.default_rng(7)
    runs = [_detect(*_simulate(rng)[:2], periods=PERIODS, period="month") for _ in range(40)]
    assert sum(len(r) > 0 for r in runs) / len(runs) <= 0.05
    assert runs[0].attrs["tests"] == 200 * 24


def test_overdispersed_noise_rarely_alerts():
    """Negative-binomial noise (dispersion 0.3): the pooled dispersion is found and false alerts stay
    far below the per-test level (measured: about 1 in 14,000 series-months; see the report)."""
    rng = np.random.default_rng(11)
    runs = [_detect(*_simulate(rng, disp=0.3)[:2], periods=PERIODS, period="month") for _ in range(20)]
    assert 0.25 < np.mean([r.attrs["dispersion"] for r in runs]) < 0.5
    assert sum(len(r) for r in runs) / sum(r.attrs["tests"] for r in runs) < 1e-3


@pytest.mark.parametrize(("disp", "extra"), [(0.0, 12), (0.3, 30)])
def test_planted_spikes_found(disp, extra):
    """Spikes on series of a few cases a month are found: 12 extra cases under Poisson noise, 30
    under negative-binomial noise of dispersion 0.3 (15 is not enough there: see the report)."""
    rng = np.random.default_rng(3)
    index, y, mu = _simulate(rng, disp=disp)
    small = np.flatnonzero(mu.mean(axis=1) < 3)
    cells = [(small[0], 20), (small[3], 30), (small[6], 14), (small[9], 35)]
    for s, t in cells:
        y[s, t] += extra
    a = _detect(index, y, periods=PERIODS, period="month")
    found = set(zip(a["region"], a["period"], strict=True))
    assert {(f"r{s}", f"p{t:02d}") for s, t in cells} <= found
    assert len(found) <= len(cells) + 1
    assert (a["observed"] > a["upper"]).all() and (a["q_value"] < 0.05).all()


def test_untested_periods_and_band():
    rng = np.random.default_rng(1)
    index, y, _ = _simulate(rng, n=30, t=20, cats=3)
    y[0, 5] += 50  # inside the first 12 periods: not tested, so not alerted
    a = _detect(index, y, periods=PERIODS[:20], period="month")
    assert "p05" not in set(a["period"]) and a.attrs["tests"] == 30 * 8
    long = pd.DataFrame({"region": np.repeat(index["region"], 20), "category": np.repeat(index["category"], 20),
                         "period": PERIODS[:20] * 30, "cases": y.ravel()})
    e = expected_band(long)
    assert e["expected"].isna().sum() == 30 * 12
    ok = e["expected"].notna()
    assert ((e.loc[ok, "lower"] <= e.loc[ok, "expected"]) & (e.loc[ok, "expected"] <= e.loc[ok, "upper"])).all()


def test_sample_spike_alerted(sample_book):
    spike = sample_book.truth["spike"]
    cube = issue_cube(sample_book.book)
    for level, region in (("township", spike["region_code"]), ("county", spike["region_code"][:6])):
        for cat_col in ("category_l1", "category_l2"):
            a = spike_alerts(cube, level=level, category=cat_col)
            hit = a.loc[(a["region"] == region) & (a["period"] == spike["month"])
                        & (a["category"] == spike[cat_col])]
            assert len(hit) == 1, (level, cat_col)
            assert set(spike["case_ids"]) <= set(hit["case_ids"].iloc[0])
            # the other alerts, per year of tested months: measured 0 on every combination
            others = len(a) - 1
            assert others / a.attrs["years"] <= 2, (level, cat_col, others)
            assert a.attrs["tests"] > 1000 and "Benjamini" in a.attrs["method"]
    assert cube.slice(category=spike["category_l2"], region=spike["region_code"], level="township",
                      period=spike["month"])["cases"].tolist() == [spike["spike_cases"]]
