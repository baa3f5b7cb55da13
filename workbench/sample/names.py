"""Chinese personal names (姓名) for the sample: realistic surname frequencies, given-name pools,
and the variants real ledgers carry for one person (同音字, 繁体字, 颠倒, 错字).

Names are held as three integer token columns (surname, first and second given character;
0 = none) into :data:`TOKENS`, so variants are index substitutions and rendering is one
vectorised join.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> s, g1, g2 = draw_names(rng, np.array([0, 1, 0]))
>>> [len(x) >= 2 for x in render(s, g1, g2).to_pylist()]
[True, True, True]
>>> render(*vary(rng, np.array([TOKEN["王"]]), np.array([TOKEN["建"]]), np.array([TOKEN["国"]]),
...             np.array([SWAP]))[:3]).to_pylist()
['王国建']
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ._arrow import join, take

__all__ = [
    "TOKENS",
    "TOKEN",
    "NONE",
    "HOMOPHONE",
    "TRADITIONAL",
    "SWAP",
    "TYPO",
    "VARIANT_NAMES",
    "HOMOPHONES",
    "TRADITIONAL_FORMS",
    "draw_names",
    "render",
    "vary",
]

# Surnames with their approximate share (%) of the population (2020 census order).
_SURNAMES = (
    "王7.12 李7.00 张6.68 刘5.38 陈4.61 杨3.08 黄2.23 赵2.00 吴2.00 周1.87 徐1.66 孙1.51 马1.45 "
    "朱1.33 胡1.30 郭1.18 何1.17 林1.10 高1.09 罗0.92 郑0.86 梁0.81 谢0.77 宋0.72 唐0.72 许0.66 "
    "韩0.64 邓0.64 冯0.63 曹0.60 彭0.60 曾0.58 肖0.56 田0.54 董0.52 潘0.51 袁0.50 蔡0.47 蒋0.46 "
    "余0.46 于0.45 杜0.44 叶0.43 程0.43 魏0.42 苏0.41 吕0.41 丁0.40 任0.39 卢0.38 姚0.37 沈0.37 "
    "钟0.36 姜0.35 崔0.35 谭0.34 陆0.33 范0.32 汪0.32 廖0.31 石0.31 金0.30 韦0.29 贾0.29 夏0.28 "
    "付0.28 方0.27 邹0.25 熊0.25 白0.25 孟0.24 秦0.24 邱0.23 侯0.23 江0.23 尹0.22 薛0.21 闫0.21 "
    "段0.20 雷0.20 龙0.19 黎0.19 史0.18 陶0.18 贺0.17 毛0.16 郝0.16 顾0.16 龚0.16 邵0.15 万0.15 "
    "覃0.15 武0.14 钱0.14 戴0.14 严0.13 欧阳0.05 司马0.01 诸葛0.01"
)
# Given-name characters, most common first (their weight falls off with rank).
_MALE = (
    "伟强军勇杰涛斌明磊刚平辉鹏华飞峰建国志文林波超海东亮宇浩俊成德福生龙荣春新永庆祥忠学兵"
    "江山利武清彬晨鑫阳旭宏金家胜光元松保贵全友根发顺才宝义兴长远达凯书"
)
_FEMALE = (
    "芳娜敏静丽艳娟霞秀英玲萍燕红梅琴云莉兰凤洁琳婷雪慧颖玉珍桂翠娥美月华晶倩丹蓉彩春芬菊"
    "爱秋香群琼淑惠霖佳欣怡悦"
)

#: Same-pinyin characters (tones ignored) a clerk may write instead: 王建国 → 汪建国 / 王建囯.
HOMOPHONES: dict[str, str] = {
    # surnames
    "王": "汪", "张": "章", "徐": "许", "许": "徐", "吴": "武", "杨": "阳", "李": "黎", "刘": "柳",
    "何": "贺", "罗": "骆", "唐": "汤", "冯": "封", "肖": "萧", "袁": "元", "蒋": "江", "余": "于",
    "于": "余", "程": "成", "魏": "卫", "卢": "鲁", "陆": "路", "沈": "申", "钟": "仲", "谭": "覃",
    "范": "樊", "方": "房", "石": "史", "金": "靳", "付": "傅", "姜": "江", "汪": "王", "江": "姜",
    # given-name characters
    "国": "囯", "华": "化", "明": "鸣", "军": "君", "建": "健", "伟": "玮", "英": "瑛", "芳": "方",
    "红": "宏", "平": "萍", "丽": "莉", "兰": "岚", "霞": "侠", "秀": "绣", "玉": "钰", "梅": "玫",
    "林": "琳", "涛": "滔", "刚": "钢", "勇": "永", "杰": "洁", "斌": "彬", "辉": "晖", "敏": "闽",
    "静": "靖", "燕": "艳", "峰": "锋", "磊": "垒", "东": "冬", "文": "雯", "春": "椿", "强": "蔷",
    "龙": "隆", "生": "升", "成": "诚", "德": "得", "福": "富", "荣": "蓉", "祥": "翔", "忠": "中",
    "兵": "冰", "山": "珊", "利": "力", "清": "青", "晨": "辰", "鑫": "欣", "阳": "洋", "旭": "煦",
    "宏": "红", "家": "佳", "胜": "圣", "光": "广", "元": "源", "松": "嵩", "保": "宝", "贵": "桂",
    "全": "泉", "友": "有", "顺": "舜", "才": "财", "宝": "保", "娜": "纳", "玲": "铃", "琴": "芹",
    "云": "芸", "凤": "风", "洁": "杰", "婷": "亭", "雪": "学", "慧": "惠", "颖": "影", "珍": "真",
    "翠": "萃", "月": "悦", "晶": "精", "倩": "茜", "丹": "单", "彩": "采", "志": "智", "宇": "雨",
    "浩": "豪", "俊": "骏", "飞": "菲", "鹏": "朋", "新": "欣", "娟": "涓", "蓉": "荣", "琳": "林",
    "桂": "贵", "香": "湘", "群": "裙", "琼": "穷", "淑": "书", "欣": "鑫", "怡": "仪", "悦": "月",
    "义": "艺", "兴": "星", "远": "源", "达": "大", "凯": "铠", "书": "淑", "海": "亥", "波": "博",
    "永": "勇", "学": "雪", "武": "伍", "根": "艮", "发": "法", "超": "钞", "亮": "谅",
    "菊": "局", "爱": "艾", "秋": "丘", "美": "镁", "霖": "林", "佳": "家", "艳": "燕",
    "娥": "鹅", "芬": "纷", "莉": "丽",
}

#: Traditional forms (繁体) a person or an older system may use: 陈 → 陳.
TRADITIONAL_FORMS: dict[str, str] = {
    "陈": "陳", "刘": "劉", "张": "張", "杨": "楊", "黄": "黃", "赵": "趙", "吴": "吳", "孙": "孫",
    "马": "馬", "郑": "鄭", "罗": "羅", "谢": "謝", "许": "許", "韩": "韓", "邓": "鄧", "冯": "馮",
    "叶": "葉", "苏": "蘇", "吕": "呂", "卢": "盧", "钟": "鍾", "蒋": "蔣", "陆": "陸", "龙": "龍",
    "贺": "賀", "顾": "顧", "龚": "龔", "钱": "錢", "严": "嚴", "万": "萬", "邹": "鄒", "贾": "賈",
    "韦": "韋", "欧阳": "歐陽", "诸葛": "諸葛", "汤": "湯", "骆": "駱", "鲁": "魯", "萧": "蕭",
    "国": "國", "华": "華", "军": "軍", "红": "紅", "伟": "偉", "丽": "麗", "东": "東", "兰": "蘭",
    "凤": "鳳", "荣": "榮", "庆": "慶", "贵": "貴", "宝": "寶", "发": "發", "云": "雲", "洁": "潔",
    "颖": "穎", "刚": "剛", "辉": "輝", "涛": "濤", "鹏": "鵬", "飞": "飛", "强": "強", "杰": "傑",
    "兴": "興", "广": "廣", "长": "長", "义": "義", "爱": "愛", "学": "學", "远": "遠", "达": "達",
    "顺": "順", "凯": "凱", "书": "書", "艳": "艷", "娟": "娟", "琼": "瓊", "晶": "晶", "铃": "鈴",
    "玲": "玲", "梅": "梅", "燕": "燕", "霞": "霞", "胜": "勝", "宁": "寧", "东阳": "東陽",
    "亮": "亮", "惠": "惠", "欣": "欣", "怡": "怡", "悦": "悅", "丰": "豐", "锋": "鋒", "晖": "暉",
}
TRADITIONAL_FORMS = {k: v for k, v in TRADITIONAL_FORMS.items() if k != v and len(k) == len(v)}

NONE, HOMOPHONE, TRADITIONAL, SWAP, TYPO = 0, 1, 2, 3, 4
VARIANT_NAMES: tuple[str, ...] = ("", "homophone", "traditional", "swap", "typo")


def _parse_surnames(text: str) -> tuple[list[str], np.ndarray]:
    names, weights = [], []
    for item in text.split():
        i = next(k for k, ch in enumerate(item) if ch.isdigit())
        names.append(item[:i])
        weights.append(float(item[i:]))
    return names, np.array(weights)


_SURNAME_LIST, _SURNAME_W = _parse_surnames(_SURNAMES)
_tok: dict[str, None] = {"": None}
for _t in [*_SURNAME_LIST, *_MALE, *_FEMALE, *HOMOPHONES, *HOMOPHONES.values(),
           *TRADITIONAL_FORMS, *TRADITIONAL_FORMS.values()]:
    _tok.setdefault(_t, None)
#: All name tokens (index 0 is the empty token).
TOKENS: tuple[str, ...] = tuple(_tok)
#: Token → index.
TOKEN: dict[str, int] = {t: i for i, t in enumerate(TOKENS)}
_TOKENS_ARROW = pa.array(list(TOKENS), type=pa.large_string())

_SURNAME_IDX = np.array([TOKEN[s] for s in _SURNAME_LIST])
_GIVEN_IDX = (np.array([TOKEN[c] for c in _MALE]), np.array([TOKEN[c] for c in _FEMALE]))
_GIVEN_W = tuple(1.0 / (np.arange(len(g)) + 8.0) for g in _GIVEN_IDX)
_HOMO = np.full(len(TOKENS), -1)
for _a, _b in HOMOPHONES.items():
    _HOMO[TOKEN[_a]] = TOKEN[_b]
_TRAD = np.full(len(TOKENS), -1)
for _a, _b in TRADITIONAL_FORMS.items():
    _TRAD[TOKEN[_a]] = TOKEN[_b]


def _choice(rng: np.random.Generator, values: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(weights)
    cdf = cdf / cdf[-1]
    return values[np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(values) - 1)]


def draw_names(
    rng: np.random.Generator, female: np.ndarray, p_two: float = 0.7
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw names for people of the given sex (bool/0-1 array): (surname, given1, given2)."""
    female = np.asarray(female, dtype=bool)
    n = len(female)
    s = _choice(rng, _SURNAME_IDX, _SURNAME_W, n)
    g1 = np.empty(n, dtype=np.int64)
    g2 = np.empty(n, dtype=np.int64)
    for sex in (0, 1):
        m = female == bool(sex)
        k = int(m.sum())
        g1[m] = _choice(rng, _GIVEN_IDX[sex], _GIVEN_W[sex], k)
        g2[m] = _choice(rng, _GIVEN_IDX[sex], _GIVEN_W[sex], k)
    two = rng.random(n) < p_two
    g2 = np.where(two, g2, 0)
    # "强强" and the like are real but rare; keep them rare.
    same = (g1 == g2) & (rng.random(n) < 0.9)
    g2 = np.where(same, 0, g2)
    return s, g1, g2


