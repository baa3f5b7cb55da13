"""Spike alerts (异常激增预警, DESIGN §8): periods in which a region's count of one category rose
beyond what its own history and its category's movement elsewhere lead one to expect.

The model, for series *s* (one region × one category at a chosen level) in period *t*:

- level: the series' mean over its previous ``min_history`` periods (the current one excluded),
  with two periods of the category's mean series at this level and half a case added to the
  window, so that a window of zeros is weak evidence of a zero rate;
- trend and season, pooled: the same category in all *other* regions of the level, this period
  against its own mean over the same window (``(others_t + 5) / (others_window_mean + 5)``, the
  5 shrinking the factor towards 1 for rare categories). A category rising everywhere (a season, a
  trend, a campaign) raises every series' expectation; a rise in one place does not.
- noise: negative binomial with variance ``mu + a·mu²``; the dispersion ``a`` is pooled over all
  series and periods tested (moment estimate, cells with Pearson residual above 6 left out, so
  spikes do not widen the band), and widened by the estimation error of the level and the factor.

The p-value is ``P(Y ≥ observed)`` under that distribution (``scipy.stats.nbinom.sf``); q-values
are Benjamini–Hochberg over every series × period tested. An alert needs ``q < alpha`` and at
least ``min_count`` cases. Only periods with ``min_history`` full periods of history before them
are tested, and series whose region or category is unknown are not tested.

>>> import workbench as wb
>>> months = pd.date_range("2023-01-01", periods=24, freq="MS")
>>> rows = [(f"{r}{m:%Y%m}{i}", m + pd.Timedelta(days=3), r, "城乡建设")
...         for r in ("339921", "339922", "339923") for m in months for i in range(2)]
>>> rows += [(f"S{i}", pd.Timestamp("2024-11-10"), "339922", "城乡建设") for i in range(12)]
>>> book = wb.Casebook.from_frames(cases=pd.DataFrame(rows, columns=["case_id", "received_at",
...     "region_code", "category_l1"]), now="2026-01-01")
>>> a = spike_alerts(book, level="county")
>>> a[["region", "category", "period", "observed"]].values.tolist()
[['339922', '城乡建设', '2024-11', 14]]
>>> a.attrs["tests"]
36
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cube import _YEAR, UNKNOWN, IssueCube, issue_cube

__all__ = ["METHOD", "expected_band", "spike_alerts"]

METHOD = (
    "Expected count = the series' own mean over its previous {h} periods (current period excluded, "
    "shrunk by two periods towards the category's mean series, plus half a case) × the movement of the same category in all other regions of the level "
    "(this period against their mean over the same window), which carries the trend and season "
    "pooled over series of the category. Negative binomial noise with dispersion {a:.3f} pooled over "
    "all series (moment estimate without outliers), widened for the estimation error of the "
    "expectation. p = P(count ≥ observed); Benjamini–Hochberg q over all {m} series-periods tested "
    "(periods with {h} periods of history; unknown regions and categories not tested). "
    "Alert: q < {alpha} and at least {c} cases."
)
_PRIOR = 2.0  # periods of the category's mean series added to a series' window
_SHRINK = 5.0  # pseudo-count shrinking the category factor towards 1
_TRIM_Z = 6.0  # Pearson residual above which a cell is left out of the dispersion estimate


def _window(x: np.ndarray, h: int) -> np.ndarray:
    """Sum over the previous ``h`` columns (current excluded); NaN where fewer exist."""
    cs = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(x, axis=1, out=cs[:, 1:])
    out = np.full(x.shape, np.nan)
    if x.shape[1] > h:
        out[:, h:] = cs[:, h:-1] - cs[:, :-h - 1]
    return out


def _fit(y: np.ndarray, cat: np.ndarray, h: int, dispersion: float | None = None) -> dict[str, np.ndarray | float]:
    """Expectation ``mu``, effective NB dispersion ``ae`` (NaN before ``h`` periods of history)
    and the pooled dispersion for a series × period count matrix."""
    y = y.astype(float)
    n_cat = int(cat.max()) + 1 if len(cat) else 0
    tot = np.zeros((n_cat, y.shape[1]))
    np.add.at(tot, cat, y)
    w_own = _window(y, h)
    w_oth = _window(tot, h)[cat] - w_own
    oth = tot[cat] - y
    # the level, shrunk by _PRIOR periods' worth towards the category's mean series at this level,
    # so that a window of zeros is weak evidence of a zero rate
    n_ser = np.bincount(cat, minlength=n_cat)[cat][:, None]
    prior = (w_oth + w_own) / h / n_ser
    level = (w_own + _PRIOR * prior + 0.5) / (h + _PRIOR)
    factor = (oth + _SHRINK) / (w_oth / h + _SHRINK)
    mu = level * factor
    # relative variance of the estimate: the level (Poisson part) and the factor's two counts
    rel = 1.0 / (w_own + _PRIOR * prior + 0.5) + 1.0 / (oth + _SHRINK) + 1.0 / (w_oth + _SHRINK * h)
    tested = ~np.isnan(mu)
    if dispersion is None:
        mt, yt, rt = mu[tested], y[tested], rel[tested]
        keep = np.ones(len(mt), dtype=bool)
        a = 0.0
        for _ in range(3):  # estimate on all cells, then again without the outliers it shows
            num = np.sum(((yt - mt) ** 2 - mt - rt * mt**2)[keep])
            den = np.sum((mt**2)[keep])
            a = float(np.clip(num / den, 0.0, 10.0)) if den > 0 else 0.0
            keep = (yt - mt) / np.sqrt(mt + (a + rt) * mt**2) < _TRIM_Z
        dispersion = a
    ae = dispersion * (1 + 1 / h) + rel  # var = mu + ae·mu²: noise plus the expectation's own error
    return {"mu": mu, "ae": np.maximum(ae, 1e-6), "dispersion": float(dispersion), "tested": tested}


def _nb(mu: np.ndarray, ae: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = 1.0 / ae
    return n, n / (n + mu)


def _sf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(Y > k) of the negative binomial (``scipy.stats.nbinom.sf``, through the regularised
    incomplete beta function of the lighter ``scipy.special``)."""
    from scipy.special import betainc

    k = np.asarray(k, dtype=float)
    return np.where(k < 0, 1.0, betainc(np.maximum(k, 0) + 1, n, 1 - p))


