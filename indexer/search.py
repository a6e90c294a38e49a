"""The Searcher: the one object the web app and the CLI use to query an index.

This module holds its lifecycle (opening a build, picking up a rebuilt one, refusing a damaged
or mismatched one) and its caches (answers per build, query vectors). ``search()`` ranks with
``indexer/ranking.py`` (keyword, semantic or hybrid retrieval with filters applied before
ranking; close/related) and returns the types of ``indexer/results.py`` (one ``to_dict`` for
every JSON output), with facets, snippets and a spelling suggestion.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import ranking
from .build import IndexError_, IndexMissingError, current_build, read_manifest, verify_build
from .catalog import Catalog
from .embedders import DualEmbedder, Embedder, default_model, load_embedder
from .highlight import query_terms
from .keyword import FACET_FIELDS, KeywordIndex
from .ranking import CANDIDATES, FUSION, MODES, RELATED_MAX, SEMANTIC_RELATIVE, fusion_for, norm
from .results import CLOSE, RELATED, Hit, SearchResult, Similar, make_hit
from .vectors import VectorIndex, dot

__all__ = [
    "CANDIDATES",
    "FILTER_FIELDS",
    "LRU",
    "MAX_QUERY_CHARS",
    "MODES",
    "SORTS",
    "Hit",
    "IndexMismatchError",
    "SearchResult",
    "Searcher",
    "Similar",
    "clean_query",
]

SORTS = ("relevance", "date")
MAX_QUERY_CHARS = 500
FILTER_FIELDS = FACET_FIELDS


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
        return {norm(f) for f in forms if f}


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
        fusion_for(fusion_method)  # an unknown name is refused here, not at the first search
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
        related, related_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if not q:
            rows = np.flatnonzero(mask)
            ordered = rows[np.argsort(cat.title_rank()[rows], kind="stable")]
            scores = np.zeros(len(ordered), dtype=np.float64)
            close = np.ones(len(ordered), dtype=bool)
            ranked = ranking.Ranking(ordered, scores, close, ~close)
        else:
            ranked = ranking.rank(
                st,
                q,
                mode,
                mask,
                filters,
                years,
                self.embed_query,
                crosslingual=self.crosslingual,
                fusion_method=self.fusion_method,
                semantic_relative=self.semantic_relative,
            )
            ordered, scores, close = ranked.rows, ranked.scores, ranked.close
            if cut:
                if not close.any():
                    pick = np.flatnonzero(ranked.near)[:RELATED_MAX]
                    related, related_scores = ordered[pick], scores[pick]
                ordered, scores = ordered[close], scores[close]
                close = close[close]
        match = {int(r): (CLOSE if c else RELATED) for r, c in zip(ordered.tolist(), close.tolist(), strict=True)}
        if sort == "date":
            by_date = np.argsort(-cat.start_year[ordered], kind="stable")
            ordered, scores = ordered[by_date], scores[by_date]
        result_mask = np.zeros(len(cat), dtype=bool)
        result_mask[ordered] = True
        facets = cat.facet_counts(result_mask)
        suggestion = st.keyword.suggest(q) if q else None
        terms = query_terms(q) if q else {}
        start = (page - 1) * per_page
        none = np.zeros(0, dtype=np.int64)
        retrievers = {"keyword": none, "semantic": none} | ranked.retrievers
        positions = {name: _positions(rows, len(cat)) for name, rows in retrievers.items()}
        snip = terms if snippets else None
        best = ranked.best_chunk
        hits = [
            make_hit(st, int(row), float(score), positions, best, snip, lang, match[int(row)])
            for row, score in zip(ordered[start : start + per_page], scores[start : start + per_page], strict=True)
        ]
        near_hits = [
            make_hit(st, int(row), float(score), positions, best, snip, lang, RELATED)
            for row, score in zip(related, related_scores, strict=True)
        ]
        return SearchResult(
            q, mode, sort, page, per_page, len(ordered), hits, facets, filters, years, suggestion, message, near_hits
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


def _positions(rows: np.ndarray, n: int) -> np.ndarray:
    """Position of each catalog row in ``rows`` (-1 when absent)."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    return pos
