"""What a search returns: ``Hit``, ``SearchResult`` and ``Similar``, each with the one ``to_dict``
that the JSON API and ``caselib search --json`` both print (the web app adds only its labels and
links); and ``make_hit``, which picks a hit's snippet from the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .highlight import count_matches, snippet

CLOSE, RELATED = "close", "related"  # a hit's ``match`` (docs/search.md)


def case_path(case_id: str) -> str:
    """The site-relative address of a case page."""
    return f"/cases/{case_id}"


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

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The hit as JSON, its title and summary in ``lang`` where a version has them."""
        title, title_lang, summary, summary_lang = self.localized(lang)
        return {
            "id": self.id,
            "title": title,
            "title_lang": title_lang,
            "title_original": self.title_original if self.title_original != title else None,
            "score": self.score,
            "match": self.match,
            "snippet": self.snippet,
            "snippet_lang": self.snippet_lang,
            "matched_section": self.matched_section,
            "ranks": dict(self.ranks),
            "summary": summary,
            "summary_lang": summary_lang,
            "countries": list(self.countries),
            "pillars": list(self.pillars),
            "themes": list(self.themes),
            "start_year": self.start_year,
            "institution": self.institution,
            "url": case_path(self.id),
        }


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

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The page as JSON: ``results`` are the close matches, ``related`` the nearest others."""
        return {
            "query": self.query,
            "mode": self.mode,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "total": self.total,
            "results": [h.to_dict(lang) for h in self.hits],
            "related": [h.to_dict(lang) for h in self.related],
            "facets": {k: dict(v) for k, v in self.facets.items()},
            "filters": {k: list(v) for k, v in self.filters.items()},
            "years": list(self.years),
            "suggestion": self.suggestion,
            "message": self.message,
        }


@dataclass(frozen=True)
class Similar:
    id: str
    title: str
    title_original: str | None
    score: float
    shared: dict[str, list[str]] = field(default_factory=dict)  # facet -> values in common

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "title_original": self.title_original,
            "score": self.score,
            "shared": {k: list(v) for k, v in self.shared.items()},
            "url": case_path(self.id),
        }


def make_hit(st, row: int, score: float, ranks, best_chunk, terms, lang: str, match: str) -> Hit:  # noqa: ANN001
    """The hit of catalog row ``row`` in the opened build ``st``: its record and a snippet — the
    best semantic chunk (in the reader's language when a version covers the same part), else the
    chunk with most query words, else the summary. ``ranks``: retriever -> each row's 0-based
    position (-1 when absent); ``terms`` None: no snippet (evaluation runs)."""
    cat = st.catalog
    rec = cat.records[row]
    text, section, text_lang = None, None, None
    if terms is None:
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
        id=rec["id"],
        title=rec["title"],
        title_original=rec.get("title_original"),
        score=round(float(score), 6),
        snippet=snippet(text, terms or {}),
        ranks={k: (int(pos[row]) + 1 if pos[row] >= 0 else None) for k, pos in ranks.items()},
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
