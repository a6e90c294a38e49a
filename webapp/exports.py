"""A collection as a handout: Markdown, CSV (the engine's one CSV writer) and Atom (the one Atom writer,
``feeds.atom``, shared with the site feed)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, url_for

from indexer.export import write_csv

from . import feeds, i18n, render
from .collections_web import collection_data
from .community import _lang, bp


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
