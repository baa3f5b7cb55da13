"""The page of a rendered report: its look, its figures and tables, and the ``workbench-report``
meta tag that says what it is.

A report page needs no JavaScript but plotly.js: figures are plain ``go.Figure`` objects drawn
by a ``<script>`` beside each one, and plotly.js is inlined once, at the top (:func:`plotly_script`).
Nothing is fetched from the network, and there is no require.js or widget manager: a report has
no widgets (an ipywidget would need a kernel, or a widget manager and its state in the page),
and every bit of interactivity — zoom, hover, the range slider, the KPI selector — is plotly's own.

>>> meta = {"kind": "monthly", "title": "江临市信访工作月通报（2025年9月）", "note": "a'b & <c>"}
>>> read_meta(meta_tag(meta)) == meta
True
>>> print(table_html(pd.DataFrame({"单位": ["<住建局>"], "件数": [3]})))
<table class="wb-table"><thead><tr><th>单位</th><th class="num">件数</th></tr></thead><tbody><tr><td>&lt;住建局&gt;</td><td class="num">3</td></tr></tbody></table>
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["META_NAME", "PAGE_CSS", "FONT", "plotly_script", "figure_html", "show_figure", "show_html", "table_html",
           "meta_tag", "read_meta", "wrap_page", "fmt_int", "fmt_pct", "fmt_pp", "fmt_change"]

META_NAME = "workbench-report"
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
BLUE, RED, GREEN, ORANGE, GREY = "#3b6ea8", "#c0392b", "#2e8b57", "#e67e22", "#7f8c8d"
PALETTE = (BLUE, "#16a085", "#8e44ad", ORANGE, "#2c3e50", "#b7950b", RED, GREY, "#1abc9c")

PAGE_CSS = """
:root { --ink: #222; --muted: #666; --rule: #b22222; --line: #ddd; --head: #f4f5f7; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef0f3; color: var(--ink);
       font-family: "Noto Serif CJK SC", "Source Han Serif SC", SimSun, "Songti SC", serif; }
main.wb-report { max-width: 1120px; margin: 24px auto; background: #fff; padding: 40px 56px 56px;
                 box-shadow: 0 1px 4px rgba(0,0,0,.12); }
.wb-head { text-align: center; border-bottom: 3px solid var(--rule); padding-bottom: 6px; margin-bottom: 18px; }
.wb-head .issuer { color: var(--rule); font-size: 34px; font-weight: bold; letter-spacing: 6px; margin: 0 0 18px; }
.wb-head .office { display: flex; justify-content: space-between; font-size: 15px; padding: 0 4px; }
h1.wb-title { text-align: center; font-size: 24px; margin: 10px 0 4px; font-weight: bold;
              font-family: "Noto Sans CJK SC", SimHei, "Microsoft YaHei", sans-serif; }
