"""Memory settings for long-running search processes (``caselib serve``)."""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter numbers (malloc.h)
M_ARENA_MAX = -8


def tune_malloc(arenas: int = 2, mmap_threshold: int = 1 << 20) -> bool:
    """Limit glibc to ``arenas`` malloc arenas and serve allocations of ``mmap_threshold`` bytes or
    more with mmap; returns False where that is not possible (not glibc).

    A search allocates a few MB of temporary numpy arrays (a score per chunk: 3 MB at 800,000
    chunks). Under a threaded server, glibc gives each thread its own arena and raises its mmap
    threshold as big blocks are freed, so freed blocks stay in fragmented arenas: at 100,000 cases
    with 8 threads the server's peak RSS was 1.57 GB, and 1.31 GB with these settings
    (docs/benchmarks.md). Call it early, before the server starts its threads."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas)) and bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold))
