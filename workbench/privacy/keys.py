"""The analyst's pseudonym key (化名密钥): making one, reading one, finding the one to use.

A key is 32 random bytes written as 64 hex digits in a file only its owner may read (mode 600).
The same key gives the same pseudonyms in every report; whoever lacks it cannot tell who is
behind a pseudonym, and a different key gives unrelated ones.

Which key file is used: the ``key_file`` passed to the call, else the configuration's
``pseudonym_key_file`` (``[tool.workbench]`` in pyproject.toml, or the environment variable
``WORKBENCH_PSEUDONYM_KEY_FILE``).

>>> import tempfile, pathlib
>>> p = new_key(pathlib.Path(tempfile.mkdtemp()) / "analyst.key")
>>> len(read_key(p)), oct(p.stat().st_mode & 0o777)
(32, '0o600')
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["PrivacyError", "KEY_BYTES", "MIN_KEY_BYTES", "KEY_HELP", "new_key", "read_key", "key_file_for"]

#: bytes of a new key
KEY_BYTES = 32
#: the shortest key accepted (a shorter one is too easy to guess)
MIN_KEY_BYTES = 16
_ENV = "WORKBENCH_PSEUDONYM_KEY_FILE"

#: the three ways to give the analyst role a key, named in every error about a missing key
KEY_HELP = (
    "give a pseudonym key file (化名密钥) in one of three ways: "
    "the configuration setting pseudonym_key_file (set_config(pseudonym_key_file=...) or "
    "[tool.workbench] pseudonym_key_file in pyproject.toml), "
    f"the environment variable {_ENV}, "
    "or the command-line option --key-file FILE; "
    "make a key with `workbench key new FILE` (workbench.privacy.new_key(FILE))"
)


class PrivacyError(ValueError):
    """A privacy rule stops the work: a missing or unreadable pseudonym key, an unknown role,
    a trainer given real data. The message names the file or setting and what to do."""


def new_key(path: str | Path) -> Path:
    """Write a new random key (32 bytes as 64 hex digits) to ``path``, readable by its owner only
    (mode 600); refuses to overwrite an existing file. Returns the path."""
    p = Path(path).expanduser()
    if p.exists():
        raise PrivacyError(f"{p}: a file is already there; a key is never overwritten "
                           "(reports made with it could no longer be matched). Choose another path.")
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise PrivacyError(f"{p}: cannot create the key file ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(KEY_BYTES) + "\n")
    os.chmod(p, 0o600)  # O_CREAT's mode is filtered by the umask
    return p


def read_key(path: str | Path) -> bytes:
    """The key bytes in ``path`` (hex digits, as :func:`new_key` writes them). A missing, empty,
    unreadable, non-hex or too short file is a :class:`PrivacyError` naming it."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise PrivacyError(f"pseudonym key file {p}: no such file; " + KEY_HELP)
    try:
        raw = p.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PrivacyError(f"pseudonym key file {p}: cannot be read ({exc})") from exc
    if not raw:
        raise PrivacyError(f"pseudonym key file {p}: the file is empty; make a key with `workbench key new FILE`")
    try:
        key = bytes.fromhex(raw)
    except ValueError as exc:
        raise PrivacyError(f"pseudonym key file {p}: not a key (expected hex digits as written by "
                           "`workbench key new FILE`)") from exc
    if len(key) < MIN_KEY_BYTES:
        raise PrivacyError(f"pseudonym key file {p}: the key is too short ({len(key)} bytes; at least "
                           f"{MIN_KEY_BYTES} needed, `workbench key new FILE` makes {KEY_BYTES})")
    return key


def key_file_for(key_file: str | Path | None = None) -> Path | None:
    """The key file to use: ``key_file`` if given, else the configured ``pseudonym_key_file``
    (which the environment variable ``WORKBENCH_PSEUDONYM_KEY_FILE`` sets), else None.

    >>> str(key_file_for("/tmp/k.key"))
    '/tmp/k.key'
    """
    if key_file is not None and str(key_file).strip():
        return Path(key_file).expanduser()
    from ..config import get_config

    configured = get_config().pseudonym_key_file or os.environ.get(_ENV)
    return Path(configured).expanduser() if configured and str(configured).strip() else None
