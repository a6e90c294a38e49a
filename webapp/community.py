"""Communities of practice: curated collections, saved searches, case comparison and the draft form.

Collections are read from COLLECTIONS_DIR (collections/*.yml), validated against the searcher's
case ids with the same code as `caselib check`; a broken file is logged and skipped, never a 500.
Every page is a plain GET URL (the draft form also accepts POST) and writes nothing on the server.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer import messages, vocab
from indexer.collections import Collection, collection_files, load_collections, saved_search_text
from indexer.export import write_csv

from . import data, draft, feeds, get_searcher, i18n, render
from .state import BadRequest, SearchState

bp = Blueprint("community", __name__)
COMPARE_MIN, COMPARE_MAX = 2, 4
EXCERPT_WORDS = 70


def _lang() -> str:
    return i18n.current()


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


def _md_text(text: str) -> str:
    """One-line text safe inside Markdown link text."""
    return re.sub(r"([\[\]\\])", r"\\\1", " ".join(str(text).split()))


def _period_text(period: dict[str, Any]) -> str:
    return f"{period.get('start')}–{period.get('end') or '…'}"


def collection_markdown_text(d: dict[str, Any]) -> str:
    """A handout in Markdown: title, description, every case with its note, outside links."""
    out = [f"# {d['title']}", "", d["description"].strip(), ""]
    out.append(
        f"*{i18n.gettext('Curated by')} {d['curator']['name']} ({d['curator']['type_label']}) · "
        f"{i18n.gettext('Updated')} {d['updated']}*"
    )
    out += ["", f"<{d['canonical_url']}>", ""]
    if d["cases"]:
        out += [f"## {i18n.gettext('Cases')}", ""]
    for e in d["cases"]:
        out.append(f"### {e['position']}. [{_md_text(e['title'])}]({e['canonical_url']})")
        out.append("")
        if e["title_original"] and e["title_original"] != e["title"]:
            out += [f"*{e['title_original']}*", ""]
        countries = ", ".join(c["label"] for c in e["countries"])
        out += [f"{countries} · {_period_text(e['period'])} · {e['institution']}", ""]
        out += [
            f"{i18n.gettext('Evaluation')}: {e['evidence_stage']['label']} · "
            f"{i18n.gettext('Evidence rating')}: {e['evidence_rating']['label']}",
            "",
        ]
        out += ["> " + line if line else ">" for line in e["note"].strip().splitlines()]
        out += ["", e["summary"] or "", ""]
    if d["links"]:
        out += [f"## {i18n.gettext('Outside links')}", ""]
        for x in d["links"]:
            note = f" — {' '.join(x['note'].split())}" if x.get("note") else ""
            out.append(f"- [{_md_text(x['title'])}]({x['url']}){note}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def csv_text(rows: list[list[Any]]) -> str:
    """CSV through the engine's one CSV writer (cells neutralised against formulas, OWASP), with a BOM
    so Excel reads accents."""
    return "\ufeff" + write_csv(rows)


def collection_csv_text(d: dict[str, Any]) -> str:
    """One row per case, for a spreadsheet or a meeting handout."""
    rows = [
        [
            "#",
            "id",
            i18n.gettext("Title"),
            i18n.gettext("Original title"),
            i18n.gettext("Countries"),
            i18n.gettext("Institution"),
            i18n.gettext("Period"),
            i18n.gettext("Pillars"),
            i18n.gettext("Themes"),
            i18n.gettext("Evaluation"),
            i18n.gettext("Evidence rating"),
            i18n.gettext("Curator's note"),
            "URL",
        ]
    ]
    for e in d["cases"]:
        rows.append(
            [
                e["position"],
                e["id"],
                e["title"],
                e["title_original"] or "",
                "; ".join(c["label"] for c in e["countries"]),
                e["institution"] or "",
                _period_text(e["period"]),
                "; ".join(p["label"] for p in e["pillars"]),
                "; ".join(t["label"] for t in e["themes"]),
                e["evidence_stage"]["label"],
                e["evidence_rating"]["label"],
                " ".join(e["note"].split()),
                e["canonical_url"],
            ]
        )
    return csv_text(rows)


def _other_lang(text_lang: str | None) -> str | None:
    """The language tag of feed text written in another language than the page's, else None."""
    return i18n.html_lang(text_lang) if text_lang and text_lang != _lang() else None


