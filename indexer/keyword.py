"""The keyword index: Whoosh (the ``whoosh-reloaded`` fork, pinned) behind a small build/open/search API.

Text fields are analysed per language (English, Spanish, Portuguese Snowball stemming via
PyStemmer, with stop words) and folded (``policia`` matches ``policía``). Facets are keyword
fields so filters apply inside Whoosh before ranking. A ``spell`` field feeds "did you mean".
Nothing outside this module imports Whoosh.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from math import log
from pathlib import Path
from typing import Any

import numpy as np
import Stemmer
from whoosh import fields, index, qparser, scoring
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.query import And, NullQuery, NumericRange, Or, Term
from whoosh.support.charset import accent_map

from . import terms as _terms
from .chunking import plain
from .model import Case
from .vocab import fold

LANGS = ("en", "es", "pt")
_STEMMERS = {"en": "english", "es": "spanish", "pt": "portuguese"}
FACET_FIELDS = (
    "pillars",
    "countries",
    "themes",
    "institution_type",
    "evidence_stage",
    "evidence_rating",
    "status",
    "channel",
    "language",
    "scale",
    "problems",
    "target_population",
    "setting",
    "translation",
)
# Field weights. The title is also part of the body text, so its own field only adds a little;
# measured on CISI (docs/search.md): title 0.5 -> nDCG@10 0.380, 1.0 -> 0.349, 3.0 -> 0.25.
# Every text goes to the field of its own language (``title_pt`` for a Portuguese title, ``body_es``
# for a Spanish body), analysed by that language's analyser; ``title`` is the English title.
BOOSTS = {
    "title": 0.5,
    "title_es": 1.0,
    "title_pt": 1.0,
    "title_original": 1.0,  # an original title in a language without its own analyser
    "summary_en": 1.0,
    "summary_es": 1.0,
    "summary_pt": 1.0,
    "body_en": 1.0,
    "body_es": 1.0,
    "body_pt": 1.0,
    "institution": 1.0,
    "partners": 0.5,
}
TEXT_FIELDS = tuple(BOOSTS)
SPELL = "spell"
# fields of the keyword matrix: the scored text fields, and the spelling field's postings (weight 0),
# used to count co-occurring words for "did you mean"
MATRIX_FIELDS = (*TEXT_FIELDS, SPELL)
MATRIX_BOOSTS = {**BOOSTS, SPELL: 0.0}
B, K1 = 0.75, 1.2
MAX_SEGMENTS = 12  # incremental updates add segments; past this many, the next update merges them
# Writers use compound=False: Whoosh reads a sub-file of a compound segment through BytesIO, i.e.
# copies the segment's postings into memory when a searcher opens (53 MB at 10,000 cases, 10x that
# at 100,000); separate files are read from the page cache instead.


class LuceneBM25F(scoring.BM25F):
    """BM25F with Lucene's IDF, log(1 + (N - df + 0.5) / (df + 0.5)): never negative, sharper than Whoosh's."""

    def idf(self, searcher, fieldname, text):
        n = searcher.doc_count_all()
        df = searcher.doc_frequency(fieldname, text)
        return log(1 + (n - df + 0.5) / (df + 0.5))


_WORD = re.compile(r"\w+", re.UNICODE)
QUERY_SYNTAX = re.compile(r'"|\b(AND|OR|NOT)\b|(^|\s)[+-]\w')


class _Stem:
    """Picklable Snowball stemmer (Whoosh pickles the schema with its analyzers)."""

    def __init__(self, lang: str):
        self.lang = lang
        self._stem = Stemmer.Stemmer(_STEMMERS[lang]).stemWord

    def __call__(self, word: str) -> str:
        return self._stem(word)

    def __getstate__(self) -> dict:
        return {"lang": self.lang}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["lang"])


@cache
def analyzer(lang: str):
    """Tokenise, lowercase, drop stop words, stem (Snowball), fold accents."""
    stops = frozenset(stopwords_for_language(lang)) | frozenset(fold(w) for w in stopwords_for_language(lang))
    return (
        RegexTokenizer(r"\w+(?:[-']\w+)*")
        | LowercaseFilter()
        | StopFilter(stoplist=stops, minsize=1)
        | StemFilter(stemfn=_Stem(lang), cachesize=50000)
        | CharsetFilter(accent_map)
    )


@cache
def all_stopwords() -> frozenset[str]:
    """Stop words of every indexed language, folded."""
    return frozenset(fold(w) for lang in LANGS for w in stopwords_for_language(lang))


@cache
def folding_analyzer():
    """Names: tokenise, lowercase, fold accents, drop stop words of any language; no stemming."""
    return spelling_analyzer() | StopFilter(stoplist=all_stopwords(), minsize=1)


@cache
def spelling_analyzer():
    """The spelling field: every word, folded."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)