def _isf(target: float | np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Smallest k >= 0 with P(Y > k) <= target (``nbinom.isf``), by bisection on all at once."""
    mu = n * (1 - p) / p
    lo = np.full(len(n), -1.0)  # sf(lo) > target (sf(-1) = 1)
    hi = np.ceil(mu + 50 * np.sqrt(mu / p) + 50)
    while True:
        open_ = hi - lo > 1
        if not open_.any():
            return hi
        mid = np.floor((lo + hi) / 2)
        below = _sf(mid, n, p) <= target
        hi = np.where(open_ & below, mid, hi)
        lo = np.where(open_ & ~below, mid, lo)


def _pvalues(y: np.ndarray, mu: np.ndarray, ae: np.ndarray) -> np.ndarray:
    p = np.ones(len(y))
    pos = y > 0
    n, q = _nb(mu[pos], ae[pos])
    p[pos] = _sf(y[pos] - 1, n, q)
    return p


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values)."""
    m = len(p)
    if not m:
        return p
    order = np.argsort(p, kind="stable")
    q = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(q[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _band(mu: np.ndarray, ae: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles (1 − band)/2 and (1 + band)/2 of the count (``nbinom.ppf``)."""
    n, q = _nb(mu, ae)
    # ppf(x) = smallest k with cdf(k) >= x, i.e. sf(k) <= 1 - x
    return _isf(1 - (1 - band) / 2, n, q), _isf((1 - band) / 2, n, q)


def spike_alerts(book_or_cube, *, level: str = "county", category: str = "category_l1", period: str = "month",
                 alpha: float = 0.05, min_history: int = 12, min_count: int = 3, band: float = 0.95) -> pd.DataFrame:
    """Alerts (one row each, most significant first): region, region_name, category, period,
    observed, expected, lower / upper (the ``band`` prediction interval of the count), p_value,
    q_value, score (Pearson residual: standard deviations above the expectation) and case_ids.
    ``.attrs``: method (in words), tests (series × periods tested), dispersion, years (of tested
    periods), alerts_per_year, false_alarms_per_year (alerts a world without spikes — every count
    drawn from its expectation — would raise per year at the Benjamini–Hochberg line of as many
    alerts as were found; a measure of the model, valid as far as the model is). A cube passed in
    is used with its own period."""
    cube = book_or_cube if isinstance(book_or_cube, IssueCube) else issue_cube(book_or_cube, period=period, late=False)
    index, y = cube.matrix(level=level, by_category=category)
    out = _detect(index, y, periods=cube.periods, period=cube.period, alpha=alpha, min_history=min_history,
                  min_count=min_count, band=band)
    out.attrs.update({"level": level, "category": category})
    out["case_ids"] = [cube.case_ids(region=r, period=per, **{category: c_})
                       for r, per, c_ in zip(out["region"], out["period"], out["category"], strict=True)]
    return out


def _detect(index: pd.DataFrame, y: np.ndarray, *, periods: list[str], period: str, alpha: float = 0.05,
            min_history: int = 12, min_count: int = 3, band: float = 0.95) -> pd.DataFrame:
    """The alert table of a series × period count matrix (``index``: region, region_name, category
    per row), without case ids."""
    usable = ((index["region"] != UNKNOWN) & (index["category"] != UNKNOWN)).to_numpy()
    index, y = index.loc[usable].reset_index(drop=True), y[usable]
    cat = pd.factorize(index["category"])[0].astype(np.int64)
    fit = _fit(y, cat, min_history)
    mu, ae, tested = fit["mu"], fit["ae"], fit["tested"]
    assert isinstance(mu, np.ndarray) and isinstance(ae, np.ndarray) and isinstance(tested, np.ndarray)
    si, ti = np.nonzero(tested)
    yt, mt, at = y[si, ti], mu[si, ti], ae[si, ti]
    p = _pvalues(yt, mt, at)
    q = _bh(p)
    hit = np.flatnonzero((q < alpha) & (yt >= min_count))
    years = max(y.shape[1] - min_history, 0) / _YEAR[period]
    # how many alerts a spike-free world (every count drawn from its expectation) would raise at
    # the Benjamini–Hochberg line of this many alerts (p <= alpha·R/m) with at least min_count
    cut = alpha * max(len(hit), 1) / max(len(p), 1)
    n_, q_ = _nb(mt, at)
    c = np.maximum(_isf(cut, n_, q_) + 1, min_count)
    null_alerts = float(np.sum(_sf(c - 1, n_, q_))) if len(p) else 0.0
    lo, hi = _band(mt[hit], at[hit], band)
    var = mt[hit] + at[hit] * mt[hit] ** 2
    out = pd.DataFrame({
        "region": index["region"].to_numpy(dtype=object)[si[hit]],
        "region_name": index["region_name"].to_numpy(dtype=object)[si[hit]],
        "category": index["category"].to_numpy(dtype=object)[si[hit]],
        "period": np.asarray(periods, dtype=object)[ti[hit]] if len(periods) else np.zeros(0, object),
        "observed": yt[hit].astype(np.int64),
        "expected": mt[hit],
        "lower": lo,
        "upper": hi,
        "p_value": p[hit],
        "q_value": q[hit],
        "score": (yt[hit] - mt[hit]) / np.sqrt(var),
    })
    out = out.sort_values(["q_value", "score"], ascending=[True, False], kind="stable", ignore_index=True)
    out.attrs.update({
        "method": METHOD.format(h=min_history, a=fit["dispersion"], m=len(p), alpha=alpha, c=min_count),
        "tests": len(p), "dispersion": fit["dispersion"],
        "period": period, "years": years, "series": len(index), "series_unknown": int((~usable).sum()),
        "alerts_per_year": len(out) / years if years else None,
        "false_alarms_per_year": null_alerts / years if years else None,
    })
    return out


def expected_band(series_frame: pd.DataFrame, *, min_history: int = 12, band: float = 0.95,
                  dispersion: float | None = None) -> pd.DataFrame:
    """Expected count and ``band`` prediction interval for every period of every series of a long
    frame (region, category, period, cases — :meth:`IssueCube.series`), by the model of
    :func:`spike_alerts`: the series frame with expected, lower, upper, p_value (NaN where the
    period has fewer than ``min_history`` periods of history). Pass a whole level's series so the
    category factor pools over the other regions (then keep the rows to draw), and
    ``dispersion=alerts.attrs["dispersion"]`` to match an alert table.

    >>> f = pd.DataFrame({"region": ["339922"] * 14, "category": ["民政"] * 14,
    ...                   "period": [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01", "2025-02"],
    ...                   "cases": [4] * 13 + [12]})
    >>> e = expected_band(f, dispersion=0.0)
    >>> e[["period", "cases", "expected", "upper"]].tail(2).round(2).values.tolist()
    [['2025-01', 4, 4.04, 11.0], ['2025-02', 12, 4.04, 11.0]]
    """
    f = series_frame.reset_index(drop=True)
    periods = np.sort(f["period"].astype(str).unique())
    key = pd.MultiIndex.from_arrays([f["region"].astype(object), f["category"].astype(object)])
    s, uniq = pd.factorize(key)
    t = np.searchsorted(periods, f["period"].astype(str).to_numpy())
    y = np.zeros((len(uniq), len(periods)))
    np.add.at(y, (s, t), f["cases"].to_numpy(dtype=float))
    cat = pd.factorize(np.asarray([u[1] for u in uniq], dtype=object))[0].astype(np.int64)
    fit = _fit(y, cat, min_history, dispersion)
    mu, ae = fit["mu"], fit["ae"]
    assert isinstance(mu, np.ndarray) and isinstance(ae, np.ndarray)
    m, a = mu[s, t], ae[s, t]
    ok = ~np.isnan(m)
    out = f.copy()
    out["expected"] = m
    lo, hi = np.full(len(f), np.nan), np.full(len(f), np.nan)
    pv = np.full(len(f), np.nan)
    if ok.any():
        lo[ok], hi[ok] = _band(m[ok], a[ok], band)
        pv[ok] = _pvalues(y[s, t][ok], m[ok], a[ok])
    out["lower"], out["upper"], out["p_value"] = lo, hi, pv
    out.attrs["dispersion"] = fit["dispersion"]
    return out
