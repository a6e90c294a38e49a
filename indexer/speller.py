"""Did you mean: real words of Spanish, Portuguese and English, a query's language, and the correction.

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

import re
import threading
from typing import TYPE_CHECKING

import numpy as np

from .vocab import fold

if TYPE_CHECKING:
    from .keyword import KeywordIndex

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


# --- did you mean ---------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def did_you_mean(kw: KeywordIndex, query: str) -> str | None:
    """A corrected query when some words are misspelt and a close known word exists.

    A word is corrected only when the library does not know it and it is not a real word of
    Spanish, Portuguese or English: ``maras``, ``mujeres`` or ``milícias`` are never "corrected".
    Such words (4+ letters, not stop words) get up to 4 close library words from the keyword
    index's corrector; among the combinations, the one whose words occur together in most cases
    wins (counted on the spelling postings of the keyword matrix), preferring words of the query's
    language. The rest of the query is kept as typed (accents, ``¿``, ``?``), and a corrected word
    takes the library's most common accented spelling."""
    from .keyword_schema import all_stopwords

    spans = list(_WORD.finditer(query))[:12]
    if not spans:
        return None
    words = [m.group() for m in spans]
    lang = query_language(words)
    options: list[list[str]] = []
    changed = False
    for word in words:
        folded = fold(word)
        if (
            len(folded) >= 4
            and not folded.isdigit()
            and folded not in all_stopwords()
            and not kw.knows(folded)
            and not is_real(folded)
        ):
            # the corrector still lists words of cases deleted by incremental updates: keep live ones
            found = [w for w in kw.close_words(folded, limit=8) if kw.knows(w)][:4]
            if found:  # ordered by frequency only: the query's language, then the closest first
                options.append(sorted(found, key=lambda w, f=folded: (lang not in zipf(w), edit_distance(f, w))))
                changed = True
                continue
        options.append([folded])
    if not changed:
        return None
    combos: list[list[str]] = [[]]
    for opts in options:
        combos = [c + [o] for c in combos for o in opts][:64]
    folded_words = [fold(w) for w in words]

    def rank(i: int) -> tuple:
        together = cooccurring(kw, combos[i])
        edits = sum(edit_distance(a, b) for a, b in zip(folded_words, combos[i], strict=False))
        # how common the corrections are in the query's language ("police" is rare in Spanish, "policía" common)
        in_lang = sum(zipf(w).get(lang, 0.0) for w, f in zip(combos[i], folded_words, strict=False) if w != f)
        # words found together first; then the fewest edits; then words of the query's language;
        # then the most cases; then the corrector's order
        return (together > 0, -edits, in_lang, together, -i)

    best = combos[max(range(len(combos)), key=rank)]
    out, pos = [], 0
    for m, word, b in zip(spans, words, best, strict=True):
        out.append(query[pos : m.start()])
        out.append(word if fold(word) == b else kw.accented(b))
        pos = m.end()
    out.append(query[pos:])
    return "".join(out)


def cooccurring(kw: KeywordIndex, words: list[str]) -> int:
    """How many cases contain every one of ``words`` (stop words aside), on the keyword matrix's spelling postings."""
    from .keyword_schema import SPELL, all_stopwords

    lists = sorted((kw.terms.docs(SPELL, w) for w in set(words) if w not in all_stopwords()), key=len)
    if not lists:
        return 0
    common = lists[0]
    for other in lists[1:]:
        if not len(common):
            break
        common = np.intersect1d(common, other, assume_unique=True)
    return len(common)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (optimal string alignment)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
