"""Putting the sample together: simulate, then build the canonical frames and the truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ..ids import id_checksum_valid
from ..schema import LEVEL_ORDER, coerce_frame
from ._arrow import join, num, pool, take, to_series, zfill
from .cases import CHANNELS, PATTERNS, VISIT, Ctx, background, finish_cases
from .catalog import DEMAND_CODES, catalog
from .city import build_city
from .events import ACTIONS, NOTES, SATISFACTION, STATUS, Log, build_events
from .patterns import Planter
from .petitioners import ROLES, People, build_petitioners
from .texts import summaries
from .timing import Calendar, period_bounds, to_ms
from .truth import Truth

__all__ = ["Sim", "simulate", "frames_of", "truth_of"]

_LEVELS = tuple(LEVEL_ORDER)


@dataclass
class Sim:
    """One simulated sample before it becomes frames."""

    seed: int
    ctx: Ctx
    matters: pd.DataFrame
    cases: pd.DataFrame
    log: Log
    people: People
    summary: pa.Array
    planter: Planter
    planted_truth: dict


def _streams(seed: int, k: int) -> list[np.random.Generator]:
    return [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(k)]


def simulate(n_cases: int = 20000, seed: int = 7, *, start: str = "2023-01-01", years: float = 2.75) -> Sim:
    """Simulate ``n_cases`` cases (exactly) of the fictional city over the period."""
    if n_cases < 300:
        raise ValueError("the sample needs at least 300 cases to plant its patterns")
    r_city, r_cases, r_events, r_people, r_text = _streams(seed, 5)
    city = build_city(r_city)
    s, e = period_bounds(start, years)
    ctx = Ctx(city, catalog(), Calendar.over(s, e), to_ms(s), to_ms(e), r_cases)
    planter = Planter(ctx, n_cases)
    parts = [planter.buck_passing(), planter.spike(), planter.group(), planter.long_running()]
    n_planted = sum(len(p.cases) for p in parts)
    bg_m, bg_c = background(ctx, n_cases - n_planted)
    ms, cs = [bg_m], [bg_c]
    offset = len(bg_m)
    for p in parts:
        c = p.cases.copy()
        c["matter"] += offset
        offset += len(p.matters)
        ms.append(p.matters)
        cs.append(c)
    matters = pd.concat(ms, ignore_index=True)
    for col in ("pp_first", "pp_other"):
        matters[col] = matters[col].fillna(-1).astype(np.int64)
    cases = pd.concat(cs, ignore_index=True)
    cases = finish_cases(ctx, matters, cases)
    truth = {name: p.truth for name, p in zip(("buck_passing", "spike", "group", "long_running"), parts, strict=True)}
    truth["overdue_leader"] = planter.overdue_leader(matters, cases)
    log = build_events(ctx, matters, cases, r_events)
    people = build_petitioners(ctx, matters, cases, r_people)
    text = summaries(ctx, matters, cases, list(ctx.cat.templates) + planter.specials, r_text)
    return Sim(seed, ctx, matters, cases, log, people, text, planter, truth)


# ------------------------------------------------------------------------------ frames


def _dt(ms: np.ndarray) -> pd.Series:
    a = np.asarray(ms, dtype=np.int64)
    out = a.astype("datetime64[ms]")
    out[a < 0] = np.datetime64("NaT")
    return pd.Series(out, dtype="datetime64[ms]")


def _codes(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pd.Series:
    return to_series(take(pool(list(values)), np.asarray(idx)))


def _order(sim: Sim) -> np.ndarray:
    """Rank of each simulated case in the output (by received time, stable)."""
    return np.argsort(sim.cases["received"].to_numpy(), kind="stable")


def _case_ids(sim: Sim) -> pa.Array:
    """信访件编号: "XF" + registering organ's region code (6) + year + serial within both."""
    units = sim.ctx.city.units
    code6 = units["region_code"].fillna("000000").str.slice(0, 6).to_numpy()
    reg = sim.cases["reg_unit"].to_numpy()
    received = sim.cases["received"].to_numpy()
    year = received.astype("datetime64[ms]").astype("datetime64[Y]").astype(np.int64) + 1970
    codes, code_idx = np.unique(code6[reg].astype(str), return_inverse=True)
    key = code_idx.astype(np.int64) * 10000 + year
    o = np.lexsort((np.arange(len(key)), received, key))
    ks = key[o]
    start = np.r_[True, ks[1:] != ks[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(ks)), 0))
    serial = np.empty(len(key), dtype=np.int64)
    serial[o] = np.arange(len(ks)) - first + 1
    if serial.max(initial=0) >= 1_000_000:  # pragma: no cover
        raise ValueError("more than 999,999 cases of one organ in one year")
    return join("XF", take(pool(codes.tolist()), code_idx), num(year), zfill(serial, 6))


