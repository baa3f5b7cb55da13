"""Figures and explorers (plotly, ipywidgets). Imported on use: ``from workbench import views``.

Every chart is a pure data function (a DataFrame out) plus a ``*_figure`` function drawing it.
"""

from __future__ import annotations

from . import blame, hotspots, persons
from .blame_explorer import BlameExplorer, explore_blame
from .delays import (
    aging_figure,
    case_timeline_figure,
    cases_table_html,
    kpi_panel_figure,
    late_by_unit_month,
    late_heatmap_figure,
    ranking_figure,
    stage_box_figure,
)
from .explorer import DelayExplorer, explore_delays
from .hotspots_explorer import HotspotsExplorer, explore_hotspots
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
from .persons_explorer import PersonsExplorer, explore_persons

__all__ = [
    "BlameExplorer",
    "DelayExplorer",
    "HotspotsExplorer",
    "PersonsExplorer",
    "blame",
    "explore_blame",
    "aging_figure",
    "case_timeline_figure",
    "cases_by_month_channel",
    "cases_by_region",
    "cases_table_html",
    "explore_delays",
    "explore_hotspots",
    "explore_persons",
    "key_figures",
    "kpi_panel_figure",
    "late_by_unit_month",
    "late_heatmap_figure",
    "hotspots",
    "monthly_channel_figure",
    "persons",
    "ranking_figure",
    "region_figure",
    "setup",
    "stage_box_figure",
    "top_categories",
    "top_categories_figure",
]
