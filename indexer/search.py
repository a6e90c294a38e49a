"""The Searcher: the one object the web app and the CLI use to query an index.

``search()`` runs keyword (Whoosh BM25F), semantic (embeddings) or hybrid (both, fused)
retrieval with filters applied before ranking, then facets, snippets and a spelling suggestion.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import fusion
from .build import IndexError_, IndexMissingError, current_build, read_manifest, verify_build
from .catalog import Catalog
from .crosslingual import english_gloss
from .embedders import DualEmbedder, Embedder, default_model, load_embedder
from .highlight import count_matches, query_terms, snippet
from .keyword import FACET_FIELDS, QUERY_SYNTAX, KeywordIndex
from .vectors import VectorIndex, dot
from .vocab import fold

MODES = ("hybrid", "keyword", "semantic")
SORTS = ("relevance", "date")
MAX_QUERY_CHARS = 500
CANDIDATES = 100  # fetched from each retriever before fusion
SEMANTIC_MIN = 0.2  # cosine below which a semantic match is never shown
SEMANTIC_RELATIVE = 0.6  # ... nor one below this share of the best match's cosine (keeps result sets focused)
FUSION = "convex"  # measured on CISI (docs/search.md): convex 0.5 nDCG@10 0.456 vs RRF 0.437
CONVEX_WEIGHT = 0.5  # keyword weight when FUSION == "convex"
RRF_K = 60
# hybrid fusion by name: (keyword {row: score}, semantic {row: score}) -> [(row, fused score)], best first
FUSIONS = {
    "convex": lambda kw, sem: fusion.convex([kw, sem], [CONVEX_WEIGHT, 1 - CONVEX_WEIGHT]),
    "rrf": lambda kw, sem: fusion.rrf([list(kw), list(sem)], k=RRF_K),
}
FILTER_FIELDS = FACET_FIELDS
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
CLOSE, RELATED = "close", "related"


RESULT_CACHE = 512  # search results kept per opened build (a new build starts empty)
QUERY_VECTOR_CACHE = 1024


class IndexMismatchError(IndexError_):
    pass


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):  # noqa: ANN001, ANN201 - any hashable key, any value
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:  # noqa: ANN001
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    title_original: str | None
    score: float
    snippet: str  # HTML-safe, matches in <mark>
    ranks: dict[str, int | None]  # rank in each retriever (1-based), for debugging
    countries: list[str]
    pillars: list[str]
    themes: list[str]
    start_year: int
    institution: str
    summary: dict[str, str]
    matched_section: str | None = None
    snippet_lang: str | None = None  # language of the snippet text (for a lang attribute)
    # each translation's {title, summary, status} by language (indexer.catalog.light_record)
    versions: dict[str, dict[str, str]] = field(default_factory=dict)
    match: str = CLOSE  # "close" or "related" (docs/search.md)

    def localized(self, lang: str) -> tuple[str, str, str, str]:
        """(title, its language, summary, its language) in ``lang`` where a version has them.

        The English ``title`` is the fallback; an original-language ``title_original`` is used when
        ``lang`` is the case's own language (``versions`` then has no entry for it)."""
        v = self.versions.get(lang) or {}
        title, title_lang = (v["title"], lang) if v.get("title") else (self.title, "en")
        if summary := v.get("summary") or self.summary.get(lang):
            return title, title_lang, summary, lang
        return title, title_lang, self.summary.get("en", ""), "en"


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    sort: str
    page: int
    per_page: int
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    filters: dict[str, list[str]]
    years: tuple[int | None, int | None]
    suggestion: str | None = None
    message: str | None = None
    related: list[Hit] = field(default_factory=list)  # nearest cases when none is close (else empty)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["pages"] = self.pages
        d["years"] = list(self.years)
        return d


@dataclass(frozen=True)
class Similar:
    id: str
    title: str
    title_original: str | None
    score: float
    shared: dict[str, list[str]] = field(default_factory=dict)  # facet -> values in common


