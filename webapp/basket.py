"""A collection built in the browser (issue 18 §5): every state is in the address, so the page is a link
anyone can open — ``/basket?ids=a&ids=b&note.a=…&title=…`` — and its exports (collection YAML, CSV,
Markdown) are the same address with another ending. Nothing is stored on the server.

Without JavaScript, "Add to a collection" on a case opens a basket with that case, and the page's own
search adds more (like /compare). With JavaScript (``static/app.js``), the basket is kept in the
browser (localStorage) and every "Add" adds to it.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from flask import render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer.frontmatter import dump_yaml
from indexer.template import slugify

from . import data, exports, get_searcher, i18n, render
from .collections_web import case_summary
from .community import _lang, bp
from .state import BadQuery

MAX_CASES = 50
MAX_NOTE = 2_000
MAX_TITLE = 200


def parse(args: MultiDict) -> tuple[list[str], dict[str, str], str]:
    """Case ids (in order, no repeats), a note per id, and the title, from the query string."""
    ids = [v.strip() for raw in args.getlist("ids") for v in raw.split(",") if v.strip()]
    ids = [i for i in dict.fromkeys(ids) if data.valid_id(i)]
    if len(ids) > MAX_CASES:
        raise BadQuery(i18n.gettext("A collection built here holds at most {n} cases.", n=MAX_CASES))
    notes = {i: str(args.get(f"note.{i}", "")).replace("\r\n", "\n").strip()[:MAX_NOTE] for i in ids}
    title = " ".join(str(args.get("title", "")).split())[:MAX_TITLE]
    return ids, notes, title


def _url(endpoint: str, ids: list[str], notes: dict[str, str], title: str, lang: str, **kw: Any) -> str:
    params: dict[str, Any] = {"ids": ids, "lang": lang}
    if title:
        params["title"] = title
    params |= {f"note.{i}": n for i, n in notes.items() if n}
    return url_for(endpoint, **params, **kw)


def basket_data(args: MultiDict, lang: str) -> dict[str, Any]:
    """The collection the address describes, in the shape the collection exports take."""
    ids, notes, title = parse(args)
    cases, unknown = [], []
    for position, cid in enumerate(ids, 1):
        facts = case_summary(cid, lang)
        if facts is None:
            unknown.append(cid)
            continue
        rest = [x for x in ids if x != cid]
        cases.append(
            {
                "position": position,
                "note": notes.get(cid, ""),
                "note_lang": lang,
                "remove_url": _url("community.basket", rest, {k: v for k, v in notes.items() if k != cid}, title, lang),
                **facts,
            }
        )
    shown = [c["id"] for c in cases]
    notes = {k: v for k, v in notes.items() if k in shown}
    name = title or i18n.gettext("My collection")
    today = _dt.date.today().isoformat()
    return {
        "id": slugify(title)[:60].strip("-") or "my-collection",
        "title": name,
        "title_lang": lang,
        "description": "",
        "curator": {"name": i18n.gettext("Built in the browser"), "type": "community", "type_label": "", "url": None},
        "updated": today,
        "ids": shown,
        "unknown": unknown,
        "cases": cases,
        "links": [],
        "notes": notes,
        "title_given": title,
        "url": _url("community.basket", shown, notes, title, lang),
        "canonical_url": _url("community.basket", shown, notes, title, lang, _external=True),
        "yaml_url": _url("community.basket_yaml", shown, notes, title, lang),
        "csv_url": _url("community.basket_csv", shown, notes, title, lang),
        "markdown_url": _url("community.basket_markdown", shown, notes, title, lang),
        "compare_url": url_for("community.compare", ids=shown, lang=lang) if 2 <= len(shown) <= 4 else None,
    }


def collection_yaml(d: dict[str, Any], lang: str) -> str:
    """The basket as a file in the collections format (collections/*.yml), ready for a curator to finish."""
    todo = {
        "en": "TODO: who this collection is for and what its cases have in common.",
        "es": "TODO: para quién es esta colección y qué tienen en común sus casos.",
        "pt": "TODO: para quem é esta coleção e o que seus casos têm em comum.",
    }
    title_todo = {"en": "TODO: the title in English", "es": "TODO: el título en español"}
    titles = {k: v for k, v in title_todo.items() if k != lang} | {lang: d["title"]}
    descriptions = {k: todo[k] for k in dict.fromkeys(["en", "es", lang])}
    doc = {
        "id": d["id"] if len(d["id"]) >= 3 else f"collection-{d['id']}",
        "title": titles,
        "description": descriptions,
        "curator": {"name": "TODO: your community of practice or institution", "type": "community"},
        "language": lang,
        "updated": d["updated"],
        "cases": [{"id": c["id"], "note": {lang: c["note"] or "TODO: why this case is here"}} for c in d["cases"]],
        "links": [],
    }
    return dump_yaml(doc)


@bp.get("/basket")
def basket():
    lang = _lang()
    d = basket_data(request.args, lang)
    find = " ".join(request.args.get("find", "").split())[:200]
    found = []
    if find and len(d["ids"]) < MAX_CASES:
        hits = get_searcher().search(find, per_page=8 + len(d["ids"]), lang=lang, snippets=False)
        found = [
            {
                "id": h.id,
                "title": h.title,
                "add_url": _url("community.basket", [*d["ids"], h.id], d["notes"], d["title_given"], lang),
            }
            for h in [*hits.hits, *hits.related]
            if h.id not in d["ids"]
        ][:8]
    notes_html = {c["id"]: render.markdown_html(c["note"]) for c in d["cases"]}
    return render_template("basket.html", d=d, find=find, found=found, notes_html=notes_html, max=MAX_CASES)


@bp.get("/basket.yml")
def basket_yaml():
    lang = _lang()
    d = basket_data(request.args, lang)
    return render.attachment(collection_yaml(d, lang), "application/yaml", f"{d['id']}.yml")


@bp.get("/basket.csv")
def basket_csv():
    d = basket_data(request.args, _lang())
    return render.attachment(exports.collection_csv_text(d), "text/csv", f"{d['id']}.csv")


@bp.get("/basket.md")
def basket_markdown():
    d = basket_data(request.args, _lang())
    d["curator"]["type_label"] = i18n.gettext("Community of practice")
    return render.attachment(exports.collection_markdown_text(d), "text/markdown", f"{d['id']}.md")
