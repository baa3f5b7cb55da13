"""The fictional prefecture-level city (地级市) of the sample: regions, units and their people.

江临市 (region code 339900: province 33, prefecture 99, which no real prefecture uses) has 6–8
districts and counties (区/县), each with townships and streets (乡镇/街道, 9-digit codes) and
villages and communities (村/社区, 12-digit codes). Units (单位) are the petition bureaus
(信访局) of every level up to 国家信访局, the governments, the functional departments (职能部门)
of the city and counties, township governments and some village committees. Every unit has a
principal (主要领导), deputies (分管领导) and handlers (经办人), all with names unique within
the city, so a ledger that names them can be mapped back to ids.

>>> import numpy as np
>>> city = build_city(np.random.default_rng(7))
>>> city.name, city.code, "青山县" in set(city.counties["name"])
('江临市', '339900', True)
>>> city.people["name"].is_unique and city.units["name"].is_unique
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from ._arrow import padded, pool
from .names import draw_names, render

__all__ = ["City", "DEPARTMENTS", "DEPT_INDEX", "LEVEL_NO", "build_city", "place_pool"]

LEVEL_NO = {"village": 0, "township": 1, "county": 2, "city": 3, "province": 4, "central": 5}

# key, county-level name, city-level name (None: not at that level), kind, principal, deputy, handler
DEPARTMENTS: tuple[tuple[str, str | None, str | None, str, str, str, str], ...] = (
    ("zhujian", "住建局", "住建局", "职能部门", "局长", "副局长", "科员"),
    ("ziran", "自然资源局", "自然资源和规划局", "职能部门", "局长", "副局长", "科员"),
    ("renshe", "人社局", "人社局", "职能部门", "局长", "副局长", "科员"),
    ("shengtai", "生态环境局", "生态环境局", "职能部门", "局长", "副局长", "科员"),
    ("gongan", "公安局", "公安局", "政法机关", "局长", "副局长", "民警"),
    ("shichang", "市场监管局", "市场监管局", "职能部门", "局长", "副局长", "科员"),
    ("jiaoyu", "教育局", "教育局", "职能部门", "局长", "副局长", "科员"),
    ("weijian", "卫健局", "卫健委", "职能部门", "局长", "副局长", "科员"),
    ("minzheng", "民政局", "民政局", "职能部门", "局长", "副局长", "科员"),
    ("jiaotong", "交通运输局", "交通运输局", "职能部门", "局长", "副局长", "科员"),
    ("nongye", "农业农村局", "农业农村局", "职能部门", "局长", "副局长", "科员"),
    ("shuili", "水利局", "水利局", "职能部门", "局长", "副局长", "科员"),
    ("chengguan", "综合行政执法局", "城市管理局", "职能部门", "局长", "副局长", "科员"),
    ("sifa", "司法局", "司法局", "政法机关", "局长", "副局长", "科员"),
    ("caizheng", "财政局", "财政局", "职能部门", "局长", "副局长", "科员"),
    ("fagai", "发改局", "发改委", "职能部门", "局长", "副局长", "科员"),
    ("yingji", "应急管理局", "应急管理局", "职能部门", "局长", "副局长", "科员"),
    ("shangwu", "商务局", "商务局", "职能部门", "局长", "副局长", "科员"),
    ("wenlv", "文旅局", "文广旅体局", "职能部门", "局长", "副局长", "科员"),
    ("tuiyi", "退役军人事务局", "退役军人事务局", "职能部门", "局长", "副局长", "科员"),
    ("gongxin", "经信局", "经信局", "职能部门", "局长", "副局长", "科员"),
    ("yibao", "医保局", "医保局", "职能部门", "局长", "副局长", "科员"),
    ("guozi", None, "国资委", "职能部门", "主任", "副主任", "科员"),
    ("fayuan", "人民法院", "中级人民法院", "政法机关", "院长", "副院长", "书记员"),
    ("jiwei", "纪委监委", "纪委监委", "纪检监察机关", "书记", "副书记", "纪检监察员"),
    ("zuzhi", "委组织部", "委组织部", "党委部门", "部长", "副部长", "科员"),
)
DEPT_INDEX: dict[str, int] = {d[0]: i for i, d in enumerate(DEPARTMENTS)}

# (name, urban district?) — 临江区 and 江北区 are the urban core; 青山县 is always present.
_COUNTIES = (
    ("临江区", True), ("江北区", True), ("青山县", False), ("云溪县", False), ("石门县", False),
    ("白沙县", False), ("清河县", False), ("梅岭县", False),
)
_TOWN_STEMS = (
    "桃源 石桥 柳河 杨林 白鹤 黄田 龙口 马坪 清水 长乐 安平 永和 太平 大桥 金沙 横塘 双溪 三河 "
    "五里 高桥 梅林 松林 竹园 茶山 枫树 荷塘 沙河 古城 新塘 河口 丰乐 福田 宝山 石龙 青石 白石 "
    "铁山 云门 水口 上塘 桥头 塘下 溪口 岭南 平山 龙潭 鹤山 罗村 西坪 小溪 仁和 乐安 兴隆 永丰 "
    "万寿 洪塘 芦溪 花桥 樟树 杏坛 凤岭 金桥 银杏 长岭 黄泥 红星 前锋 玉泉 碧水 翠屏 龙门 虎山 "
    "鹿鸣 凤鸣 双河 三江 九龙 百花 千岛 观音 白马 青龙 黄龙 赤岭 紫阳 丹霞 石壁 大坪 小坪 高峰 "
    "秀水 桐林 杉木 柏树 板桥 长塘 月塘 花园 沙坪 马鞍 牛头 狮山 梓潼 槐花 莲花 荷叶 稻田 麦园"
).split()
_STREET_STEMS = (
    "东湖 城南 城北 城东 城西 西山 南湖 北港 湖滨 江滨 望江 文昌 新华 凤凰 向阳 朝阳 东风 胜利 "
    "和平 团结 新民 光明 建设 解放 人民 中心 滨河 锦屏 金湖 银湖"
).split()
_VILLAGE_A = (
    "王家 李家 张家 刘家 陈家 杨家 周家 吴家 上 下 东 西 南 北 大 小 新 老 前 后 石 柳 桃 杏 枣 "
    "梨 松 竹 荷 塘 黄 白 红 青 高 马 牛 龙 凤"
).split()
_VILLAGE_B = "庄 湾 坝 坪 岭 桥 塘 山 冲 岗 畈 店 集 营 沟 河 洲 坡 寨 园 溪 垄 垅".split()
_COMMUNITY = (
    "锦绣 幸福 春晖 和谐 花园 阳光 翠苑 金港 望湖 桂苑 新村 东门 西门 南门 北门 滨江 东园 "
    "西园 康乐 丽景 育才 文苑 紫荆 银杏 明珠 福星 兴华 长青 春江 秋水"
).split()
_ESTATE_A = (
    "锦绣 阳光 翠湖 金色 江南 御景 华府 东方 世纪 幸福 和谐 滨江 紫荆 桂花 枫林 名都 星河 书香 "
    "润泽 怡景 鸿福 瑞祥 康乐 嘉和 盛世 明珠 春晖 丽景 碧水 天润 凯旋 龙湾 福星 御园 香樟 海棠"
).split()
_ESTATE_B = "花园小区 家园 名苑 华庭 雅苑 公馆 新村 嘉园 花园 小区 学府 一品".split()
_BRANDS = (
    "宏达 鑫源 华兴 恒泰 永盛 金鼎 瑞丰 嘉禾 天成 中诚 德润 博远 荣昌 兴旺 富康 三友 新亚 东升 "
    "利民 顺发 汇通 通达 振华 永固 安泰 隆鑫 明辉 华美 金诚 鼎盛 万利 佳和 宏远 伟业 恒信 昌盛"
).split()
_FIRM_KINDS = {
    "developer": ["房地产开发有限公司", "置业有限公司"],
    "property": ["物业服务有限公司", "物业管理有限公司"],
    "builder": ["建筑工程有限公司", "建设集团有限公司", "市政工程有限公司"],
    "factory": ["机械厂", "纺织有限公司", "化工有限公司", "电子科技有限公司", "汽车配件有限公司",
                "包装材料有限公司", "陶瓷有限公司", "服装厂", "家具厂", "食品有限公司"],
    "shop": ["商贸有限公司", "超市", "电器商行", "投资咨询有限公司", "培训学校", "汽车销售服务有限公司"],
}
_ROADS = (
    "人民路 解放路 建设路 中山路 新华路 文化路 长江路 迎宾大道 滨江路 工业大道 学府路 府前街 青年路 "
    "和平路 胜利路 东风路 环城路 站前路 北京路 兴业路"
).split()
_PROJECT_KINDS = (
    "棚户区改造项目", "安置房项目", "工业园区征地项目", "道路拓宽工程", "老旧小区改造工程",
    "高速公路连接线工程", "污水管网工程", "新区开发项目", "土地整治项目", "水库除险加固工程",
)


@dataclass
class City:
    """The fictional city: regions, units, people and the named places texts refer to."""

    name: str
    code: str
    province_name: str
    province_code: str
    counties: pd.DataFrame
    townships: pd.DataFrame
    villages: pd.DataFrame
    units: pd.DataFrame
    people: pd.DataFrame
    dept_unit: np.ndarray
    places: dict[str, pd.DataFrame] = field(default_factory=dict)

    # ---- convenience lookups (unit indices)
    @property
    def central_bureau(self) -> int:
        return int(self._unit_by_name("国家信访局"))

    @property
    def province_bureau(self) -> int:
        return int(self._unit_by_name(f"{self.province_name}信访局"))

    @property
    def province_gov(self) -> int:
        return int(self._unit_by_name(f"{self.province_name}人民政府"))

    @property
    def city_bureau(self) -> int:
        return int(self._unit_by_name(f"{self.name}信访局"))

    @property
    def city_gov(self) -> int:
        return int(self._unit_by_name(f"{self.name}人民政府"))

    def _unit_by_name(self, name: str) -> int:
        return int(np.flatnonzero(self.units["name"].to_numpy() == name)[0])

    def unit_index(self, name: str) -> int:
        """Row index of a unit by its name."""
        return self._unit_by_name(name)

    def county_index(self, name: str) -> int:
        return int(np.flatnonzero(self.counties["name"].to_numpy() == name)[0])

    @property
    def n_units(self) -> int:
        return len(self.units)

    def role_matrix(self, roles: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """People of each unit with one of ``roles``: padded (unit × k) person indices, counts."""
        p = self.people
        m = p["role"].isin(list(roles)).to_numpy()
        return padded(p["unit"].to_numpy()[m], np.flatnonzero(m), self.n_units)


def _unique_stems(rng: np.random.Generator, stems: list[str], n: int) -> list[str]:
    if n > len(stems):
        raise ValueError("not enough place-name stems")
    return [stems[i] for i in rng.permutation(len(stems))[:n]]


def build_city(rng: np.random.Generator) -> City:
    """Build the city deterministically from ``rng``."""
    name, code, prov, prov_code = "江临市", "339900", "江南省", "330000"
    # ---------------------------------------------------------------- counties
    n_counties = int(rng.integers(6, 9))
    others = [c for c in _COUNTIES[3:]]
    pick = sorted(rng.permutation(len(others))[: n_counties - 3].tolist())
    chosen = list(_COUNTIES[:3]) + [others[i] for i in pick]
    county_rows = []
    d_no, c_no = 2, 21
    for cname, urban in chosen:
        if urban:
            ccode, d_no = f"3399{d_no:02d}", d_no + 1
        else:
            ccode, c_no = f"3399{c_no:02d}", c_no + 1
        weight = (1.7 if urban else 1.0) * float(rng.uniform(0.8, 1.25))
        county_rows.append((ccode, cname, cname[:-1], "区" if urban else "县", urban, weight))
    counties = pd.DataFrame(county_rows, columns=["code", "name", "short", "suffix", "urban", "weight"])

    # ---------------------------------------------------------------- townships
    town_stems = _unique_stems(rng, _TOWN_STEMS, len(_TOWN_STEMS))
    street_stems = _unique_stems(rng, _STREET_STEMS, len(_STREET_STEMS))
    ts, ss = iter(town_stems), iter(street_stems)
    town_rows = []
    for ci, c in counties.iterrows():
        n_town = int(rng.integers(6, 13))
        n_street = int(rng.integers(4, 7)) if c.urban else int(rng.integers(1, 3))
        n_street = min(n_street, n_town - 1)
        n_xiang = 0 if c.urban else int(rng.integers(1, max(2, (n_town - n_street) // 3 + 1)))
        kinds = ["街道"] * n_street + ["乡"] * n_xiang + ["镇"] * (n_town - n_street - n_xiang)
        kinds = sorted(kinds, key=["街道", "镇", "乡"].index)
        serial = {"街道": 1, "镇": 100, "乡": 200}
        for k in kinds:
            stem = next(ss) if k == "街道" else next(ts)
            tcode = f"{c.code}{serial[k]:03d}"
            serial[k] += 1
            tw = float(rng.lognormal(0.0, 0.45)) * (1.4 if k == "街道" else 1.0)
            town_rows.append((tcode, stem + k, ci, k, tw))
    townships = pd.DataFrame(town_rows, columns=["code", "name", "county", "kind", "weight"])

    # ---------------------------------------------------------------- villages / communities
    vil_rows = []
    for ti, t in townships.iterrows():
        n_comm = int(rng.integers(4, 9)) if t.kind == "街道" else int(rng.integers(1, 3))
        n_vil = 0 if t.kind == "街道" else int(rng.integers(6, 15))
        comm = _unique_stems(rng, _COMMUNITY, n_comm)
        for j, stem in enumerate(comm):
            vil_rows.append((f"{t.code}{j + 1:03d}", stem + "社区", ti, True))
        used: set[str] = set()
        j = 0
        while j < n_vil:
            a = _VILLAGE_A[int(rng.integers(len(_VILLAGE_A)))]
            b = _VILLAGE_B[int(rng.integers(len(_VILLAGE_B)))]
            vname = a + b + "村"
            if vname in used:
                continue
            used.add(vname)
            vil_rows.append((f"{t.code}{200 + j + 1:03d}", vname, ti, False))
            j += 1
    villages = pd.DataFrame(vil_rows, columns=["code", "name", "township", "community"])

    # ---------------------------------------------------------------- units
    units: list[dict] = []

    def add(uname: str, parent: int | None, level: str, kind: str, region: str | None, **extra) -> int:
        units.append(dict(name=uname, parent=-1 if parent is None else parent, level=level, kind=kind,
                          region_code=region, county=extra.get("county", -1),
                          township=extra.get("township", -1), village=extra.get("village", -1),
                          dept=extra.get("dept", -1), titles=extra["titles"], sizes=extra["sizes"]))
        return len(units) - 1

    bureau_titles = ("局长", "副局长", "科员")
    add("国家信访局", None, "central", "信访部门", None, titles=bureau_titles, sizes=(2, 4))
    prov_gov = add(f"{prov}人民政府", None, "province", "人民政府", prov_code,
                   titles=("省长", "副省长", "秘书"), sizes=(3, 2))
    add(f"{prov}信访局", prov_gov, "province", "信访部门", prov_code, titles=bureau_titles, sizes=(3, 5))
    city_gov = add(f"{name}人民政府", prov_gov, "city", "人民政府", code,
                   titles=("市长", "副市长", "秘书"), sizes=(5, 2))
    add(f"{name}信访局", city_gov, "city", "信访部门", code, titles=bureau_titles, sizes=(3, 7))
    n_dept = len(DEPARTMENTS)
    dept_unit = np.full((len(counties) + 1, n_dept), -1, dtype=np.int64)
    for di, (_key, _cty, city_name, kind, t0, t1, t2) in enumerate(DEPARTMENTS):
        if city_name is None:
            continue
        uname = f"中共{name}{city_name}" if city_name == "委组织部" else f"{name}{city_name}"
        dept_unit[len(counties), di] = add(uname, city_gov, "city", kind, code, dept=di,
                                           titles=(t0, t1, t2), sizes=(3, 4))
    county_gov = np.zeros(len(counties), dtype=np.int64)
    county_bureau = np.zeros(len(counties), dtype=np.int64)
    for ci, c in counties.iterrows():
        head = "区长" if c.urban else "县长"
        county_gov[ci] = add(f"{c['name']}人民政府", city_gov, "county", "人民政府", c.code, county=ci,
                             titles=(head, "副" + head, "秘书"), sizes=(4, 2))
        county_bureau[ci] = add(f"{c['name']}信访局", county_gov[ci], "county", "信访部门", c.code,
                                county=ci, titles=bureau_titles, sizes=(2, 5))
        for di, (_key, cty_name, _city, kind, t0, t1, t2) in enumerate(DEPARTMENTS):
            if cty_name is None:
                continue
            if cty_name == "委组织部":
                uname = f"中共{c['name']}委组织部"
            else:
                uname = f"{c['name']}{cty_name}"
            dept_unit[ci, di] = add(uname, county_gov[ci], "county", kind, c.code, county=ci, dept=di,
                                    titles=(t0, t1, t2), sizes=(2, 3))
    town_gov = np.zeros(len(townships), dtype=np.int64)
    for ti, t in townships.iterrows():
        if t.kind == "街道":
            uname, titles = f"{t['name']}办事处", ("主任", "副主任", "干事")
        else:
            head = "镇长" if t.kind == "镇" else "乡长"
            uname, titles = f"{t['name']}人民政府", (head, "副" + head, "干事")
        town_gov[ti] = add(uname, int(county_gov[t.county]), "township", "乡镇政府", t.code,
                           county=int(t.county), township=ti, titles=titles, sizes=(2, 3))
    townships["gov"] = town_gov
    # two village committees per township carry units (the rest of the villages do not)
    vil_unit = np.full(len(villages), -1, dtype=np.int64)
    for ti in range(len(townships)):
        members = np.flatnonzero(villages["township"].to_numpy() == ti)
        rural = members[~villages["community"].to_numpy()[members]]
        for vi in (rural if len(rural) >= 2 else members)[:2]:
            v = villages.iloc[vi]
            kind = "居委会" if v.community else "村委会"
            suffix = "居民委员会" if v.community else "村民委员会"
            vil_unit[vi] = add(f"{townships.at[ti, 'name']}{v['name']}{suffix}", int(town_gov[ti]), "village",
                               kind, v.code, county=int(townships.at[ti, "county"]), township=ti,
                               village=int(vi), titles=("主任", "副主任", "文书"), sizes=(1, 1))
    villages["unit"] = vil_unit
    counties["gov"] = county_gov
    counties["bureau"] = county_bureau

    u = pd.DataFrame(units)
    n_units = len(u)
    u["unit_id"] = [f"U{i + 1:04d}" for i in range(n_units)]
    u["level_no"] = u["level"].map(LEVEL_NO).astype(np.int64)
    parent = u["parent"].to_numpy()
    u["parent_id"] = [u.at[p, "unit_id"] if p >= 0 else None for p in parent]
    # the next-higher organ (上一级机关) that hears a review (复查) of this unit's opinion
    upper = parent.copy()
    for i in range(n_units):
        lvl, dept, kind = u.at[i, "level"], u.at[i, "dept"], u.at[i, "kind"]
        if lvl == "county" and dept >= 0:
            upper[i] = dept_unit[len(counties), dept] if dept_unit[len(counties), dept] >= 0 else city_gov
        elif kind == "信访部门" and parent[i] >= 0:
            upper[i] = int(u.index[(u["kind"] == "信访部门") & (u["level_no"] == u.at[i, "level_no"] + 1)][0])
        elif lvl == "central":
            upper[i] = -1
    u["upper"] = upper

    # ---------------------------------------------------------------- people
    rows: list[tuple[int, str, str]] = []
    for i in range(n_units):
        t0, t1, t2 = u.at[i, "titles"]
        n_dep, n_hand = u.at[i, "sizes"]
        lvl = u.at[i, "level"]
        n_dep = max(1, n_dep + int(rng.integers(-1, 2))) if lvl != "village" else 1
        n_hand = max(1, n_hand + int(rng.integers(-1, 2))) if lvl != "village" else 1
        rows.append((i, t0, "principal"))
        rows += [(i, t1, "deputy")] * n_dep
        rows += [(i, t2, "handler")] * n_hand
    n_people = len(rows)
    female = rng.random(n_people) < 0.32
    s, g1, g2 = draw_names(rng, female, p_two=0.75)
    names = np.array(render(s, g1, g2).to_pylist(), dtype=object)
    for _ in range(50):
        dup = pd.Series(names).duplicated(keep="first").to_numpy()
        if not dup.any():
            break
        s2, h1, h2 = draw_names(rng, female[dup], p_two=0.9)
        names[dup] = render(s2, h1, h2).to_pylist()
    people = pd.DataFrame(
        {
            "person_id": [f"L{i + 1:05d}" for i in range(n_people)],
            "name": names,
            "unit": np.array([r[0] for r in rows], dtype=np.int64),
            "title": [r[1] for r in rows],
            "role": [r[2] for r in rows],
        }
    )
    people["unit_id"] = u["unit_id"].to_numpy()[people["unit"].to_numpy()]

    places = _places(rng, name, counties, townships)
    return City(name, code, prov, prov_code, counties, townships, villages,
                u.drop(columns=["titles", "sizes"]), people, dept_unit, places)


def _places(rng: np.random.Generator, city: str, counties: pd.DataFrame, townships: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Named places and firms the summaries mention, each tied to a county."""
    out: dict[str, list[tuple[str, int]]] = {k: [] for k in
                                             ("estate", "project", "road", "school", "hospital", *_FIRM_KINDS)}
    estates = [a + b for a in _ESTATE_A for b in _ESTATE_B]
    estate_order = rng.permutation(len(estates))
    firms = {k: [b + f for b in _BRANDS for f in kinds] for k, kinds in _FIRM_KINDS.items()}
    firm_order = {k: rng.permutation(len(v)) for k, v in firms.items()}
    e_i = 0
    f_i = {k: 0 for k in firms}
    for ci, c in counties.iterrows():
        n_est = int(rng.integers(10, 16)) if c.urban else int(rng.integers(4, 8))
        for _ in range(n_est):
            out["estate"].append((estates[estate_order[e_i]], ci))
            e_i += 1
        for k, n in (("developer", 3), ("property", 3), ("builder", 4), ("factory", 6), ("shop", 5)):
            for _ in range(n):
                firm = firms[k][firm_order[k][f_i[k]]]
                f_i[k] += 1
                place = c["name"] if rng.random() < 0.6 else city
                out[k].append((place + firm, ci))
        towns = townships[townships["county"] == ci]
        for _ in range(4):
            t = towns.iloc[int(rng.integers(len(towns)))]
            kind = _PROJECT_KINDS[int(rng.integers(len(_PROJECT_KINDS)))]
            out["project"].append((t["name"] + kind, ci))
        for r in rng.permutation(len(_ROADS))[:6]:
            out["road"].append((_ROADS[r], ci))
        out["school"] += [(f"{c['name']}第一中学", ci), (f"{c['name']}实验小学", ci)]
        out["hospital"] += [(f"{c['name']}人民医院", ci), (f"{c['name']}中医院", ci)]
        for _, t in towns.iterrows():
            if t.kind != "街道":
                out["school"].append((f"{t['name']}中心小学", ci))
                out["hospital"].append((f"{t['name']}卫生院", ci))
    frames = {}
    for k, rows in out.items():
        df = pd.DataFrame(rows, columns=["name", "county"]).drop_duplicates("name").reset_index(drop=True)
        frames[k] = df
    return frames


def place_pool(city: City, kind: str) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """A place kind as (names, padded county → place matrix, counts)."""
    df = city.places[kind]
    mat, counts = padded(df["county"].to_numpy(), np.arange(len(df)), len(city.counties))
    return pool(df["name"].tolist()), mat, counts
