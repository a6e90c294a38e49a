"""Curated collections: loading (validated against the index's case ids), data dicts, pages, and the
current search saved as a ready-to-edit collection file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import abort, current_app, render_template, request, url_for

from indexer import Collection, collection_files, load_collections, vocab

from . import data, get_searcher, i18n, render
from .community import _lang, bp
from .saved_search import saved_search_text
from .state import SearchState

COMPARE_MIN, COMPARE_MAX = 2, 4


# --- collections: loading ---------------------------------------------------------------------------------------


def collections() -> dict[str, Collection]:
    """Valid collections by id, reloaded when a file or the index's case ids change."""
    app = current_app
    folder = Path(app.config["COLLECTIONS_DIR"])
    files = collection_files(folder) if folder.is_dir() else []
    ids = frozenset(get_searcher().case_ids())
    stamp = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        stamp.append((str(f), st.st_mtime_ns, st.st_size))
    key = (tuple(stamp), hash(ids))
    cached = app.extensions.get("caselib.collections")
    if cached is None or cached[0] != key:
        result = load_collections(files, set(ids))
        for p in result.errors():
            app.logger.warning("collection skipped: %s", p)
        cached = (key, {c.id: c for c in result.collections})
        app.extensions["caselib.collections"] = cached  # one assignment: readers see the old or the new state
    return cached[1]


def get_collection(collection_id: str) -> Collection:
    found = collections().get(collection_id) if data.valid_id(collection_id) else None
    if found is None:
        abort(404, description=i18n.gettext("There is no collection with the id “{id}”.", id=collection_id[:80]))
    return found


# --- collections: data dicts -------------------------------------------------------------------------------------


def _curator(c: Collection, lang: str) -> dict[str, Any]:
    cur = c.curator
    kind = {"community": i18n.gettext("Community of practice"), "institution": i18n.gettext("Institution")}
    return {"name": cur["name"], "type": cur["type"], "type_label": kind[cur["type"]], "url": cur.get("url")}


def _period(rec: dict[str, Any]) -> dict[str, Any]:
    period = rec.get("period") or {}
    return {"start": period.get("start"), "end": period.get("end")}


def case_summary(case_id: str, lang: str) -> dict[str, Any] | None:
    """The light facts of one case for lists and exports, or None when it is not in the index."""
    rec = get_searcher().record(case_id)
    if rec is None:
        return None
    inst = rec.get("institution") or {}
    evidence = rec.get("evidence") or {}
    summary = rec.get("summary") or {}
    return {
        "id": case_id,
        "title": rec["title"],
        "title_lang": "en",
        "title_original": rec.get("title_original"),
        "language": rec.get("language") or "en",
        "original_lang": data.original_language(rec),
        "summary": data.summary_in(summary, lang)[0],
        "summary_lang": data.summary_in(summary, lang)[1],
        "countries": data.labelled("countries", rec.get("countries") or [], lang),
        "period": _period(rec),
        "institution": inst.get("name"),
        "pillars": data.labelled("pillars", rec.get("pillars") or [], lang),
        "themes": data.labelled("themes", rec.get("themes") or [], lang),
        "evidence_stage": data.labelled("evidence_stage", [evidence.get("stage", "not-evaluated")], lang)[0],
        "evidence_rating": data.labelled("evidence_rating", [evidence.get("rating", "not-rated")], lang)[0],
        "last_reviewed": (rec.get("documentation") or {}).get("last_reviewed"),
        "url": url_for("pages.case", case_id=case_id, lang=lang),
        "canonical_url": url_for("pages.case", case_id=case_id, lang=lang, _external=True),
        "api_url": url_for("api.case", case_id=case_id),
    }


def _brief(c: Collection, lang: str) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title(lang),
        "title_lang": lang if c.data["title"].get(lang) else "en",
        "description": c.description(lang),
        "description_lang": lang if c.data["description"].get(lang) else "en",
        "curator": _curator(c, lang),
        "language": {"value": c.language, "label": vocab.label("language", c.language, lang)},
        "updated": c.updated,
        "case_count": len(c.entries),
        "link_count": len(c.links),
        "url": url_for("community.collection", collection_id=c.id, lang=lang),
        "api_url": url_for("api.collection_one", collection_id=c.id),
    }


