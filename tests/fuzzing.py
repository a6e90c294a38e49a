"""Budgets of the randomised and exhaustive tests (marked ``fuzz``), at three levels.

``CASELIB_FUZZ`` picks the level (tests/README.md):

- unset — a quick smoke budget: ``pytest`` by hand and the fast tier
  (``-m "not model and not browser"``) draw a fiftieth of each budget (at least 10 examples) and a
  quarter of the bounded run's corruption sample, so every class of attack still runs on every change;
- ``bounded`` — `make test` (CI): a tenth of each budget (at least 25), every other file corrupted;
- ``1`` — `make fuzz`: the full budgets (>= 10,000 search inputs, every corruption of every index file).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

LEVEL = os.environ.get("CASELIB_FUZZ", "")
FUZZ = LEVEL == "1"
BOUNDED = LEVEL == "bounded"
T = TypeVar("T")


def examples(full: int) -> int:
    """Hypothesis examples for a test whose full budget is ``full``."""
    if FUZZ:
        return full
    return max(25, full // 10) if BOUNDED else max(10, full // 50)


def sample(items: Sequence[T], offset: int, stride: int) -> Sequence[T]:
    """All of ``items`` under `make fuzz`; every ``stride``-th from ``offset`` in the bounded run; a
    quarter of that in the quick one (never nothing)."""
    if FUZZ:
        return items
    chosen = items[offset % stride :: stride] if BOUNDED else items[offset % (4 * stride) :: 4 * stride]
    return chosen or items[:1]
