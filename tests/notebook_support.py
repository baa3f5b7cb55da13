"""What the notebook tests share: the page of a notebook rendered on the bundled sample, its
text as the page holds it (figure JSON escapes Chinese), and the executed notebook's outputs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rendered_page(name: str, out: Path) -> str:
    """``notebooks/<name>`` run on the bundled sample and written to ``out``; the page's text."""
    from workbench.notebooks import run_notebook

    return run_notebook(ROOT / "notebooks" / name, out).read_text(encoding="utf-8")


def in_page(page: str, s: str) -> bool:
    """Whether ``s`` is in the page as it is, or JSON-escaped (figure titles and labels)."""
    return s in page or s.encode("unicode_escape").decode() in page


def outputs(nb) -> str:
    """Every output of an executed notebook as one text (data bundles and streams)."""
    return "\n".join(str(o.get("data", {})) + str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
