"""One configuration object, resolved from environment variables, then ``[tool.workbench]`` in
the nearest ``pyproject.toml`` (or ``workbench.toml``), then defaults.

>>> Config(language="en").language
'en'
>>> Config.resolve(env={"WORKBENCH_LANGUAGE": "en"}, search_from=None).language
'en'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["Config", "get_config", "set_config", "bundled_sample"]

_ENV_PREFIX = "WORKBENCH_"


@dataclass(frozen=True)
class Config:
    """Workbench settings.

    language: user-facing text, ``zh`` (default) or ``en``.
    role: ``supervisor`` (full data), ``analyst`` (pseudonymised), ``trainer`` (synthetic only).
    policy: deadline policy name or TOML path (used by the clocks).
    headers / vocab: extra alias files extending the bundled ones.
    pseudonym_key_file: where the analyst's pseudonym key lives.
    identity_overrides: the supervisor's file of must-link / cannot-link decisions on petitioner
    records (applied by ``workbench.resolve_persons`` on every load).
    """

    language: str = "zh"
    role: str = "supervisor"
    policy: str = "2022"
    headers: str | None = None
    vocab: str | None = None
    pseudonym_key_file: str | None = None
    identity_overrides: str | None = None

    @classmethod
    def resolve(
        cls, env: Mapping[str, str] | None = None, search_from: str | Path | None = "."
    ) -> Config:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if search_from is not None:
            values.update(_from_files(Path(search_from)))
        names = {f.name for f in fields(cls)}
        for name in names:
            v = env.get(_ENV_PREFIX + name.upper())
            if v:
                values[name] = v
        cfg = cls(**{k: v for k, v in values.items() if k in names})
        if cfg.language not in ("zh", "en"):
            cfg = replace(cfg, language="zh")
        return cfg


def _from_files(start: Path) -> dict[str, Any]:
    here = start.resolve()
    for d in (here, *here.parents):
        for name in ("workbench.toml", "pyproject.toml"):
            p = d / name
            if p.is_file():
                try:
                    data = tomllib.loads(p.read_text(encoding="utf-8"))
                except (tomllib.TOMLDecodeError, OSError):
                    continue
                section = data.get("tool", {}).get("workbench") if name == "pyproject.toml" else data
                if section:
                    return dict(section)
    return {}


_current: Config | None = None


def get_config() -> Config:
    """The active configuration (resolved once, on first use)."""
    global _current
    if _current is None:
        _current = Config.resolve()
    return _current


def set_config(**changes: object) -> Config:
    """Change settings for this session, e.g. ``set_config(language="en")``."""
    global _current
    _current = replace(get_config(), **changes)  # type: ignore[arg-type]
    return _current


def bundled_sample() -> Path | None:
    """The bundled synthetic sample folder (``data/sample`` with its ``ledger.xlsx``): of the
    working folder or one above it, else of the checkout the package runs from; None when there is
    none (an installed package without the checkout)."""
    here = Path(__file__).resolve().parents[1]
    for d in (Path.cwd(), *Path.cwd().parents, here):
        if (d / "data" / "sample" / "ledger.xlsx").is_file():
            return d / "data" / "sample"
    return None