def make_schema() -> fields.Schema:
    text = {
        "title": fields.TEXT(analyzer=analyzer("en"), field_boost=BOOSTS["title"]),
        "title_original": fields.TEXT(analyzer=folding_analyzer(), field_boost=BOOSTS["title_original"]),
        "institution": fields.TEXT(analyzer=folding_analyzer(), field_boost=BOOSTS["institution"]),
        "partners": fields.TEXT(analyzer=folding_analyzer(), field_boost=BOOSTS["partners"]),
        "spell": fields.TEXT(analyzer=spelling_analyzer(), spelling=True),
    }
    for lang in LANGS[1:]:
        text[f"title_{lang}"] = fields.TEXT(analyzer=analyzer(lang), field_boost=BOOSTS[f"title_{lang}"])
    for lang in LANGS:
        text[f"summary_{lang}"] = fields.TEXT(analyzer=analyzer(lang), field_boost=BOOSTS[f"summary_{lang}"])
        text[f"body_{lang}"] = fields.TEXT(analyzer=analyzer(lang), field_boost=BOOSTS[f"body_{lang}"])
    facets = {name: fields.KEYWORD(commas=True, lowercase=False) for name in FACET_FIELDS}
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        start_year=fields.NUMERIC(int, sortable=True),
        **text,
        **facets,
    )


_URL = re.compile(r"https?://\S+")


