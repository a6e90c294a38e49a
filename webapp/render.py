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


def attachment(body: str, mimetype: str, name: str) -> Response:
    """A download: ``body`` served as the file ``name``."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
