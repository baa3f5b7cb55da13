"""The domain dictionary for segmenting summaries (诉求摘要): petition vocabulary, stop words, and
the names found in the ledger itself (units, places, and the estates, villages, firms, factories
and projects that regular expressions find in the summaries).

>>> import pandas as pd
>>> ents = extract_entities(pd.Series(["反映云溪县恒丰化工有限公司夜间排放废气", "反映锦绣花园物业管理混乱", None]))
>>> ents[["entity", "kind", "key"]].values.tolist()
[['云溪县恒丰化工有限公司', 'firm', '恒丰化工'], ['锦绣花园', 'estate', '锦绣花园']]
>>> "征地拆迁" in PETITION_TERMS, "反映" in STOP_WORDS
(True, True)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..casebook import Casebook

__all__ = [
    "LEXICON_VERSION", "NUMBER", "PETITION_TERMS", "STOP_WORDS", "ENTITY_KINDS",
    "extract_entities", "place_names", "person_names", "ledger_lexicon", "dictionary_version",
]

#: Bump when any list below or the extraction rules change: it is part of the token cache key.
LEXICON_VERSION = "3"

#: Petition vocabulary (信访常用语): kept whole by the segmenter.
PETITION_TERMS: tuple[str, ...] = tuple(
    """
    征地拆迁 征地补偿 征地补偿款 土地征收 土地征用 房屋征收 房屋拆迁 强制拆除 强拆 违法强拆 拆迁安置
    安置补偿 安置房 过渡费 补偿标准 补偿款 评估价格 重新评估 宅基地 承包地 土地承包经营权 土地流转
    流转租金 耕地 基本农田 违法占地 违法用地 非法占用 集体资产 集体资金 村务公开 村务不公开 村集体
    村委会 村干部 换届选举 拉票贿选 低保 低保名额 危房改造 惠农补贴 地力保护补贴 扶贫资金 产业帮扶
    企业改制 改制遗留问题 身份置换 经济补偿 经济补偿金 企业破产 职工安置 安置费 国有资产
    拖欠工资 拖欠农民工工资 欠薪 讨薪 农民工 包工头 劳资纠纷 劳动合同 劳动仲裁 工伤认定 工伤
    加班费 无故辞退 社会保险 社保 社保断缴 养老保险 养老金 医保 报销比例 退休待遇 工龄 离休干部
    物业管理 物业公司 物业费 物业服务 业主委员会 公共收益 停车费 电梯停运 电梯年检 地下车库 不动产权证
    逾期交房 违约金 办证难 开发商 烂尾楼 工程质量 墙体开裂 屋面渗漏 违法分包 违章搭建 违法建设
    噪音扰民 施工噪音 夜间施工 油烟扰民 广场舞 占道经营 扬尘 围挡 路灯 积水 采光
    环境污染 偷排 直排 排污 违法排污 废气 废水 污水 刺鼻气味 异味 臭味 粉尘 噪音 环评 停产整改
    养殖场 病死猪 非法采砂 无证开采 采石场 滥伐林木 非法捕猎 野生动物
    医疗事故 医患纠纷 过度检查 乱收费 无证行医 计划生育 特别扶助金
    电信诈骗 聚众赌博 飙车 强制执行 执行不到位 再审 立案 开庭审理 行政复议 行政处罚 社区矫正
    警务督察 处警 户口迁移 律师 法律援助
    办事推诿 推诿扯皮 态度恶劣 公款吃喝 优亲厚友 虚报冒领 截留 挪用 贪污 受贿 滥用职权 失职渎职
    监管失职 党纪处分 作风问题
    历史遗留问题 信访事项 信访人 集体访 越级访 重复访 缠访闹访 包案领导 督查督办 答复意见 复查 复核
    就近入学 划片 校外培训 补课费 资料费 绩效工资 代课教师 中考加分 适龄儿童 辍学
    公交班次 出租车 拒载 红绿灯 人行横道 减速带 交通拥堵
    退役军人 优抚金 退役士兵 军转干部 养老院 殡葬服务 救灾物资
    预付卡 停业跑路 理财产品 无法兑付 非法集资 质量问题 拒绝退换 食品安全 安全隐患 安全生产
    保险理赔 商标权 侵犯商标权 手机信号 宽带 快递网点 丢件
    棚户区改造 老旧小区改造 道路拓宽 污水管网 土地整治 除险加固 工业园区 新区开发
    水库移民 后期扶持 灌溉渠道 频繁停电 景区 强制消费 农贸市场 公租房 住房保障
    """.split()
)

#: Stop words: petition boilerplate, function words and vague verbs that say nothing about the
#: matter itself (反映/要求/问题 …), plus single characters (dropped by length elsewhere).
STOP_WORDS: frozenset[str] = frozenset(
    """
    反映 再次 多次 仍然 再次反映 多次反映 仍然反映 举报 投诉 来信 来访 来电 信访 咨询 要求 请求 希望 建议
    认为 怀疑 称 表示 情况 问题 方面 相关 有关 有关部门 相关部门 部门 帮助 解决 处理 协调 依法 尽快
    及时 妥善 落实 调查 查处 核查 核实 予以 给予 进行 存在 没有 未 至今 一直 长期 近期 目前 现在 已经
    仍 仍然 迟迟 多年 多次 一些 一带 附近 周边 其中 以及 并且 而且 但是 但 而 且 并 与 及 和 或 等
    的 了 在 是 被 对 向 将 把 从 由 于 为 因 因为 所以 如果 后 前 时 中 上 下 内 外 里 这 那 该 其
    我 我们 他 他们 她 本人 家人 群众 村民 居民 职工 工人 员工 业主 老人 某 某某 个 名 元 万元 月 个月
    年 日 天 亩 次 人 位 户 间 家 一个 一名 一家 不 无 也 都 还 又 再 就 才 只 很 非常 严重 不满意 答复
    集体 公司 有限公司 来访 群众集体 小区 共计 不予 三个 作为
    """.split()
)

#: Kinds of named entities extracted from summaries; earlier kinds are preferred as a case's anchor.
ENTITY_KINDS: tuple[str, ...] = ("firm", "factory", "project", "estate", "village")

_CJK = "\u4e00-\u9fff"
#: Numbers in a summary (amounts, months): masked before segmenting, so texts repeat more.
NUMBER = r"[0-9０-９]+(?:[.．][0-9]+)?"
_ENTITY_RE: dict[str, str] = {
    "firm": rf"[{_CJK}]{{2,16}}?(?:股份有限公司|有限责任公司|有限公司|集团|公司|商行|超市)",
    "factory": rf"[{_CJK}]{{2,10}}?(?<![建办进出工])厂(?![长房区址商家])",
    "project": rf"[{_CJK}]{{2,12}}?(?:项目|工程)(?![质款师队])",
    "estate": rf"[{_CJK}]{{2,12}}?(?:花园小区|小区|花园|家园|名苑|雅苑|嘉园|华庭|华府|公馆|新村|公寓|大厦|学府)"
              rf"(?![社村])",
    "village": rf"[{_CJK}]{{2,12}}?(?:村|社区)(?![民委干内务集级里组庄道两])",
}
# Words that open a summary's clause and are no part of a name: stripped from the left.
_LEAD = re.compile(
    r"^(?:.{0,6}?(?:反映|举报|投诉)|(?:咨询|要求|建议|怀疑|认为|不服|感谢|称|请求)|"
    r"原|被|在|对|向|由|因|从|于|更换|征用|征收|承建|开发商|物业公司|关于|位于|购买|投资|务工|职工|工人)+"
)
_SUFFIX_LEGAL = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|公司)$")
_PLACE_RE = re.compile(rf"[{_CJK}]{{1,6}}?(?:自治州|自治县|省|市|县|区|旗|街道|镇|乡)")
_GENERIC_PLACE = re.compile(rf"[{_CJK}]{{2,3}}(?:省|市|县|(?<![小社园城])区|街道|镇|乡)")
#: Short names too generic to identify a firm ("某某小区物业公司" is not firm "物业").
_GENERIC_SHORT = frozenset("物业 物业服务 物业管理 保险 快递 开发商 房地产 建筑 建设 劳务 中介 银行".split())
_ESTATE_XIAOQU = re.compile(rf"([{_CJK}]{{2,}}(?:花园|家园|名苑|雅苑|嘉园|华庭|华府|公馆|新村|公寓|学府|一品))小区")
_MIN_NAME = 2  # characters a name needs besides its suffix


def place_names(names: Iterable[object]) -> list[str]:
    """Administrative place names (省/市/县/区/镇/乡/街道) found in region or unit names.

    >>> place_names(["云溪县桃源镇", "江临市住建局", None])
    ['云溪县', '桃源镇', '江临市']
    """
    out: dict[str, None] = {}
    for n in names:
        if not isinstance(n, str):
            continue
        for m in _PLACE_RE.finditer(n):
            if len(m.group()) >= 2:
                out[m.group()] = None
    return list(out)


_MAX_LEN = {"firm": 20, "factory": 14, "project": 14, "estate": 8, "village": 6}


def _clean(name: str, kind: str, places: re.Pattern[str] | None) -> str:
    """Strip the clause's opening words; an estate or village also loses the places in front of
    it (they locate it, they are not its name); a firm, factory or project starts at its place."""
    name = _LEAD.sub("", name)
    if kind in ("estate", "village"):
        while True:
            m = places.match(name) if places is not None else None
            m = m or _GENERIC_PLACE.match(name)
            if m is None or m.end() >= len(name) - 1:
                break
            name = _LEAD.sub("", name[m.end():])
    elif places is not None:
        m = places.search(name)
        if m is not None and m.start() > 0:
            name = name[m.start():]
    return name if len(name) <= _MAX_LEN[kind] else ""


def _key(name: str, kind: str, places: re.Pattern[str] | None) -> str:
    """A firm's short name (简称: no place in front, no legal form behind) groups its spellings;
    "锦绣花园小区" is estate "锦绣花园"."""
    if kind == "estate":
        m = _ESTATE_XIAOQU.fullmatch(name)
        return m.group(1) if m else name
    if kind != "firm":
        return name
    short = name
    m = places.match(short) if places is not None else None
    m = m or _GENERIC_PLACE.match(short)
    if m is not None and len(short) - m.end() >= 4:
        short = short[m.end():]
    short = _SUFFIX_LEGAL.sub("", short)
    return short if len(short) >= 2 and short not in _GENERIC_SHORT and short not in STOP_WORDS else name


def extract_entities(summaries: pd.Series, places: Iterable[str] = ()) -> pd.DataFrame:
    """Named estates, villages, firms, factories and projects in summaries (one row per distinct
    name): entity, kind, key (the firm's short name 简称, else the name), n (distinct texts naming
    it, numbers masked).

    ``places`` (county, town … names) cut a name at the place it starts with, so
    "受伤后云溪县宏达机械厂" gives "云溪县宏达机械厂".

    >>> extract_entities(pd.Series(["反映被江临市宏达机械厂无故辞退"]), ["江临市"]).entity.tolist()
    ['江临市宏达机械厂']
    """
    cols = ["entity", "kind", "key", "n"]
    s = pd.Series(summaries, dtype="str").dropna().drop_duplicates()
    s = s.str.replace(NUMBER, "#", regex=True).drop_duplicates()  # numbers are never part of a name
    s = s[s.str.len() > 0]
    if s.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c != "n" else "int64") for c in cols})
    place_list = sorted({p for p in places if isinstance(p, str) and len(p) >= 2}, key=len, reverse=True)
    place_re = re.compile("|".join(map(re.escape, place_list))) if place_list else None
    frames = []
    rest = s
    for kind in ENTITY_KINDS:
        pat = _ENTITY_RE[kind]
        found = rest.str.extractall(f"(?P<raw>{pat})")
        if not found.empty:
            raw = found["raw"].astype(str)
            frames.append(pd.DataFrame({"raw": raw.to_numpy(), "kind": kind,
                                        "doc": raw.index.get_level_values(0)}))
            # a firm's name is not also read as a project ("…建筑工程有限公司")
            rest = rest.str.replace(pat, "，", regex=True)
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c != "n" else "int64") for c in cols})
    df = pd.concat(frames, ignore_index=True)
    distinct = df[["raw", "kind"]].drop_duplicates()
    clean = {(r, k): _clean(r, k, place_re) for r, k in zip(distinct["raw"], distinct["kind"], strict=True)}
    df["entity"] = [clean[rk] for rk in zip(df["raw"], df["kind"], strict=True)]
    suffix_len = df["kind"].map({"firm": 2, "factory": 1, "project": 2, "estate": 2, "village": 1})
    df = df[df["entity"].str.len() >= suffix_len + _MIN_NAME]
    df = df[~df["entity"].isin(STOP_WORDS)]
    df = df[(df["kind"] != "firm") | (df["entity"].str.replace(_SUFFIX_LEGAL.pattern, "", regex=True).str.len() >= 2)]
    out = (df.drop_duplicates(["entity", "kind", "doc"]).groupby(["entity", "kind"], sort=False)
           .size().rename("n").reset_index())
    out["key"] = [_key(e, k, place_re) for e, k in zip(out["entity"], out["kind"], strict=True)]
    out = out.sort_values(["n", "entity"], ascending=[False, True], kind="stable")
    out = out.drop_duplicates("entity").reset_index(drop=True)
    return out[cols].astype({"entity": "str", "kind": "str", "key": "str", "n": "int64"})


def ledger_lexicon(book: Casebook) -> pd.DataFrame:
    """Every word the segmenter is given for this ledger: word, kind (term · place · unit · an
    entity kind · short · person), key (the entity a word names, for grouping; else the word).

    >>> import pandas as pd, workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2024-01-02"],
    ...     "region_name": ["云溪县桃源镇"], "summary": ["反映云溪县恒丰化工有限公司排放废气"]}), now="2025-01-01")
    >>> lex = ledger_lexicon(book)
    >>> lex[lex.kind.isin(["firm", "short", "place"])][["word", "kind", "key"]].values.tolist()
    [['云溪县', 'place', '云溪县'], ['桃源镇', 'place', '桃源镇'], ['云溪县恒丰化工有限公司', 'firm', '恒丰化工'], ['恒丰化工', 'short', '恒丰化工']]
    """
    cases = book.cases
    region_names = cases["region_name"].dropna().unique().tolist() if "region_name" in cases else []
    unit_names = book.units["name"].dropna().unique().tolist() if "name" in book.units else []
    places = place_names([*region_names, *unit_names])
    summaries = cases["summary"] if "summary" in cases else pd.Series([], dtype="str")
    ents = extract_entities(summaries, places)
    firms = ents[ents["kind"] == "firm"]
    shorts = firms[firms["key"] != firms["entity"]]["key"].drop_duplicates()
    parts = [
        pd.DataFrame({"word": list(PETITION_TERMS), "kind": "term"}),
        pd.DataFrame({"word": places, "kind": "place"}),
        pd.DataFrame({"word": [u for u in unit_names if isinstance(u, str)], "kind": "unit"}),
        pd.DataFrame({"word": ents["entity"].to_numpy(), "kind": ents["kind"].to_numpy(),
                      "key": ents["key"].to_numpy()}),
        pd.DataFrame({"word": shorts.to_numpy(), "kind": "short", "key": shorts.to_numpy()}),
        # petitioners' names, so that a name is cut whole (and then left out: DESIGN §9)
        pd.DataFrame({"word": person_names(book), "kind": "person"}),
    ]
    lex = pd.concat(parts, ignore_index=True)
    lex["key"] = lex["key"].fillna(lex["word"]) if "key" in lex else lex["word"]
    # an estate's own property firm ("锦绣花园物业公司") speaks of the estate
    estates = sorted(set(ents.loc[ents["kind"] == "estate", "key"]), key=len, reverse=True)
    if estates:
        est = re.compile("|".join(map(re.escape, estates)))
        firmish = lex["kind"].isin(["firm", "short"])
        found = lex.loc[firmish, "key"].map(lambda k: (m.group() if (m := est.match(k)) else None))
        lex.loc[found[found.notna()].index, "key"] = found[found.notna()]
    lex = lex[lex["word"].str.len() >= 2].drop_duplicates("word").reset_index(drop=True)
    return lex.astype({"word": "str", "kind": "str", "key": "str"})


def person_names(book: Casebook) -> list[str]:
    """Petitioners' names (2–4 characters) as recorded: never keywords or labels.

    >>> import pandas as pd, workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2024-01-02"]}),
    ...     petitioners=pd.DataFrame({"petitioner_id": ["P1", "P2"], "name": ["王秀英", None]}), now="2025-01-01")
    >>> person_names(book)
    ['王秀英']
    """
    if "name" not in book.petitioners:
        return []
    names = book.petitioners["name"].dropna().astype(str).str.strip()
    return sorted(set(names[names.str.len().between(2, 4)]))


def dictionary_version(words: Iterable[str]) -> str:
    """A short hash of the lexicon version and the word list (part of the token cache key).

    >>> dictionary_version(["征地拆迁"]) == dictionary_version(["征地拆迁"]) != dictionary_version(["拆迁"])
    True
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(LEXICON_VERSION.encode())
    for w in sorted(set(words)):
        h.update(b"\0" + w.encode("utf-8"))
    return h.hexdigest()
