"""The dashboard (督查工作台看板): the workbench's explorers in a browser page served by Voila on
this machine only (127.0.0.1), for a supervisor who does not code.

    workbench dashboard [--data FOLDER] [--role analyst --key-file F] [--lang en] [--port 8866] [--open]

:func:`serve` starts it (the standard library only, until it runs Voila in its own process);
:mod:`workbench.dashboard.app` is the page itself (ipywidgets, run by the dashboard's kernel).
"""

from __future__ import annotations

from .serve import NOTEBOOK, DashboardError, dashboard_env, serve, voila_command

__all__ = ["NOTEBOOK", "DashboardError", "dashboard_env", "serve", "voila_command"]
