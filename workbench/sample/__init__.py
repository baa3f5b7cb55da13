"""Synthetic sample data (样例数据): a fictional city's petition ledger with planted patterns.

``generate`` gives a :class:`~workbench.casebook.Casebook` and the :class:`Truth` of what was
planted (a buck-passing pair, an overdue leader, a one-month spike, an escalating group,
long-running petitioners) and of which records belong to which person; ``generate_frames``
gives the six canonical tables (``workbench.schema``) instead; ``write_sample`` writes the
ledger in the forms real exports take (an Excel 台账, a GB18030 event CSV) with the truth.
Everything is deterministic for a seed.

>>> frames, truth = generate_frames(1000, seed=3)
>>> sorted(frames) == sorted(["cases", "events", "petitioners", "case_petitioners", "units", "people"])
True
>>> len(frames["cases"]), frames["cases"]["case_id"].is_unique
(1000, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .truth import Truth

if TYPE_CHECKING:
    from ..casebook import Casebook

__all__ = ["Truth", "generate", "generate_frames", "write_sample"]


def generate_frames(
    n_cases: int = 20000, seed: int = 7, *, start: str = "2023-01-01", years: float = 2.75
) -> tuple[dict[str, pd.DataFrame], Truth]:
    """The canonical frames (cases, events, petitioners, case_petitioners, units, people) of a
    sample of exactly ``n_cases`` cases received from ``start`` over ``years`` (whole months),
    and its truth."""
    from .build import frames_of, simulate, truth_of

    sim = simulate(n_cases, seed, start=start, years=years)
    frames = frames_of(sim)
    return frames, truth_of(sim, frames, n_cases, start, years)


def generate(
    n_cases: int = 20000, seed: int = 7, *, start: str = "2023-01-01", years: float = 2.75
) -> tuple[Casebook, Truth]:
    """A :class:`~workbench.casebook.Casebook` of the sample, and its truth."""
    from ..casebook import Casebook

    frames, truth = generate_frames(n_cases, seed, start=start, years=years)
    return Casebook.from_frames(**frames), truth


def write_sample(out_dir: str | Path, n_cases: int = 20000, seed: int = 7, *, start: str = "2023-01-01",
                 years: float = 2.75, dirty: bool = True) -> Path:
    """Write the sample as real exports look (``ledger.xlsx``, ``events.csv`` in GB18030) with a
    ``README.md`` into ``out_dir`` and the truth into ``out_dir/truth/``; returns ``out_dir``.
    ``dirty`` (default) appends a few broken rows the loader must quarantine, listed in the
    truth's ``data_problems``. ``Truth.from_json(out_dir / "truth" / "truth.json")`` reads it back."""
    from .export import export

    frames, truth = generate_frames(n_cases, seed, start=start, years=years)
    out = Path(out_dir)
    export(out, frames, truth, dirty=dirty)
    return out
