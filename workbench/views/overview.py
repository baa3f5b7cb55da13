"""A first look at a Casebook: cases per month by channel, top categories, regions.

>>> import pandas as pd
>>> from workbench.casebook import Casebook
>>> book = Casebook.from_frames(cases=pd.DataFrame({"case_id": ["1", "2", "3"],
...     "received_at": ["2024-01-03", "2024-01-09", "2024-02-01"], "channel": ["来访", "来访", "来信"],
...     "category": ["城乡建设_物业管理", "城乡建设_物业管理", "民政"],
...     "region_code": ["339901001", "339901", "339902"]}), now="2025-01-01")
>>> cases_by_month_channel(book).to_dict("records")
[{'month': '2024-01', 'channel': 'visit', 'label': '来访', 'cases': 2}, {'month': '2024-02', 'channel': 'letter', 'label': '来信', 'cases': 1}]
>>> top_categories(book)[["category_l1", "cases"]].values.tolist()
[['城乡建设', 2], ['民政', 1]]
>>> cases_by_region(book, digits=6)[["region_code", "cases"]].values.tolist()
[['339901', 2], ['339902', 1]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..config import get_config
from ..vocab import label

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..casebook import Casebook

__all__ = [
    "setup",
    "text",
    "key_figures",
    "cases_by_month_channel",
    "monthly_channel_figure",
    "top_categories",
    "top_categories_figure",
    "cases_by_region",
    "region_figure",
]

def text(key: str, **fmt: object) -> str:
    """A user-facing string of this view in the configured language (words in :mod:`workbench.i18n`)."""
    from ..i18n import text as _text

    return _text(f"overview.{key}", None, **fmt)


def setup() -> None:
    """Make figures show in JupyterLab and in exported HTML with plotly.js inlined (offline), in
    the workbench's look (the ``plotly_white`` template as the default, so no figure copies it)."""
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype+notebook"
    pio.templates.default = "plotly_white"


def key_figures(book: Casebook) -> pd.DataFrame:
    """``book.overview()`` with labels in the configured language."""
    ov = book.overview()
    out = pd.DataFrame({text("item"): [text(f"figure.{i}") for i in ov.index],
                        text("value"): [v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else f"{v:,}" for v in ov["value"]]})
    return out.set_index(text("item"))


def cases_by_month_channel(book: Casebook) -> pd.DataFrame:
    """Cases per month (by received date) and channel, with display labels."""
    c = book.cases
    lang = get_config().language
    df = pd.DataFrame({"month": c["received_at"].dt.strftime("%Y-%m"),
                       "channel": c["channel"].fillna("unknown")})
    out = df.groupby(["month", "channel"], sort=True).size().rename("cases").reset_index()
    out["label"] = [label("channel", ch, lang) if ch != "unknown" else text("unknown") for ch in out["channel"]]
    return out[["month", "channel", "label", "cases"]]


def monthly_channel_figure(data: pd.DataFrame) -> go.Figure:
    import plotly.express as px

    fig = px.bar(data, x="month", y="cases", color="label", custom_data=["channel"],
                 labels={"month": text("month"), "cases": text("cases"), "label": text("channel")},
                 title=text("monthly_title"))
    fig.update_layout(barmode="stack", legend_title_text=text("channel"), hovermode="x unified")
    return fig


def top_categories(book: Casebook, n: int = 15) -> pd.DataFrame:
    """The n most frequent (level-1, level-2) categories with counts and shares."""
    c = book.cases
    df = pd.DataFrame({"category_l1": c["category_l1"].fillna(text("unknown")),
                       "category_l2": c["category_l2"].fillna("")})
    out = df.groupby(["category_l1", "category_l2"]).size().rename("cases").reset_index()
    out = out.sort_values(["cases", "category_l1", "category_l2"], ascending=[False, True, True]).head(n)
    out["share"] = out["cases"] / max(len(c), 1)
    out["name"] = out["category_l1"] + out["category_l2"].map(lambda s: f" / {s}" if s else "")
    return out.reset_index(drop=True)


def top_categories_figure(data: pd.DataFrame) -> go.Figure:
    import plotly.express as px

    d = data.iloc[::-1]
    fig = px.bar(d, x="cases", y="name", orientation="h", hover_data={"share": ":.1%"},
                 labels={"cases": text("cases"), "name": text("category"), "share": "%"},
                 title=text("category_title", n=len(data)))
    fig.update_layout(yaxis_title=None, height=max(320, 26 * len(data) + 120))
    return fig


def cases_by_region(book: Casebook, digits: int = 6) -> pd.DataFrame:
    """Cases by region at the level given by the code length (2 province, 4 prefecture,
    6 county, 9 township), named from the ledger's own region names where it has them."""
    c = book.cases
    code = c["region_code"].str.slice(0, digits)
    out = pd.DataFrame({"region_code": code}).groupby("region_code").size().rename("cases").reset_index()
    names = c.loc[c["region_code"].str.len() == digits, ["region_code", "region_name"]].dropna()
    names = names.drop_duplicates("region_code").set_index("region_code")["region_name"]
    mapped = out["region_code"].map(names).astype("str")
    out["region_name"] = mapped.where(mapped.notna(), out["region_code"])
    return out.sort_values("cases", ascending=False, kind="stable").reset_index(drop=True)


def region_figure(data: pd.DataFrame) -> go.Figure:
    import plotly.express as px

    fig = px.bar(data, x="region_name", y="cases", hover_data=["region_code"],
                 labels={"region_name": text("region"), "cases": text("cases"), "region_code": text("code")},
                 title=text("region_title"))
    fig.update_layout(xaxis_title=None)
    return fig
