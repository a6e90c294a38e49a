"""The one Atom writer: the site feed (/feed.atom) and every collection feed go through ``atom``.

feedgen builds the XML with lxml, so text and attribute values are always escaped (a ``"`` in a
link's URL cannot end its ``href``). Characters XML 1.0 forbids (C0 controls, lone surrogates,
U+FFFE/U+FFFF) are refused by ``caselib check`` and dropped here as well, so an index built before
that check still gives a well-formed feed.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    updated: str  # YYYY-MM-DD or an ISO timestamp
    summary: str = ""
    content: str | None = None
    # the language of the title, summary and content when it is not the feed's (xml:lang on each)
    title_lang: str | None = None
    summary_lang: str | None = None
    content_lang: str | None = None


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", " ".join(str(value or "").split()))


def _when(value: str) -> _dt.datetime:
    stamp = _dt.datetime.fromisoformat(value[:10] if len(value) <= 10 else value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.UTC)


def atom(
    *,
    id: str,  # noqa: A002 - Atom's own name
    title: str,
    self_url: str,
    alternate: str,
    updated: str,
    author: str,
    entries: list[Entry],
    subtitle: str | None = None,
    language: str | None = None,
    title_lang: str | None = None,
    subtitle_lang: str | None = None,
) -> bytes:
    """An Atom 1.0 document (UTF-8 bytes) with ``entries`` in the given order."""
    fg = FeedGenerator()
    fg.id(_text(id) or _text(alternate))
    fg.title(_text(title) or "caselib")
    if language:
        fg.language(language)  # xml:lang on the feed
    if subtitle:
        fg.subtitle(_text(subtitle))
    fg.link(href=_text(self_url), rel="self")
    fg.link(href=_text(alternate), rel="alternate")
    fg.updated(_when(updated))
    fg.author({"name": _text(author) or "caselib"})
    fg.generator("caselib")
    for e in entries:
        item = fg.add_entry(order="append")
        item.id(_text(e.id) or _text(e.link))
        item.title(_text(e.title) or "…")  # Atom requires a title; validation requires one too
        item.link(href=_text(e.link), rel="alternate")
        item.updated(_when(e.updated))
        if e.summary:
            item.summary(_text(e.summary))
        if e.content:
            item.content(_text(e.content), type="text")
    xml = fg.atom_str(pretty=False, encoding="utf-8", xml_declaration=True)
    marks = [(e.title_lang, e.summary_lang, e.content_lang) for e in entries]
    if not (title_lang or subtitle_lang or any(any(m) for m in marks)):
        return xml
    return _mark_languages(xml, title_lang, subtitle_lang, marks)


ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _mark_languages(xml: bytes, title_lang, subtitle_lang, marks) -> bytes:
    """xml:lang on the feed's and entries' texts written in another language than the feed's."""
    from lxml import etree

    root = etree.fromstring(xml)
    for tag, lang in (("title", title_lang), ("subtitle", subtitle_lang)):
        el = root.find(ATOM + tag)
        if lang and el is not None:
            el.set(XML_LANG, lang)
    for entry, langs in zip(root.findall(ATOM + "entry"), marks, strict=True):
        for tag, lang in zip(("title", "summary", "content"), langs, strict=True):
            el = entry.find(ATOM + tag)
            if lang and el is not None:
                el.set(XML_LANG, lang)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