def frames_of(sim: Sim) -> dict[str, pd.DataFrame]:
    """The six canonical tables (workbench.schema) of a simulated sample."""
    ctx, city, cat = sim.ctx, sim.ctx.city, sim.ctx.cat
    c, m, log = sim.cases, sim.matters, sim.log
    n = len(c)
    order = _order(sim)
    cid = _case_ids(sim)
    mi = c["matter"].to_numpy()
    unit_ids = pool(city.units["unit_id"].tolist())
    person_ids = pool(city.people["person_id"].tolist())
    resp, reg = c["resp"].to_numpy(), c["reg_unit"].to_numpy()
    lvl = ctx.unit_level
    # repeat_of: the previous case of the same matter
    by_matter = np.lexsort((c["ordinal"].to_numpy(), mi))
    prev = np.full(n, -1)
    same = mi[by_matter][1:] == mi[by_matter][:-1]
    prev[by_matter[1:][same]] = by_matter[:-1][same]
    township = m["township"].to_numpy()[mi]
    county = m["county"].to_numpy()[mi]
    at_county = m["region_county"].to_numpy().astype(bool)[mi]
    # region: the township (9 digits) or, for some matters, only the county (6 digits)
    n_t = len(city.townships)
    region_pool = pool(city.townships["code"].tolist() + city.counties["code"].tolist())
    tc = city.townships["county"].to_numpy()
    name_pool = pool([city.counties.at[int(tc[i]), "name"] + t for i, t in enumerate(city.townships["name"])]
                     + city.counties["name"].tolist())
    region_idx = np.where(at_county, n_t + county, township)
    item = m["item"].to_numpy()[mi]
    l1_names = list(cat.l1_names)
    channel = c["channel"].to_numpy()
    hc = c["headcount"].to_numpy()
    f = log.cases
    visit = channel == VISIT
    skip = (lvl[reg] > lvl[resp] + 1) & visit  # 越级走访 concerns visits only (Art 20)
    cases = pd.DataFrame({
        "case_id": to_series(cid),
        "received_at": _dt(c["received"].to_numpy()),
        "channel": _codes(CHANNELS, channel),
        "registered_unit_id": to_series(take(unit_ids, reg)),
        "region_code": to_series(take(region_pool, region_idx)),
        "region_name": to_series(take(name_pool, region_idx)),
        "category_l1": _codes(l1_names, cat.item_l1[item]),
        "category_l2": _codes([k[1] for k in cat.keys], item),
        "demand_type": _codes(DEMAND_CODES, m["demand"].to_numpy()[mi]),
        "headcount": pd.array(hc, dtype="Int32"),
        "summary": to_series(sim.summary),
        "responsible_unit_id": to_series(take(unit_ids, resp)),
        "lead_person_id": to_series(take(person_ids, c["lead"].to_numpy())),
        "arrived_at": _dt(f["arrived"]),
        "accepted_at": _dt(f["accepted"]),
        "due_at": _dt(f["due"]),
        "replied_at": _dt(f["replied"]),
        "closed_at": _dt(f["closed"]),
        "satisfaction": _codes(SATISFACTION, f["sat_unit"]),
        "satisfaction_office": _codes(SATISFACTION, f["sat_office"]),
        "status": _codes(STATUS, f["status"]),
        "repeat_of": to_series(take(cid, prev)),
        "repeat_flag": pd.array(c["ordinal"].to_numpy() > 0, dtype="boolean"),
        "stepwise_flag": pd.array(np.where(visit, ~skip, False), dtype="boolean"),
        "is_collective": pd.array(hc >= 5, dtype="boolean"),
        "is_skip_level": pd.array(skip, dtype="boolean"),
        "is_first": pd.array(c["ordinal"].to_numpy() == 0, dtype="boolean"),
    })
    cases.loc[~visit, "stepwise_flag"] = pd.NA
    cases = cases.iloc[order].reset_index(drop=True)

    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    eo = np.argsort(rank[log.case], kind="stable")
    share = log.share[eo]
    events = pd.DataFrame({
        "case_id": to_series(cid.take(pa.array(log.case[eo]))),
        "at": _dt(log.at[eo]),
        "action": _codes(ACTIONS, log.action[eo]),
        "from_unit_id": to_series(take(unit_ids, log.from_unit[eo])),
        "to_unit_id": to_series(take(unit_ids, log.to_unit[eo])),
        "actor_id": to_series(take(person_ids, log.actor[eo])),
        "role": _codes(("lead", "co"), log.role[eo]),
        "note": _codes(NOTES, log.note[eo]),
        "share": pd.array(share, dtype="Float64"),
        "derived": pd.array(np.zeros(len(eo), dtype=bool), dtype="boolean"),
        "seq": pd.array(log.seq[eo], dtype="Int32"),
    })

    pp = sim.people
    pets = pp.petitioners.copy()
    pets["id_valid"] = pd.array(id_checksum_valid(pets["id_number"]).to_numpy(), dtype="boolean")
    pets.loc[pets["id_number"].isna(), "id_valid"] = pd.NA
    recs = pp.links
    lo = np.lexsort((np.arange(len(recs)), rank[recs["case"].to_numpy()]))
    links = pd.DataFrame({
        "case_id": to_series(cid.take(pa.array(recs["case"].to_numpy()[lo]))),
        "petitioner_id": recs["petitioner_id"].iloc[lo].reset_index(drop=True),
        "role": _codes(ROLES, recs["role"].to_numpy()[lo]),
    })
    links = links.drop_duplicates(["case_id", "petitioner_id"], keep="first").reset_index(drop=True)

    u = city.units
    units = pd.DataFrame({
        "unit_id": u["unit_id"], "name": u["name"], "parent_id": u["parent_id"], "level": u["level"],
        "kind": u["kind"], "region_code": u["region_code"],
    })
    p = city.people
    people = pd.DataFrame({"person_id": p["person_id"], "name": p["name"], "unit_id": p["unit_id"],
                           "title": p["title"], "role": p["role"]})
    return {
        "cases": coerce_frame(cases, "cases"),
        "events": coerce_frame(events, "events"),
        "petitioners": coerce_frame(pets, "petitioners"),
        "case_petitioners": coerce_frame(links, "case_petitioners"),
        "units": coerce_frame(units, "units"),
        "people": coerce_frame(people, "people"),
    }