def render(s: np.ndarray, g1: np.ndarray, g2: np.ndarray) -> pa.Array:
    """Token columns → names as an arrow string array."""
    return join(take(_TOKENS_ARROW, s), take(_TOKENS_ARROW, g1), take(_TOKENS_ARROW, g2))


def vary(
    rng: np.random.Generator, s: np.ndarray, g1: np.ndarray, g2: np.ndarray, kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apply name variants. ``kind`` per row: NONE, HOMOPHONE, TRADITIONAL, SWAP or TYPO.

    A variant that does not apply to a name (no traditional form, one given character to swap)
    falls back to a homophone, then to a typo. Returns new tokens and the kind applied."""
    s, g1, g2 = (np.array(x, dtype=np.int64, copy=True) for x in (s, g1, g2))
    kind = np.asarray(kind, dtype=np.int64)
    done = kind == NONE
    applied = np.zeros(len(s), dtype=np.int64)

    want = kind == SWAP
    ok = want & (g2 > 0) & (g1 != g2)
    g1[ok], g2[ok] = g2[ok], g1[ok].copy()
    applied[ok] = SWAP
    done |= ok

    want = ~done & (kind == TRADITIONAL)
    for col in (s, g1, g2):
        ok = want & ~done & (_TRAD[col] >= 0)
        col[ok] = _TRAD[col[ok]]
        applied[ok] = TRADITIONAL
        done |= ok

    want = ~done & (kind != TYPO)
    last = np.where(g2 > 0, g2, g1)
    for which in ("last", "g1", "s"):
        col = {"last": last, "g1": g1, "s": s}[which]
        ok = want & ~done & (_HOMO[col] >= 0)
        if which == "last":
            on2 = ok & (g2 > 0)
            g2[on2] = _HOMO[g2[on2]]
            on1 = ok & (g2 == 0)
            g1[on1] = _HOMO[g1[on1]]
        elif which == "g1":
            g1[ok] = _HOMO[g1[ok]]
        else:
            s[ok] = _HOMO[s[ok]]
        applied[ok] = HOMOPHONE
        done |= ok

    todo = ~done
    if todo.any():
        pool = np.concatenate(_GIVEN_IDX)
        repl = pool[rng.integers(0, len(pool), int(todo.sum()))]
        last = np.where(g2 > 0, g2, g1)[todo]
        repl = np.where(repl == last, pool[0], repl)
        on2 = g2[todo] > 0
        idx = np.flatnonzero(todo)
        g2[idx[on2]] = repl[on2]
        g1[idx[~on2]] = repl[~on2]
        applied[todo] = TYPO
    return s, g1, g2, applied