def collection_atom_text(d: dict[str, Any]) -> bytes:
    """An Atom feed of the collection: one entry per case (and per outside link), in the curator's order."""
    notes = _other_lang(d["language"]["value"])
    entries = [
        feeds.Entry(
            e["canonical_url"],
            e["title"],
            e["canonical_url"],
            e["last_reviewed"] or d["updated"],
            e["note"],
            e["summary"],
            title_lang=_other_lang(e["title_lang"]),
            summary_lang=notes,
            content_lang=_other_lang(e["summary_lang"]),
        )
        for e in d["cases"]
    ]
    entries += [
        feeds.Entry(
            x["url"],
            x["title"],
            x["url"],
            d["updated"],
            x.get("note") or x["title"],
            title_lang=notes,
            summary_lang=notes,
        )
        for x in d["links"]
    ]
    return feeds.atom(
        language=i18n.html_lang(_lang()),
        title_lang=_other_lang(d["title_lang"]),
        subtitle_lang=_other_lang(d["description_lang"]),
        id=d["canonical_url"],
        title=f"caselib: {d['title']}",
        subtitle=d["description"],
        self_url=url_for("community.collection_atom", collection_id=d["id"], lang=_lang(), _external=True),
        alternate=d["canonical_url"],
        updated=d["updated"],
        author=d["curator"]["name"],
        entries=entries,
    )


@bp.get("/collections/<collection_id>.atom")
def collection_atom(collection_id: str):
    return Response(collection_atom_text(collection_data(collection_id, _lang())), mimetype="application/atom+xml")


@bp.get("/collections/<collection_id>.md")
def collection_markdown(collection_id: str):
    d = collection_data(collection_id, _lang())
    return render.attachment(collection_markdown_text(d), "text/markdown", f"{d['id']}.md")


@bp.get("/collections/<collection_id>.csv")
def collection_csv(collection_id: str):
    d = collection_data(collection_id, _lang())
    return render.attachment(collection_csv_text(d), "text/csv", f"{d['id']}.csv")


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


# --- compare -----------------------------------------------------------------------------------------------------


def parse_ids(args: MultiDict) -> list[str]:
    """Case ids from ``?ids=a&ids=b`` (or ``ids=a,b``), in order, without repeats or blanks."""
    ids = [v.strip() for raw in args.getlist("ids") for v in raw.split(",") if v.strip()]
    ids = list(dict.fromkeys(ids))
    if len(ids) > COMPARE_MAX:
        raise BadRequest(
            i18n.gettext("Choose from {lo} to {hi} cases to compare; this link names {n}.", lo=2, hi=4, n=len(ids))
        )
    return ids


