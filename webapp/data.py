"""The data behind every page, as plain dicts: pages render them, the API returns them as JSON."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, request, url_for

from indexer import FILTER_FIELDS, LRU, SUMMARY_HEADINGS, localize_record, vocab

from . import get_searcher, i18n, render
from .state import SearchState

ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def valid_id(case_id: str) -> bool:
    """Only slugs reach the index: anything else (dots, slashes, encoded paths) is a 404."""
    return bool(re.fullmatch(ID_PATTERN, case_id)) and len(case_id) <= 80


def not_found(case_id: str) -> str:
    return i18n.gettext("There is no case with the id “{id}”.", id=case_id[:80])


def labelled(field: str, values: list[str], lang: str) -> list[dict[str, str]]:
    key = vocab.FACET_VOCAB.get(field, field)
    return [{"value": v, "label": vocab.label(key, v, lang)} for v in values]


def original_language(record: dict[str, Any]) -> str | None:
    """The language of a case's original-language names (title_original, institution.name_original):
    the body's, unless the body is English, then the first country's official language (CLDR)."""
    language = record.get("language") or "en"
    if language != "en":
        return language
    from babel.languages import get_official_languages

    for code in record.get("countries") or []:
        official = get_official_languages(code)
        for lang in ("es", "pt", "fr", "nl", "en"):
            if lang in official:
                return lang
    return None


def summary_in(summaries: dict[str, str] | None, lang: str) -> tuple[str | None, str]:
    """The summary in ``lang``, else the English one, with the language it is in."""
    summaries = summaries or {}
    if summaries.get(lang):
        return summaries[lang], lang
    return summaries.get("en"), "en"


SECTION_KEYS = {vocab.fold(name): key for key, names in vocab.SECTIONS for name in names.values()}
SUMMARY_LANGS = {heading: lang for lang, heading in SUMMARY_HEADINGS.items()}  # a summary chunk's heading
SECTION_NAMES = dict(vocab.SECTIONS)


def section_label(heading: str | None, lang: str) -> str | None:
    """A required section's heading in the page's language (other headings as written)."""
    if not heading:
        return None
    if heading in SUMMARY_LANGS:
        return i18n.gettext("Summary")
    key = SECTION_KEYS.get(vocab.fold(heading))
    return SECTION_NAMES[key].get(lang, heading) if key else heading


def hit_dict(hit, lang: str) -> dict[str, Any]:
    """``Hit.to_dict`` (the fields ``caselib search --json`` prints too) with the page's labels and links."""
    rec = get_searcher().record(hit.id) or {}
    return hit.to_dict(lang) | {
        "language": rec.get("language") or "en",
        "original_lang": original_language(rec),
        "section_label": section_label(hit.matched_section, lang),
        "countries": labelled("countries", hit.countries, lang),
        "pillars": labelled("pillars", hit.pillars, lang),
        "themes": labelled("themes", hit.themes, lang),
        "url": url_for("pages.case", case_id=hit.id, lang=lang, _external=False),
        "api_url": url_for("api.case", case_id=hit.id),
    }


PAGE_CACHE = 256  # search pages' data kept per process (keyed by index build, so a new build starts afresh)


def search_data(state: SearchState, lang: str) -> dict[str, Any]:
    """The data of a results page (cached: repeated searches skip building ~100 facet links)."""
    searcher = get_searcher()
    cache = current_app.extensions.setdefault("caselib.page_cache", LRU(PAGE_CACHE))
    params = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in state.params().items())
    key = (searcher.build_id, params, lang, request.host_url, request.script_root)
    found = cache.get(key)
    if found is None:
        found = _search_data(searcher, state, lang)
        cache.put(key, found)
    return found


