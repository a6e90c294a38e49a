"""Case content for pages: sanitised Markdown, labels, citations (text, BibTeX, RIS)."""

from __future__ import annotations

from typing import Any

import markdown as md
import nh3
from flask import Response
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
}


def markdown_html(text: str) -> Markup:
    """Markdown to HTML with raw HTML sanitised: no scripts, handlers, javascript: URLs or iframes survive."""
    html = md.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def source_date(src: dict[str, Any]) -> str:
    """The date part of a source reference in the page's language: "2011", or "n.d." ("s.f.", "s.d.")
    for a document that shows no date (``year: null``), then "consulted …" when ``accessed`` is given."""
    from . import i18n

    year = src.get("year")
    text = str(year) if year is not None else i18n.gettext("n.d.")
    if src.get("accessed"):
        text += "; " + consulted(src["accessed"])
    return text


def consulted(accessed: str) -> str:
    """ "consulted in November 2026" / "consulted on 20 November 2026", in the page's language."""
    from . import i18n

    when = i18n.format_date(accessed)
    if len(str(accessed)) == 7:  # a month
        return i18n.gettext("consulted in {month}", month=when)
    return i18n.gettext("consulted on {date}", date=when)


def _authors(meta: dict[str, Any]) -> str:
    return (meta.get("documentation") or {}).get("documented_by") or "caselib"


def _year(meta: dict[str, Any]) -> str:
    reviewed = (meta.get("documentation") or {}).get("last_reviewed") or ""
    return reviewed[:4] or str(meta.get("period", {}).get("start", ""))[:4]


def citation_text(meta: dict[str, Any], url: str, lang: str = "en") -> str:
    """A plain-text citation with its fixed words in the page's language (the title as written)."""
    from . import i18n

    reviewed = (meta.get("documentation") or {}).get("last_reviewed")
    parts = [
        f"{_authors(meta)} ({_year(meta)}).",
        f"{meta['title']}.",
        i18n.gettext("caselib case “{id}”.", id=meta["id"]),
        url,
    ]
    if reviewed:
        parts.append(i18n.gettext("Last reviewed on {date}.", date=i18n.format_date(reviewed)))
    return " ".join(parts)


_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    **{c: "\\" + c for c in "&%$#_"},
}


def _bib_escape(text: str) -> str:
    """One line of BibTeX field text: whitespace collapsed, LaTeX specials escaped, braces balanced.

    BibTeX counts braces even after a backslash, so ``\\{`` alone would unbalance the field: the
    escaped braces are counted and any imbalance is closed or opened around the value."""
    out = "".join(_BIB_SPECIAL.get(c, c) for c in " ".join(str(text).split()))
    depth, low = 0, 0
    for c in out:
        depth += (c == "{") - (c == "}")
        low = min(low, depth)
    return "{" * -low + out + "}" * (depth - low)


def _ris(value: object) -> str:
    """One RIS field value: a line break would start a new tag (or a second record)."""
    return " ".join(str(value).split())


def bibtex(meta: dict[str, Any], url: str) -> str:
    key = "caselib-" + meta["id"]
    reviewed = (meta.get("documentation") or {}).get("last_reviewed", "n.d.")
    from . import i18n

    note = i18n.gettext("Practice documented in caselib; last reviewed on {date}", date=reviewed)
    return (
        f"@misc{{{key},\n"
        f"  title = {{{_bib_escape(meta['title'])}}},\n"
        f"  author = {{{{{_bib_escape(_authors(meta))}}}}},\n"
        f"  year = {{{_year(meta)}}},\n"
        f"  howpublished = {{\\url{{{url}}}}},\n"
        f"  note = {{{_bib_escape(note)}}}\n"
        "}\n"
    )


def ris(meta: dict[str, Any], url: str) -> str:
    fields = [
        ("TY", "GEN"),
        ("TI", meta["title"]),
        ("AU", _authors(meta)),
        ("PY", _year(meta)),
        ("UR", url),
        ("ID", f"caselib-{meta['id']}"),
    ]
    if meta.get("title_original"):
        fields.append(("T2", meta["title_original"]))
    fields += [("CY", code) for code in meta.get("countries") or []]
    fields += [("KW", theme) for theme in meta.get("themes") or []]
    from . import i18n

    summary = (meta.get("summary") or {}).get(i18n.current()) or (meta.get("summary") or {}).get("en")
    if summary:
        fields.append(("AB", summary))
    lines = [f"{tag}  - {_ris(value)}" for tag, value in fields]
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


def _ris_date(value: str) -> str:
    """An ISO date or month as RIS writes dates: ``2026/11/20/`` or ``2026/11//``."""
    parts = str(value).split("-")
    return "/".join((parts + ["", ""])[:3]) + "/"


def _source_key(case_id: str, i: int, src: dict[str, Any]) -> str:
    return f"caselib-{case_id}-{src.get('id') or f'source-{i + 1}'}"


def sources_ris(meta: dict[str, Any]) -> str:
    """The case's sources as RIS records, in the file's order. An undated source (``year: null``) has
    no PY (never a made-up year); ``accessed`` is the access date, Y2, as RIS writes dates."""
    records = []
    for i, src in enumerate(s for s in meta.get("sources") or [] if isinstance(s, dict)):
        fields = [
            ("TY", "ELEC" if src.get("url") else "GEN"),
            ("TI", src.get("title", "")),
            ("PB", src.get("publisher", "")),
        ]
        if src.get("year") is not None:
            fields.append(("PY", src["year"]))
        if src.get("url"):
            fields.append(("UR", src["url"]))
        if src.get("accessed"):
            fields.append(("Y2", _ris_date(src["accessed"])))
        if src.get("pages"):
            fields.append(("N1", src["pages"]))
        fields.append(("ID", _source_key(meta["id"], i, src)))
        lines = [f"{tag}  - {_ris(value)}" for tag, value in fields]
        records.append("\r\n".join([*lines, "ER  - "]) + "\r\n")
    return "".join(records)


def sources_bibtex(meta: dict[str, Any]) -> str:
    """The case's sources as BibTeX ``@misc`` entries. An undated source has no ``year`` field;
    ``accessed`` goes into ``urldate`` (biblatex) and, for classic BibTeX styles, into ``note``."""
    entries = []
    for i, src in enumerate(s for s in meta.get("sources") or [] if isinstance(s, dict)):
        fields = [("title", _bib_escape(src.get("title", ""))), ("organization", _bib_escape(src.get("publisher", "")))]
        if src.get("year") is not None:
            fields.append(("year", str(src["year"])))
        if src.get("url"):
            fields.append(("howpublished", f"\\url{{{src['url']}}}"))
            fields.append(("url", src["url"]))
        notes = [src["pages"]] if src.get("pages") else []
        if src.get("accessed"):
            fields.append(("urldate", str(src["accessed"])))
            notes.append(consulted(src["accessed"]))
        if notes:
            fields.append(("note", _bib_escape("; ".join(notes))))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        entries.append(f"@misc{{{_source_key(meta['id'], i, src)},\n{body}\n}}\n")
    return "\n".join(entries)


def attachment(body: str, mimetype: str, name: str) -> Response:
    """A download: ``body`` served as the file ``name``."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
