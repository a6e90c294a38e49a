"""HTML pages: home, search, case, browse, about, feeds and sitemap."""

from __future__ import annotations

import datetime as _dt
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from indexer import FILTER_FIELDS, vocab

from . import data, feeds, get_searcher, i18n, render
from .state import SearchState

bp = Blueprint("pages", __name__)
BROWSE_FIELDS = ("pillars", "countries", "themes")


def _lang() -> str:
    return i18n.current()


@bp.get("/")
def home():
    lang = _lang()
    searcher = get_searcher()
    counts = searcher.facets()
    browse = {
        f: [
            {"value": v, "label": i18n.label(f, v), "count": c, "url": url_for("pages.search", **{f: v}, lang=lang)}
            for v, c in counts.get(f, {}).items()
        ]
        for f in BROWSE_FIELDS
    }
    recent = [dict(r, original_lang=data.original_language(r)) for r in searcher.recent(6)]
    return render_template("home.html", browse=browse, recent=recent, total=len(searcher.case_ids()))


@bp.get("/search")
def search():
    lang = _lang()
    state = SearchState.from_args(request.args)
    d = data.search_data(state, lang)
    return render_template("search.html", d=d, state=state)


@bp.get("/cases/<case_id>")
def case(case_id: str):
    lang = _lang()
    d = data.case_data(case_id, lang, version_lang=data.version_language(lang))
    for s in d["sections"]:
        s["html"] = render.markdown_html(s["markdown"])
    return render_template("case.html", d=d)


@bp.get("/cases/<case_id>/cite.<any(bib, ris):fmt>")
def cite(case_id: str, fmt: str):
    """Citation download: BibTeX or RIS."""
    meta = _meta(case_id)
    url = url_for("pages.case", case_id=case_id, _external=True)
    if fmt == "bib":
        return render.attachment(render.bibtex(meta, url), "application/x-bibtex", f"caselib-{case_id}.bib")
    return render.attachment(render.ris(meta, url), "application/x-research-info-systems", f"caselib-{case_id}.ris")


@bp.get("/cases/<case_id>/sources.<any(bib, ris):fmt>")
def cite_sources(case_id: str, fmt: str):
    """The case's sources as a bibliography download: BibTeX or RIS (undated ones without a year)."""
    meta = _meta(case_id)
    if fmt == "bib":
        body = render.sources_bibtex(meta)
        return render.attachment(body, "application/x-bibtex", f"caselib-{case_id}-sources.bib")
    body = render.sources_ris(meta)
    return render.attachment(body, "application/x-research-info-systems", f"caselib-{case_id}-sources.ris")


def _meta(case_id: str) -> dict:
    record = get_searcher().get(case_id) if data.valid_id(case_id) else None
    if record is None:
        abort(404, description=data.not_found(case_id))
    return record["meta"]


@bp.get("/browse/<field>")
def browse(field: str):
    if field not in FILTER_FIELDS:
        abort(404, description=i18n.gettext("Cases cannot be browsed by “{field}”.", field=field[:40]))
    lang = _lang()
    counts = get_searcher().facets().get(field, {})
    values = sorted(
        (
            {
                "value": v,
                "label": i18n.label(field, v),
                "count": c,
                "url": url_for("pages.search", **{field: v}, lang=lang),
            }
            for v, c in counts.items()
        ),
        key=lambda x: vocab.fold(x["label"]),
    )
    return render_template("browse.html", field=field, values=values)


@bp.get("/about")
def about():
    lang = _lang()
    vocab_tables = {
        key: [
            {"value": v, "label": vocab.label(key, v, lang), "definition": vocab.definition(key, v, lang)}
            for v in vocab.enum_values(key)
        ]
        for key in (
            "pillars",
            "themes",
            "institution_type",
            "scale",
            "status",
            "evidence_stage",
            "evidence_rating",
            "channel",
            "documentation_status",
        )
    }
    manifest = get_searcher().manifest
    return render_template("about.html", tables=vocab_tables, manifest=manifest)


@bp.get("/feed.atom")
def feed():
    records = get_searcher().recent(50)
    lang = _lang()
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    site = url_for("pages.home", _external=True)
    entries = []
    for r in records[:50]:
        link = url_for("pages.case", case_id=r["id"], lang=lang, _external=True)
        summary, summary_lang = data.summary_in(r.get("summary"), lang)
        entries.append(
            feeds.Entry(
                link,
                r["title"],
                link,
                _day(r),
                summary or "",
                title_lang=_other_lang("en", lang),
                summary_lang=_other_lang(summary_lang, lang),
            )
        )
    xml = feeds.atom(
        id=site,
        title=f"caselib: {i18n.gettext('New and updated cases')}",
        self_url=url_for("pages.feed", lang=lang, _external=True),
        alternate=site,
        updated=_day(records[0]) if records else now,
        author="caselib",
        entries=entries,
        language=i18n.html_lang(lang),
    )
    return Response(xml, mimetype="application/atom+xml")


def _other_lang(text_lang: str, page_lang: str) -> str | None:
    return i18n.html_lang(text_lang) if text_lang != page_lang else None


def _day(record: dict) -> str:
    return (record.get("documentation") or {}).get("last_reviewed") or "2011-11-01"


@bp.get("/sitemap.xml")
def sitemap():
    urls = [url_for("pages.home", _external=True), url_for("pages.about", _external=True)]
    urls += [url_for("pages.browse", field=f, _external=True) for f in BROWSE_FIELDS]
    for cid in get_searcher().case_ids():
        for lang in i18n.LANGUAGES:
            urls.append(url_for("pages.case", case_id=cid, lang=lang, _external=True))
    from .community import collections

    urls.append(url_for("community.collection_list", _external=True))
    for cid in collections():
        for lang in i18n.LANGUAGES:
            urls.append(url_for("community.collection", collection_id=cid, lang=lang, _external=True))
    body = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    xml = f'<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    return Response(
        f"User-agent: *\nAllow: /\nSitemap: {url_for('pages.sitemap', _external=True)}\n", mimetype="text/plain"
    )


@bp.get("/cases/")
@bp.get("/cases")
def cases_index():
    return redirect(url_for("pages.search", lang=_lang()))
