"""Privacy (DESIGN §9): role-based masking, the analyst's pseudonym key, the trainer's
synthetic-only rule, and the scan that refuses to write what a role may not see.

- :func:`masker_for` → a :class:`Masker` for the role (supervisor · analyst · trainer): stable
  pseudonyms (化名), masked ID numbers and phones, addresses cut to the township, free text
  scrubbed, accusers (揭发控告) never shown outside the supervisor role;
- :func:`new_key` / :func:`read_key`: the analyst's key file;
- :func:`require_synthetic` / :func:`is_synthetic`: data the trainer may use;
- :class:`Guard`, :func:`guarded_write` (:mod:`workbench.privacy.guard`): the export check.

>>> from workbench.privacy import masker_for, mask_phone
>>> mask_phone("13812341215"), masker_for("supervisor").full
('138****1215', True)
"""

from __future__ import annotations

from .keys import PrivacyError, key_file_for, new_key, read_key
from .masking import (
    PERSONAL_COLUMNS,
    ROLES,
    Masker,
    is_id_number,
    mask_address,
    mask_id_number,
    mask_phone,
    masker_for,
    scrub_text,
)
from .synthetic import MANIFEST, SyntheticOnlyError, is_synthetic, require_synthetic, write_manifest

__all__ = [
    "PrivacyError",
    "ROLES",
    "PERSONAL_COLUMNS",
    "Masker",
    "masker_for",
    "mask_id_number",
    "mask_phone",
    "mask_address",
    "scrub_text",
    "is_id_number",
    "new_key",
    "read_key",
    "key_file_for",
    "MANIFEST",
    "SyntheticOnlyError",
    "is_synthetic",
    "require_synthetic",
    "write_manifest",
    "Guard",
    "Finding",
    "LeakError",
    "guarded_write",
]

#: the export check lives in its own module, imported on first use
_GUARD = ("Guard", "Finding", "LeakError", "guarded_write")


def __getattr__(name: str):
    if name in _GUARD:
        import importlib

        return getattr(importlib.import_module(".guard", __name__), name)
    raise AttributeError(f"module 'workbench.privacy' has no attribute {name!r}")