def _texts(value: Any) -> list[str]:
    """Every text inside a front-matter value (the token not-documented left out)."""
    if isinstance(value, str):
        return [] if value in ("not-documented", "not-reported", "none", "not examined") else [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def texts_by_language(case: Case) -> list[tuple[str, str, str]]:
    """(kind, language, text) of every text of a case and of its translations: kind is title, summary or body.

    The English title is ``title``/``en``; the original title is in the case's language; each
    summary is in the language it is keyed by; the body is in the case's language and starts
    with the title in that language (the title also counts as body text: BM25 saturation). The
    original's front-matter free texts (mechanism, evidence rationale, resources, evaluation texts)
    are in the case's language, like its body; each translation's title, summary, texts and
    sections are in its language."""
    lang = case.language
    m = case.meta
    ev = m.get("evidence") or {}
    out = [("title", "en", case.title)]
    if case.title_original:
        out.append(("title", lang, case.title_original))
    out.extend(("summary", slang, text) for slang, text in case.summary.items() if text)
    out.append(("body", lang, f"{case.title_original or case.title}\n{plain(case.body)}"))
    fields = _texts([m.get("mechanism"), ev.get("rationale") or ev.get("notes"), m.get("resources")])
    fields += _texts(
        [
            {k: e.get(k) for k in ("comparison", "displacement", "outcomes")}
            for e in (m.get("evaluations") or [])
            if isinstance(e, dict)
        ]
    )
    if fields:
        out.append(("body", lang, "\n".join(fields)))
    for tr in case.translations:
        if not tr.meta:
            continue
        tm = tr.meta
        if tr.title:
            out.append(("title", tr.language, tr.title))
        if tr.summary:
            out.append(("summary", tr.language, tr.summary))
        texts = [
            tr.title,
            *_texts([tm.get("mechanism"), tm.get("evidence"), tm.get("resources"), tm.get("evaluations")]),
        ]
        texts += [f"{s.heading}\n{plain(s.text)}" for s in tr.sections]
        out.append(("body", tr.language, "\n".join(t for t in texts if t)))
    return out


def _field(kind: str, lang: str) -> str:
    """The index field of a text of ``kind`` in ``lang`` (languages without an analyser: folded, unstemmed)."""
    if kind == "title":
        return "title" if lang == "en" else f"title_{lang}" if lang in LANGS else "title_original"
    return f"{kind}_{lang if lang in LANGS else 'en'}"


def document(case: Case) -> dict[str, Any]:
    """The Whoosh document of one case: every version's text in the fields of its language."""
    m = case.meta
    inst = m.get("institution") or {}
    doc: dict[str, Any] = {
        "id": case.id,
        "start_year": case.start_year,
        "institution": " ".join(filter(None, [inst.get("name"), inst.get("name_original")])),
        "partners": " ".join(m.get("partners") or []),
    }
    spell = [case.title, case.title_original or ""]
    for kind, lang, text in texts_by_language(case):
        name = _field(kind, lang)
        doc[name] = f"{doc[name]}\n{text}" if doc.get(name) else text
        spell.append(text)
    doc["spell"] = _URL.sub(" ", " ".join(spell))  # words of addresses are no spelling authority
    for name, values in case.facet_values().items():
        doc[name] = ",".join(values)
    return doc


@dataclass
class KeywordHits:
    ids: list[str]  # ranked
    scores: list[float]
    total: int


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
        self._searcher.close()
        self._ix.close()

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
        for name, boost in BOOSTS.items():
            for tok in schema[name].analyzer(query):
                terms.append(Term(name, tok.text, boost=boost))
        return Or(terms) if terms else None

    def plain_rows(self, query: str) -> list[int] | None:
        """The matrix rows of a plain-text query (one per analysed word and field, repeats kept), or
        None when the query uses the query language (then ``search`` runs it in Whoosh)."""
        if QUERY_SYNTAX.search(query):
            return None
        schema = self._ix.schema
        rows = []
        for name in TEXT_FIELDS:
            for tok in schema[name].analyzer(query):
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
            return KeywordHits([], [], 0)
        with self._lock:
            results = self._searcher.search(q, filter=self.filter_query(filters, years), limit=limit)
            docnum_ids = self._docnum_ids()
            ids = [docnum_ids[docnum] for _, docnum in results.top_n]
            scores = [float(score) for score, _ in results.top_n]
            total = len(results) if limit is None else results.estimated_length()
        return KeywordHits(ids, scores, total)

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
        """A corrected query when some words are misspelt and a close known word exists.

        A word is corrected only when the library does not know it and it is not a real word of
        Spanish, Portuguese or English (``speller``): ``maras``, ``mujeres`` or ``milícias`` are
        never "corrected". Such words (4+ letters, not stop words) get up to 4 close library words
        from Whoosh's corrector; among the combinations, the one whose words occur together in
        most cases wins (counted on the spelling postings of the keyword matrix), preferring words
        of the query's language. The rest of the query is kept as typed (accents, ``¿``, ``?``),
        and a corrected word takes the library's most common accented spelling."""
        from . import speller

        spans = list(_WORD.finditer(query))[:12]
        if not spans:
            return None
        words = [m.group() for m in spans]
        lang = speller.query_language(words)
        options: list[list[str]] = []
        changed = False
        for word in words:
            folded = fold(word)
            if (
                len(folded) >= 4
                and not folded.isdigit()
                and folded not in all_stopwords()
                and not self.knows(folded)
                and not speller.is_real(folded)
            ):
                with self._lock:
                    # prefix=1: most misspellings keep the first letter, and it makes the walk ~10x cheaper
                    found = self._searcher.corrector(SPELL).suggest(folded, limit=8, maxdist=2, prefix=1)
                # Whoosh still lists words of cases deleted by incremental updates: keep live ones
                found = [w for w in found if self.knows(w)][:4]
                if found:  # Whoosh orders them by frequency only: the query's language, then the closest first
                    options.append(
                        sorted(found, key=lambda w, f=folded: (lang not in speller.zipf(w), edit_distance(f, w)))
                    )
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
            together = self._cooccur(combos[i])
            edits = sum(edit_distance(a, b) for a, b in zip(folded_words, combos[i], strict=False))
            # how common the corrections are in the query's language ("police" is rare in Spanish, "policía" common)
            in_lang = sum(
                speller.zipf(w).get(lang, 0.0) for w, f in zip(combos[i], folded_words, strict=False) if w != f
            )
            # words found together first; then the fewest edits; then words of the query's language;
            # then the most cases; then the corrector's order
            return (together > 0, -edits, in_lang, together, -i)

        best = combos[max(range(len(combos)), key=rank)]
        out, pos = [], 0
        for m, word, b in zip(spans, words, best, strict=True):
            out.append(query[pos : m.start()])
            out.append(word if fold(word) == b else self._forms.get(b, b))
            pos = m.end()
        out.append(query[pos:])
        return "".join(out)

    def _cooccur(self, words: list[str]) -> int:
        """How many cases contain every one of ``words`` (stop words aside)."""
        lists = sorted((self.terms.docs(SPELL, w) for w in set(words) if w not in all_stopwords()), key=len)
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
