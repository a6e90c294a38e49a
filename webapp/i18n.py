"""Three UI languages (English, Spanish, Brazilian Portuguese): chosen by ?lang=, else Accept-Language.

Messages are gettext catalogs (webapp/translations, extracted by pybabel: ``make translations``) read
through Flask-Babel, which also formats dates and numbers with CLDR's locale data. Messages use
``str.format`` fields: ``_("{n} cases for “{q}”", n=3, q=q)``; plurals: ``ngettext("{n} case", "{n} cases", n)``.
Vocabulary labels come from the schema's vocabulary.yml and country names from CLDR (indexer.vocab).
"""

from __future__ import annotations

import datetime as _dt
from urllib.parse import urlencode

import flask_babel
from flask import Flask, g, has_request_context, request, url_for
from markupsafe import Markup, escape

from indexer import i18n as catalogs
from indexer import vocab

LANGUAGES = catalogs.LANGUAGES
DEFAULT = catalogs.DEFAULT
# BCP 47 tags for lang="" attributes: the Portuguese is Brazil's, the Spanish a neutral Latin American one.
HTML_LANG = {"en": "en", "es": "es", "pt": "pt-BR"}
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português"}  # each in its own language
N_ = catalogs.N_


def pick_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def current() -> str:
    if not has_request_context():
        return DEFAULT
    if "lang" not in g:
        g.lang = pick_language()
    return g.lang


def _translations():
    return flask_babel.get_translations() if has_request_context() else catalogs.translations(DEFAULT)


def gettext(message: str, **params) -> str:
    text = _translations().gettext(message)
    return text.format(**params) if params else text


_ = gettext


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    return _translations().ngettext(singular, plural, n).format(n=format_number(n), **params)


def format_number(n: int | float) -> str:
    return flask_babel.format_decimal(n) if has_request_context() else str(n)


def format_date(value, form: str = "long") -> str:
    """A date (or 'YYYY-MM-DD' / 'YYYY-MM' / 'YYYY' text) as the page's language writes it."""
    if value in (None, ""):
        return ""
    if isinstance(value, _dt.datetime):
        return flask_babel.format_date(value.date(), form)
    if isinstance(value, _dt.date):
        return flask_babel.format_date(value, form)
    text = str(value)
    try:
        if len(text) == 10:
            return flask_babel.format_date(_dt.date.fromisoformat(text), form)
        if len(text) == 7:
            from babel.dates import format_skeleton

            day = _dt.date.fromisoformat(text + "-01")
            return format_skeleton("yMMMM" if form == "long" else "yMMM", day, locale=flask_babel.get_locale())
        if len(text) >= 19:  # an ISO timestamp, e.g. the index's build time
            return flask_babel.format_date(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date(), form)
    except ValueError:
        pass
    return text


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


def html_lang(lang: str | None = None) -> str:
    return HTML_LANG.get(lang or current(), lang or current())


def in_lang(text, lang: str | None) -> Markup:
    """``text`` marked with its language when that differs from the page's (``<span lang="en">…</span>``)."""
    if not text:
        return Markup("")
    if not lang or lang == current():
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(html_lang(lang), text)


def lang_attr(lang: str | None) -> Markup:
    """`` lang="xx"`` for an element whose text is in ``lang``, when that differs from the page's language."""
    if not lang or lang == current():
        return Markup("")
    return Markup(' lang="{}"').format(html_lang(lang))


FIELD_NAMES = {
    "pillars": N_("Pillars"),
    "themes": N_("Themes"),
    "countries": N_("Countries"),
    "institution_type": N_("Institution"),
    "scale": N_("Scale"),
    "evidence_stage": N_("Evaluation"),
    "evidence_rating": N_("Evidence rating"),
    "status": N_("Status"),
    "channel": N_("Channel"),
    "language": N_("Language"),
    "documentation_status": N_("Documentation"),
    "problems": N_("Problems addressed"),
    "target_population": N_("Target population"),
    "setting": N_("Setting"),
    "translation": N_("Readable in"),
}


def field_name(field: str) -> str:
    return gettext(FIELD_NAMES[field]) if field in FIELD_NAMES else field


def init_app(app: Flask) -> None:
    try:
        catalogs.compile_catalogs()  # a fresh clone: the .mo files are built here once (make setup also does)
    except OSError as exc:
        app.logger.warning("message catalogs not compiled (%s): run `make catalogs`", exc)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogs.CATALOG_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    flask_babel.Babel(app, locale_selector=current, configure_jinja=False)
    app.jinja_env.globals.update(
        _=gettext,
        gettext=gettext,
        ngettext=ngettext,
        label=label,
        current_lang=current,
        html_lang=html_lang,
        in_lang=in_lang,
        lang_attr=lang_attr,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        u=url,
        switch_url=switch_url,
        field_name=field_name,
    )
    app.jinja_env.filters.update(date=format_date, number=format_number)

    @app.after_request
    def vary_on_language(response):
        # without ?lang= the language comes from Accept-Language: shared caches must key on it
        if "lang" not in request.args:
            response.vary.add("Accept-Language")
        return response