class _State:
    """One opened build: everything a query reads, replaced as a whole on refresh."""

    def __init__(self, build: Path, result_cache: int = 0):
        self.build = build
        self.manifest = read_manifest(build)
        self.catalog = Catalog(build)
        self.keyword = KeywordIndex.open(build / "keyword")
        self.vectors = VectorIndex.open(build / "vectors")
        if self.keyword.terms.ids != self.catalog.ids:
            raise ValueError("the keyword matrix and the catalog list different cases")
        self.keyword.terms.ids = self.catalog.ids  # equal: keep one list in memory
        self._names: tuple[np.ndarray, np.ndarray] | None = None
        self.results = LRU(result_cache)  # answers of this build: repeated searches cost a lookup

    def names(self) -> tuple[np.ndarray, np.ndarray]:
        """Every case's names — normalised title, original title, parenthesised aliases, id — as
        (sorted hashes, catalog rows); built once. Hashes rather than a dict of strings keep it at
        ~5 MB for 100,000 cases (a dict took ~35 MB); matches are confirmed by ``name_forms``."""
        if self._names is None:
            hashes: list[int] = []
            rows: list[int] = []
            for row in range(len(self.catalog)):
                for form in self.name_forms(row):
                    hashes.append(hash(form))
                    rows.append(row)
            h = np.array(hashes, dtype=np.int64)
            order = np.argsort(h, kind="stable")
            self._names = (h[order], np.array(rows, dtype=np.int64)[order])
        return self._names

    def name_forms(self, row: int) -> set[str]:
        cat = self.catalog
        forms = {cat.ids[row].replace("-", " "), cat.titles[row], cat.titles_original[row]}
        for name in list(forms):
            forms.update(re.findall(r"\(([^)]+)\)", name))
            forms.add(re.sub(r"\s*\([^)]*\)", "", name))
        return {_norm(f) for f in forms if f}


def clean_query(query: str | None, limit: int = MAX_QUERY_CHARS) -> tuple[str, str | None]:
    """Strip control characters and cap the length; returns the query and a message if it was cut."""
    q = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in (query or ""))
    q = re.sub(r"\s+", " ", q).strip()
    if len(q) > limit:
        return q[:limit].rsplit(" ", 1)[0] or q[:limit], f"the query was shortened to {limit} characters"
    return q, None


