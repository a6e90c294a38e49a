"""Budgets of the randomised tests (marked ``fuzz``): bounded in every run, in full under `make fuzz`.

`make test` (CI) and `pytest` run every fuzz test with a tenth of its examples (at least 25), so
each class of attack is exercised on every change and the fast tier stays fast; `make fuzz` sets
CASELIB_FUZZ=1 and runs only the ``fuzz`` tests with their full budgets (>= 10,000 search inputs,
every corruption of every index file rebuilt from).
"""

from __future__ import annotations

import os

FUZZ = os.environ.get("CASELIB_FUZZ") == "1"


def examples(full: int) -> int:
    """Hypothesis examples for a test whose full budget is ``full``."""
    return full if FUZZ else max(25, full // 10)
