"""Real words of Spanish, Portuguese and English, for "did you mean" and a query's language.

"Did you mean" must never "correct" a real word (``maras`` into ``más``, ``mujeres`` into
``mejores``): a word that is common enough in any of the three languages is left alone even when
the library does not contain it. The word lists are those of the ``wordfreq`` package (word
frequencies from subtitles, Wikipedia, books, news and the web, shipped inside the package; no
network). A word counts as real when its Zipf frequency (log10 of occurrences per billion words)
is at least ``REAL_ZIPF`` in one language: 2.0 keeps rare real words such as ``sicariato`` (2.2)
and ``narcomenudeo`` (2.4) while still treating frequent misspellings such as ``polica`` (1.6) or
``homicido`` (1.6) as typos. Words are compared folded (accents and case removed), so
``policia`` typed without its accent is a real word too.

The tables are read once per process, lazily (about 4 s and 20 MB: sorted hashes and Zipf
values of ~230,000 folded words), and shared by every thread.
"""

from __future__ import annotations

import threading

import numpy as np

from .vocab import fold

LANGS = ("es", "pt", "en")
REAL_ZIPF = 2.0
_lock = threading.Lock()
_table: tuple[np.ndarray, np.ndarray] | None = None  # sorted hashes of folded words; Zipf per language


def _load() -> tuple[np.ndarray, np.ndarray]:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                from wordfreq import get_frequency_dict

                best: dict[str, list[float]] = {}
                floor = 10.0 ** (REAL_ZIPF - 9)
                for i, lang in enumerate(LANGS):
                    for word, freq in get_frequency_dict(lang, "large").items():
                        if freq >= floor and word.isalpha():
                            zipfs = best.setdefault(fold(word), [0.0, 0.0, 0.0])
                            zipfs[i] = max(zipfs[i], 9.0 + float(np.log10(freq)))
                hashes = np.fromiter((hash(w) for w in best), dtype=np.int64, count=len(best))
                zipf = np.array(list(best.values()), dtype=np.float16).reshape(len(best), len(LANGS))
                order = np.argsort(hashes, kind="stable")
                _table = (hashes[order], zipf[order])
    return _table


def zipf(word: str) -> dict[str, float]:
    """Zipf frequency of ``word`` (folded) in each language; empty when it is real in none of them.

    A hash collision can only make an unknown word look real (never the other way round), which
    at worst leaves a typo uncorrected."""
    hashes, table = _load()
    h = hash(fold(word))
    i = int(np.searchsorted(hashes, h))
    if i >= len(hashes) or hashes[i] != h:
        return {}
    return {lang: float(table[i, j]) for j, lang in enumerate(LANGS) if table[i, j] > 0}


def is_real(word: str) -> bool:
    """True when ``word`` is a real word of Spanish, Portuguese or English."""
    return bool(zipf(word))


def query_language(words: list[str]) -> str | None:
    """The language (es, pt, en) whose vocabulary best covers ``words``, or None when none does.

    Each word votes with its Zipf frequency in each language, so function words (``de``, ``the``,
    ``não``) weigh most; a tie (or no known word) gives None."""
    totals = dict.fromkeys(LANGS, 0.0)
    for word in words:
        for lang, z in zipf(word).items():
            totals[lang] += z
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    if ranked[0][1] <= 0 or ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]
