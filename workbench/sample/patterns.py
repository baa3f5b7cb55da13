"""The planted patterns the workbench must find (recorded in the truth):

a. a buck-passing pair (推诿): two county departments transferring and returning cases;
b. an overdue leader: one 包案领导 whose cases run late far more often than others';
c. a one-month spike (突发热点) of one category in one township, about a named factory;
d. an escalating group (群体): a collective matter petitioned county → city → province;
e. long-running petitioners (上访老户): ≥ 8 cases over ≥ 2 years on one matter.

Each planter returns matters and cases in the shape of :mod:`.cases` (forced fields set,
the rest left to :func:`~workbench.sample.cases.finish_cases`) and a truth fragment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._arrow import padded, pick_padded, rng_choice
from .cases import (
    HOTLINE,
    LETTER,
    ONLINE,
    PATTERNS,
    PHONE,
    VISIT,
    Ctx,
    draw_matters,
    pick_lead,
    received_times,
    reslot,
)
from .city import DEPT_INDEX
from .timing import DAY, to_ms

__all__ = ["Planted", "Planter", "planted_sizes"]

BUCK_ITEMS = (("城乡建设", "集体土地上房屋拆迁与补偿"), ("国土资源", "土地征收"), ("城乡建设", "村镇建设"))
LONG_ITEMS = (
    ("国土资源", "土地征收"), ("劳动和社会保障", "退休政策及待遇"), ("城乡建设", "集体土地上房屋拆迁与补偿"),
    ("政法", "诉讼"), ("农村农业", "土地承包经营"), ("城乡建设", "国有土地上房屋征收与补偿"),
    ("劳动和社会保障", "劳动关系"),
)
# buck-passing route variants: (hops as (from, to, action)); "B" the bureau, "A"/"X" the pair
BUCK_ROUTES: dict[int, tuple[tuple[str, str, str], ...]] = {
    2: (("B", "A", "assign"), ("A", "X", "transfer"), ("X", "A", "return"), ("A", "X", "transfer")),
    3: (("B", "A", "assign"), ("A", "X", "transfer"), ("X", "A", "transfer")),
    4: (("B", "A", "assign"), ("A", "B", "return"), ("B", "X", "assign"), ("X", "B", "return"), ("B", "A", "assign")),
}
_BUCK_FINAL = {2: "X", 3: "A", 4: "A"}


@dataclass
class Planted:
    """Matters and cases of one pattern, plus what the truth says about it."""

    matters: pd.DataFrame
    cases: pd.DataFrame
    truth: dict = field(default_factory=dict)


def planted_sizes(n_cases: int) -> dict[str, int]:
    """How many cases (or persons) each pattern gets for a sample of ``n_cases``."""
    return {
        "buck_passing": max(10, round(0.015 * n_cases)),
        "overdue_leader": max(30, round(0.012 * n_cases)),
        "long_running": int(np.clip(round(n_cases / 4000), 5, 10)),
    }


class Planter:
    """Plants the patterns into one sample; keeps the special summary texts they use."""

    def __init__(self, ctx: Ctx, n_cases: int):
        self.ctx = ctx
        self.n_cases = n_cases
        self.sizes = planted_sizes(n_cases)
        self.specials: list[str] = []
        city = ctx.city
        self.qingshan = city.county_index("青山县")
        rural = [i for i in range(len(city.counties)) if not city.counties.at[i, "urban"] and i != self.qingshan]
        order = ctx.rng.permutation(len(rural))
        self.spike_county = rural[int(order[0])]
        self.group_county = rural[int(order[1 % len(rural)])]
        # the overdue leader: the first deputy head of the first urban district; kept out of
        # the ordinary draws so that every case of theirs is a planted one
        gov0 = int(city.counties.at[0, "gov"])
        p = city.people
        self.leader = int(p.index[(p["unit"] == gov0) & (p["role"] == "deputy")][0])
        ctx.set_gov_deputies(exclude=self.leader)

    # ------------------------------------------------------------------ helpers
    def _special(self, texts: list[str]) -> np.ndarray:
        base = len(self.ctx.cat.templates) + len(self.specials)
        self.specials.extend(texts)
        return base + np.arange(len(texts))

    def _case_frame(self, matter: np.ndarray, ordinal: np.ndarray, channel: np.ndarray, received: np.ndarray,
                    **forced: np.ndarray | int) -> pd.DataFrame:
        df = pd.DataFrame({"matter": matter, "ordinal": ordinal, "channel": channel, "received": received})
        for k, v in forced.items():
            df[k] = v
        return df

    def _towns_in(self, county: int, n: int, kinds: tuple[str, ...] = ("镇", "乡", "街道")) -> np.ndarray:
        t = self.ctx.city.townships
        cand = np.flatnonzero((t["county"].to_numpy() == county) & t["kind"].isin(list(kinds)).to_numpy())
        w = t["weight"].to_numpy()[cand]
        return cand[rng_choice(self.ctx.rng, n, w)]

    def _villages_in(self, township: np.ndarray) -> np.ndarray:
        v = self.ctx.city.villages
        mat, cnt = padded(v["township"].to_numpy(), np.arange(len(v)), len(self.ctx.city.townships))
        return pick_padded(self.ctx.rng, mat, cnt, township)

    def _place(self, m: pd.DataFrame, county: int, township: np.ndarray | None = None) -> None:
        n = len(m)
        town = self._towns_in(county, n) if township is None else township
        m["county"] = county
        m["township"] = town
        m["village"] = self._villages_in(town)
        m["region_county"] = False
        reslot(self.ctx, m)

    # ------------------------------------------------------------------ (a) buck-passing pair
    def buck_passing(self) -> Planted:
        ctx, rng, city = self.ctx, self.ctx.rng, self.ctx.city
        n = self.sizes["buck_passing"]
        a = int(city.dept_unit[self.qingshan, DEPT_INDEX["zhujian"]])
        b = int(city.dept_unit[self.qingshan, DEPT_INDEX["ziran"]])
        m = draw_matters(ctx, n)
        self._place(m, self.qingshan)
        items = np.array([ctx.cat.index(*k) for k in BUCK_ITEMS])
        m["item"] = items[rng_choice(rng, n, [0.45, 0.35, 0.20])]
        variant = 2 + rng_choice(rng, n, [0.4, 0.25, 0.35])
        first_is_a = rng.random(n) < 0.5
        first = np.where(first_is_a, a, b)
        other = np.where(first_is_a, b, a)
        final_is_x = np.isin(variant, [k for k, v in _BUCK_FINAL.items() if v == "X"])
        m["resp"] = np.where(final_is_x, other, first)
        m["collective"] = False
        m["headcount"] = 1
        m["family"] = False
        m["n_reps"] = 0
        m["n_cos"] = 0
        m["lead"] = np.where(rng.random(n) < 0.3, pick_lead(ctx, m["resp"].to_numpy()), -1)
        m["pattern"] = PATTERNS["buck_passing"]
        m["dur_kind"] = 2
        m["pp_first"] = first
        m["pp_other"] = other
        day = ctx.cal.sample_days(rng, n, ctx.cal.weights(office=True, wage=False))
        channel = np.array([VISIT, ONLINE, LETTER])[rng_choice(rng, n, [0.4, 0.4, 0.2])]
        cases = self._case_frame(np.arange(n), np.zeros(n, dtype=np.int64), channel,
                                 received_times(ctx, day, channel), reg_level=2, route_kind=variant,
                                 pattern=PATTERNS["buck_passing"], dur_kind=2)
        truth = {
            "unit_ids": [city.units.at[a, "unit_id"], city.units.at[b, "unit_id"]],
            "unit_names": [city.units.at[a, "name"], city.units.at[b, "name"]],
            "categories": [f"{l1}_{l2}" for l1, l2 in BUCK_ITEMS],
            "variants": {"return_loop": int((variant == 2).sum()), "ping_pong": int((variant == 3).sum()),
                         "via_bureau": int((variant == 4).sum())},
        }
        return Planted(m, cases, truth)

    # ------------------------------------------------------------------ (c) one-month spike
    def spike(self) -> Planted:
        ctx, rng, city, cat = self.ctx, self.ctx.rng, self.ctx.city, self.ctx.cat
        county = self.spike_county
        town = int(self._towns_in(county, 1, ("镇",))[0])
        tname = city.townships.at[town, "name"]
        cname = city.counties.at[county, "name"]
        factory = f"{cname}恒丰化工有限公司"
        item = cat.index("环境保护", "环境污染")
        start = pd.Timestamp(ctx.start_ms, unit="ms")
        n_months = int(round(ctx.period_days / 30.44))
        mo = int(rng.integers(max(1, n_months // 3), max(2, 2 * n_months // 3)))
        m_start = (start + pd.DateOffset(months=mo)).normalize()
        m_end = m_start + pd.DateOffset(months=1)
        days_in_month = (m_end - m_start).days
        # the expected background count of this item in this township in one month
        tw = city.townships["weight"].to_numpy()
        t_county = city.townships["county"].to_numpy()
        cw = city.counties["weight"].to_numpy()
        p_town = cw[county] / cw.sum() * tw[town] / tw[t_county == county].sum()
        p_item = (cat.p_urban if city.counties.at[county, "urban"] else cat.p_rural)[item]
        normal = self.n_cases * 1.1 * p_town * p_item * 0.85 * days_in_month / ctx.period_days
        # large enough to stand out in a hot-topic view, not only in a statistical test
        n = max(12, math.ceil(5 * normal), min(40, math.ceil(self.n_cases / 1000)))
        m = draw_matters(ctx, n)
        self._place(m, county, np.full(n, town))
        m["item"] = item
        m["resp"] = int(city.dept_unit[county, DEPT_INDEX["shengtai"]])
        coll = np.zeros(n, dtype=bool)
        coll[: max(1, n // 8)] = True
        m["collective"] = coll
        m["headcount"] = np.where(coll, rng.integers(6, 25, n), 1)
        m["family"] = False
        m["n_reps"] = np.where(coll, rng.integers(1, 5, n), 0)
        m["n_cos"] = np.where(coll, rng.integers(2, 8, n), 0)
        m["lead"] = -1
        m["pattern"] = PATTERNS["spike"]
        texts = [
            f"反映{factory}排放刺鼻异味气体，夜间尤为严重，{{village}}群众头晕恶心，要求查处",
            f"反映{factory}附近空气中有浓烈化工异味，门窗紧闭仍能闻到，要求停产整改",
            f"反映{tname}恒丰化工夜间偷排废气，异味影响周边学校师生",
            f"反映{tname}{{village}}一带近期化工臭味严重，怀疑{factory}违法排污",
        ]
        tpl = self._special(texts)
        ms0 = to_ms(m_start)
        offs = np.floor(rng.beta(1.4, 2.2, n) * days_in_month).astype(np.int64)
        channel = np.array([ONLINE, HOTLINE, PHONE, VISIT, LETTER])[rng_choice(rng, n, [0.5, 0.22, 0.1, 0.12, 0.06])]
        received = received_times(ctx, ms0 + offs * DAY, channel)
        received = np.minimum(received, to_ms(m_end) - 60_000)
        cases = self._case_frame(np.arange(n), np.zeros(n, dtype=np.int64), channel, received,
                                 template=tpl[rng.integers(0, len(tpl), n)], pattern=PATTERNS["spike"],
                                 reg_level=np.where(channel == HOTLINE, 3, -1), lead=-1)
        truth = {
            "category_l1": "环境保护", "category_l2": "环境污染",
            "region_code": city.townships.at[town, "code"], "region_name": f"{cname}{tname}",
            "month": m_start.strftime("%Y-%m"), "spike_cases": int(n),
            "expected_normal_monthly": round(float(normal), 3), "factory": factory, "keyword": "恒丰化工",
        }
        return Planted(m, cases, truth)

    # ------------------------------------------------------------------ (d) escalating group
    def group(self) -> Planted:
        ctx, rng, city, cat = self.ctx, self.ctx.rng, self.ctx.city, self.ctx.cat
        county = self.group_county
        cname = city.counties.at[county, "name"]
        enterprise = f"{cname}红星机械厂"
        members = int(rng.integers(8, 16))
        m = draw_matters(ctx, 1)
        self._place(m, county)
        m["item"] = cat.index("经济管理", "企业改制")
        gov = int(city.counties.at[county, "gov"])
        m["resp"] = gov
        m["collective"] = True
        m["headcount"] = members
        m["family"] = False
        m["n_reps"] = 4
        m["n_cos"] = members - 5
        deputies = city.people.index[(city.people["unit"] == gov) & (city.people["role"] == "deputy")].to_numpy()
        deputies = deputies[deputies != ctx.excluded_leader]
        m["lead"] = int(deputies[rng.integers(0, len(deputies))])
        m["pattern"] = PATTERNS["group"]
        m["dur_kind"] = 0
        k = int(rng.integers(6, 10))
        levels = np.array([2, 2, 3, 3] + [4] * (k - 4))
        if k >= 8:
            levels[-1] = 5
        channel = np.where(levels == 2, np.array([VISIT, LETTER] * 5)[:k], VISIT)
        channel[(levels == 5)] = LETTER
        gaps = rng.uniform(35, 75, k - 1)
        span = ctx.period_days * 0.7
        if gaps.sum() > span:
            gaps *= span / gaps.sum()
        first = ctx.start_ms + int(ctx.period_days * rng.uniform(0.1, 0.25)) * DAY
        day0 = first + np.floor(np.concatenate([[0.0], np.cumsum(gaps)])).astype(np.int64) * DAY
        received = received_times(ctx, day0, channel)
        headcount = np.minimum(members + np.cumsum(rng.integers(0, 6, k)), 60)
        headcount[0] = members
        texts = [
            f"原{enterprise}{{n}}名职工集体反映企业改制时身份置换补偿不到位，要求补发经济补偿金",
            f"原{enterprise}职工反映改制后社保断缴，要求{cname}人民政府兑现改制承诺",
            f"原{enterprise}职工再次集体反映改制遗留问题，对{cname}答复不满意，要求上级督办",
        ]
        tpl = self._special(texts)
        template = tpl[np.minimum(np.arange(k) * len(tpl) // k, len(tpl) - 1)]
        cases = self._case_frame(np.zeros(k, dtype=np.int64), np.arange(k), channel, received,
                                 reg_level=levels, headcount=headcount, template=template,
                                 pattern=PATTERNS["group"], dur_kind=0)
        truth = {
            "enterprise": enterprise, "category_l1": "经济管理", "category_l2": "企业改制",
            "members": members, "responsible_unit_id": city.units.at[gov, "unit_id"],
            "lead_person_id": city.people.at[int(m.at[0, "lead"]), "person_id"],
            "levels": [{2: "county", 3: "city", 4: "province", 5: "central"}[int(x)] for x in levels],
        }
        return Planted(m, cases, truth)

    # ------------------------------------------------------------------ (e) long-running petitioners
    def long_running(self) -> Planted:
        ctx, rng, city, cat = self.ctx, self.ctx.rng, self.ctx.city, self.ctx.cat
        n = self.sizes["long_running"]
        m = draw_matters(ctx, n)
        county = rng.integers(0, len(city.counties), n)
        for c in np.unique(county):
            rows = np.flatnonzero(county == c)
            sub = m.iloc[rows].copy()
            self._place(sub, int(c))
            for col in ("county", "township", "village", "region_county"):
                m.loc[m.index[rows], col] = sub[col].to_numpy()
        reslot(ctx, m)
        items = np.array([cat.index(*k) for k in LONG_ITEMS])
        m["item"] = items[rng.integers(0, len(items), n)]
        from .cases import _responsible

        resp, village = _responsible(ctx, m["item"].to_numpy(), m["county"].to_numpy(),
                                     m["township"].to_numpy(), m["village"].to_numpy())
        m["resp"] = resp
        m["village"] = village
        m["collective"] = False
        m["headcount"] = 1
        m["family"] = False
        m["n_reps"] = 0
        m["n_cos"] = 0
        m["lead"] = pick_lead(ctx, resp)
        m["pattern"] = PATTERNS["long_running"]
        k = 8 + rng.integers(0, 7, n)
        period = ctx.period_days
        offsets: list[np.ndarray] = []
        for i in range(n):  # a handful of persons
            span = min(rng.uniform(760, 1000), period - 45) if period > 820 else period * 0.9
            gaps = rng.dirichlet(np.ones(int(k[i]) - 1) * 3.0) * span
            first = rng.uniform(0, max(1.0, period - span - 10))
            days = np.floor(first + np.concatenate([[0.0], np.cumsum(gaps)])).astype(np.int64)
            offsets.append(days)
        day_off = np.concatenate(offsets)
        matter = np.repeat(np.arange(n), k)
        ordinal = np.concatenate([np.arange(x) for x in k])
        channel = np.array([VISIT, LETTER, ONLINE, PHONE])[rng_choice(rng, len(matter), [0.45, 0.2, 0.3, 0.05])]
        received = received_times(ctx, ctx.start_ms + day_off * DAY, channel)
        received = np.minimum(received, ctx.end_ms - 3_600_000)
        cases = self._case_frame(matter, ordinal, channel, received, pattern=PATTERNS["long_running"], dur_kind=0)
        truth = {"persons": int(n), "cases_each": [int(x) for x in k]}
        return Planted(m, cases, truth)

    # ------------------------------------------------------------------ (b) overdue leader
    def overdue_leader(self, matters: pd.DataFrame, cases: pd.DataFrame) -> dict:
        """Give the leader ordinary one-case matters of their district, handled slowly."""
        ctx, rng, city = self.ctx, self.ctx.rng, self.ctx.city
        m = cases["matter"].to_numpy()
        size = np.bincount(m, minlength=len(matters))
        resp = cases["resp"].to_numpy()
        demand = matters["demand"].to_numpy()[m]
        cand = np.flatnonzero(
            (cases["pattern"].to_numpy() == 0) & (size[m] == 1) & (ctx.unit_county[resp] == 0)
            & (ctx.unit_level[resp] <= 2) & (demand != 4)
        )
        n = min(self.sizes["overdue_leader"], len(cand))
        pick = np.sort(rng.choice(cand, n, replace=False))
        lead = cases["lead"].to_numpy().copy()
        lead[pick] = self.leader
        cases["lead"] = lead
        for col, v in (("dur_kind", 1), ("pattern", PATTERNS["overdue_leader"])):
            a = cases[col].to_numpy().copy()
            a[pick] = v
            cases[col] = a
        ml = matters["lead"].to_numpy().copy()
        ml[m[pick]] = self.leader
        matters["lead"] = ml
        p = city.people
        unit = int(p.at[self.leader, "unit"])
        return {
            "person_id": p.at[self.leader, "person_id"], "name": p.at[self.leader, "name"],
            "title": p.at[self.leader, "title"], "unit_id": city.units.at[unit, "unit_id"],
            "unit_name": city.units.at[unit, "name"], "planted_cases": int(n),
        }