def _search_data(searcher, state: SearchState, lang: str) -> dict[str, Any]:
    result = searcher.search(**state.search_kwargs(), lang=lang)
    facets = []
    for name in FILTER_FIELDS:
        counts = result.facets.get(name, {})
        if not counts:
            continue
        facets.append(
            {
                "field": name,
                "values": [
                    {
                        "value": v,
                        "label": vocab.label(vocab.FACET_VOCAB[name], v, lang),
                        "count": c,
                        "active": state.is_active(name, v),
                        "toggle_url": state.toggled(name, v).url(lang),
                    }
                    for v, c in counts.items()
                ],
            }
        )
    active = [
        {
            "field": f,
            "value": v,
            "label": vocab.label(vocab.FACET_VOCAB[f], v, lang),
            "remove_url": state.toggled(f, v).url(lang),
        }
        for f, vs in state.filters.items()
        for v in vs
    ]
    if state.year_from is not None or state.year_to is not None:
        active.append(
            {
                "field": "years",
                "value": f"{state.year_from or ''}–{state.year_to or ''}",
                "label": f"{state.year_from or '…'}–{state.year_to or '…'}",
                "remove_url": state.with_(year_from=None, year_to=None).url(lang),
            }
        )
    pages = result.pages
    return {
        "query": result.query,
        "mode": result.mode,
        "sort": result.sort,
        "page": result.page,
        "per_page": result.per_page,
        "pages": pages,
        "total": result.total,
        "suggestion": result.suggestion,
        "suggestion_url": state.with_(q=result.suggestion).url(lang) if result.suggestion else None,
        "message": i18n.gettext("The query was shortened to {n} characters.", n=len(result.query))
        if result.message
        else None,
        "filters": {k: list(v) for k, v in state.filters.items()},
        "hidden": {
            k: v if isinstance(v, list) else [v] for k, v in state.params().items() if k not in ("q", "mode", "page")
        },
        "year_from": state.year_from,
        "year_to": state.year_to,
        "results": [hit_dict(h, lang) for h in result.hits],
        "related": [hit_dict(h, lang) for h in result.related],
        "facets": facets,
        "active_filters": active,
        "prev_url": state.with_(page=result.page - 1).url(lang) if result.page > 1 else None,
        "next_url": state.with_(page=result.page + 1).url(lang) if result.page < pages else None,
        "mode_urls": {m: state.with_(mode=m).url(lang) for m in ("hybrid", "keyword", "semantic")},
        "sort_urls": {s: state.with_(sort=s).url(lang) for s in ("relevance", "date")},
        "url": state.url(lang),
        "canonical_url": state.url(lang, _external=True),
        "api_url": state.url(endpoint="api.search"),
    }


def version_language(lang: str) -> str:
    """The case version a request asks for: ``?lang=`` when it names a case language (a version may
    exist in a language the interface is not offered in, e.g. fr), else the interface language."""
    asked = request.args.get("lang")
    return asked if asked in AUTONYMS else lang