.wb-sub { text-align: center; color: var(--muted); font-size: 12px; margin-bottom: 8px;
          font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.wb-privacy { font-size: 12px; color: var(--muted); border: 1px solid var(--line); background: #fafafa;
              padding: 6px 10px; margin: 10px 0 4px; font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
h2.wb-h2 { font-size: 20px; margin: 30px 0 10px; font-family: "Noto Sans CJK SC", SimHei, "Microsoft YaHei", sans-serif; }
h3.wb-h3 { font-size: 17px; margin: 20px 0 8px; font-family: "Noto Serif CJK SC", KaiTi, serif; }
p.wb-p { font-size: 16px; line-height: 1.9; text-indent: 2em; margin: 6px 0; text-align: justify; }
p.wb-p b { font-weight: bold; }
.wb-note { font-size: 12px; color: var(--muted); margin: 4px 0 10px;
           font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.wb-caption { font-size: 13px; font-weight: bold; margin: 14px 0 4px;
              font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
table.wb-table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 4px 0 6px;
                 font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
table.wb-table th { background: var(--head); border: 1px solid var(--line); padding: 4px 6px; text-align: left;
                    font-weight: bold; white-space: nowrap; }
table.wb-table td { border: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
table.wb-table .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.wb-table .nw { white-space: nowrap; }
table.wb-table tr.flag td { background: #fff4f2; }
.up-bad, .down-bad { color: #c0392b; } .up-good, .down-good { color: #2e8b57; }
.wb-figure { margin: 8px 0 14px; border: 1px solid #eee; }
.wb-steps p.wb-p { text-indent: 2em; }
.wb-foot { margin-top: 36px; border-top: 1px solid var(--line); padding-top: 8px; font-size: 12px; color: var(--muted);
           font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.wb-foot p { margin: 3px 0; }
/* nbconvert's cell wrappers: no prompts, no frames */
.jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .output_area, .output_subarea,
.cell, .output_wrapper, .output { margin: 0; padding: 0; border: 0; }
.prompt, .jp-InputPrompt, .jp-OutputPrompt { display: none; }
@media print {
  body { background: #fff; }
  main.wb-report { box-shadow: none; margin: 0; padding: 0 8mm; max-width: none; }
  .wb-figure { break-inside: avoid; }
  h2.wb-h2, h3.wb-h3 { break-after: avoid; }
}
"""

# plotly.js's own Chinese words for its toolbar and dates (from plotly.js lib/locales/zh-cn.js),
# registered after the bundle so a zh report has no English on its buttons
_ZH_LOCALE = {
    "moduleType": "locale", "name": "zh-CN",
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形框选择", "Click to enter Colorscale title": "点击输入色阶的标题",
        "Click to enter Component A title": "点击输入组件A的标题", "Click to enter Component B title": "点击输入组件B的标题",
        "Click to enter Component C title": "点击输入组件C的标题", "Click to enter Plot title": "点击输入图表的标题",
        "Click to enter X axis title": "点击输入X轴的标题", "Click to enter Y axis title": "点击输入Y轴的标题",
        "Compare data on hover": "悬停时比较数据", "Double-click on legend to isolate one trace": "双击图例来突显对应轨迹",
        "Double-click to zoom back out": "双击返回缩小显示", "Download plot as a png": "下载图表为PNG格式",
        "Download plot": "下载图表", "Edit in Chart Studio": "在Chart Studio中编辑", "IE only supports svg.  Changing format to svg.": "IE只支持svg。现将格式变为svg。",
        "Lasso Select": "套索选择", "Orbital rotation": "轨道旋转", "Pan": "平移", "Produced with Plotly.js": "由Plotly.js生成",
        "Reset": "重置", "Reset axes": "重置轴", "Reset camera to default": "重置镜头视角为默认状态",
        "Reset camera to last save": "重置镜头视角为上次保存状态", "Reset view": "重置视图", "Reset views": "重置视图",
        "Show closest data on hover": "悬停时显示最近的数据", "Snapshot succeeded": "生成快照成功",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，下载快照出现问题！",
        "Taking snapshot - this may take a few seconds": "正在生成快照 - 可能需要几秒钟",
        "Toggle Spike Lines": "切换显示数据点辅助线", "Toggle show closest data on hover": "切换显示最近的数据",
        "Turntable rotation": "转台旋转", "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小",
        "close:": "收盘:", "high:": "最高:", "low:": "最低:", "open:": "开盘:", "trace": "轨迹",
        "new text": "新文本", "kde:": "核密度估计:", "lower fence:": "下边界:", "upper fence:": "上边界:",
        "max:": "最大值:", "min:": "最小值:", "mean:": "平均值:", "median:": "中位数:", "q1:": "第一四分位数:",
        "q3:": "第三四分位数:", "source:": "源:", "target:": "目标:", "incoming flow count:": "流入数量:",
        "outgoing flow count:": "流出数量:", "lat:": "纬度:", "lon:": "经度:",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
        "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
        "date": "%Y-%m-%d", "decimal": ".", "thousands": ",",
    },
}

_counter = {"n": 0}


def plotly_script(language: str = "zh") -> str:
    """plotly.js, inlined (the bundle of the installed plotly package, so the page works with no
    network), and for Chinese its toolbar words. Displayed once, before any figure."""
    from plotly.offline import get_plotlyjs

    locale = ""
    if language != "en":
        locale = f"<script type=\"text/javascript\">Plotly.register({json.dumps(_ZH_LOCALE, ensure_ascii=False)});</script>"
    return f"<script type=\"text/javascript\">{get_plotlyjs()}</script>{locale}"


def figure_html(fig: go.Figure, language: str = "zh", div_id: str | None = None) -> str:
    """A figure as a ``<div>`` and the ``<script>`` that draws it (plotly.js must be on the page:
    :func:`plotly_script`). Ids are numbered in order, so two renders of one report match."""
    import plotly.io as pio

    if div_id is None:
        _counter["n"] += 1
        div_id = f"wb-fig-{_counter['n']}"
    height = fig.layout.height or 450
    config: dict[str, Any] = {"displaylogo": False, "responsive": True,
                              "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
    if language != "en":
        config["locale"] = "zh-CN"
    body = pio.to_html(fig, include_plotlyjs=False, include_mathjax=False, full_html=False, config=config,
                       default_width="100%", default_height=f"{int(height)}px", div_id=div_id, validate=False)
    return f"<div class=\"wb-figure\">{body}</div>"


def show_html(content: str) -> None:
    """Display a piece of the report (in the kernel that renders it)."""
    from IPython.display import HTML, display

    display(HTML(content))


def show_figure(fig: go.Figure, language: str = "zh") -> None:
    """Display a figure: drawn by plotly.js in the page (``text/html``), and as plotly's own
    mimetype for anyone opening the template in JupyterLab."""
    from IPython.display import publish_display_data

    publish_display_data({"text/html": figure_html(fig, language),
                          "application/vnd.plotly.v1+json": fig.to_plotly_json()})


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def fmt_int(v: object) -> str:
    """A count with thousands separators ('—' when missing).

    >>> fmt_int(12345.0), fmt_int(None)
    ('12,345', '—')
    """
    return "—" if _missing(v) else f"{int(round(float(v))):,}"  # type: ignore[arg-type]


def fmt_pct(v: object, digits: int = 1) -> str:
    """A share in per cent ('—' when missing).

    >>> fmt_pct(0.95085), fmt_pct(float("nan"))
    ('95.1%', '—')
    """
    return "—" if _missing(v) else f"{float(v) * 100:.{digits}f}%"  # type: ignore[arg-type]


def fmt_pp(v: object, language: str = "zh") -> str:
    """A change of a rate in percentage points, signed ('—' when missing).

    >>> fmt_pp(0.0123), fmt_pp(-0.004, "en"), fmt_pp(-0.0003)
    ('+1.2个百分点', '-0.4 pp', '0.0个百分点')
    """
    if _missing(v):
        return "—"
    x = float(v) * 100  # type: ignore[arg-type]
    num = "0.0" if abs(x) < 0.05 else f"{x:+.1f}"
    return f"{num}个百分点" if language != "en" else f"{num} pp"


def fmt_change(v: object) -> str:
    """A relative change of a count, signed per cent ('—' when missing or from zero).

    >>> fmt_change(0.1168), fmt_change(None)
    ('+11.7%', '—')
    """
    if _missing(v) or not math.isfinite(float(v)):  # type: ignore[arg-type]
        return "—"
    return f"{float(v) * 100:+.1f}%"  # type: ignore[arg-type]


def table_html(df: pd.DataFrame, *, numeric: Sequence[str] | None = None, row_attrs: Sequence[Mapping[str, object]] | None = None,
               row_class: Sequence[str] | None = None, nowrap: Sequence[str] = ()) -> str:
    """A small table, every value escaped. ``numeric`` columns are right-aligned (default: the
    numeric dtypes), ``nowrap`` columns kept on one line (dates); ``row_attrs`` adds ``data-*``
    attributes per row (the exact numbers behind a formatted cell, for whoever checks them);
    ``row_class`` a class per row (``flag`` tints it)."""
    cols = [str(c) for c in df.columns]
    num = set(numeric) if numeric is not None else {str(c) for c in df.columns if df[c].dtype.kind in "iuf"}
    keep = {str(c) for c in nowrap}
    cls = {c: " ".join(x for x in ("num" if c in num else "", "nw" if c in keep else "") if x) for c in cols}
    head = "".join(f"<th class=\"{cls[c]}\">{html.escape(c)}</th>" if cls[c] else f"<th>{html.escape(c)}</th>" for c in cols)
    rows = []
    for i, row in enumerate(df.itertuples(index=False)):
        attrs = ""
        if row_attrs is not None:
            attrs = "".join(f" data-{html.escape(str(k))}=\"{html.escape(_attr(v))}\"" for k, v in row_attrs[i].items())
        if row_class is not None and row_class[i]:
            attrs += f" class=\"{html.escape(row_class[i])}\""
        cells = "".join(f"<td class=\"{cls[c]}\">{html.escape(_cell(v))}</td>" if cls[c] else f"<td>{html.escape(_cell(v))}</td>"
                        for c, v in zip(cols, row, strict=True))
        rows.append(f"<tr{attrs}>{cells}</tr>")
    return f"<table class=\"wb-table\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cell(v: object) -> str:
    if _missing(v):
        return "—"
    if isinstance(v, float) and v.is_integer():
        return f"{int(v):,}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _attr(v: object) -> str:
    if _missing(v):
        return ""
    if isinstance(v, float):
        return repr(float(v))
    return str(v)


def meta_tag(meta: Mapping[str, object]) -> str:
    """``<meta name="workbench-report" content='{json}'>`` (JSON, HTML-escaped where it must be)."""
    s = json.dumps(dict(meta), ensure_ascii=False, sort_keys=True, default=str)
    s = s.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<meta name=\"{META_NAME}\" content='{s}'>"


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: str | None = None
        self.title: list[str] = []
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and a.get("name") == META_NAME and self.meta is None:
            self.meta = a.get("content")
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self.done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)


def read_meta(page: str) -> dict | None:
    """The report's meta (a dict) from its page's ``<head>``, or None when it has none."""
    head = page[: page.find("</head>") + 7] if "</head>" in page else page[:200_000]
    p = _MetaParser()
    p.feed(head)
    if p.meta is None:
        return None
    try:
        out = json.loads(p.meta)
    except ValueError:
        return None
    return out if isinstance(out, dict) else None


def wrap_page(body: str, *, title: str, meta: Mapping[str, object], language: str = "zh") -> str:
    """The whole page: head (charset, title, meta, style) and the rendered cells in ``<main>``."""
    lang_attr = "en" if language == "en" else "zh-CN"
    return (f"<!DOCTYPE html>\n<html lang=\"{lang_attr}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n{meta_tag(meta)}\n<style>{PAGE_CSS}</style>\n</head>\n"
            f"<body>\n<main class=\"wb-report\">\n{body}\n</main>\n</body>\n</html>\n")