class Searcher:
    """Open an index folder and answer queries; picks up a rebuilt index on ``refresh()``."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder | None = None,
        model: str | None = None,
        max_query_chars: int = MAX_QUERY_CHARS,
        fusion_method: str = FUSION,
        crosslingual: bool = True,
        result_cache: int = RESULT_CACHE,
    ):
        self.index_dir = Path(index_dir)
        self.max_query_chars = max_query_chars
        if fusion_method not in FUSIONS:
            raise ValueError(f"unknown fusion method '{fusion_method}': use one of {', '.join(FUSIONS)}")
        self.fusion_method = fusion_method
        self.crosslingual = crosslingual
        self.result_cache = result_cache  # answers kept per build; 0 turns the cache off (benchmarks)
        self.semantic_relative = SEMANTIC_RELATIVE
        self._lock = threading.Lock()
        self._embedder = embedder
        self._model = embedder.name if embedder is not None else (model or default_model())
        self._qcache = LRU(QUERY_VECTOR_CACHE)
        self._refused: tuple[Path, IndexError_] | None = None  # a newer build that failed to open, and why
        self._state = self._open_state()

    @classmethod
    def open(cls, index_dir: Path, embedder: Embedder | None = None, model: str | None = None, **kw) -> Searcher:
        return cls(index_dir, embedder, model, **kw)

    # --- index lifecycle ------------------------------------------------------------
    def _open_state(self) -> _State:
        build = current_build(self.index_dir)
        if build is None:
            raise IndexMissingError(
                f"no index at {self.index_dir}: build it with `caselib index --index {self.index_dir}`"
            )
        verify_build(build, self.index_dir)  # every file against its checksum: damage is refused, not served
        try:
            state = _State(build, self.result_cache)
        except (OSError, ValueError, KeyError, EOFError) as exc:  # EOFError: an empty .npy file
            raise IndexMissingError(
                f"the index at {build} is damaged ({exc.__class__.__name__}: {exc}); rebuild it with "
                f"`caselib index --full --index {self.index_dir}`"
            ) from exc
        built_with = state.manifest.get("model")
        if built_with != self._model:
            raise IndexMismatchError(
                f"the index at {self.index_dir} was built with model '{built_with}' but search uses '{self._model}': "
                f"rebuild it with `caselib index --model {self._model}` (or search with --model {built_with})"
            )
        return state

    def refresh(self) -> bool:
        """Re-open if a newer build was swapped in; returns True when it changed."""
        link = self.index_dir / "current"
        try:
            target = (self.index_dir / os.readlink(link)).resolve()
        except OSError:
            return False
        if target == self._state.build:
            return False
        refused = self._refused
        if refused is not None and refused[0] == target:
            raise refused[1]  # a damaged build is hashed once, not on every request
        with self._lock:
            if target != self._state.build:
                try:
                    self._state = self._open_state()
                except IndexError_ as exc:
                    self._refused = (target, exc)
                    raise
                return True
        return False

    def verify(self) -> None:
        """Raise IndexDamagedError when a file of the opened build no longer matches its checksum."""
        verify_build(self._state.build, self.index_dir, self._state.manifest)

    @property
    def build_id(self) -> str:
        """The name of the opened build (changes whenever a new build is swapped in)."""
        return self._state.build.name

    @property
    def manifest(self) -> dict[str, Any]:
        return self._state.manifest

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = load_embedder(self._model)
        return self._embedder

    def embed_query(self, text: str, gloss: str | None = None) -> np.ndarray:
        """The query's vector; with an English ``gloss``, one row per reading (``crosslingual``).

        Two models side by side (the default): the multilingual half always reads the query as
        written; the English half reads it as written and, in a second row, glossed."""
        emb = self.embedder
        if isinstance(emb, DualEmbedder):
            qa = self._encoded(emb.a, text)
            rows = [emb.combine(qa, self._encoded(emb.b, text))]
            if gloss:
                rows.append(emb.combine(qa, self._encoded(emb.b, gloss)))
            return rows[0] if len(rows) == 1 else np.stack(rows)
        vec = self._encoded(emb, text)
        return np.stack([vec, self._encoded(emb, gloss)]) if gloss else vec

    def _encoded(self, emb: Embedder, text: str) -> np.ndarray:
        key = (emb.name, text)
        vec = self._qcache.get(key)
        if vec is None:
            vec = emb.encode_query([text])[0]
            self._qcache.put(key, vec)
        return vec

    # --- records ----------------------------------------------------------------------
    def get(self, case_id: str) -> dict[str, Any] | None:
        """Full record of a case (front matter and body sections), or None."""
        return self._state.catalog.full(case_id)

    def record(self, case_id: str) -> dict[str, Any] | None:
        st = self._state
        row = st.catalog.row.get(case_id)
        return st.catalog.records[row] if row is not None else None

    def records(self) -> Sequence[dict[str, Any]]:
        """Every case's light record, in catalog order (parsed on demand: prefer the columns below)."""
        return self._state.catalog.records

    def case_ids(self) -> list[str]:
        return self._state.catalog.ids

    def titles(self) -> dict[str, str]:
        """Case id -> title."""
        cat = self._state.catalog
        return dict(zip(cat.ids, cat.titles, strict=True))

    def recent(self, k: int) -> list[dict[str, Any]]:
        """The records of the ``k`` most recently reviewed cases."""
        return self._state.catalog.recent(k)

    def facets(
        self,
        filters: dict[str, list[str]] | None = None,
        years: tuple[int | None, int | None] = (None, None),
        names: Sequence[str] | None = None,
    ) -> dict[str, dict[str, int]]:
        """Facet value counts over the cases passing the filters (every facet, or only ``names``)."""
        st = self._state
        return st.catalog.facet_counts(st.catalog.mask(filters, years), names)

    @property
    def catalog(self) -> Catalog:
        """The opened build's catalog (ids, facet masks and counts, records). Several calls on one
        catalog object see one build, even if a new one is swapped in meanwhile."""
        return self._state.catalog

    def spread(
        self,
        field: str,
        filters: dict[str, list[str]] | None = None,
        years: tuple[int | None, int | None] = (None, None),
    ) -> dict[int, int]:
        """Among the cases passing the filters, how many have 0, 1, 2... values of facet ``field``
        (e.g. countries: single-country practices and regional or hemispheric ones)."""
        cat = self._state.catalog
        per_case = cat.values_per_row(field, cat.mask(filters, years))
        return {k: int(n) for k, n in enumerate(np.bincount(per_case)) if n}

    # --- search -----------------------------------------------------------------------
    def search(
        self,
        query: str = "",
        mode: str = "hybrid",
        filters: dict[str, list[str]] | None = None,
        years: tuple[int | None, int | None] = (None, None),
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        lang: str = "en",
        snippets: bool = True,
        cut: bool = True,
    ) -> SearchResult:
        """One page of results. With ``cut`` (the default) results are the close matches only, and
        ``related`` lists the nearest others when none is close; without it (evaluation runs) every
        retrieved case is ranked in results, each still labelled with its ``match``."""
        if mode not in MODES:
            raise ValueError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
        if sort not in SORTS:
            raise ValueError(f"unknown sort '{sort}': use one of {', '.join(SORTS)}")
        unknown = [f for f in (filters or {}) if f not in FILTER_FIELDS]
        if unknown:
            raise ValueError(f"unknown filter field(s) {', '.join(unknown)}: use {', '.join(FILTER_FIELDS)}")
        filters = {k: list(v) for k, v in (filters or {}).items() if v}
        page, per_page = max(1, int(page)), max(1, min(int(per_page), 100))
        q, message = clean_query(query, self.max_query_chars)
        st = self._state
        key = (q, mode, tuple(sorted((k, tuple(v)) for k, v in filters.items())), tuple(years), sort, page, per_page)
        key += (message, lang, snippets, self.fusion_method, self.crosslingual, self.semantic_relative, cut)
        cached = st.results.get(key)
        if cached is not None:
            return cached
        result = self._search(st, q, message, mode, filters, years, sort, page, per_page, lang, snippets, cut)
        st.results.put(key, result)
        return result

    def _search(self, st: _State, q, message, mode, filters, years, sort, page, per_page, lang, snippets, cut):
        cat = st.catalog
        mask = cat.mask(filters, years)
        none = np.zeros(0, dtype=np.int64)
        ranks: dict[str, np.ndarray] = {"keyword": none, "semantic": none}  # retriever -> its ranked rows
        best_chunk: dict[int, int] = {}  # catalog row -> chunk row of its best semantic match
        related, related_scores = none, np.zeros(0, dtype=np.float64)
        if not q:
            rows = np.flatnonzero(mask)
            ordered = rows[np.argsort(cat.title_rank()[rows], kind="stable")]
            scores = np.zeros(len(ordered), dtype=np.float64)
            close = np.ones(len(ordered), dtype=bool)
        else:
            ordered, scores, close, near = self._rank(st, q, mode, mask, filters, years, ranks, best_chunk)
            if cut:
                if not close.any():
                    pick = np.flatnonzero(near)[:RELATED_MAX]
                    related, related_scores = ordered[pick], scores[pick]
                ordered, scores = ordered[close], scores[close]
                close = close[close]
        match = {int(r): (CLOSE if c else RELATED) for r, c in zip(ordered.tolist(), close.tolist(), strict=True)}
        match.update({int(r): RELATED for r in related.tolist()})
        if sort == "date":
            by_date = np.argsort(-cat.start_year[ordered], kind="stable")
            ordered, scores = ordered[by_date], scores[by_date]
        result_mask = np.zeros(len(cat), dtype=bool)
        result_mask[ordered] = True
        facets = cat.facet_counts(result_mask)
        suggestion = st.keyword.suggest(q) if q else None
        terms = query_terms(q) if q else {}
        start = (page - 1) * per_page
        positions = {name: _positions(rows, len(cat)) for name, rows in ranks.items()}
        snip = terms if snippets else None
        hits = [
            self._hit(st, int(row), float(score), positions, best_chunk, snip, lang, match[int(row)])
            for row, score in zip(ordered[start : start + per_page], scores[start : start + per_page], strict=True)
        ]
        near_hits = [
            self._hit(st, int(row), float(score), positions, best_chunk, snip, lang, RELATED)
            for row, score in zip(related, related_scores, strict=True)
        ]
        return SearchResult(
            q, mode, sort, page, per_page, len(ordered), hits, facets, filters, years, suggestion, message, near_hits
        )

    def _rank(self, st: _State, q: str, mode: str, mask, filters, years, ranks, best_chunk):
        """Catalog rows of the matching cases, best first, their scores, and which of them are close
        matches and which are related ground (boolean arrays aligned with the rows)."""
        gloss = english_gloss(q) if self.crosslingual else None
        library = None
        krows = srows = np.zeros(0, dtype=np.int64)
        kvals = svals = np.zeros(0, dtype=np.float64)
        if mode in ("keyword", "hybrid"):
            kq = f"{q} {gloss}" if gloss and not QUERY_SYNTAX.search(q) else q
            krows, kvals = self._keyword(st, kq, mask, filters, years, None if mode == "keyword" else CANDIDATES)
            ranks["keyword"] = krows
        if mode in ("semantic", "hybrid"):
            qv = self.embed_query(q, gloss)
            vh = st.vectors.search(qv, mask, k=CANDIDATES, min_score=SEMANTIC_MIN, relative=self.semantic_relative)
            srows, svals = vh.case_rows.astype(np.int64), vh.scores.astype(np.float64)
            library = vh.library
            best_chunk.update(zip(srows.tolist(), vh.best_chunk.tolist(), strict=True))
            ranks["semantic"] = srows
        if mode == "keyword":
            ordered, scores = krows, kvals
        elif mode == "semantic":
            ordered, scores = srows, svals
        else:
            kw = dict(zip(krows.tolist(), kvals.tolist(), strict=True))
            sem = dict(zip(srows.tolist(), svals.tolist(), strict=True))
            fused = FUSIONS[self.fusion_method](kw, sem)
            ordered = np.array([r for r, _ in fused], dtype=np.int64)
            scores = np.array([v for _, v in fused], dtype=np.float64)
        exact = self._exact_title_matches(st, q, mask)
        if exact:
            top = float(scores.max()) if len(scores) else 0.0
            old = dict(zip(ordered.tolist(), scores.tolist(), strict=True))
            rest = ~np.isin(ordered, exact)
            ordered = np.concatenate([np.array(exact, dtype=np.int64), ordered[rest]])
            scores = np.concatenate([[max(old.get(r, 0.0), top) for r in exact], scores[rest]])
        close, near = self._closeness(st, q, mode, ordered, library)
        close[np.isin(ordered, exact)] = True
        return ordered, scores, close, near

    def _closeness(self, st: _State, q: str, mode: str, ordered: np.ndarray, library: np.ndarray | None):
        """Which ranked cases are close matches, and which related ground (docs/search.md).

        Semantic evidence: a case's margin over the median score of the whole library for this
        query (filters aside: a filter narrows results, it does not make a case closer). A margin
        of ``CLOSE_MARGIN`` that is also ``CLOSE_SHARE`` of the library's best margin is close; so
        is a case holding ``CLOSE_COVERAGE`` of the query's content words with a margin of
        ``COVERAGE_MARGIN``. Related: a margin of ``RELATED_MARGIN``, or some of the query's words
        — and only when the query has a word the library or a dictionary knows (``xqzzv blorft``
        is near nothing). Keyword mode has no semantic evidence: coverage alone decides."""
        cover = st.keyword.coverage(q)[ordered]
        meaningful = bool(cover.any()) or self._has_real_word(st, q)
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

    @staticmethod
    def _has_real_word(st: _State, q: str) -> bool:
        """Whether a content word of the query is known to the library or is a real es/pt/en word."""
        from . import speller
        from .keyword import all_stopwords

        words = [fold(w) for w in re.findall(r"\w+", q)]
        return any(w not in all_stopwords() and (st.keyword.knows(w) or speller.is_real(w)) for w in words)

    @staticmethod
    def _keyword(st: _State, kq: str, mask, filters, years, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
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

    @staticmethod
    def _exact_title_matches(st: _State, q: str, mask: np.ndarray) -> list[int]:
        """Rows of the cases whose title, original title, a parenthesised alias or id equals the query."""
        key = _norm(q)
        if len(key) < 3:
            return []
        hashes, rows = st.names()
        lo, hi = np.searchsorted(hashes, hash(key), side="left"), np.searchsorted(hashes, hash(key), side="right")
        found = sorted({int(r) for r in rows[lo:hi]})  # then confirmed: a hash collision is not a name
        return [r for r in found if mask[r] and key in st.name_forms(r)]

    def _hit(self, st: _State, row: int, score: float, positions, best_chunk, terms, lang: str, match: str) -> Hit:
        cat = st.catalog
        rec = cat.records[row]
        cid = rec["id"]
        text, section, text_lang = None, None, None
        if terms is None:  # snippets not wanted (evaluation runs)
            text = ""
        elif row in best_chunk:
            ch = st.vectors.chunk(best_chunk[row])
            if ch.get("lang") and ch["lang"] != lang:  # the same part of the version in the reader's language
                ch = _same_part_in(st.vectors.chunks_of(row), ch, lang, terms) or ch
            text, section, text_lang = ch["text"], ch["heading"], ch.get("lang") or None
        elif terms:
            chunks = st.vectors.chunks_of(row)
            # the reader's language first when it matched, then any version
            scored = [(count_matches(c["text"], terms), c.get("lang") == lang, -i, c) for i, c in enumerate(chunks)]
            n, _, _, ch = max(scored, key=lambda t: (t[0] > 0, t[1], t[0], t[2]))
            if n:
                text, section, text_lang = ch["text"], ch["heading"], ch.get("lang") or None
        if text is None:
            summary = rec.get("summary") or {}
            version = (rec.get("versions") or {}).get(lang) or {}
            if version.get("summary") or summary.get(lang):
                text, text_lang = version.get("summary") or summary[lang], lang
            else:
                text, text_lang = summary.get("en") or rec["title"], "en"
        return Hit(
            id=cid,
            title=rec["title"],
            title_original=rec.get("title_original"),
            score=round(float(score), 6),
            snippet=snippet(text, terms or {}),
            ranks={k: (int(pos[row]) + 1 if pos[row] >= 0 else None) for k, pos in positions.items()},
            countries=rec.get("countries") or [],
            pillars=rec.get("pillars") or [],
            themes=rec.get("themes") or [],
            start_year=rec["start_year"],
            institution=(rec.get("institution") or {}).get("name", ""),
            summary=rec.get("summary") or {},
            matched_section=section,
            snippet_lang=text_lang,
            versions=rec.get("versions") or {},
            match=match,
        )

    # --- similar cases --------------------------------------------------------------------
    def similar(self, case_id: str, k: int = 5) -> list[Similar]:
        """Nearest other cases by embedding (case centroids), with the facet values they share."""
        st = self._state
        cat = st.catalog
        row = cat.row.get(case_id)
        if row is None:
            raise KeyError(case_id)
        cents = st.vectors.centroids
        sims = dot(cents, cents[row])
        sims[row] = -np.inf
        k = min(k, len(cat) - 1)
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        me = cat.records[row]["facets"]
        out = []
        for r in top:
            rec = cat.records[int(r)]
            shared = {
                f: [v for v in rec["facets"].get(f, []) if v in me.get(f, [])]
                for f in ("themes", "pillars", "countries", "institution_type")
            }
            out.append(
                Similar(
                    rec["id"],
                    rec["title"],
                    rec.get("title_original"),
                    round(float(sims[r]), 4),
                    {f: v for f, v in shared.items() if v},
                )
            )
        return out


def _base_key(key: str) -> str:
    """A chunk's part of the case whatever the version: 'es:context' and 'context' -> 'context'."""
    key = key.split(":", 1)[-1]
    return "summary" if key.startswith("summary-") else key


def _same_part_in(chunks: list[dict], best: dict, lang: str, terms) -> dict | None:  # noqa: ANN001
    """The chunk of the ``lang`` version that covers the same part as ``best`` (most query words first)."""
    part = _base_key(best.get("key", ""))
    same = [c for c in chunks if c.get("lang") == lang and _base_key(c.get("key", "")) == part]
    if not same:
        return None
    return max(enumerate(same), key=lambda ic: (count_matches(ic[1]["text"], terms or {}), -ic[0]))[1]


def _positions(rows: np.ndarray, n: int) -> np.ndarray:
    """Position of each catalog row in ``rows`` (-1 when absent)."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    return pos


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))
