"""Snippets: a window of text around the query's words, with matches wrapped in <mark>."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from .keyword import LANGS, all_stopwords, analyzer
from .vocab import fold

_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)
_TOKEN = re.compile(r"\w+(?:[-']\w+)*")  # the analysers' RegexTokenizer pattern (see keyword.analyzer)


def query_terms(query: str) -> dict[str, set[str]]:
    """Analysed query words per language (stemmed, folded); stop words of any language dropped."""
    words = " ".join(w for w in _WORD.findall(query) if fold(w) not in all_stopwords())
    return {lang: {t.text for t in analyzer(lang)(words)} for lang in LANGS}


@lru_cache(maxsize=200_000)
def _analysed(lang: str, word: str) -> str | None:
    """One word through the language's analyser (None for a stop word), memoised.

    Every filter in the chain works on one token at a time, so analysing a text word by word gives
    the same tokens as analysing it whole, and each distinct word is stemmed only once per process
    (snippet selection used to re-run the Whoosh chain over every chunk of every hit)."""
    toks = [t.text for t in analyzer(lang)(word, removestops=True)]
    return toks[0] if len(toks) == 1 else None


@lru_cache(maxsize=256)
def _verdicts(key: tuple[tuple[str, frozenset[str]], ...]) -> dict[str, bool]:
    """Word -> does it match, for one query's terms (filled as words are seen; one dict look-up per word)."""
    return {}


def _matches(text: str, terms: dict[str, set[str]]) -> list[tuple[int, int]]:
    wanted_by_lang = [(lang, wanted) for lang, wanted in terms.items() if wanted]
    if not wanted_by_lang:
        return []
    verdicts = _verdicts(tuple((lang, frozenset(w)) for lang, w in sorted(wanted_by_lang)))
    spans: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        hit = verdicts.get(word)
        if hit is None:
            if len(verdicts) > 50_000:  # a query paged through many long cases: start afresh
                verdicts.clear()
            hit = verdicts[word] = any(_analysed(lang, word) in wanted for lang, wanted in wanted_by_lang)
        if hit:
            spans.append(m.span())
    return spans


def snippet(text: str, query: str | dict[str, set[str]], max_words: int = 40) -> str:
    """HTML-safe snippet of ``text``: the ``max_words`` window with most matches, matches in <mark>."""
    terms = query_terms(query) if isinstance(query, str) else query
    words = list(_WORD.finditer(text))
    spans = _matches(text, terms) if any(terms.values()) else []
    start_i, end_i = 0, min(len(words), max_words)
    if len(words) > max_words and spans:
        starts = [m.start() for m in words]
        best, best_count = 0, -1
        for i in range(0, len(words) - max_words + 1):
            lo, hi = starts[i], words[i + max_words - 1].end()
            count = sum(1 for s, _ in spans if lo <= s < hi)
            if count > best_count:
                best, best_count = i, count
        start_i, end_i = best, best + max_words
    if not words:
        return html.escape(text.strip())
    lo = 0 if start_i == 0 else words[start_i].start()
    hi = len(text) if end_i >= len(words) else words[end_i - 1].end()
    out, pos = [], lo
    for s, e in spans:
        if s < lo or e > hi or s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:hi]))
    body = "".join(out).strip()
    return ("… " if lo > 0 else "") + body + (" …" if hi < len(text) else "")


def count_matches(text: str, terms: dict[str, set[str]]) -> int:
    return len(_matches(text, terms))
