"""KPIs on a small hand-made ledger, checked against the hand computation (numerators and
denominators included), the cube against the KPIs, and the planted overdue leader on the sample.

The ledger (as_of 2025-07-01; every case registered by 市信访局 and handled by a unit below it):

==  ========  =====  ====  ======  ===========  ===========  =====  =====================
id  received  form   head  unit    arrived      accepted     reply  notes
==  ========  =====  ====  ======  ===========  ===========  =====  =====================
A   03-03     来访   1     住建局  03-05        03-06        04-01  满意 / 满意, lead L1
B   03-04     网上   1     住建局  03-05        03-06        06-01  不满意 / 基本满意, L1
C   03-10     来信   1     人社局  03-12        03-28        —      accepted a day late, L2
D   05-20     来访   6     镇政府  05-21        05-22        —      skip-level visit
E   04-10     网上   1     住建局  04-11        04-11        04-30  repeat of A (not first)
F   03-20     来电   1     住建局  03-21        03-21        03-25  建议 (no handling clock)
G   03-21     来访   12    人社局  03-24        03-25        04-20  evaluation overdue
H   06-10     来信   1     人社局  06-12        —            —      not accepted
==  ========  =====  ====  ======  ===========  ===========  =====  =====================

Handling clock (60 days from acceptance, rolled past rest days): A, B due 05-06 (05-05 is in the
May Day break); C due 05-27; D due 07-21; G due 05-26 (05-24 is a Saturday); H counts from its
arrival once its acceptance limit (06-27) ran out: due 08-11.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import workbench as wb
from workbench.rules.cube import Filters, KPICube
from workbench.rules.kpis import kpis

AS_OF = "2025-07-01"


@pytest.fixture(scope="module")
def book(hand_ledger) -> wb.Casebook:
    return hand_ledger


def _cell(t, kpi: str, party: str, count: str = "件次", **keys) -> tuple[float, float, float]:
    f = t.frame
    m = (f["kpi"] == kpi) & (f["party"] == party) & (f["count"] == count)
    for k, v in keys.items():
        m &= f[k] == v
    r = f.loc[m]
    assert len(r) == 1, (kpi, party, count, keys, len(r))
    r = r.iloc[0]
    return float(r["numerator"]), float(r["denominator"]), float(r["value"])


def test_rates_equal_the_hand_computation(book):
    t = kpis(book, as_of=AS_OF)
    # route clocks: all seven first petitions routed within 15 days (G's 04-05 moves past 清明 to 04-07)
    assert _cell(t, "timely_acceptance", "office") == (7, 7, 1.0)
    # acceptance: C a day late (due 03-27), H still undecided past 06-27
    assert _cell(t, "timely_acceptance", "unit") == (5, 7, 5 / 7)
    # handling (申诉求决 only, first petitions): A, G met; B late; C open past limit; D, H not yet due
    assert _cell(t, "on_time", "unit") == (2, 4, 0.5)
    f = t.frame.set_index(["kpi", "party", "count"])
    assert f.loc[("on_time", "unit", "件次"), "open_not_due"] == 2
    # satisfaction, each party its own column: unit A 满意, F 基本满意, B 不满意; office all three content
    assert _cell(t, "satisfaction", "unit") == (2, 3, 2 / 3)
    assert _cell(t, "satisfaction", "office") == (3, 3, 1.0)
    # participation: G's evaluation is overdue
    assert _cell(t, "participation", "unit") == (3, 4, 0.75)
    assert _cell(t, "repeat", "all") == (1, 8, 0.125)
    assert _cell(t, "online_share", "all") == (3, 8, 3 / 8)  # B, E online; F by phone
    # visits A, D, G; D registered at city level but handled by a township: skip-level
    assert _cell(t, "skip_level", "all", "批次") == (1, 3, 1 / 3)
    assert _cell(t, "skip_level", "all", "人次") == (6, 19, 6 / 19)
    # first petitions closed without overrunning a handling limit: A, F, G of seven
    assert _cell(t, "first_closed_on_time", "all") == (3, 7, 3 / 7)
    # first petitions done: A (repeated by E), B (不满意), F, G → F and G resolved at once
    assert _cell(t, "resolved_once", "all") == (2, 4, 0.5)


def test_counts_keep_cases_persons_and_batches_apart(book):
    t = kpis(book, as_of=AS_OF)
    assert _cell(t, "cases", "all")[0] == 8
    assert _cell(t, "visits_batches", "all", "批次")[0] == 3
    assert _cell(t, "visits_persons", "all", "人次")[0] == 19
    assert _cell(t, "collective_batches", "all", "批次")[0] == 2
    assert _cell(t, "collective_persons", "all", "人次")[0] == 18
    assert _cell(t, "collective_5_10", "all", "批次")[0] == 1
    assert _cell(t, "collective_11_20", "all", "批次")[0] == 1
    assert _cell(t, "collective_21_50", "all", "批次")[0] == 0


def test_settled_needs_180_quiet_days(book):
    # at 11-01 the cases closed by 05-05 have had 180 days: A (repeated by E 04-10), E, F, G
    t = kpis(book, as_of="2025-11-01")
    assert _cell(t, "settled", "all") == (3, 4, 0.75)
    # at 07-01 no closure is 180 days old: an empty cohort is NaN, not 0 %
    t = kpis(book, as_of=AS_OF)
    num, den, value = _cell(t, "settled", "all")
    assert (num, den) == (0, 0) and math.isnan(value)


def test_first_only_can_be_switched_off(book):
    t = kpis(book, as_of=AS_OF, first_only=False)
    # E (a repeat, met: accepted 04-11, replied 04-30) joins the handling cohort
    assert _cell(t, "on_time", "unit") == (3, 5, 0.6)


def test_cells_give_back_their_cases(book):
    t = kpis(book, as_of=AS_OF)
    assert t.case_ids("on_time", "missing", party="unit") == ["B", "C"]
    assert t.case_ids("on_time", "numerator", party="unit") == ["A", "G"]
    assert t.case_ids("on_time", "open_not_due", party="unit") == ["D", "H"]
    assert t.case_ids("timely_acceptance", "missing", party="unit") == ["C", "H"]
    assert t.case_ids("skip_level", "numerator", count="批次") == ["D"]
    assert t.cases("repeat", "numerator")["case_id"].tolist() == ["E"]
    with pytest.raises(ValueError, match="part must be"):
        t.case_ids("on_time", "late")


def test_grouping_by_unit_leader_and_month(book):
    t = kpis(book, by=["unit"], as_of=AS_OF, party="unit")
    assert _cell(t, "on_time", "unit", unit="U_ZJ") == (1, 2, 0.5)
    assert _cell(t, "on_time", "unit", unit="U_RS") == (1, 2, 0.5)
    assert t.case_ids("on_time", "missing", party="unit", unit="U_RS") == ["C"]
    t = kpis(book, by="leader", as_of=AS_OF, party="unit")
    assert _cell(t, "on_time", "unit", leader="L1") == (1, 2, 0.5)
    assert _cell(t, "on_time", "unit", leader="L2") == (0, 1, 0.0)
    # the month is the cohort's: handling clocks by due month, volumes by month received
    t = kpis(book, by="month", as_of=AS_OF)
    assert _cell(t, "on_time", "unit", month="2025-05") == (2, 4, 0.5)
    assert _cell(t, "cases", "all", month="2025-03")[0] == 5
    t = kpis(book, by="county", as_of=AS_OF)
    assert _cell(t, "cases", "all", county="339903")[0] == 3


def test_period_with_year_on_year_and_month_on_month(book):
    t = kpis(book, period="2025-05", as_of=AS_OF)
    assert _cell(t, "on_time", "unit") == (2, 4, 0.5)
    row = t.frame.set_index(["kpi", "party", "count"]).loc[("on_time", "unit", "件次")]
    assert math.isnan(row["prev_value"]) and math.isnan(row["yoy_value"])  # nothing was due in April
    t = kpis(book, period="2025-04", as_of=AS_OF)
    f = t.frame.set_index(["kpi", "party", "count"])
    # received: 4 in March, ... April has E only; 环比 = (1 − 5) / 5
    assert f.loc[("cases", "all", "件次"), "value"] == 1
    assert f.loc[("cases", "all", "件次"), "prev_value"] == 5
    assert f.loc[("cases", "all", "件次"), "mom"] == pytest.approx(-0.8)
    # rates change in percentage points: online share 1/1 in April vs 2/5 in March
    assert f.loc[("online_share", "all", "件次"), "mom"] == pytest.approx(1 - 2 / 5)


def test_monthly_rows_carry_month_on_month_and_year_on_year(book):
    t = kpis(book, by="month", as_of=AS_OF)
    f = t.frame.set_index(["kpi", "party", "count", "month"])
    # received: March 5 (A B C F G), April 1 (E), May 1 (D), June 1 (H)
    assert f.loc[("cases", "all", "件次", "2025-04"), ["value", "prev_value"]].tolist() == [1, 5]
    assert f.loc[("cases", "all", "件次", "2025-04"), "mom"] == pytest.approx(-0.8)
    assert math.isnan(f.loc[("cases", "all", "件次", "2025-03"), "prev_value"])  # nothing in February
    assert math.isnan(f.loc[("cases", "all", "件次", "2025-04"), "yoy_value"])
    # within a period, the month before the period still counts as the previous month
    p = kpis(book, by="month", period="2025-04", as_of=AS_OF).frame.set_index(["kpi", "party", "count", "month"])
    assert p.loc[("cases", "all", "件次", "2025-04"), "prev_value"] == 5


def test_unknown_grouping_is_refused(book):
    with pytest.raises(ValueError, match="cannot group by 'colour'"):
        kpis(book, by="colour")


def test_cube_agrees_with_kpis(book):
    cube = KPICube(book, as_of=AS_OF)
    full = kpis(book, as_of=AS_OF).frame.set_index(["kpi", "party", "count"])
    panel = cube.panel()
    for col in ("numerator", "denominator"):
        np.testing.assert_allclose(panel[col].reindex(full.index).to_numpy(dtype=float), full[col].to_numpy(dtype=float))
    # a non-time filter on the cube equals the KPIs of the filtered book — except where a later
    # case outside the filter decides (a repeat petition of another channel): the cube keeps the
    # whole ledger's links, a filtered book cannot see them
    cross = ["resolved_once", "settled"]
    for flt, where in ((Filters(region="339903"), {"region": "339903"}), (Filters(unit="U_ZJ"), {"unit": "U_ZJ"}),
                       (Filters(channel="visit"), {"channel": "visit"})):
        sub = kpis(book.where(**where), as_of=AS_OF).frame.set_index(["kpi", "party", "count"])
        sub = sub.drop(index=cross, level="kpi")
        got = cube.panel(flt)
        for col in ("numerator", "denominator"):
            np.testing.assert_allclose(got[col].reindex(sub.index).to_numpy(dtype=float), sub[col].to_numpy(dtype=float),
                                       err_msg=f"{flt} {col}")
    # a period on the cube is the cohort period of kpis(period=...)
    p = kpis(book, period="2025-05", as_of=AS_OF).frame.set_index(["kpi", "party", "count"])
    got = cube.panel(Filters(period="2025-05"))
    np.testing.assert_allclose(got["numerator"].reindex(p.index).to_numpy(dtype=float), p["numerator"].to_numpy(dtype=float))
    assert cube.cases_behind("on_time", "missing", Filters(period="2025-05")) == ["B", "C"]
    heat = cube.late_matrix()
    assert heat[["unit_id", "month", "late", "total"]].values.tolist() == [["U_RS", "2025-05", 1, 2], ["U_ZJ", "2025-05", 1, 2]]
    assert cube.cases_behind("on_time", "missing", unit_id="U_ZJ", month="2025-05") == ["B"]


def test_planted_overdue_leader_ranks_first_on_the_sample(sample_book):
    truth = sample_book.truth["overdue_leader"]
    rank = wb.ranking(sample_book.book, by="leader")
    assert rank.iloc[0]["lead_person_id"] == truth["person_id"]
    top = rank.iloc[0]
    assert top["late_rate"] > 2 * rank.iloc[1:]["late_rate"].median()
    # the KPI view agrees: the leader's on-time rate is the lowest among leaders with 20+ cases
    t = kpis(sample_book.book, by="leader", party="unit")
    f = t.frame.loc[(t.frame["kpi"] == "on_time") & (t.frame["denominator"] >= 20)]
    assert f.sort_values("value").iloc[0]["leader"] == truth["person_id"]
    cube = KPICube(sample_book.book)
    assert cube.ranking(by="leader").iloc[0]["lead_person_id"] == truth["person_id"]
