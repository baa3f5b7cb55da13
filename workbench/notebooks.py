"""Run notebooks headless (papermill-style parameters) and render them to HTML."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["run_notebook", "inject_parameters", "offline_html", "external_references"]

import re

_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*/?>", re.IGNORECASE)


def offline_html(html: str) -> str:
    """Drop the page's external scripts and stylesheets (MathJax and require.js from a CDN, which
    nbconvert's template and plotly add): the workbench's pages need neither, plotly.js itself is
    inlined, and an intranet machine cannot fetch them.

    >>> offline_html('<p>a</p><script src="https://cdn.example/x.js"></script><script>1</script>')
    '<p>a</p><script>1</script>'
    """
    return _EXTERNAL_LINK.sub("", _EXTERNAL_SCRIPT.sub("", html))


def external_references(html: str) -> list[str]:
    """``src``/``href`` attributes of tags that would make the browser fetch from the network.

    >>> external_references('<img src="http://x/y.png"><a href="https://plotly.com/">p</a>')
    ['http://x/y.png']
    """
    found = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(https?://[^\"]*)\"", html, re.IGNORECASE)
    return found


def inject_parameters(nb, parameters: Mapping[str, object]) -> None:
    """Insert a cell after the one tagged ``parameters`` that overrides its values."""
    import nbformat

    src = "# injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = ["injected-parameters"]
    idx = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
    nb.cells.insert(idx + 1, cell)


def run_notebook(
    path: str | Path,
    html_out: str | Path | None = None,
    parameters: Mapping[str, object] | None = None,
    timeout: int = 600,
    hide_code: bool = False,
):
    """Execute a notebook in its own folder; optionally write it as HTML. Returns the HTML path
    (or the executed notebook when no HTML is asked for)."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    # widget state is not stored: a live explorer needs a kernel, and its state (plotly.js bundled
    # in every figure widget) would swell a shared page by megabytes per figure
    NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if html_out is None:
        return nb
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = hide_code
    body, _ = exporter.from_notebook_node(nb)
    out = Path(html_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(offline_html(body), encoding="utf-8")
    return out
