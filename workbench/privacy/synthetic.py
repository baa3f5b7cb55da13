"""The trainer's rule: synthetic data only (仅限样例数据, DESIGN §9).

:func:`workbench.sample.write_sample` writes a manifest, ``SYNTHETIC.json``, beside the files it
generates: the generator, seed, number of cases, and the sha256 of every data file. A folder of
data counts as synthetic when every source file is listed in the manifest of its folder with a
matching sha256 — a file edited after generation, or real data copied into the folder, does not.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "ledger.csv").write_text("信访件编号,信访日期\\nA1,2025-01-02\\n", encoding="utf-8")
>>> is_synthetic(d)
False
>>> _ = write_manifest(d, ["ledger.csv"], generator="doctest", seed=1, n_cases=1)
>>> is_synthetic(d), is_synthetic(d / "ledger.csv")
(True, True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..quality import LoadError
from .keys import PrivacyError

__all__ = ["MANIFEST", "write_manifest", "read_manifest", "synthetic_problems", "is_synthetic",
           "require_synthetic", "SyntheticOnlyError"]

#: the manifest's file name (JSON: the loader never reads it as data)
MANIFEST = "SYNTHETIC.json"
_CHUNK = 1 << 20


class SyntheticOnlyError(PrivacyError, LoadError):
    """The trainer role was given data that is not the generated sample: a :class:`PrivacyError`
    and a :class:`~workbench.LoadError` (loading stops), naming the file."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: str | Path, files: Iterable[str | Path], *, generator: str, seed: int | None,
                   n_cases: int | None, **extra: object) -> Path:
    """Write ``folder/SYNTHETIC.json`` listing ``files`` (paths relative to ``folder``, or inside
    it) with their sha256; returns the manifest's path."""
    d = Path(folder)
    listed: dict[str, str] = {}
    for f in files:
        p = Path(f)
        p = p if p.is_absolute() else d / p
        rel = p.resolve().relative_to(d.resolve()).as_posix()
        listed[rel] = _sha256(p)
    body = {"synthetic": True, "generator": generator, "seed": seed, "n_cases": n_cases, **extra,
            "files": dict(sorted(listed.items()))}
    out = d / MANIFEST
    out.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest of ``folder`` (None when there is none or it cannot be read as one)."""
    p = Path(folder) / MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def _source_files(path: Path) -> list[Path]:
    """The data files :func:`workbench.load` would read from ``path`` (a folder: its loadable files)."""
    if not path.is_dir():
        return [path]
    from ..io.sources import _CSV_SUFFIXES, _DUCKDB_SUFFIXES, _EXCEL_SUFFIXES

    loadable = _EXCEL_SUFFIXES | _CSV_SUFFIXES | _DUCKDB_SUFFIXES | {".parquet", ".pq", ".db", ".sqlite", ".sqlite3"}
    return [p for p in sorted(path.iterdir())
            if p.is_file() and p.suffix.lower() in loadable and not p.name.startswith(("~$", "."))]


def synthetic_problems(paths: str | Path | Sequence[str | Path]) -> list[str]:
    """Why ``paths`` are not (all) the generated sample: one sentence per file, naming it; empty
    when every source file is listed with a matching sha256 in its folder's manifest."""
    sources = [paths] if isinstance(paths, str | Path) else list(paths)
    problems: list[str] = []
    if not sources:
        return ["no data given"]
    for src in sources:
        if isinstance(src, str) and "://" in src:
            problems.append(f"{src}: a database is never synthetic sample data")
            continue
        for f in _source_files(Path(src)):
            if not f.exists():
                problems.append(f"{f}: no such file")
                continue
            manifest = read_manifest(f.parent)
            if manifest is None:
                problems.append(f"{f}: no {MANIFEST} manifest in its folder, so it is not known to be synthetic")
                continue
            want = manifest["files"].get(f.name)
            if want is None:
                problems.append(f"{f}: not listed in {f.parent / MANIFEST}")
            elif want != _sha256(f):
                problems.append(f"{f}: changed since it was generated (sha256 differs from {f.parent / MANIFEST})")
    return problems


def is_synthetic(paths: str | Path | Sequence[str | Path]) -> bool:
    """Whether every source file of ``paths`` is generated sample data (see the module doc)."""
    return not synthetic_problems(paths)


def require_synthetic(paths: str | Path | Sequence[str | Path]) -> None:
    """Raise :class:`SyntheticOnlyError` (a :class:`PrivacyError` and a LoadError) naming each
    file that is not generated sample data: the trainer role works on synthetic data only."""
    problems = synthetic_problems(paths)
    if problems:
        raise SyntheticOnlyError(
            "the trainer role (培训) works on synthetic sample data only (DESIGN §9); "
            + "; ".join(problems)
            + ". Use the bundled sample (data/sample) or one made with `workbench sample` / "
            "workbench.sample.write_sample(FOLDER), or switch role."
        )
