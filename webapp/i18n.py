"""Two UI languages (English, Spanish): chosen by ?lang=, else Accept-Language; kept in every link.

Messages are English strings looked up in translations/es.yml (a test checks every message
used in the templates has a Spanish translation). Vocabulary labels come from the schema's
vocabulary.yml and pycountry, so they are translated in one place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, request, url_for

from indexer import vocab
from indexer.frontmatter import safe_load

LANGUAGES = ("en", "es")
DEFAULT = "en"
_DIR = Path(__file__).parent / "translations"


@cache
def catalog(lang: str) -> dict[str, str]:
    path = _DIR / f"{lang}.yml"
    return safe_load(path.read_text(encoding="utf-8")) or {} if path.exists() else {}


def pick_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def current() -> str:
    if "lang" not in g:
        g.lang = pick_language()
    return g.lang


def gettext(message: str, **params) -> str:
    lang = current()
    text = catalog(lang).get(message, message) if lang != DEFAULT else message
    return text.format(**params) if params else text


def label(field: str, value: str) -> str:
    """Label of a controlled value (facet) in the current language."""
    return vocab.label(vocab.FACET_VOCAB.get(field, field), value, current())


def url(endpoint: str, **values) -> str:
    """url_for that keeps the page language in the link."""
    values.setdefault("lang", current())
    return url_for(endpoint, **values)


def switch_url(lang: str) -> str:
    """This page's URL in another language (every other parameter kept, whatever its name)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return request.path + "?" + urlencode(args)


FIELD_NAMES = {
    "pillars": "Pillars",
    "themes": "Themes",
    "countries": "Countries",
    "institution_type": "Institution",
    "scale": "Scale",
    "evidence_stage": "Evaluation",
    "evidence_rating": "Evidence rating",
    "status": "Status",
    "channel": "Channel",
    "language": "Language",
    "documentation_status": "Documentation",
}


def field_name(field: str) -> str:
    return gettext(FIELD_NAMES.get(field, field))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        _=gettext,
        label=label,
        current_lang=current,
        LANGUAGES=LANGUAGES,
        u=url,
        switch_url=switch_url,
        field_name=field_name,
    )
