"""Matters (信访事项) and their cases (信访件) for the sample, background and planted.

A *matter* is what someone petitions about (a category, a place, a responsible unit, the
estate or firm concerned); a matter is petitioned once or several times (重复信访), each time
a *case*. Everything is held as integer codes in numeric DataFrames until the frames are
built; the planted patterns (DESIGN §5–8) are matters and cases like the others, with some
fields forced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._arrow import padded, pick_padded, rng_choice
from .catalog import SLOTS, Catalog
from .city import City, place_pool
from .timing import DAY, Calendar, time_of_day

__all__ = [
    "CHANNELS",
    "REG_LEVELS",
    "PATTERNS",
    "Ctx",
    "draw_matters",
    "draw_cases",
    "finish_cases",
    "background",
    "pick_lead",
    "pick_template",
    "reg_unit",
    "received_times",
    "reslot",
]

CHANNELS: tuple[str, ...] = ("online", "visit", "letter", "phone", "hotline", "mailbox")
ONLINE, VISIT, LETTER, PHONE, HOTLINE, MAILBOX = range(6)
_P_CHANNEL_FIRST = np.array([0.50, 0.16, 0.10, 0.09, 0.10, 0.05])
_P_CHANNEL_REPEAT = np.array([0.42, 0.30, 0.12, 0.06, 0.06, 0.04])
# registration level by channel: county, city, province, central
REG_LEVELS: tuple[int, ...] = (2, 3, 4, 5)
_P_REG = np.array([
    [0.45, 0.40, 0.12, 0.03],  # online
    [0.72, 0.22, 0.05, 0.01],  # visit
    [0.50, 0.33, 0.13, 0.04],  # letter
    [0.60, 0.40, 0.00, 0.00],  # phone
    [0.00, 1.00, 0.00, 0.00],  # hotline (the city's 12345)
    [0.30, 0.70, 0.00, 0.00],  # mailbox (县长/市长信箱)
])
_MAX_REG = np.array([5, 5, 5, 3, 3, 3])
# time-of-day kind by channel (0 office hours, 1 any time, 2 phone hours)
_TOD = np.array([1, 0, 0, 2, 2, 1])

#: Pattern codes of matters and cases.
PATTERNS: dict[str, int] = {
    "background": 0, "buck_passing": 1, "overdue_leader": 2, "spike": 3, "group": 4, "long_running": 5,
}


@dataclass
class Ctx:
    """Everything the generator steps share."""

    city: City
    cat: Catalog
    cal: Calendar
    start_ms: int
    end_ms: int
    rng: np.random.Generator
    unit_level: np.ndarray = field(init=False)
    unit_county: np.ndarray = field(init=False)
    leaders: tuple[np.ndarray, np.ndarray] = field(init=False)
    gov_deputies: tuple[np.ndarray, np.ndarray] = field(init=False)
    above_gov: np.ndarray = field(init=False)
    excluded_leader: int = -1

    def __post_init__(self) -> None:
        u = self.city.units
        self.unit_level = u["level_no"].to_numpy()
        self.unit_county = u["county"].to_numpy()
        self.leaders = self.city.role_matrix(("principal", "deputy"))
        gov = np.where(self.unit_county >= 0, self.city.counties["gov"].to_numpy()[np.maximum(self.unit_county, 0)],
                       self.city.city_gov)
        self.above_gov = gov
        self.set_gov_deputies()

    def set_gov_deputies(self, exclude: int = -1) -> None:
        """Deputies of each government (by unit index), optionally leaving one person out."""
        p = self.city.people
        m = (p["role"].to_numpy() == "deputy") & (self.city.units["kind"].to_numpy()[p["unit"].to_numpy()] == "人民政府")
        m &= np.arange(len(p)) != exclude
        self.gov_deputies = padded(p["unit"].to_numpy()[m], np.flatnonzero(m), self.city.n_units)
        self.excluded_leader = exclude
        mat, cnt = self.city.role_matrix(("principal", "deputy"))
        if exclude >= 0:
            keep = mat != exclude
            mat2 = np.full_like(mat, -1)
            for u in np.flatnonzero((~keep).any(axis=1)):
                row = mat[u][keep[u] & (mat[u] >= 0)]
                mat2[u, : len(row)] = row
            rows = (~keep).any(axis=1)
            mat = np.where(rows[:, None], mat2, mat)
            cnt = (mat >= 0).sum(axis=1)
        self.leaders = (mat, cnt)

    @property
    def period_days(self) -> float:
        return (self.end_ms - self.start_ms) / DAY


# ------------------------------------------------------------------------------ matters


def _responsible(ctx: Ctx, item: np.ndarray, county: np.ndarray, township: np.ndarray,
                 village: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The responsible unit (谁主管、谁负责) of each matter; may move the matter's village to one
    whose committee is a unit. Returns (unit, village)."""
    from .city import DEPT_INDEX

    city, cat, rng = ctx.city, ctx.cat, ctx.rng
    n_c = len(city.counties)
    resp = np.full(len(item), -1, dtype=np.int64)
    village = village.copy()
    vil_units = city.villages["unit"].to_numpy()
    has_unit = np.flatnonzero(vil_units >= 0)
    vmat, vcnt = padded(city.villages["township"].to_numpy()[has_unit], has_unit, len(city.townships))
    county_gov = city.counties["gov"].to_numpy()
    town_gov = city.townships["gov"].to_numpy()
    order = np.argsort(item, kind="stable")
    bounds = np.flatnonzero(np.diff(item[order])) + 1
    for rows in np.split(order, bounds):
        if not len(rows):
            continue
        spec = cat.items[cat.keys[int(item[rows[0]])]]
        w = np.array([h[1] for h in spec.handlers])
        pick = rng_choice(rng, len(rows), w)
        at_city = rng.random(len(rows)) < spec.city_share
        for k, (key, _w) in enumerate(spec.handlers):
            r = rows[pick == k]
            if not len(r):
                continue
            c_city = at_city[pick == k]
            if key == "township":
                resp[r] = town_gov[township[r]]
            elif key == "gov":
                resp[r] = np.where(c_city, city.city_gov, county_gov[county[r]])
            elif key == "village":
                v = pick_padded(rng, vmat, vcnt, township[r])
                ok = v >= 0
                village[r[ok]] = v[ok]
                resp[r] = np.where(ok, vil_units[np.maximum(v, 0)], town_gov[township[r]])
            else:
                d = DEPT_INDEX[key]
                local = city.dept_unit[county[r], d]
                top = city.dept_unit[n_c, d]
                resp[r] = np.where(c_city | (local < 0), top, local)
    return resp, village


