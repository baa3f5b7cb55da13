"""Petitioners (信访人): the persons behind the cases (truth) and the records a ledger holds.

One person may appear under several records: their name written with a homophone, a
traditional character, swapped or mistyped characters; their ID number missing or mistyped;
a new phone; their address abbreviated. Family members and the members of a group share
phones. A record is identified by its content (:func:`workbench.ids.record_ids`), so two
identical records are one row of ``petitioners``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..ids import _ascii_strings, id_check_digits, record_ids
from ._arrow import (
    digits,
    join,
    null_where,
    num,
    padded,
    pick_padded,
    pool,
    rng_choice,
    take,
    to_series,
    zfill,
)
from .cases import Ctx
from .city import place_pool
from .names import NONE, VARIANT_NAMES, draw_names, render, vary

__all__ = ["People", "build_petitioners", "EXTERNAL_BIRTHPLACES", "ROLES"]

#: Birthplace codes outside the city (real county codes valid since 1983, for people born
#: after that) of people who moved to the city.
EXTERNAL_BIRTHPLACES: tuple[str, ...] = (
    "330102", "330106", "330302", "330602", "320102", "360102", "410102", "420102", "350102", "330421",
)
ROLES: tuple[str, ...] = ("petitioner", "representative", "cosigner")
_PHONE_PREFIX = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155,
                          156, 157, 158, 159, 166, 173, 176, 177, 178, 180, 181, 182, 183, 185, 186,
                          187, 188, 189, 191, 193, 195, 198, 199])
# share of records without an ID number, by channel (online, visit, letter, phone, hotline, mailbox)
_P_NO_ID = np.array([0.25, 0.05, 0.45, 0.45, 0.50, 0.50])
_P_NO_PHONE = np.array([0.02, 0.06, 0.15, 0.0, 0.0, 0.03])
MAIN, FAMILY, REP, COSIGNER = range(4)


@dataclass
class People:
    """Persons (truth), the records of each case link, and the petitioners table."""

    persons: pd.DataFrame  # person_id, name, id_number, phone, phone2, address, region_code, kind, pattern
    links: pd.DataFrame  # case (int), person (int), role (int), petitioner_id, name, id_number, phone, address, region_code, variant, id_typo
    petitioners: pd.DataFrame  # one row per distinct record
    mapping: pd.DataFrame  # petitioner_id → person_id, with the variant applied


def _id_matrix(ctx: Ctx, rng: np.random.Generator, county: np.ndarray, birth: np.ndarray, female: np.ndarray) -> np.ndarray:
    """17 digits (place, birth date, sequence with sex parity) of 居民身份证号 per person."""
    n = len(county)
    codes = ctx.city.counties["code"].to_numpy().astype("S6")
    local = np.frombuffer(codes.tobytes(), dtype=np.uint8).reshape(-1, 6)[county] - 48
    ext = np.frombuffer(np.array(EXTERNAL_BIRTHPLACES, dtype="S6").tobytes(), dtype=np.uint8).reshape(-1, 6) - 48
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    external = (year >= 1984) & (rng.random(n) < 0.12)
    place = np.where(external[:, None], ext[rng.integers(0, len(ext), n)], local)
    ymd = np.datetime_as_string(birth, unit="D")
    ymd_b = np.frombuffer(ymd.astype("S10").tobytes(), dtype=np.uint8).reshape(-1, 10)
    date = ymd_b[:, [0, 1, 2, 3, 5, 6, 8, 9]] - 48
    seq = rng.integers(0, 100, n)
    sex = rng.integers(0, 5, n) * 2 + np.where(female, 0, 1)
    tail = np.stack([seq // 10, seq % 10, sex], axis=1)
    return np.concatenate([place, date, tail], axis=1).astype(np.uint8)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    pre = _PHONE_PREFIX[rng.integers(0, len(_PHONE_PREFIX), n)]
    head = np.stack([pre // 100, pre // 10 % 10, pre % 10], axis=1)
    return np.concatenate([head, rng.integers(0, 10, (n, 8))], axis=1).astype(np.uint8)


def build_petitioners(ctx: Ctx, matters: pd.DataFrame, cases: pd.DataFrame, rng: np.random.Generator) -> People:
    """Persons for every matter, and one record per (case, person) link."""
    city = ctx.city
    M = len(matters)
    fam = matters["family"].to_numpy().astype(bool)
    n_grp = (matters["n_reps"].to_numpy() + matters["n_cos"].to_numpy()).astype(np.int64)
    pattern_m = matters["pattern"].to_numpy()
    # ---------------------------------------------------------------- persons
    p_matter = np.concatenate([np.arange(M), np.flatnonzero(fam), np.repeat(np.arange(M), n_grp)])
    p_kind = np.concatenate([
        np.full(M, MAIN), np.full(int(fam.sum()), FAMILY),
        np.where(np.arange(int(n_grp.sum())) - np.repeat(np.r_[0, np.cumsum(n_grp)[:-1]], n_grp)
                 < np.repeat(matters["n_reps"].to_numpy(), n_grp), REP, COSIGNER),
    ])
    P = len(p_matter)
    main_of = p_matter  # the main person of a matter has the matter's index
    female = rng.random(P) < 0.42
    s, g1, g2 = draw_names(rng, female)
    same_surname = (p_kind == FAMILY) & (rng.random(P) < 0.6)
    s = np.where(same_surname, s[main_of], s)
    age = np.clip(rng.normal(52, 14, P), 19, 88)
    # long-running petitioners and the workers of a restructured state enterprise are older
    age = np.where(np.isin(pattern_m[p_matter], [4, 5]), np.clip(rng.normal(61, 8, P), 45, 88), age)
    year = 2024 - np.floor(age).astype(np.int64)
    birth = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 365, P).astype("timedelta64[D]")
    township = matters["township"].to_numpy()[p_matter]
    vmat, vcnt = padded(city.villages["township"].to_numpy(), np.arange(len(city.villages)), len(city.townships))
    own_village = pick_padded(rng, vmat, vcnt, township)
    village = np.where(np.isin(p_kind, [MAIN, FAMILY]), matters["village"].to_numpy()[p_matter], own_village)
    village = np.where(p_kind == FAMILY, village[main_of], village)
    county = city.townships["county"].to_numpy()[city.villages["township"].to_numpy()[village]]
    ids17 = _id_matrix(ctx, rng, county, birth, female)
    ids = np.concatenate([ids17 + 48, id_check_digits(ids17)[:, None]], axis=1)
    has_id = rng.random(P) < np.where(pattern_m[p_matter] == 5, 1.0, 0.93)
    phone1 = _phones(rng, P)
    # family members share the main petitioner's phone; group members a representative's
    share_main = ((p_kind == FAMILY) & (rng.random(P) < 0.8)) | ((p_kind == REP) & (rng.random(P) < 0.2))
    phone1 = np.where(share_main[:, None], phone1[main_of], phone1)
    rep_idx = np.flatnonzero(p_kind == REP)
    grp_rep_mat, grp_rep_cnt = padded(p_matter[rep_idx], rep_idx, M)
    share_rep = (p_kind == COSIGNER) & (rng.random(P) < 0.4)
    rep_pick = pick_padded(rng, grp_rep_mat, grp_rep_cnt, p_matter)
    src = np.where(share_rep & (rep_pick >= 0), rep_pick, np.where(share_rep, main_of, np.arange(P)))
    phone1 = phone1[src]
    phone2 = _phones(rng, P)
    # home address: village group and house, or estate building and flat
    community = city.villages["community"].to_numpy()[village]
    estates, emat, ecnt = place_pool(city, "estate")
    estate = pick_padded(rng, emat, ecnt, county)
    estate = np.where(p_kind == FAMILY, estate[main_of], estate)
    nums = np.stack([rng.integers(1, 13, P), rng.integers(1, 120, P), rng.integers(1, 6, P), rng.integers(1, 33, P) * 100 + rng.integers(1, 5, P)], axis=1)
    nums = np.where((p_kind == FAMILY)[:, None], nums[main_of], nums)
    vname = take(pool(city.villages["name"].tolist()), village)
    rural = join(vname, num(nums[:, 0]), "组", num(nums[:, 1]), "号")
    urban = join(take(estates, estate), num(nums[:, 0]), "幢", num(nums[:, 2]), "单元", num(nums[:, 3]), "室")
    rest = pc.if_else(pa.array(community), urban, rural)
    town_name = take(pool(city.townships["name"].tolist()), city.villages["township"].to_numpy()[village])
    county_name = take(pool(city.counties["name"].tolist()), county)
    addr_variants = [join(city.name, county_name, town_name, rest), join(county_name, town_name, rest), join(town_name, rest)]
    region_pool = pool(city.villages["code"].tolist())

    # ---------------------------------------------------------------- links (case, person, role)
    c_matter = cases["matter"].to_numpy()
    C = len(cases)
    ordinal = cases["ordinal"].to_numpy()
    m_first_person = np.r_[0, np.cumsum(n_grp)[:-1]] + M + int(fam.sum())
    fam_person = np.full(M, -1)
    fam_person[np.flatnonzero(fam)] = M + np.arange(int(fam.sum()))
    link_case = [np.arange(C)]
    link_person = [c_matter]
    link_role = [np.zeros(C, dtype=np.int64)]
    fc = np.flatnonzero(fam[c_matter] & (rng.random(C) < 0.6))
    link_case.append(fc)
    link_person.append(fam_person[c_matter[fc]])
    link_role.append(np.full(len(fc), 2))
    gsz = n_grp[c_matter]
    gc = np.repeat(np.arange(C), gsz)
    gj = np.arange(len(gc)) - np.repeat(np.r_[0, np.cumsum(gsz)[:-1]], gsz)
    gperson = m_first_person[c_matter[gc]] + gj
    is_rep = p_kind[gperson] == REP
    first_group_case = (pattern_m[c_matter[gc]] == 4) & (ordinal[gc] == 0)
    keep = first_group_case | (rng.random(len(gc)) < np.where(is_rep, 0.85, 0.55))
    link_case.append(gc[keep])
    link_person.append(gperson[keep])
    link_role.append(np.where(is_rep[keep], 1, 2))
    lc = np.concatenate(link_case)
    lp = np.concatenate(link_person)
    lr = np.concatenate(link_role)
    o = np.lexsort((lr, lc))
    lc, lp, lr = lc[o], lp[o], lr[o]
    L = len(lc)
    ch = cases["channel"].to_numpy()[lc]

    # ---------------------------------------------------------------- record variants
    l_pat = pattern_m[p_matter[lp]]
    m_cases = np.bincount(c_matter, minlength=M)
    repeat_person = m_cases[p_matter[lp]] >= 2
    p_var = np.where(l_pat == 5, 0.35, np.where(l_pat == 4, 0.25, np.where(repeat_person, 0.2, 0.02)))
    kind = np.where(rng.random(L) < p_var, 1 + rng_choice(rng, L, [0.4, 0.2, 0.15, 0.25]), NONE)
    ls, lg1, lg2, applied = vary(rng, s[lp], g1[lp], g2[lp], kind)
    name = render(ls, lg1, lg2)
    canon = render(s, g1, g2)
    no_id = ~has_id[lp] | (rng.random(L) < _P_NO_ID[ch] + np.where(lr > 0, 0.15, 0.0))
    typo = ~no_id & (rng.random(L) < 0.03)
    idm = ids[lp].copy()
    t_rows = np.flatnonzero(typo)
    pos = rng.integers(0, 17, len(t_rows))
    old = idm[t_rows, pos] - 48
    idm[t_rows, pos] = ((old + rng.integers(1, 10, len(t_rows))) % 10 + 48).astype(np.uint8)
    id_text = null_where(_ascii_strings(idm), no_id)
    switch = (rng.random(P) < np.where(pattern_m[p_matter] == 5, 0.6, 0.25))
    switch_at = rng.integers(1, 6, P)
    use2 = switch[lp] & (ordinal[lc] >= switch_at[lp]) & (lr == 0)
    ph = np.where(use2[:, None], phone2[lp], phone1[lp])
    no_phone = rng.random(L) < _P_NO_PHONE[ch] + np.where(lr > 0, 0.1, 0.0)
    phone_text = null_where(digits(ph), no_phone)
    av = rng_choice(rng, L, [0.65, 0.25, 0.10])
    address = pc.choose(pa.array(av.astype(np.int8)), *[a.take(pa.array(lp)) for a in addr_variants])
    no_addr = (rng.random(L) < 0.03) & ~(no_id & no_phone)
    address = null_where(address, no_addr)
    recs = pd.DataFrame({
        "name": to_series(name), "id_number": to_series(id_text), "phone": to_series(phone_text),
        "address": to_series(address),
    })
    pid = record_ids(recs)
    recs["petitioner_id"] = pid
    recs["region_code"] = to_series(take(region_pool, village[lp]))
    recs["case"] = lc
    recs["person"] = lp
    recs["role"] = lr
    recs["id_typo"] = typo
    # a variant that came out identical to the canonical name (e.g. 丽丽 swapped) is none
    same = pc.equal(name, canon.take(pa.array(lp))).to_numpy(zero_copy_only=False)
    recs["variant"] = np.where(same, NONE, applied)
    # ---------------------------------------------------------------- tables
    first = ~recs["petitioner_id"].duplicated(keep="first").to_numpy()
    pets = recs.loc[first, ["petitioner_id", "name", "id_number", "phone", "address", "region_code"]].reset_index(drop=True)
    person_ids = to_series(zfill(np.arange(1, P + 1), 7, "P"))
    mp = recs.loc[first, ["petitioner_id", "person", "variant", "id_typo"]].reset_index(drop=True)
    mp["person_id"] = person_ids.to_numpy()[mp["person"].to_numpy()]
    mp["name_variant"] = to_series(take(pool(list(VARIANT_NAMES)), mp["variant"].to_numpy()))
    mp = mp[["petitioner_id", "person_id", "name_variant", "id_typo"]]
    persons = pd.DataFrame({
        "person_id": person_ids,
        "name": to_series(canon),
        "id_number": to_series(null_where(_ascii_strings(ids), ~has_id)),
        "phone": to_series(digits(phone1)),
        "phone2": to_series(null_where(digits(phone2), ~switch)),
        "address": to_series(addr_variants[0]),
        "region_code": to_series(take(region_pool, village)),
        "kind": to_series(take(pool(["main", "family", "representative", "cosigner"]), p_kind)),
        "matter": p_matter,
        "pattern": pattern_m[p_matter],
    })
    return People(persons, recs, pets, mp)