def collections_data(lang: str) -> dict[str, Any]:
    items = sorted(collections().values(), key=lambda c: vocab.fold(c.title(lang)))
    return {
        "total": len(items),
        "collections": [_brief(c, lang) for c in items],
        "url": url_for("community.collection_list", lang=lang),
        "api_url": url_for("api.collection_list"),
    }


def collection_data(collection_id: str, lang: str) -> dict[str, Any]:
    c = get_collection(collection_id)
    entries = []
    for position, entry in enumerate(c.entries, 1):
        facts = case_summary(entry["id"], lang)
        if facts is not None:  # validated against the index, so only a race with a rebuild can drop one
            note, note_lang = c.note(entry, lang)
            entries.append({"position": position, "note": note, "note_lang": note_lang, **facts})
    search = c.search
    search_url = None
    if search:
        state = SearchState(
            q=search.get("q", ""),
            mode=search.get("mode", "hybrid"),
            sort=search.get("sort", "relevance"),
            filters={k: tuple(v) for k, v in (search.get("filters") or {}).items()},
            year_from=search.get("year_from"),
            year_to=search.get("year_to"),
        )
        search_url = state.url(lang)
    ids = [e["id"] for e in entries]
    return {
        **_brief(c, lang),
        "titles": dict(c.data["title"]),
        "descriptions": dict(c.data["description"]),
        "cases": entries,
        "links": [
            {"title": x["title"], "url": x["url"], "note": c.note(x, lang)[0] or None, "note_lang": c.note(x, lang)[1]}
            for x in c.links
        ],
        "notes_all_in_lang": all(e["note_lang"] == lang for e in entries),
        "search": search,
        "search_url": search_url,
        "compare_url": url_for("community.compare", ids=ids, lang=lang)
        if COMPARE_MIN <= len(ids) <= COMPARE_MAX
        else None,
        "canonical_url": url_for("community.collection", collection_id=c.id, lang=lang, _external=True),
        "atom_url": url_for("community.collection_atom", collection_id=c.id, lang=lang),
        "markdown_url": url_for("community.collection_markdown", collection_id=c.id, lang=lang),
        "csv_url": url_for("community.collection_csv", collection_id=c.id, lang=lang),
    }


# --- collections: pages and exports ------------------------------------------------------------------------------


@bp.get("/collections")
def collection_list():
    return render_template("collections.html", d=collections_data(_lang()))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    d = collection_data(collection_id, _lang())
    return render_template(
        "collection.html",
        d=d,
        description_html=render.markdown_html(d["description"]),
        notes_html={e["id"]: render.markdown_html(e["note"]) for e in d["cases"]},
        link_notes_html=[render.markdown_html(x["note"] or "") for x in d["links"]],
    )


# --- saved search -> collection ----------------------------------------------------------------------------------


@bp.get("/search/collection.yml")
def saved_search():
    """The current search as a ready-to-edit collection file (its query, filters and top cases)."""
    lang = _lang()
    state = SearchState.from_args(request.args)
    kwargs = dict(state.search_kwargs(), page=1)
    result = get_searcher().search(**kwargs, lang=lang, snippets=False)
    params = state.with_(page=1).params()
    search = {k: params[k] for k in ("q", "mode", "sort", "year_from", "year_to") if k in params}
    if state.filters:
        search["filters"] = {k: list(v) for k, v in state.filters.items()}
    labels = {
        lab_lang: {v: vocab.label(_vocab_key(f), v, lab_lang) for f, vs in state.filters.items() for v in vs}
        for lab_lang in i18n.LANGUAGES
    }
    text = saved_search_text(
        search,
        [(h.id, h.title) for h in result.hits],
        lang=lang,
        search_url=state.with_(page=1).url(lang, _external=True),
        filter_labels=labels,
    )
    name = re.search(r"^id: (\S+)$", text, re.M).group(1)
    return render.attachment(text, "application/yaml", f"{name}.yml")


def _vocab_key(field: str) -> str:
    return "countries" if field == "countries" else vocab.FACET_VOCAB.get(field, field)