def pick_lead(ctx: Ctx, resp: np.ndarray) -> np.ndarray:
    """A leader (包案领导) for each matter: a leader of the responsible unit, or a deputy head
    of the government above it (副县长/副市长)."""
    rng = ctx.rng
    own = pick_padded(rng, *ctx.leaders, resp)
    gov = pick_padded(rng, *ctx.gov_deputies, ctx.above_gov[resp])
    use_gov = (rng.random(len(resp)) < 0.45) & (gov >= 0)
    return np.where(use_gov | (own < 0), gov, own)


def _headcount(rng: np.random.Generator, collective: np.ndarray) -> np.ndarray:
    """People in a matter: collective bins 5–10, 11–20, 21–50, 51–100, 100+ (集体访)."""
    n = len(collective)
    bins = rng_choice(rng, n, [0.60, 0.22, 0.12, 0.04, 0.02])
    lo = np.array([5, 11, 21, 51, 101])[bins]
    hi = np.array([10, 20, 50, 100, 300])[bins]
    coll = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    single = np.where(rng.random(n) < 0.905, 1, rng.integers(2, 5, n))
    return np.where(collective, coll, single)


def draw_matters(ctx: Ctx, n: int, *, collective_boost: float = 1.0) -> pd.DataFrame:
    """Draw ``n`` matters: place, category, responsible unit, leader, people and slot values."""
    city, cat, rng = ctx.city, ctx.cat, ctx.rng
    tw = city.townships["weight"].to_numpy()
    t_county = city.townships["county"].to_numpy()
    cw = city.counties["weight"].to_numpy()
    p_town = cw[t_county] / cw.sum() * tw / np.bincount(t_county, weights=tw)[t_county]
    township = rng_choice(rng, n, p_town)
    county = t_county[township]
    urban = city.counties["urban"].to_numpy()[county]
    item = np.where(urban, rng_choice(rng, n, cat.p_urban), rng_choice(rng, n, cat.p_rural))
    vmat, vcnt = padded(city.villages["township"].to_numpy(), np.arange(len(city.villages)), len(city.townships))
    village = pick_padded(rng, vmat, vcnt, township)
    resp, village = _responsible(ctx, item, county, township, village)
    region_county = rng.random(n) < 0.15
    cdf = np.cumsum(cat.demand[item], axis=1)
    demand = (rng.random(n)[:, None] > cdf).sum(axis=1)
    demand = np.minimum(demand, cat.demand.shape[1] - 1)
    collective = rng.random(n) < cat.collective[item] * collective_boost
    headcount = _headcount(rng, collective)
    lead_p = np.where(collective, 0.8, 0.45)
    lead = np.where(rng.random(n) < lead_p, pick_lead(ctx, resp), -1)
    df = pd.DataFrame({
        "county": county, "township": township, "village": village, "region_county": region_county,
        "item": item, "demand": demand, "collective": collective, "headcount": headcount,
        "resp": resp, "lead": lead,
        "family": (~collective) & (headcount > 1) & (rng.random(n) < 0.6),
        "n_reps": np.where(collective, rng.integers(0, 5, n), 0),
        "n_cos": np.where(collective, rng.integers(0, 13, n), 0),
        "pattern": np.zeros(n, dtype=np.int64),
        "fixed_text": np.full(n, -1, dtype=np.int64),
        "dur_kind": np.zeros(n, dtype=np.int64),
    })
    for kind in ("estate", "developer", "property", "builder", "factory", "shop", "project", "road",
                 "school", "hospital"):
        _names, mat, cnt = place_pool(city, kind)
        df[f"s_{kind}"] = pick_padded(rng, mat, cnt, county)
    df["s_amount"] = np.clip(np.round(rng.lognormal(np.log(28000), 0.8, n), -2), 1500, 3_000_000).astype(np.int64)
    df["s_months"] = rng.integers(2, 19, n)
    df["s_n"] = np.where(headcount >= 3, headcount, rng.integers(3, 61, n))
    df["s_mu"] = np.round(rng.uniform(1.0, 50.0, n), 1)
    df["s_year"] = rng.integers(1998, 2022, n)
    assert set(SLOTS) >= {c[2:] for c in df.columns if c.startswith("s_")}
    return df


