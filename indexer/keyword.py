"""The keyword index: Whoosh (the ``whoosh-reloaded`` fork, pinned) behind a small build/open/search API.

What a case's Whoosh document holds (fields, weights, analysers) is in ``keyword_schema.py``; the
BM25F weights precomputed for plain queries in ``terms.py``; did-you-mean in ``speller.py``. Only
``keyword.py``, ``keyword_schema.py`` and ``terms.py`` import Whoosh (tests/test_boundaries.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from math import log
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index, qparser, scoring
from whoosh.query import And, NullQuery, NumericRange, Or, Term

from . import terms as _terms
from .keyword_schema import (  # noqa: F401 - FACET_FIELDS, LANGS, analyzer, folded_stopwords: imported from here too
    BOOSTS,
    FACET_FIELDS,
    K1,
    LANGS,
    MATRIX_BOOSTS,
    MATRIX_FIELDS,
    MAX_SEGMENTS,
    SPELL,
    TEXT_FIELDS,
    B,
    all_stopwords,
    analyzer,
    document,
    folded_stopwords,
    make_schema,
)
from .model import Case
from .vocab import fold


class LuceneBM25F(scoring.BM25F):
    """BM25F with Lucene's IDF, log(1 + (N - df + 0.5) / (df + 0.5)): never negative, sharper than Whoosh's."""

    def idf(self, searcher, fieldname, text):
        n = searcher.doc_count_all()
        df = searcher.doc_frequency(fieldname, text)
        return log(1 + (n - df + 0.5) / (df + 0.5))


_WORD = re.compile(r"\w+", re.UNICODE)
QUERY_SYNTAX = re.compile(r'"|\b(AND|OR|NOT)\b|(^|\s)[+-]\w')


def content_words(query: str) -> str:
    """``query`` without the stop words of its language (``speller.query_language``: es, pt or en);
    unchanged when its language is unclear or nothing else would be left. Each field drops only
    its own language's stop words, so a Portuguese query's ``na`` or ``que`` used to score in
    English and Spanish text (docs/search.md)."""
    from . import speller

    words = _WORD.findall(query)
    lang = speller.query_language([fold(w) for w in words])
    if lang is None:
        return query
    stops = folded_stopwords(lang)
    kept = [w for w in words if fold(w.lower()) not in stops]
    return " ".join(kept) if kept and len(kept) < len(words) else query


@dataclass
class KeywordHits:
    ids: list[str]  # ranked
    scores: list[float]


TERMS = "terms"  # sub-folder of the precomputed BM25F matrix (``terms.py``)


class KeywordIndex:
    """Build, update, open and search the Whoosh index in one folder.

    Plain-text queries are scored from the precomputed matrix of Whoosh's own BM25F weights
    (``terms.py``, the same scores, ~100x faster); queries using the query language (quotes,
    AND/OR/NOT, +/-) run in Whoosh."""

    def __init__(self, path: Path, ix: index.Index):
        self.path = path
        self._ix = ix
        self._searcher = ix.searcher(weighting=LuceneBM25F(B=B, K1=K1))
        # closed with the object: a Searcher that moved to a new build drops its old KeywordIndex
        self._closer = weakref.finalize(self, _close_all, self._searcher, ix)
        # Whoosh's readers seek and read shared file objects: concurrent use from the web server's
        # threads returned corrupt postings (zlib/unpickling errors, issue #8). Whoosh is pure
        # Python under the GIL, so one lock costs no parallelism.
        self._lock = threading.RLock()
        self._forms = _load_forms(path)
        self.terms = _terms.TermMatrix.open(path / TERMS)
        self._ids: list[str | None] | None = None  # docnum -> case id, read on first Whoosh search

    def _docnum_ids(self) -> list[str | None]:
        """docnum -> case id, read once: fetching the stored field of every hit was most of a query's cost."""
        if self._ids is None:
            with self._lock:
                reader = self._searcher.reader()
                ids: list[str | None] = [None] * reader.doc_count_all()
                for docnum, stored in reader.iter_docs():
                    ids[docnum] = stored["id"]
                self._ids = ids
        return self._ids

    # --- building ---------------------------------------------------------------
    @staticmethod
    def build(
        path: Path,
        cases: Iterable[Case],
        previous: Path | None = None,
        changed: set[str] | None = None,
        removed: set[str] | None = None,
    ) -> None:
        """Write the index at ``path``: from scratch, or by copying ``previous`` and
        updating only ``changed`` and ``removed`` case ids."""
        cases = list(cases)
        changed = changed or set()
        prev_terms = previous / TERMS if previous is not None else None
        if previous is not None and index.exists_in(str(previous)) and (prev_terms / "ids.json").exists():
            # Whoosh never rewrites a segment file (deletions live in the new table of contents), so
            # the previous build's files are hard-linked rather than copied
            shutil.copytree(previous, path, ignore=shutil.ignore_patterns("*_WRITELOCK", TERMS), copy_function=_link)
            ix = index.open_dir(str(path))
            todo = [c for c in cases if c.id in changed]
            docs = {c.id: document(c) for c in todo}
            w = ix.writer(limitmb=256, compound=False)
            for cid in (removed or set()) | changed:
                w.delete_by_term("id", cid)
            for case in todo:
                w.add_document(**docs[case.id])
            # a small new segment; merging would rewrite the whole index (a full build re-optimises)
            w.commit(merge=len(ix.reader().leaf_readers()) > MAX_SEGMENTS)
            post = _terms.collect(
                ((c.id, docs.get(c.id)) for c in cases), ix.schema, MATRIX_FIELDS, _terms.read_postings(prev_terms)
            )
            forms = _load_forms(path)
            _count_forms(todo, forms)
        else:
            path.mkdir(parents=True, exist_ok=True)
            ix = index.create_in(str(path), make_schema())
            with ix.writer(limitmb=256, procs=1, compound=False) as w:

                def docs_added():
                    for case in cases:
                        doc = document(case)
                        w.add_document(**doc)
                        yield case.id, doc

                post = _terms.collect(docs_added(), ix.schema, MATRIX_FIELDS, None)
            forms = {}
            _count_forms(cases, forms)
        _terms.write(path / TERMS, post, MATRIX_FIELDS, MATRIX_BOOSTS, B, K1)
        ix.close()
        _save_forms(path, forms)

    @classmethod
    def open(cls, path: Path) -> KeywordIndex:
        try:
            return cls(path, index.open_dir(str(path)))
        except index.IndexError as exc:  # a missing or damaged Whoosh folder: callers handle OSError
            raise OSError(f"keyword index at {path} is missing or damaged: {exc}") from exc

    def close(self) -> None:
        """Close the Whoosh searcher and index now (otherwise done when the object is collected)."""
        self._closer()

    # --- searching --------------------------------------------------------------
    def parse(self, query: str):
        """Turn a user query into a Whoosh query over every text field.

        Plain text becomes a bag of words: every analysed word (repeats kept, as BM25 counts
        query term frequency) in every field, OR-ed. Quotes, AND/OR/NOT and +/- switch to
        Whoosh's query language; if that fails to parse, the words are used as plain text.
        """
        if QUERY_SYNTAX.search(query):
            parser = qparser.MultifieldParser(list(BOOSTS), self._ix.schema, fieldboosts=BOOSTS, group=qparser.OrGroup)
            for plugin in (qparser.FieldsPlugin, qparser.WildcardPlugin):
                parser.remove_plugin_class(plugin)  # 'a:b' and '?' are text, not syntax
            try:
                parsed = parser.parse(query)
                if parsed is not None and parsed is not NullQuery:
                    return parsed
            except Exception:  # noqa: BLE001 - any parser failure falls back to plain words
                pass
        terms = []
        schema = self._ix.schema
        words = content_words(query)  # as ``plain_rows``: the query language's stop words dropped
        for name, boost in BOOSTS.items():
            for tok in schema[name].analyzer(words):
                terms.append(Term(name, tok.text, boost=boost))
        return Or(terms) if terms else None

    def plain_rows(self, query: str) -> list[int] | None:
        """The matrix rows of a plain-text query (one per analysed word and field, repeats kept), or
        None when the query uses the query language (then ``search`` runs it in Whoosh)."""
        if QUERY_SYNTAX.search(query):
            return None
        schema = self._ix.schema
        rows = []
        words = content_words(query)  # the query language's stop words score in no field
        for name in TEXT_FIELDS:
            for tok in schema[name].analyzer(words):
                r = self.terms.row(name, tok.text)
                if r is not None:
                    rows.append(r)
        return rows

    def scores(self, query: str) -> np.ndarray | None:
        """BM25F score of every case (catalog row order) for a plain-text query; 0 = no match.
        None when the query uses the query language: use ``search``."""
        rows = self.plain_rows(query)
        return None if rows is None else self.terms.scores(rows)

    def coverage(self, query: str) -> np.ndarray:
        """Share of the query's content words (stop words aside) each case contains, in any text
        field, as analysed there (catalog row order; 0 when the query has no content word).

        The keyword side's evidence for "close match": ``xqzzv blorft`` covers nothing anywhere;
        a case holding every word of ``narcomenudeo en escuelas`` covers 1.0."""
        n = len(self.terms.ids)
        words = list(dict.fromkeys(w for w in (fold(x) for x in _WORD.findall(query)) if w not in all_stopwords()))
        out = np.zeros(n, dtype=np.float64)
        if not words:
            return out
        schema = self._ix.schema
        for word in words[:24]:
            hit = np.zeros(n, dtype=bool)
            for name in TEXT_FIELDS:
                for tok in schema[name].analyzer(word):
                    hit[self.terms.docs(name, tok.text)] = True
            out += hit
        return out / min(len(words), 24)

    def search(
        self,
        query: str,
        filters: dict[str, list[str]] | None = None,
        years: tuple[int | None, int | None] = (None, None),
        limit: int | None = 100,
    ) -> KeywordHits:
        q = self.parse(query)
        if q is None:
            return KeywordHits([], [])
        with self._lock:
            results = self._searcher.search(q, filter=self.filter_query(filters, years), limit=limit)
            docnum_ids = self._docnum_ids()
            ids = [docnum_ids[docnum] for _, docnum in results.top_n]
            scores = [float(score) for score, _ in results.top_n]
        return KeywordHits(ids, scores)

    @staticmethod
    def filter_query(filters: dict[str, list[str]] | None, years: tuple[int | None, int | None] = (None, None)):
        parts = []
        for name, values in (filters or {}).items():
            if values:
                parts.append(Or([Term(name, v) for v in values]))
        lo, hi = years
        if lo is not None or hi is not None:
            parts.append(NumericRange("start_year", lo, hi))
        return And(parts) if parts else None

    def knows(self, word: str) -> bool:
        return self.terms.df(SPELL, fold(word)) > 0

    def suggest(self, query: str) -> str | None:
        """A corrected query when some words are misspelt and a close known word exists (``speller``)."""
        from .speller import did_you_mean

        return did_you_mean(self, query)

    def close_words(self, folded: str, limit: int = 8) -> list[str]:
        """Up to ``limit`` library words within two edits of ``folded``, most frequent first (Whoosh's corrector)."""
        with self._lock:
            # prefix=1: most misspellings keep the first letter, and it makes the walk ~10x cheaper
            return self._searcher.corrector(SPELL).suggest(folded, limit=limit, maxdist=2, prefix=1)

    def accented(self, folded: str) -> str:
        """The library's most common accented spelling of a folded word (the word itself if none)."""
        return self._forms.get(folded, folded)


def _close_all(*closables: Any) -> None:
    for c in closables:
        c.close()


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copy2(src, dst)


def _count_forms(cases: Iterable[Case], forms: dict[str, str]) -> None:
    """Remember the most common accented spelling of each folded word (for suggestions)."""
    counts: dict[str, Counter] = {}
    for case in cases:
        text = " ".join([case.title, case.title_original or "", *case.summary.values(), case.body])
        for word in _WORD.findall(text.lower()):
            f = fold(word)
            if f != word:
                counts.setdefault(f, Counter())[word] += 1
    for f, counter in counts.items():
        forms[f] = counter.most_common(1)[0][0]


def _load_forms(path: Path) -> dict[str, str]:
    p = path / "forms.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def _save_forms(path: Path, forms: dict[str, str]) -> None:
    # written beside and renamed: forms.json may be a hard link to the live build's file (never rewrite it)
    tmp = path / "forms.json.tmp"
    tmp.write_text(json.dumps(forms, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path / "forms.json")
