"""Summaries (诉求摘要/概况信息) of the sample's cases, filled from templates per matter.

A repeat case of a matter names the same estate, firm or village as the first, in words
that vary ("再次反映…"); a collective visit says how many came.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import join, num, pool, take
from .cases import VISIT, Ctx
from .city import place_pool

__all__ = ["summaries", "template_parts"]

_SLOT = re.compile(r"\{(\w+)\}")
_PLACES = ("estate", "developer", "property", "builder", "factory", "shop", "project", "road", "school", "hospital")
_NUMBERS = ("amount", "months", "n", "mu", "year")
_AGAIN = ("再次反映", "多次反映", "仍然反映")


def template_parts(template: str) -> list[tuple[bool, str]]:
    """Split a template into (is_slot, text) parts.

    >>> template_parts("反映{estate}物业")
    [(False, '反映'), (True, 'estate'), (False, '物业')]
    """
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            out.append((False, template[pos:m.start()]))
        out.append((True, m.group(1)))
        pos = m.end()
    if pos < len(template):
        out.append((False, template[pos:]))
    return out


def summaries(ctx: Ctx, matters: pd.DataFrame, cases: pd.DataFrame, templates: Sequence[str],
              rng: np.random.Generator) -> pa.Array:
    """One summary per case (arrow strings, in case order)."""
    city = ctx.city
    n = len(cases)
    m = cases["matter"].to_numpy()
    tpl = cases["template"].to_numpy()
    names = {k: place_pool(city, k)[0] for k in _PLACES}
    names["town"] = pool(city.townships["name"].tolist())
    names["village"] = pool(city.villages["name"].tolist())
    names["county"] = pool(city.counties["name"].tolist())
    index_col = {"town": "township", "village": "village", "county": "county"}
    again = (cases["ordinal"].to_numpy() > 0) & (rng.random(n) < 0.5)
    again_word = rng.integers(0, len(_AGAIN), n)
    crowd = (cases["headcount"].to_numpy() >= 5) & (cases["channel"].to_numpy() == VISIT) & (rng.random(n) < 0.7)
    order = np.argsort(tpl, kind="stable")
    bounds = np.flatnonzero(np.diff(tpl[order])) + 1
    pieces: list[pa.Array] = []
    for rows in np.split(order, bounds):
        if not len(rows):
            continue
        mm = m[rows]
        parts: list[pa.Array | str] = []
        for is_slot, text in template_parts(templates[int(tpl[rows[0]])]):
            if not is_slot:
                parts.append(text)
            elif text in _PLACES:
                parts.append(take(names[text], matters[f"s_{text}"].to_numpy()[mm]))
            elif text in index_col:
                parts.append(take(names[text], matters[index_col[text]].to_numpy()[mm]))
            elif text in _NUMBERS:
                parts.append(num(matters[f"s_{text}"].to_numpy()[mm]))
            else:
                raise KeyError(f"unknown template slot {text!r}")
        if all(isinstance(p, str) for p in parts):
            parts = [pa.array(["".join(parts)] * len(rows), type=pa.large_string())]  # type: ignore[arg-type]
        text_arr = join(*parts)
        ag = again[rows]
        if ag.any():
            for w, word in enumerate(_AGAIN):
                sel = ag & (again_word[rows] == w)
                if sel.any():
                    rep = pc.replace_substring_regex(text_arr, "^反映", word, max_replacements=1)
                    text_arr = pc.if_else(pa.array(sel), rep, text_arr)
        cr = crowd[rows]
        if cr.any():
            hc = num(cases["headcount"].to_numpy()[rows])
            text_arr = pc.if_else(pa.array(cr), join(hc, "名群众集体来访，", text_arr), text_arr)
        pieces.append(text_arr)
    allrows = np.concatenate(np.split(order, bounds)) if n else np.array([], dtype=np.int64)
    combined = pa.concat_arrays([p.cast(pa.large_string()) for p in pieces]) if pieces else pa.array([], pa.large_string())
    inverse = np.empty(n, dtype=np.int64)
    inverse[allrows] = np.arange(n)
    return combined.take(pa.array(inverse))
