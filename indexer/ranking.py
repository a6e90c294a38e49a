"""Ranking one query against an opened build: keyword and semantic retrieval, their fusion, exact
names first, and the close/related decision. ``rank()`` returns a ``Ranking``; the Searcher
(``indexer/search.py``) turns it into a page of results. Choices and their measurements:
docs/search.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import fusion
from .crosslingual import english_gloss
from .keyword import QUERY_SYNTAX
from .vocab import fold

CANDIDATES = 100  # fetched from each retriever before fusion
SEMANTIC_MIN = 0.2  # cosine below which a semantic match is never shown
SEMANTIC_RELATIVE = 0.6  # ... nor one below this share of the best match's cosine (keeps result sets focused)
CONVEX_WEIGHT = 0.5  # keyword weight of convex fusion
RRF_K = 60
# hybrid fusion by name: (keyword {row: score}, semantic {row: score}) -> [(row, fused score)], best first
FUSIONS: dict[str, Callable[[dict[int, float], dict[int, float]], list[tuple[int, float]]]] = {
    "convex": lambda kw, sem: fusion.convex([kw, sem], [CONVEX_WEIGHT, 1 - CONVEX_WEIGHT]),
    "rrf": lambda kw, sem: fusion.rrf([list(kw), list(sem)], k=RRF_K),
}
FUSION = "convex"  # measured on CISI (docs/search.md): convex 0.5 nDCG@10 0.456 vs RRF 0.437

# "Close match" or "related" (docs/search.md, calibrated on eval/judged-queries.yml,
# eval/heldout-queries.yml and eval/nomatch-calibration.yml with the default model): a case's
# semantic score is compared with the library's own scores for the same query (its margin over
# their median); the query's words that the case contains add keyword evidence.
CLOSE_MARGIN = 0.105  # a margin this high is a close match on its own ...
CLOSE_SHARE = 0.5  # ... when it is also at least this share of the best case's margin
CLOSE_COVERAGE = 0.66  # two thirds of the query's content words in the case ...
COVERAGE_MARGIN = 0.03  # ... and this margin: close too
RELATED_MARGIN = 0.05  # below a close match, a margin this high (or shared words) is related ground
RELATED_MAX = 5  # related cases shown when nothing is close
MODES = ("hybrid", "keyword", "semantic")


def fusion_for(name: str) -> Callable[[dict[int, float], dict[int, float]], list[tuple[int, float]]]:
    """The hybrid fusion called ``name``; an unknown name is refused, naming the known ones."""
    try:
        return FUSIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown fusion method '{name}': use one of {', '.join(FUSIONS)}") from None


@dataclass
class Ranking:
    """The matching cases of one query, best first, with the evidence behind the order."""

    rows: np.ndarray  # catalog rows, best first
    scores: np.ndarray  # their fused (or single-retriever) scores
    close: np.ndarray  # bool per row: a close match
    near: np.ndarray  # bool per row: related ground (never set where ``close`` is)
    # retriever ("keyword", "semantic") -> the rows it ranked, best first
    retrievers: dict[str, np.ndarray] = field(default_factory=dict)
    best_chunk: dict[int, int] = field(default_factory=dict)  # catalog row -> chunk row of its best semantic match


def rank(
    st,  # noqa: ANN001 - the Searcher's opened build (catalog, keyword, vectors, names)
    q: str,
    mode: str,
    mask: np.ndarray,
    filters: dict[str, list[str]],
    years: tuple[int | None, int | None],
    embed_query: Callable[[str, str | None], np.ndarray],
    crosslingual: bool = True,
    fusion_method: str = FUSION,
    semantic_relative: float = SEMANTIC_RELATIVE,
) -> Ranking:
    """Rank the cases of ``mask`` for the query ``q`` in ``mode``; ``embed_query(text, gloss)``
    gives the query's vector(s) (``Searcher.embed_query``)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
    fuse = fusion_for(fusion_method)
    gloss = english_gloss(q) if crosslingual else None
    none = np.zeros(0, dtype=np.int64)
    retrievers = {"keyword": none, "semantic": none}
    best_chunk: dict[int, int] = {}
    library = None
    krows = srows = none
    kvals = svals = np.zeros(0, dtype=np.float64)
    if mode in ("keyword", "hybrid"):
        kq = f"{q} {gloss}" if gloss and not QUERY_SYNTAX.search(q) else q
        krows, kvals = keyword_rows(st, kq, mask, filters, years, None if mode == "keyword" else CANDIDATES)
        retrievers["keyword"] = krows
    if mode in ("semantic", "hybrid"):
        qv = embed_query(q, gloss)
        vh = st.vectors.search(qv, mask, k=CANDIDATES, min_score=SEMANTIC_MIN, relative=semantic_relative)
        srows, svals = vh.case_rows.astype(np.int64), vh.scores.astype(np.float64)
        library = vh.library
        best_chunk.update(zip(srows.tolist(), vh.best_chunk.tolist(), strict=True))
        retrievers["semantic"] = srows
    if mode == "keyword":
        ordered, scores = krows, kvals
    elif mode == "semantic":
        ordered, scores = srows, svals
    else:
        kw = dict(zip(krows.tolist(), kvals.tolist(), strict=True))
        sem = dict(zip(srows.tolist(), svals.tolist(), strict=True))
        fused = fuse(kw, sem)
        ordered = np.array([r for r, _ in fused], dtype=np.int64)
        scores = np.array([v for _, v in fused], dtype=np.float64)
    exact = exact_name_matches(st, q, mask)
    if exact:
        top = float(scores.max()) if len(scores) else 0.0
        old = dict(zip(ordered.tolist(), scores.tolist(), strict=True))
        rest = ~np.isin(ordered, exact)
        ordered = np.concatenate([np.array(exact, dtype=np.int64), ordered[rest]])
        scores = np.concatenate([[max(old.get(r, 0.0), top) for r in exact], scores[rest]])
    close, near = closeness(st, q, mode, ordered, library)
    close[np.isin(ordered, exact)] = True
    near &= ~close
    return Ranking(ordered, scores, close, near, retrievers, best_chunk)


