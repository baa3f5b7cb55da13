"""Figures and explorers (plotly, ipywidgets). Imported on use: ``from workbench import views``.

Every chart is a pure data function (a DataFrame out) plus a ``*_figure`` function drawing it.
"""

from __future__ import annotations

from .overview import (
    cases_by_month_channel,
    cases_by_region,
    key_figures,
    monthly_channel_figure,
    region_figure,
    setup,
    top_categories,
    top_categories_figure,
)

__all__ = [
    "cases_by_month_channel",
    "cases_by_region",
    "key_figures",
    "monthly_channel_figure",
    "region_figure",
    "setup",
    "top_categories",
    "top_categories_figure",
]
