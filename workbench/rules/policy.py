"""Deadline policies as data (DESIGN §4): TOML files of clocks.

Bundled: ``2022`` (信访工作条例, the default), ``2005`` (信访条例), ``simplified`` (简易办理) and
``12345`` (a hotline policy in working days). A locality's variant is a new TOML file of the same
shape (see the header of ``workbench/data/policies/2022.toml``), loaded by path.

>>> p = load_policy("2022")
>>> [c.name for c in p.clocks]
['route', 'accept', 'handle', 'review_request', 'review', 'recheck_request', 'recheck']
>>> h = p.clock("handle")
>>> h.limit, h.working, h.extension.max_days, h.applies_to["demand_type"]
(60, False, 30, ('request', 'appeal'))
>>> load_policy("simplified").clock("handle").working
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["ANCHORS", "PARTIES", "Clock", "Extension", "Alternative", "Policy", "PolicyError",
           "load_policy", "bundled_policies"]

#: Anchors a clock may start or stop on: case columns where the ledger has them, else events.
ANCHORS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "register": ("received_at", ("register",)),
    "route": (None, ("transfer", "assign")),
    "arrive": ("arrived_at", ()),
    "accept": ("accepted_at", ("accept",)),
    "reject": (None, ("reject",)),
    "return": (None, ("return",)),
    "extend": (None, ("extend",)),
    "reply": ("replied_at", ("reply",)),
    "close": ("closed_at", ("close",)),
    "evaluate": (None, ("evaluate",)),
    "review_request": (None, ("review_request",)),
    "review": (None, ("review",)),
    "recheck_request": (None, ("recheck_request",)),
    "recheck": (None, ("recheck",)),
}
PARTIES = ("office", "unit", "reviewer", "petitioner")
_APPLIES = ("demand_type", "channel", "category_l1", "is_first", "registered_by")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Extension:
    anchor: str = "extend"
    max_days: int = 30
    working: bool = False


@dataclass(frozen=True)
class Alternative:
    stop: str
    limit: int
    working: bool
    reason: str


@dataclass(frozen=True)
class Clock:
    """One deadline: from ``start`` to the earliest of ``stop``, within ``limit`` days."""

    name: str
    start: str
    stop: tuple[str, ...]
    limit: int
    working: bool = False
    party: str = "unit"
    label_zh: str = ""
    label_en: str = ""
    article: str = ""
    fallback_start: str | None = None
    fallback_after: str | None = None
    not_if: tuple[str, ...] = ()
    also_stop: dict[str, str] = field(default_factory=dict)
    extension: Extension | None = None
    alternative: Alternative | None = None
    warn: tuple[float, ...] = (0.5, 0.75, 1.0)
    applies_to: dict[str, object] = field(default_factory=dict)
    only_when_stopped: bool = False
    stated_due: str | None = None

    def label(self, language: str = "zh") -> str:
        return (self.label_en if language == "en" else self.label_zh) or self.name


@dataclass(frozen=True)
class Policy:
    name: str
    title_zh: str
    title_en: str
    clocks: tuple[Clock, ...]
    kpis: dict[str, object] = field(default_factory=dict)
    in_force: str | None = None
    path: str = ""

    def clock(self, name: str) -> Clock:
        for c in self.clocks:
            if c.name == name:
                return c
        raise KeyError(f"policy {self.name!r} has no clock {name!r}; it has {[c.name for c in self.clocks]}")

    def has(self, name: str) -> bool:
        return any(c.name == name for c in self.clocks)

    def title(self, language: str = "zh") -> str:
        return self.title_en if language == "en" else self.title_zh

    def kpi_clock(self, kpi: str, party: str) -> str | None:
        """Which clock a timeliness KPI reads for a party (``[kpis]`` of the file, else defaults)."""
        defaults = {"timely_acceptance": {"office": "route", "unit": "accept"},
                    "on_time": {"office": "handle", "unit": "handle"}}
        spec = self.kpis.get(kpi, defaults.get(kpi, {}))
        name = spec.get(party) if isinstance(spec, dict) else spec
        return name if isinstance(name, str) and self.has(name) else None


def bundled_policies() -> dict[str, Path]:
    """Names of the bundled policies and their files."""
    d = resources.files("workbench") / "data" / "policies"
    out = {}
    for p in d.iterdir():
        if p.name.endswith(".toml"):
            data = tomllib.loads(p.read_text(encoding="utf-8"))
            out[str(data.get("policy", {}).get("name", p.name[:-5]))] = Path(str(p))
    return out


def load_policy(policy: object = None) -> Policy:
    """A Policy from a name (``2022``, ``2005``, ``simplified``, ``12345``), a TOML path, or a
    Policy (returned as is). None → the configured policy (``Config.policy``, default 2022)."""
    if isinstance(policy, Policy):
        return policy
    if policy is None:
        from ..config import get_config

        policy = get_config().policy
    return _load(str(policy))


@lru_cache(maxsize=32)
def _load(spec: str) -> Policy:
    bundled = bundled_policies()
    path = bundled.get(spec) or bundled.get(spec.removesuffix(".toml"))
    if path is None:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise PolicyError(f"no policy {spec!r}: not a bundled name ({', '.join(sorted(bundled))}) and no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path}: not valid TOML: {e}") from e
    return _parse(data, str(path))


def _days(v: object, where: str) -> bool:
    if v in (None, "calendar", "自然日", "日"):
        return False
    if v in ("working", "工作日"):
        return True
    raise PolicyError(f"{where}: days must be 'calendar' or 'working', not {v!r}")


def _anchor(v: object, where: str) -> str:
    if v not in ANCHORS:
        raise PolicyError(f"{where}: unknown anchor {v!r}; anchors are {', '.join(ANCHORS)}")
    return str(v)


def _int(v: object, where: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise PolicyError(f"{where}: must be a whole number of days >= 0, not {v!r}")
    return v


def _parse(data: dict, path: str) -> Policy:
    head = data.get("policy", {})
    warn_default = tuple(float(x) for x in head.get("warn", (0.5, 0.75, 1.0)))
    clocks = []
    names: set[str] = set()
    for i, c in enumerate(data.get("clocks", [])):
        where = f"{path}: clocks[{i}]"
        name = c.get("name")
        if not name:
            raise PolicyError(f"{where}: every clock needs a name")
        where = f"{path}: clock {name!r}"
        if name in names:
            raise PolicyError(f"{where}: the name is used twice")
        names.add(name)
        for key in ("start", "stop", "limit"):
            if key not in c:
                raise PolicyError(f"{where}: missing {key!r}")
        stop = c["stop"] if isinstance(c["stop"], list) else [c["stop"]]
        party = c.get("party", "unit")
        if party not in PARTIES:
            raise PolicyError(f"{where}: party must be one of {PARTIES}, not {party!r}")
        ext = c.get("extension")
        alt = c.get("alternative")
        applies = dict(c.get("applies_to", {}))
        for k, v in applies.items():
            if k not in _APPLIES:
                raise PolicyError(f"{where}: applies_to.{k} is not known; use {', '.join(_APPLIES)}")
            if isinstance(v, list):
                applies[k] = tuple(str(x) for x in v)
        warn = tuple(sorted(float(x) for x in c.get("warn", warn_default)))
        if not warn or any(not 0 < w <= 1 for w in warn):
            raise PolicyError(f"{where}: warn thresholds must be shares in (0, 1], got {warn}")
        clocks.append(Clock(
            name=str(name),
            start=_anchor(c["start"], f"{where}.start"),
            stop=tuple(_anchor(s, f"{where}.stop") for s in stop),
            limit=_int(c["limit"], f"{where}.limit"),
            working=_days(c.get("days"), f"{where}.days"),
            party=party,
            label_zh=str(c.get("label_zh", name)),
            label_en=str(c.get("label_en", name)),
            article=str(c.get("article", "")),
            fallback_start=_anchor(c["fallback_start"], f"{where}.fallback_start") if c.get("fallback_start") else None,
            fallback_after=str(c["fallback_after"]) if c.get("fallback_after") else None,
            not_if=tuple(_anchor(s, f"{where}.not_if") for s in c.get("not_if", [])),
            also_stop={_anchor(k, f"{where}.also_stop"): str(v) for k, v in c.get("also_stop", {}).items()},
            extension=Extension(
                _anchor(ext.get("anchor", "extend"), f"{where}.extension.anchor"),
                _int(ext.get("max", 30), f"{where}.extension.max"),
                _days(ext.get("days"), f"{where}.extension.days"),
            ) if ext else None,
            alternative=Alternative(
                _anchor(alt["stop"], f"{where}.alternative.stop"),
                _int(alt["limit"], f"{where}.alternative.limit"),
                _days(alt.get("days"), f"{where}.alternative.days"),
                str(alt.get("reason", "alternative_limit")),
            ) if alt else None,
            warn=warn,
            applies_to=applies,
            only_when_stopped=bool(c.get("only_when_stopped", False)),
            stated_due=c.get("stated_due"),
        ))
    if not clocks:
        raise PolicyError(f"{path}: a policy needs at least one [[clocks]] entry")
    for i, clk in enumerate(clocks):
        if clk.fallback_after and clk.fallback_after not in [c.name for c in clocks[:i]]:
            raise PolicyError(f"{path}: clock {clk.name!r}: fallback_after must name a clock listed before it, "
                              f"not {clk.fallback_after!r}")
    return Policy(
        name=str(head.get("name", Path(path).stem)),
        title_zh=str(head.get("title_zh", head.get("name", ""))),
        title_en=str(head.get("title_en", head.get("name", ""))),
        clocks=tuple(clocks),
        kpis=dict(data.get("kpis", {})),
        in_force=head.get("in_force"),
        path=path,
    )
