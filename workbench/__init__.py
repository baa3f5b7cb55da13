"""Petition supervision workbench (信访督查工作台).

Load the case ledgers (台账) exported from petition information systems and trace delays,
blame chains, repeat petitioners and hotspot issues. ``import workbench`` stays cheap: plotting,
widgets and text mining are imported where they are used.

>>> import workbench
>>> callable(workbench.load)
True
"""

from __future__ import annotations

from .casebook import Casebook
from .config import Config, get_config, set_config
from .io import load
from .quality import LoadError

__all__ = ["Casebook", "Config", "LoadError", "get_config", "load", "set_config", "sample",
           "clocks", "kpis", "load_policy", "stage_durations", "stage_summary", "aging", "warnings_due", "ranking",
           "rule_checks", "custody", "attribute_blame", "buck_passing", "transfer_network", "accountability_network",
           "investigation_graph", "directly_follows", "variants", "handover", "urging_effect",
           "resolve_persons", "repeat_matters", "petitioner_groups", "issue_cube", "spike_alerts", "hot_issues"]

#: analysis functions, imported on first use (``workbench.clocks(book)``)
_LAZY = {
    "clocks": ".rules.clocks",
    "kpis": ".rules.kpis",
    "load_policy": ".rules.policy",
    "stage_durations": ".rules.delays",
    "stage_summary": ".rules.delays",
    "aging": ".rules.delays",
    "warnings_due": ".rules.delays",
    "ranking": ".rules.delays",
    "rule_checks": ".rules.checks",
    "custody": ".chains.segments",
    "attribute_blame": ".chains.blame",
    "buck_passing": ".chains.buck",
    "transfer_network": ".networks.transfer",
    "accountability_network": ".networks.transfer",
    "investigation_graph": ".networks.investigation",
    "directly_follows": ".chains.process",
    "variants": ".chains.process",
    "handover": ".chains.process",
    "urging_effect": ".chains.urging",
    "resolve_persons": ".identity.resolve",
    "repeat_matters": ".identity.repeats",
    "petitioner_groups": ".identity.groups",
    "issue_cube": ".hotspots.cube",
    "spike_alerts": ".hotspots.alerts",
    "hot_issues": ".hotspots.topics",
}
__version__ = "0.1.0"


def __getattr__(name: str):
    import importlib

    if name == "sample":
        return importlib.import_module(".sample", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
