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

__all__ = ["Casebook", "Config", "LoadError", "get_config", "load", "set_config", "sample"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "sample":
        import importlib

        return importlib.import_module(".sample", __name__)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
