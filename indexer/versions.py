"""A case in one language: the original and its translations merged into one localized view.

The view works on plain dicts, so the same function serves a loaded ``Case`` (``Case.localized``)
and a full record read from an index (``localize_record``), which is what the web app holds.

``localize(meta, sections, versions, lang)`` returns::

    {
      "requested": "es",                  # the language asked for
      "original_language": "en",          # the body language of the case file
      "languages": ["en", "es", "pt"],    # original first, then every translation (any status)
      "readable": ["en", "es"],           # original and complete translations
      "versions": {"en": "original", "es": "complete", "pt": "partial"},
      "status": "complete",               # of the requested language: original | complete | partial | missing
      "title": "...",      "title_lang": "es",
      "summary": "...",    "summary_lang": "es",
      "mechanism": "...",  "mechanism_lang": "es",       # None when the case has none
      "rationale": "...",  "rationale_lang": "en",
      "resources": {...},  "resources_lang": "es",       # the original's mapping, translated texts laid over it
      "evaluations": [...], "evaluations_lang": "es",    # likewise, entry by entry
      "sections": [{"key", "heading", "text"}, ...], "body_lang": "es",
    }

Every ``*_lang`` says which language the text is actually in, for ``lang`` attributes: a part
missing from the translation falls back to the original, whose body and front-matter free texts
(mechanism, rationale, resources, evaluation texts) are in the case's ``language``
(docs/registration-format.md#language-of-free-texts); the title falls back to English and the
summary to English or the language it is keyed by. Never silently to another language.
"""

from __future__ import annotations

import copy
from typing import Any

NOT_DOCUMENTED = "not-documented"


def record_versions(case) -> dict[str, dict[str, Any]]:  # noqa: ANN001 - a Case (import cycle)
    """The translations of a case as stored in its full record: language -> Translation.as_dict()."""
    return {t.language: t.as_dict() for t in case.translations if t.meta}


def _overlay(original: Any, translated: Any) -> Any:
    """The original structure with the translation's texts laid over it (same shape; tokens kept)."""
    if isinstance(original, dict) and isinstance(translated, dict):
        out = dict(original)
        for k, v in translated.items():
            if k in out:
                out[k] = _overlay(out[k], v)
        return out
    if isinstance(original, list) and isinstance(translated, list):
        return [_overlay(o, t) for o, t in zip(original, translated, strict=False)] + original[len(translated) :]
    if isinstance(translated, str) and isinstance(original, str) and original != NOT_DOCUMENTED:
        return translated
    return original


def localize(
    meta: dict[str, Any], sections: list[dict[str, Any]], versions: dict[str, dict[str, Any]], lang: str
) -> dict[str, Any]:
    """The case in ``lang`` as far as versions exist; see the module docstring for the keys."""
    original = meta.get("language", "en")
    summaries = meta.get("summary") or {}
    status = {original: "original", **{k: (v.get("meta") or {}).get("status", "partial") for k, v in versions.items()}}
    out: dict[str, Any] = {
        "requested": lang,
        "original_language": original,
        "languages": [original] + sorted(versions),
        "readable": [original] + sorted(k for k, s in status.items() if s == "complete"),
        "versions": status,
        "status": status.get(lang, "missing"),
    }
    tr = versions.get(lang) if lang != original else None
    tmeta = (tr or {}).get("meta") or {}

    # title: `title` is English; a case bodied in another language shows its `title_original` (the
    # practice's own name) in that language. An English-bodied case's title_original (e.g. the local
    # programme name, Vecinos Vigilantes) is a subtitle, not the English version's title.
    if tmeta.get("title"):
        out["title"], out["title_lang"] = tmeta["title"], lang
    elif lang == original != "en" and meta.get("title_original"):
        out["title"], out["title_lang"] = meta["title_original"], original
    else:
        out["title"], out["title_lang"] = meta.get("title", ""), "en"

    if tmeta.get("summary"):
        out["summary"], out["summary_lang"] = tmeta["summary"], lang
    elif summaries.get(lang):
        out["summary"], out["summary_lang"] = summaries[lang], lang
    else:
        fallback = "en" if summaries.get("en") else next(iter(summaries), "en")
        out["summary"], out["summary_lang"] = summaries.get(fallback, ""), fallback

    def text_part(name: str, value: Any, translated: Any) -> None:
        if value is None:
            out[name], out[f"{name}_lang"] = None, None
        elif translated:
            out[name], out[f"{name}_lang"] = _overlay(value, translated), lang
        else:
            out[name], out[f"{name}_lang"] = value, original

    text_part("mechanism", meta.get("mechanism"), tmeta.get("mechanism"))
    text_part(
        "rationale",
        (meta.get("evidence") or {}).get("rationale") or (meta.get("evidence") or {}).get("notes"),
        (tmeta.get("evidence") or {}).get("rationale"),
    )
    text_part("resources", copy.deepcopy(meta.get("resources")), tmeta.get("resources"))
    text_part("evaluations", copy.deepcopy(meta.get("evaluations")), tmeta.get("evaluations"))

    tsections = (tr or {}).get("sections") or []
    if tsections:
        out["sections"], out["body_lang"] = [dict(s) for s in tsections], lang
    else:
        out["sections"], out["body_lang"] = [dict(s) for s in sections], original
    return out


def localize_record(record: dict[str, Any], lang: str) -> dict[str, Any]:
    """``localize`` over a full record of an index build (``catalog.full``)."""
    return localize(record["meta"], record.get("sections") or [], record.get("versions") or {}, lang)
