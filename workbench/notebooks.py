"""Run notebooks headless (papermill-style parameters) and render them to HTML."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["run_notebook", "execute_notebook", "notebook_html", "inject_parameters", "offline_html",
           "external_references"]

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
    """Insert a cell after the one tagged ``parameters`` that overrides its values (papermill's
    convention: the template keeps working defaults, the injected cell wins).

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("A = 1", metadata={"tags": ["parameters"]}),
    ...                                      nbformat.v4.new_code_cell("print(A)")])
    >>> inject_parameters(nb, {"A": 2, "B": "x"})
    >>> print(nb.cells[1].source)
    # injected parameters
    A = 2
    B = 'x'
    """
    import nbformat

    src = "# injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = ["injected-parameters"]
    idx = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
    nb.cells.insert(idx + 1, cell)


def execute_notebook(notebook, parameters: Mapping[str, object] | None = None, *, timeout: int = 600,
                     cwd: str | Path | None = None, kernel_name: str = "python3"):
    """Execute a notebook (a path or a ``NotebookNode``, not modified) headless and return the
    executed copy. ``parameters`` are injected after the cell tagged ``parameters``; the kernel
    runs in ``cwd`` (default: the notebook's folder). A failing cell raises nbclient's
    ``CellExecutionError``. Widget state is never stored: a live explorer needs a kernel, and its
    state (plotly.js bundled in every figure widget) would swell a shared page by megabytes."""
    import copy

    import nbformat
    from nbclient import NotebookClient

    if isinstance(notebook, str | Path):
        path = Path(notebook)
        nb = nbformat.read(path, as_version=4)
        folder = path.parent
    else:
        nb = copy.deepcopy(notebook)
        folder = Path.cwd()
    if cwd is not None:
        folder = Path(cwd)
    if parameters:
        inject_parameters(nb, parameters)
    NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, store_widget_state=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def notebook_html(nb, *, hide_code: bool = False, template: str = "lab", exclude_markdown: bool = False) -> str:
    """An executed notebook as HTML (nbconvert's ``lab`` page, or ``basic``: the cells alone, for a
    caller that writes its own page around them), with external scripts and stylesheets dropped
    (:func:`offline_html`). ``hide_code`` leaves out the code and the prompts; ``exclude_markdown``
    the markdown cells (a template's notes to whoever edits it)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name=template)
    exporter.exclude_input = hide_code
    exporter.exclude_markdown = exclude_markdown
    if hide_code:
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    return offline_html(body)


def run_notebook(
    path: str | Path,
    html_out: str | Path | None = None,
    parameters: Mapping[str, object] | None = None,
    timeout: int = 600,
    hide_code: bool = False,
):
    """Execute a notebook in its own folder; optionally write it as HTML. Returns the HTML path
    (or the executed notebook when no HTML is asked for)."""
    nb = execute_notebook(path, parameters, timeout=timeout)
    if html_out is None:
        return nb
    out = Path(html_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(notebook_html(nb, hide_code=hide_code), encoding="utf-8")
    return out