def case_data(
    case_id: str,
    lang: str,
    with_similar: bool = True,
    version_lang: str | None = None,
    record: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a case page shows: labels in ``lang``, texts from the version in ``version_lang``
    (default ``lang``) where one exists, with the language each text is in (``*_lang``). ``record``: a
    full record not (yet) in the index — the reviewers' preview of a submission."""
    searcher = get_searcher()
    if record is None:
        record = searcher.get(case_id) if valid_id(case_id) else None
    if record is None:
        abort(404, description=not_found(case_id))
    meta = record["meta"]
    inst = meta.get("institution") or {}
    evidence = meta.get("evidence") or {}
    version_lang = version_lang or lang
    loc = localize_record(record, version_lang)  # the version in that language, as far as one exists
    shown_title = loc["title"]
    data = {
        "id": case_id,
        "title": shown_title,
        "title_lang": loc["title_lang"],
        # the practice's own-language name (or the English one) when it differs from the title shown
        "title_original": next(
            (t for t in (meta.get("title_original"), meta["title"]) if t and t != shown_title), None
        ),
        # the own-language name of a Spanish/Portuguese-bodied case is in that language; an English-bodied
        # case's (a local programme name) is in its first country's official language (CLDR), if known
        "title_original_lang": ("en" if meta.get("title_original") in (None, shown_title) else original_language(meta)),
        "language": meta.get("language"),
        "original_lang": original_language(meta),
        "summary": loc["summary"],
        "summary_lang": loc["summary_lang"],
        "summaries": meta.get("summary") or {},
        "body_lang": loc["body_lang"],
        "version": version_note(case_id, loc, version_lang, lang),
        "countries": labelled("countries", meta.get("countries") or [], lang),
        "locality": meta.get("locality"),
        "scale": labelled("scale", [meta["scale"]], lang)[0],
        "institution": {
            "name": inst.get("name"),
            "name_original": inst.get("name_original"),
            "type": labelled("institution_type", [inst.get("type", "other")], lang)[0],
        },
        "partners": meta.get("partners") or [],
        "pillars": labelled("pillars", meta.get("pillars") or [], lang),
        "themes": labelled("themes", meta.get("themes") or [], lang),
        "period": meta.get("period") or {},
        "status": labelled("status", [meta["status"]], lang)[0],
        "evidence": {
            "stage": dict(
                labelled("evidence_stage", [evidence.get("stage", "not-evaluated")], lang)[0],
                definition=vocab.definition("evidence_stage", evidence.get("stage", ""), lang),
            ),
            "rating": dict(
                labelled("evidence_rating", [evidence.get("rating", "not-rated")], lang)[0],
                definition=vocab.definition("evidence_rating", evidence.get("rating", ""), lang),
            ),
            "notes": loc["rationale"],  # v2 rationale (v1 notes), translated where a version has it
            "notes_lang": loc["rationale_lang"],
        },
        "channel": labelled("channel", [meta["channel"]], lang)[0],
        # each source as written, plus its date as the page shows it ("2011", "s.f.; consultado en …")
        "sources": [dict(s, date_text=render.source_date(s)) for s in meta.get("sources") or [] if isinstance(s, dict)],
        "contacts": meta.get("contacts") or [],
        "documentation": meta.get("documentation") or {},
        "related": [],
        "sections": [{"key": s["key"], "heading": s["heading"], "markdown": s["text"]} for s in loc["sections"]],
        "url": url_for("pages.case", case_id=case_id, lang=lang),
        "canonical_url": url_for("pages.case", case_id=case_id, lang=lang, _external=True),
        "citation": render.citation_text(meta, url_for("pages.case", case_id=case_id, _external=True), lang),
        "api_url": url_for("api.case", case_id=case_id),
    }
    for rid in meta.get("related") or []:
        rec = searcher.record(rid)
        if rec:
            data["related"].append(
                {"id": rid, "title": rec["title"], "url": url_for("pages.case", case_id=rid, lang=lang)}
            )
    if with_similar:
        data["similar"] = similar_data(case_id, lang)
        if data["similar"]:
            ids = [case_id] + [s["id"] for s in data["similar"][:3]]
            data["compare_similar_url"] = url_for("community.compare", ids=ids, lang=lang)
    return data


# language names in their own language, for "Also in" links (the same in every UI language)
AUTONYMS = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français"}


def version_note(case_id: str, loc: dict[str, Any], version_lang: str, lang: str) -> dict[str, Any]:
    """Which version the page shows, the original's language and links to the other versions."""
    original = loc["original_language"]

    def name(code: str) -> str:  # inside a sentence: "Traducido del inglés", "Translated from English"
        label = vocab.label("language", code, lang)
        return label if lang == "en" else label[:1].lower() + label[1:]

    return {
        "status": loc["status"],  # original | complete | partial | missing
        "original": {"code": original, "name": name(original)},
        "requested": {"code": version_lang, "name": name(version_lang)},
        "also_in": [
            {
                "code": code,
                "name": AUTONYMS.get(code, code),
                "status": loc["versions"][code],
                "url": url_for("pages.case", case_id=case_id, lang=code),
            }
            for code in loc["languages"]
            if code != version_lang
        ],
    }


def similar_data(case_id: str, lang: str, k: int = 5) -> list[dict[str, Any]]:
    if not valid_id(case_id):
        abort(404, description=not_found(case_id))
    try:
        sims = get_searcher().similar(case_id, k)
    except KeyError:
        abort(404, description=not_found(case_id))
    return [
        s.to_dict()
        | {
            "shared": {f: labelled(f, vs, lang) for f, vs in s.shared.items()},
            "url": url_for("pages.case", case_id=s.id, lang=lang),
            "api_url": url_for("api.case", case_id=s.id),
        }
        for s in sims
    ]


def facets_data(state: SearchState, lang: str) -> dict[str, Any]:
    counts = get_searcher().facets({k: list(v) for k, v in state.filters.items()})
    return {
        name: [
            {
                "value": v,
                "label": vocab.label(vocab.FACET_VOCAB[name], v, lang),
                "count": c,
            }
            for v, c in counts.get(name, {}).items()
        ]
        for name in FILTER_FIELDS
    }