def closeness(st, q: str, mode: str, ordered: np.ndarray, library: np.ndarray | None):  # noqa: ANN001
    """Which ranked cases are close matches, and which related ground (docs/search.md).

    Semantic evidence: a case's margin over the median score of the whole library for this
    query (filters aside: a filter narrows results, it does not make a case closer). A margin
    of ``CLOSE_MARGIN`` that is also ``CLOSE_SHARE`` of the library's best margin is close; so
    is a case holding ``CLOSE_COVERAGE`` of the query's content words with a margin of
    ``COVERAGE_MARGIN``. Related: a margin of ``RELATED_MARGIN``, or some of the query's words
    — and only when the query has a word the library or a dictionary knows (``xqzzv blorft``
    is near nothing). Keyword mode has no semantic evidence: coverage alone decides."""
    cover = st.keyword.coverage(q)[ordered]
    meaningful = bool(cover.any()) or has_real_word(st, q)
    if mode == "keyword" or library is None or not len(library):
        close = cover >= CLOSE_COVERAGE
        return close, ~close & (cover > 0)
    median = float(np.median(library))
    margin = library[ordered].astype(np.float64) - median
    best = float(library.max()) - median  # the whole library's best: a filter only narrows results
    close = (margin >= CLOSE_MARGIN) & (margin >= CLOSE_SHARE * best)
    close |= (cover >= CLOSE_COVERAGE) & (margin >= COVERAGE_MARGIN)
    near = ~close & ((margin >= RELATED_MARGIN) | (cover > 0)) & meaningful
    return close, near


def has_real_word(st, q: str) -> bool:  # noqa: ANN001
    """Whether a content word of the query is known to the library or is a real es/pt/en word."""
    from . import speller
    from .keyword import all_stopwords

    words = [fold(w) for w in re.findall(r"\w+", q)]
    return any(w not in all_stopwords() and (st.keyword.knows(w) or speller.is_real(w)) for w in words)


def keyword_rows(st, kq: str, mask, filters, years, limit: int | None) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Keyword matches among ``mask``, best first (ties by catalog row): all of them, or the top ``limit``."""
    dense = st.keyword.scores(kq)
    if dense is None:  # the query language: Whoosh runs it
        kh = st.keyword.search(kq, filters, years, limit=limit)
        rows = np.array([st.catalog.row[c] for c in kh.ids], dtype=np.int64)
        return rows, np.array(kh.scores, dtype=np.float64)
    dense[~mask] = 0.0
    rows = np.flatnonzero(dense > 0)
    if limit is not None and len(rows) > limit:
        # the top ``limit``; among cases tied with the last one, the lowest rows (as a full sort would)
        kth = np.partition(dense[rows], len(rows) - limit)[len(rows) - limit]
        above, tied = rows[dense[rows] > kth], rows[dense[rows] == kth]
        rows = np.concatenate([above, tied[: limit - len(above)]])
    rows = rows[np.lexsort((rows, -dense[rows]))]
    return rows, dense[rows]


def exact_name_matches(st, q: str, mask: np.ndarray) -> list[int]:  # noqa: ANN001
    """Rows of the cases whose title, original title, a parenthesised alias or id equals the query."""
    key = norm(q)
    if len(key) < 3:
        return []
    hashes, rows = st.names()
    lo, hi = np.searchsorted(hashes, hash(key), side="left"), np.searchsorted(hashes, hash(key), side="right")
    found = sorted({int(r) for r in rows[lo:hi]})  # then confirmed: a hash collision is not a name
    return [r for r in found if mask[r] and key in st.name_forms(r)]


def norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))