def _excerpt(markdown: str, words: int = EXCERPT_WORDS) -> str:
    """The first paragraph (or list) of a section, its lines kept, cut after ``words`` words."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown or "") if p.strip()]
    if not paragraphs:
        return ""
    out, count = [], 0
    for line in paragraphs[0].splitlines():
        parts = line.split()
        if count + len(parts) > words:
            out.append(" ".join(parts[: max(words - count, 0)]) + " …")
            break
        out.append(line.rstrip())
        count += len(parts)
    return "\n".join(out)


def _column(case_id: str, lang: str) -> dict[str, Any] | None:
    full = get_searcher().get(case_id) if data.valid_id(case_id) else None
    if full is None:
        return None
    d = data.case_data(case_id, lang, with_similar=False)
    sections = {s["key"]: s["markdown"] for s in d["sections"]}
    return {
        "id": case_id,
        "title": d["title"],
        "title_lang": d["title_lang"],
        "title_original": d["title_original"],
        "language": d["language"],
        "original_lang": d["original_lang"],
        "summary": d["summary"],
        "summary_lang": d["summary_lang"],
        "problem": _excerpt(sections.get("context", "")),
        "results": _excerpt(sections.get("results", "")),
        "countries": d["countries"],
        "locality": d["locality"],
        "institution": d["institution"],
        "scale": d["scale"],
        "period": d["period"],
        "status": d["status"],
        "pillars": d["pillars"],
        "themes": d["themes"],
        "evidence": d["evidence"],
        "sources": len(d["sources"]),
        "url": d["url"],
        "api_url": d["api_url"],
    }


def _shared(columns: list[dict[str, Any]], lang: str) -> dict[str, list[dict[str, str]]]:
    """Values every compared case has: countries, pillars, themes, institution type, scale, evaluation."""
    if len(columns) < 2:
        return {}
    out: dict[str, list[dict[str, str]]] = {}
    for f in ("countries", "pillars", "themes"):
        common = set.intersection(*({x["value"] for x in c[f]} for c in columns))
        values = [x for x in columns[0][f] if x["value"] in common]
        if values:
            out[f] = values
    for f, get in (
        ("institution_type", lambda c: c["institution"]["type"]),
        ("scale", lambda c: c["scale"]),
        ("evidence_stage", lambda c: c["evidence"]["stage"]),
    ):
        values = {get(c)["value"] for c in columns}
        if len(values) == 1:
            first = get(columns[0])
            out[f] = [{"value": first["value"], "label": first["label"]}]
    return out


def compare_data(ids: list[str], lang: str) -> dict[str, Any]:
    columns, unknown = [], []
    for cid in ids:
        col = _column(cid, lang)
        if col is None:
            unknown.append(cid[:80])
        else:
            columns.append(col)
    shown = [c["id"] for c in columns]
    for c in columns:
        rest = [x for x in shown if x != c["id"]]
        c["remove_url"] = url_for("community.compare", ids=rest, lang=lang)
    return {
        "ids": shown,
        "unknown": unknown,
        "cases": columns,
        "shared": _shared(columns, lang),
        "min": COMPARE_MIN,
        "max": COMPARE_MAX,
        "url": url_for("community.compare", ids=shown, lang=lang),
        "canonical_url": url_for("community.compare", ids=shown, lang=lang, _external=True),
        "api_url": url_for("api.compare", ids=shown),
    }


@bp.get("/compare")
def compare():
    lang = _lang()
    d = compare_data(parse_ids(request.args), lang)
    for c in d["cases"]:
        c["problem_html"] = render.markdown_html(c["problem"])
        c["results_html"] = render.markdown_html(c["results"])
    find = " ".join(request.args.get("find", "").split())[:200]
    sh = {f: [x["value"] for x in d["shared"].get(f, [])] for f in ("countries", "pillars", "themes")}
    return render_template("compare.html", d=d, find=find, found=compare_candidates(find, d["ids"], lang), sh=sh)


def compare_candidates(find: str, ids: list[str], lang: str, k: int = 8) -> list[dict[str, str]]:
    """Cases to add to a comparison, found by searching (a library of 100k cases is no drop-down list)."""
    if not find or len(ids) >= COMPARE_MAX:
        return []
    found = get_searcher().search(find, per_page=k + len(ids), lang=lang, snippets=False)
    hits = [*found.hits, *found.related]  # a picker offers the nearest cases even when none is a close match
    return [
        {"id": h.id, "title": h.title, "add_url": url_for("community.compare", ids=[*ids, h.id], lang=lang)}
        for h in hits
        if h.id not in ids
    ][:k]


# --- draft a case ------------------------------------------------------------------------------------------------

DRAFT_CHOICES = (
    "scale",
    "institution_type",
    "pillars",
    "themes",
    "status",
    "evidence_stage",
    "evidence_rating",
    "channel",
    "documentation_status",
    "language",
)


# The draft form's label of each field a problem can point at (the same messages as the form's labels).
FIELD_LABELS = {
    "id": i18n.N_("Id (file name)"),
    "title": i18n.N_("Title in English"),
    "title_original": i18n.N_("Original title"),
    "language": i18n.N_("Language of the text"),
    "countries": i18n.N_("Countries"),
    "locality": i18n.N_("Locality"),
    "scale": i18n.N_("Scale"),
    "institution": i18n.N_("Institution"),
    "institution.name": i18n.N_("Institution: name in English"),
    "institution.name_original": i18n.N_("Institution: name in its own language"),
    "institution.type": i18n.N_("Institution type"),
    "partners": i18n.N_("Partners"),
    "pillars": i18n.N_("Pillars"),
    "pillars.primary": i18n.N_("Primary pillar"),
    "themes": i18n.N_("Themes"),
    "period": i18n.N_("Period and status"),
    "period.start": i18n.N_("Start"),
    "period.end": i18n.N_("End"),
    "status": i18n.N_("Status"),
    "evidence": i18n.N_("Evidence"),
    "evidence.stage": i18n.N_("Evaluation"),
    "evidence.rating": i18n.N_("Evidence rating"),
    "evidence.notes": i18n.N_("Evidence notes"),
    "channel": i18n.N_("Channel"),
    "sources": i18n.N_("Sources"),
    "summary": i18n.N_("Summaries"),
    "summary.en": i18n.N_("Summary in English"),
    "summary.es": i18n.N_("Summary in Spanish"),
    "summary.pt": i18n.N_("Summary in Portuguese (optional)"),
    "related": i18n.N_("Related cases"),
    "contacts": i18n.N_("Links and contacts"),
    "documentation": i18n.N_("Documentation"),
    "documentation.status": i18n.N_("Documentation status"),
    "documentation.documented_by": i18n.N_("Documented by"),
    "documentation.last_reviewed": i18n.N_("Last reviewed"),
}
ROW_LABELS = {
    "title": i18n.N_("Title"),
    "publisher": i18n.N_("Publisher"),
    "year": i18n.N_("Year"),
    "url": i18n.N_("Web address"),
    "pages": i18n.N_("Pages or section"),
    "name": i18n.N_("Office or unit"),
    "email": i18n.N_("E-mail"),
}


def field_label(anchor: str) -> str:
    """A form field's label in the page's language: 'sources[1].year' -> 'Source 2: Year'."""
    row = re.fullmatch(r"(sources|contacts)\[(\d+)\]\.(\w+)", anchor)
    if row:
        group, i, sub = row.group(1), int(row.group(2)), row.group(3)
        whose = i18n.gettext("Source {n}", n=i + 1) if group == "sources" else i18n.gettext("Contact {n}", n=i + 1)
        return f"{whose}: {i18n.gettext(ROW_LABELS[sub]) if sub in ROW_LABELS else sub}"
    return i18n.gettext(FIELD_LABELS[anchor]) if anchor in FIELD_LABELS else anchor


def problem_text(p) -> str:
    """A problem in the page's language and the form's words (no file lines, no repository paths)."""
    return messages.render(p, i18n.current(), form=True)


@bp.route("/draft", methods=["GET", "POST"])
def draft_form():
    """The registration format as a form; "check" validates, "download" returns the file. Nothing is stored."""
    lang = _lang()
    form = request.form if request.method == "POST" else request.args
    long_field = draft.too_long(form)
    if long_field:
        abort(
            413,
            description=i18n.gettext(
                "The field “{field}” is longer than {n} characters: shorten it.", field=long_field[0], n=long_field[1]
            ),
        )
    started = request.method == "POST" or "action" in form or any(k in form for k in draft.SCALARS)
    known = set(get_searcher().case_ids())
    d = draft.check(form, known_ids=known) if started else draft.blank()
    blocked = False
    if started and form.get("action") == "download":
        if not d.errors:
            return render.attachment(d.text, "text/markdown", d.file_name)
        blocked = True
    choices = {key: [(v, vocab.label(key, v, lang)) for v in vocab.enum_values(key)] for key in DRAFT_CHOICES}
    headings = {key: names.get(lang, names["en"]) for key, names in vocab.SECTIONS}
    exists = started and d.case_id in known
    return render_template(
        "draft.html",
        d=d,
        choices=choices,
        headings=headings,
        blocked=blocked,
        exists=exists,
        today=_dt.date.today(),
        field_label=field_label,
        problem_text=problem_text,
    )
