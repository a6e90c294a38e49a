"""The server's malloc settings apply on this platform (glibc) and fail soft elsewhere."""

from __future__ import annotations

import subprocess
import sys


def test_tune_malloc_applies_in_a_fresh_process():
    code = "from indexer.memory import tune_malloc; import sys; sys.exit(0 if tune_malloc() else 3)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # glibc (Debian): the settings must take effect


def test_tune_malloc_without_libc(monkeypatch):
    import ctypes

    from indexer import memory

    def no_libc(*a, **k):
        raise OSError("no libc here")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert memory.tune_malloc() is False