# ------------------------------------------------------------------------------ truth


def late_mask(cases: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Cases answered after their limit (due date + 30 days with an approved extension), or
    accepted and still unanswered past it at ``as_of`` — the sample's own yardstick."""
    ext = cases["case_id"].isin(events.loc[events["action"] == "extend", "case_id"])
    limit = cases["due_at"] + pd.to_timedelta(np.where(ext, 30, 0), unit="D") + pd.Timedelta(days=1)
    replied_late = cases["replied_at"].notna() & (cases["replied_at"] >= limit)
    open_late = cases["accepted_at"].notna() & cases["replied_at"].isna() & (limit <= as_of)
    return (replied_late | open_late).fillna(False).astype(bool)


def truth_of(sim: Sim, frames: dict[str, pd.DataFrame], n_cases: int, start: str, years: float) -> Truth:
    """The truth of a sample: planted patterns with their case ids, and the record mapping."""
    city = sim.ctx.city
    cid = _case_ids(sim)
    c = sim.cases
    pat = c["pattern"].to_numpy()
    order = _order(sim)

    def ids(mask: np.ndarray) -> list[str]:
        """Case ids of ``mask`` (simulation order) in output (received) order."""
        return [str(x) for x in cid.take(pa.array(order[mask[order]])).to_pylist()]

    cases, events = frames["cases"], frames["events"]
    s, e = period_bounds(start, years)
    as_of = pd.Timestamp(e)
    late = late_mask(cases, events, as_of)
    truth: dict = {k: dict(v) for k, v in sim.planted_truth.items()}

    bp = truth["buck_passing"]
    bp["case_ids"] = ids(pat == PATTERNS["buck_passing"])
    sel = cases["case_id"].isin(bp["case_ids"])
    bp["late_share"] = round(float(late[sel].mean()), 3)
    bp["late_share_others"] = round(float(late[~sel & cases["accepted_at"].notna()].mean()), 3)

    ol = truth["overdue_leader"]
    ol["case_ids"] = ids(c["lead"].to_numpy() == sim.planter.leader)
    led = cases["lead_person_id"].notna() & cases["accepted_at"].notna()
    mine = cases["lead_person_id"] == ol["person_id"]
    ol["late_share"] = round(float(late[led & mine].mean()), 3)
    ol["late_share_other_leaders"] = round(float(late[led & ~mine].mean()), 3)
    ol["late_definition"] = "replied_at on or after due_at + 1 day (+30 days with an extend event), or accepted and unanswered past that at the end of the period"

    sp = truth["spike"]
    sp["case_ids"] = ids(pat == PATTERNS["spike"])
    hit = (cases["region_code"] == sp["region_code"]) & (cases["category_l2"] == sp["category_l2"])
    monthly = cases.loc[hit, "received_at"].dt.strftime("%Y-%m").value_counts()
    months = pd.period_range(s, e - pd.Timedelta(days=1), freq="M").strftime("%Y-%m")
    monthly = monthly.reindex(months, fill_value=0)
    sp["observed_count"] = int(monthly.get(sp["month"], 0))
    sp["median_monthly_other_months"] = float(monthly.drop(sp["month"]).median())

    g = truth["group"]
    gm = pat == PATTERNS["group"]
    g["case_ids"] = ids(gm)
    gmatter = int(c["matter"].to_numpy()[gm][0])
    persons = sim.people.persons
    members = persons["matter"].to_numpy() == gmatter
    g["person_ids"] = persons.loc[members, "person_id"].tolist()
    ph = persons.loc[members, "phone"]
    g["shared_phones"] = sorted(ph[ph.duplicated(keep=False)].unique().tolist())
    gc = cases[cases["case_id"].isin(g["case_ids"])].sort_values("received_at")
    unit_level = frames["units"].set_index("unit_id")["level"]
    unit_name = frames["units"].set_index("unit_id")["name"]
    g["escalation"] = [
        {"case_id": r.case_id, "received_at": r.received_at.isoformat(), "registered_unit_id": r.registered_unit_id,
         "registered_unit_name": unit_name[r.registered_unit_id], "level": unit_level[r.registered_unit_id],
         "headcount": int(r.headcount), "stepwise": None if pd.isna(r.stepwise_flag) else bool(r.stepwise_flag)}
        for r in gc.itertuples()
    ]
    g["escalation_path"] = list(dict.fromkeys(x["level"] for x in g["escalation"]))

    lr = []
    lm = pat == PATTERNS["long_running"]
    for mt in np.unique(c["matter"].to_numpy()[lm]):
        sel = lm & (c["matter"].to_numpy() == mt)
        row = persons.index[(persons["matter"].to_numpy() == mt) & (persons["kind"].to_numpy() == "main")][0]
        ci = ids(sel)
        sub = cases[cases["case_id"].isin(ci)]
        lr.append({
            "person_id": persons.at[row, "person_id"], "name": persons.at[row, "name"], "case_ids": ci,
            "first": sub["received_at"].min().isoformat(), "last": sub["received_at"].max().isoformat(),
            "category": f"{sub['category_l1'].iloc[0]}_{sub['category_l2'].iloc[0]}",
        })
    lr.sort(key=lambda x: x["person_id"])

    mp = sim.people.mapping.merge(
        persons[["person_id", "name", "id_number"]].rename(columns={"name": "person_name", "id_number": "person_id_number"}),
        on="person_id", how="left")
    mp = mp[["petitioner_id", "person_id", "person_name", "person_id_number", "name_variant", "id_typo"]]
    visits = cases["channel"] == "visit"
    stats = {
        "cases": len(cases), "events": len(events), "records": len(frames["petitioners"]),
        "persons": int(len(persons)), "links": len(frames["case_petitioners"]),
        "units": len(frames["units"]), "people": len(frames["people"]),
        "share_online": round(float((cases["channel"] == "online").mean()), 3),
        "share_visit": round(float(visits.mean()), 3),
        "share_repeat": round(float(cases["repeat_flag"].mean()), 3),
        "share_collective": round(float(cases["is_collective"].mean()), 3),
        "share_skip_level_visits": round(float(cases.loc[visits, "is_skip_level"].mean()), 3),
        "share_late": round(float(late[cases["accepted_at"].notna()].mean()), 3),
        "share_open": round(float(cases["replied_at"].isna().mean()), 3),
        "events_per_case": round(len(events) / max(len(cases), 1), 2),
        "invalid_id_records": int(frames["petitioners"]["id_valid"].eq(False).sum()),
        "missing_id_records": int(frames["petitioners"]["id_number"].isna().sum()),
    }
    return Truth(
        seed=sim.seed, n_cases=n_cases,
        period={"start": s.date().isoformat(), "end": e.date().isoformat(), "as_of": as_of.isoformat(),
                "years": years},
        city={"name": city.name, "code": city.code, "province": city.province_name,
              "counties": city.counties[["code", "name"]].to_dict("records")},
        buck_passing=bp, overdue_leader=ol, spike=sp, group=g, long_running=lr, stats=stats, persons=mp,
    )

