"""What goes into the keyword index: its fields and weights, the analysers, and the document of a case.

Text fields are analysed per language (English, Spanish, Portuguese Snowball stemming via
PyStemmer, with stop words) and folded (``policia`` matches ``policía``). Every text of a case goes
to the field of its own language. Facets are keyword fields so filters apply inside Whoosh before
ranking. A ``spell`` field feeds "did you mean". One of the two keyword modules that import Whoosh
(with ``keyword.py``, the index itself; ``terms.py`` uses its length quantisation).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import Stemmer
from whoosh import fields
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from .chunking import plain
from .model import Case
from .vocab import FACET_VOCAB, fold

LANGS = ("en", "es", "pt")
_STEMMERS = {"en": "english", "es": "spanish", "pt": "portuguese"}
FACET_FIELDS = tuple(FACET_VOCAB)  # in the order the results page shows them
# Field weights. The title is also part of the body text, so its own field only adds a little (0.5):
# docs/search.md ("Measurements on CISI kept from before") gives this configuration's keyword
# nDCG@10 on CISI; the figures of the older comparison with weights 1.0 and 3.0 were not kept.
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
    return folded_stopwords(*LANGS)


def folded_stopwords(*langs: str) -> frozenset[str]:
    """Whoosh's stop words of ``langs``, folded (accents and case removed)."""
    return frozenset(fold(w) for lang in langs for w in stopwords_for_language(lang))


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
