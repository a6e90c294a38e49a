"""The one way text from outside (query strings, form fields, command-line filters) becomes a number.

Only ASCII digits, at most ``MAX_DIGITS`` of them, then a range check. Python's ``int()`` also
accepts other scripts' digits ("١٢"), underscores, signs and spaces, and ``str.isdigit()`` is true
for "²" and "①", which ``int()`` then rejects: both let odd input through or turn it into a 500.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import CaselibError
from .i18n import N_

MAX_DIGITS = 9
YEAR_MIN, YEAR_MAX = 1900, 2100
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}", re.ASCII)


# The messages of NumberError by code, in English; the web app shows them translated.
NUMBER_MESSAGES = {
    "not_whole": N_("{name} '{value}' is not a whole number (digits 0-9): use {lo}–{hi}"),
    "out_of_range": N_("{name} {value} is out of range ({lo}–{hi})"),
}


class NumberError(CaselibError, ValueError):
    """Text that is not a whole number in the allowed range; the message names the field and the range
    (``code`` and ``params`` let a caller say it in another language)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(NUMBER_MESSAGES[code].format(**params))
        self.code, self.params = code, params


def whole_number(raw: str | None, name: str, lo: int, hi: int) -> int:
    """``raw`` as an int in ``lo``–``hi``; NumberError otherwise (a message fit to show the user)."""
    text = raw or ""
    if not _DIGITS.fullmatch(text):
        raise NumberError("not_whole", name=name, value=text[:20], lo=lo, hi=hi)
    value = int(text)
    if not lo <= value <= hi:
        raise NumberError("out_of_range", name=name, value=value, lo=lo, hi=hi)
    return value
