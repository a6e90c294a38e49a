"""Give Spanish and Portuguese queries an English reading, for the English side of the search.

``english_gloss`` replaces known public-security terms (glossary.yml plus the Spanish labels of
the controlled vocabulary) with their English equivalents. The Searcher adds the English words
to the keyword query (English-bodied cases do not contain the Spanish words) and lets the
English model (all-MiniLM-L6-v2, half of the default model) read the glossed query too, keeping
the better score per chunk; the multilingual half reads the query as written. Measured with and
without on CISI and the judged sets in docs/search.md (it still adds 3-8 points of nDCG@10).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from . import vocab
from .frontmatter import safe_load

GLOSSARY = Path(__file__).parent / "data" / "glossary.yml"
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _entries() -> list[tuple[tuple[str, ...], str]]:
    """(folded source words, English) pairs, longest first."""
    raw = safe_load(GLOSSARY.read_text(encoding="utf-8")) or {}
    pairs: dict[tuple[str, ...], str] = {}
    for terms in raw.values():
        for src, en in (terms or {}).items():
            pairs[tuple(_WORD.findall(vocab.fold(src)))] = en
    for values in vocab.vocabulary().values():
        for entry in values.values():
            es, en = entry.get("es"), entry.get("en")
            if es and en and vocab.fold(es) != vocab.fold(en):
                pairs.setdefault(tuple(_WORD.findall(vocab.fold(es))), en)
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from .keyword_schema import folded_stopwords

    return folded_stopwords("es", "pt")


def english_gloss(query: str) -> str | None:
    """The query with known Spanish/Portuguese terms in English, or None when nothing was replaced."""
    words = _WORD.findall(vocab.fold(query))
    if not words:
        return None
    out: list[str] = []
    i, replaced = 0, 0
    entries = _entries()
    while i < len(words):
        for src, en in entries:
            n = len(src)
            if n and tuple(words[i : i + n]) == src:
                out.append(en)
                i += n
                replaced += 1
                break
        else:
            if words[i] not in _stopwords():
                out.append(words[i])
            i += 1
    return " ".join(out) if replaced else None
