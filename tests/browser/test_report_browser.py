"""The rendered monthly bulletin in a real browser with the network cut off: every figure drawn,
hover labels, the KPI selector, no console errors, no request leaving the machine, and nothing the
analyst may not see."""

from __future__ import annotations

import pickle

import pytest

FIGURES_DRAWN = """() => {
  const figs = [...document.querySelectorAll('.plotly-graph-div')];
  return figs.length > 0 && figs.every(d => d.querySelector('.main-svg') && d.querySelector('.cartesianlayer .trace'));
}"""
HOVER_SHOWN = "(d) => { const h = d.querySelector('.hoverlayer'); return !!h && h.textContent.trim().length > 0; }"
# traces of the plot itself (a range slider draws its own small copies)
MAIN_TRACES = "(d) => [...d.querySelectorAll('.scatterlayer .trace')].filter(t => !t.closest('.rangeslider-container')).length"


@pytest.fixture(scope="module")
def bulletin(sample_book, tmp_path_factory):
    """The bundled sample's monthly bulletin as the analyst shares it (rendered once)."""
    from workbench.privacy import new_key
    from workbench.reports import render_report

    folder = tmp_path_factory.mktemp("browser_report")
    data = folder / "sample.pkl"
    with open(data, "wb") as fh:
        pickle.dump(sample_book.book, fh, protocol=pickle.HIGHEST_PROTOCOL)
    key = new_key(folder / "analyst.key")
    return render_report("monthly", out=folder / "月通报.html", role="analyst", key_file=key, data=data)


def _hover_a_point(page, fig) -> None:
    """Move the mouse onto the largest bar or marker of a figure (plotly hovers by position)."""
    fig.scroll_into_view_if_needed()
    points = [p for p in fig.query_selector_all(".barlayer .point path, .scatterlayer .points path")
              if p.evaluate("e => !e.closest('.rangeslider-container')")]
    frame = fig.bounding_box()
    assert frame is not None

    def inside(b) -> bool:  # bars scrolled out of the initial x range are drawn clipped, off the plot
        return b["x"] >= frame["x"] and b["x"] + b["width"] <= frame["x"] + frame["width"]

    boxes = [b for b in (p.bounding_box() for p in points) if b and b["width"] > 1 and b["height"] > 1 and inside(b)]
    assert boxes, "a figure without any bar or marker"
    b = max(boxes, key=lambda b: b["width"] * b["height"])
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)


def test_bulletin_works_offline_in_a_browser(offline, bulletin, sample_book):
    from workbench.privacy import Guard

    page = offline.page
    page.goto(bulletin.as_uri())
    page.wait_for_function(FIGURES_DRAWN, timeout=60_000)
    figs = page.query_selector_all(".plotly-graph-div")
    assert len(figs) >= 4
    for fig in figs:
        assert fig.query_selector(".main-svg") is not None
        _hover_a_point(page, fig)
        page.wait_for_function(HOVER_SHOWN, arg=fig, timeout=10_000)
        page.mouse.move(1, 1)
    # the KPI trend: three core rates shown; the selector switches to one KPI alone
    kpi = next(f for f in figs if f.query_selector(".updatemenu-container") is not None)
    assert kpi.query_selector(".rangeslider-container") is not None
    assert page.evaluate(MAIN_TRACES, kpi) == 3
    kpi.scroll_into_view_if_needed()
    kpi.query_selector(".updatemenu-header-group").click()
    kpi.query_selector(".updatemenu-dropdown-button-group >> text=按期办结率（信访部门）").click()
    page.wait_for_function(f"(d) => ({MAIN_TRACES})(d) === 1", arg=kpi, timeout=10_000)
    shot = offline.shot("report_monthly_bulletin")
    assert shot.stat().st_size > 50_000
    assert offline.console_errors == []
    assert offline.blocked == []
    assert Guard.for_book(sample_book.book, "analyst").scan_text(page.content()) == []