# ------------------------------------------------------------------------------ cases


def _reg_level(ctx: Ctx, channel: np.ndarray, ordinal: np.ndarray, resp_level: np.ndarray) -> np.ndarray:
    rng = ctx.rng
    cdf = np.cumsum(_P_REG[channel], axis=1)
    lvl = np.array(REG_LEVELS)[np.minimum((rng.random(len(channel))[:, None] > cdf).sum(axis=1), 3)]
    bump = rng.random(len(channel)) < np.minimum(0.12 * ordinal, 0.5)
    lvl = np.minimum(lvl + bump, _MAX_REG[channel])
    return np.maximum(lvl, np.minimum(resp_level, 3))


def reg_unit(ctx: Ctx, level: np.ndarray, county: np.ndarray) -> np.ndarray:
    """The petition bureau of ``level`` (county bureau of the matter's county below city)."""
    c = ctx.city
    return np.select(
        [level == 5, level == 4, level == 3],
        [c.central_bureau, c.province_bureau, c.city_bureau],
        c.counties["bureau"].to_numpy()[county],
    )


def received_times(ctx: Ctx, first_day_ms: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """A time of day for each case by channel; office channels move to working days."""
    rng, cal = ctx.rng, ctx.cal
    t = first_day_ms + time_of_day(rng, len(channel), _TOD[channel])
    office = _TOD[channel] == 0
    d = cal.day_index(t)
    nd = cal.next_work[d]
    return np.where(office, t + (nd - d).astype(np.int64) * DAY, t)


def draw_cases(ctx: Ctx, matters: pd.DataFrame, k: np.ndarray, first_ms: np.ndarray | None = None) -> pd.DataFrame:
    """Cases of each matter: ``k[m]`` cases, the first on a seasonal day, repeats after gaps."""
    rng, cal, cat = ctx.rng, ctx.cal, ctx.cat
    m_idx = np.repeat(np.arange(len(matters)), k)
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    ordinal = np.arange(len(m_idx)) - np.repeat(starts, k)
    n = len(m_idx)
    channel = np.where(ordinal == 0, rng_choice(rng, n, _P_CHANNEL_FIRST), rng_choice(rng, n, _P_CHANNEL_REPEAT))
    if first_ms is None:
        item = matters["item"].to_numpy()
        wage = np.array([cat.items[cat.keys[i]].wage_season for i in range(len(cat.keys))])[item]
        first_ch = channel[starts]
        office = _TOD[first_ch] == 0
        first_ms = np.zeros(len(matters), dtype=np.int64)
        for o in (False, True):
            for w in (False, True):
                sel = (office == o) & (wage == w)
                if sel.any():
                    first_ms[sel] = cal.sample_days(rng, int(sel.sum()), cal.weights(office=o, wage=w))
    gap = np.where(ordinal == 0, 0.0, np.maximum(rng.lognormal(np.log(45.0), 0.75, n), 8.0))
    cum_days = np.cumsum(gap) - np.repeat(np.cumsum(gap)[starts], k)
    day0 = np.repeat(first_ms, k) + np.floor(cum_days).astype(np.int64) * DAY
    received = received_times(ctx, day0, channel)
    cases = pd.DataFrame({"matter": m_idx, "ordinal": ordinal, "channel": channel, "received": received})
    return cases


def finish_cases(ctx: Ctx, matters: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Fill per-case fields that follow from the matter (level, units, headcount, lead, text)
    where a planted case has not forced them (sentinels: -1, and -2 for ``lead``)."""
    rng = ctx.rng
    n = len(cases)
    for col, sentinel in (("reg_level", -1), ("headcount", -1), ("lead", -2), ("template", -1),
                          ("pattern", -1), ("dur_kind", -1), ("route_kind", 0)):
        if col not in cases:
            cases[col] = sentinel
        cases[col] = cases[col].fillna(sentinel).astype(np.int64)
    m = cases["matter"].to_numpy()
    resp = matters["resp"].to_numpy()[m]
    county = matters["county"].to_numpy()[m]
    ordinal = cases["ordinal"].to_numpy()
    lvl = cases["reg_level"].to_numpy()
    drawn = _reg_level(ctx, cases["channel"].to_numpy(), ordinal, ctx.unit_level[resp])
    cases["reg_level"] = np.where(lvl < 0, drawn, lvl)
    cases["reg_unit"] = reg_unit(ctx, cases["reg_level"].to_numpy(), county)
    cases["resp"] = resp
    base = matters["headcount"].to_numpy()[m]
    jitter = np.round(base * rng.uniform(0.75, 1.3, n)).astype(np.int64)
    hc = np.where(base >= 5, np.maximum(jitter, 5), base)
    cases["headcount"] = np.where(cases["headcount"].to_numpy() < 0, hc, cases["headcount"].to_numpy())
    lead = matters["lead"].to_numpy()[m]
    later = (ordinal > 0) | (rng.random(n) < 0.7)
    drawn_lead = np.where(later, lead, -1)
    cases["lead"] = np.where(cases["lead"].to_numpy() == -2, drawn_lead, cases["lead"].to_numpy())
    for col in ("pattern", "dur_kind"):
        v = cases[col].to_numpy()
        cases[col] = np.where(v < 0, matters[col].to_numpy()[m], v)
    t = cases["template"].to_numpy()
    cases["template"] = np.where(t < 0, pick_template(ctx, matters["item"].to_numpy()[m]), t)
    return cases


def pick_template(ctx: Ctx, item: np.ndarray) -> np.ndarray:
    cat = ctx.cat
    mat, cnt = padded(cat.template_item, np.arange(len(cat.templates)), len(cat.keys))
    return pick_padded(ctx.rng, mat, cnt, item)


def background(ctx: Ctx, n_cases: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Matters and cases of the ordinary flow, exactly ``n_cases`` cases in the period."""
    rng = ctx.rng
    if n_cases <= 0:
        return draw_matters(ctx, 0), pd.DataFrame()
    n_multi = int(round(0.09 * n_cases))
    k_multi = 2 + rng_choice(rng, n_multi, [0.50, 0.22, 0.12, 0.08, 0.05, 0.03])
    multi = draw_matters(ctx, n_multi, collective_boost=1.5)
    mc = draw_cases(ctx, multi, k_multi)
    mc = mc[mc["received"] < ctx.end_ms].reset_index(drop=True)
    mc = mc.iloc[: n_cases].reset_index(drop=True)
    n_single = n_cases - len(mc)
    single = draw_matters(ctx, n_single)
    sc = draw_cases(ctx, single, np.ones(n_single, dtype=np.int64))
    sc["matter"] += len(multi)
    matters = pd.concat([multi, single], ignore_index=True)
    cases = pd.concat([mc, sc], ignore_index=True)
    # drop matters that lost all their cases past the end
    kept = np.zeros(len(matters), dtype=bool)
    kept[cases["matter"].to_numpy()] = True
    remap = np.cumsum(kept) - 1
    matters = matters[kept].reset_index(drop=True)
    cases["matter"] = remap[cases["matter"].to_numpy()]
    cases["ordinal"] = cases.groupby("matter").cumcount().to_numpy()
    return matters, cases



def reslot(ctx: Ctx, matters: pd.DataFrame, rows: np.ndarray | None = None) -> None:
    """Redraw the place slots of ``rows`` (all rows by default) for their (changed) county."""
    rows = np.arange(len(matters)) if rows is None else np.asarray(rows)
    county = matters["county"].to_numpy()[rows]
    for kind in ("estate", "developer", "property", "builder", "factory", "shop", "project", "road",
                 "school", "hospital"):
        _names, mat, cnt = place_pool(ctx.city, kind)
        col = matters[f"s_{kind}"].to_numpy().copy()
        col[rows] = pick_padded(ctx.rng, mat, cnt, county)
        matters[f"s_{kind}"] = col
