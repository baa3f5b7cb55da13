"""Helpers for browser tests: a free local port, waiting for a server, and a server process
group that is always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

__all__ = ["free_port", "wait_for_http", "serve"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, timeout: float = 60, proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` (local only) until it answers; fail with the server's exit code when it died."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # a local url
                if r.status < 500:
                    return
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return
            last = e
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            last = e
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s (last error: {last})")


@contextlib.contextmanager
def serve(cmd: Sequence[str], url: str, cwd: str | Path | None = None, env: Mapping[str, str] | None = None,
          timeout: float = 120, log: str | Path | None = None) -> Iterator[subprocess.Popen]:
    """Start ``cmd`` in its own process group, wait until ``url`` answers, yield the process, and
    kill the whole group on exit. Output goes to ``log`` (a file) when given, else is discarded."""
    full_env = {**os.environ, **(env or {})}
    out = open(log, "wb") if log else subprocess.DEVNULL  # closed below
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_for_http(url, timeout, proc)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        if log:
            out.close()  # type: ignore[union-attr]
