"""Message catalogs without Flask: the engine's messages (validation problems, `caselib new` hints) in en/es/pt.

One gettext catalog serves the whole project: ``webapp/translations/<lang>/LC_MESSAGES/messages.po``,
extracted by ``pybabel`` (see babel.cfg and ``make translations``). The web app reads it through
Flask-Babel; the engine and the command line read the same files here with plain Babel, so nothing in
``indexer`` imports Flask. Compiled ``.mo`` files are build products: ``make`` compiles them, and a
missing or stale one is compiled from its ``.po`` on first use (in memory when the folder is read-only).

``translate(lang, message)`` and ``translate_plural(lang, singular, plural, n)`` take the language first
(pybabel extracts them with ``-k translate:2 -k translate_plural:2,3``). Messages use ``str.format``
fields (``"{n} cases"``): the translation is looked up first, then formatted.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "es", "pt")
DEFAULT = "en"
DOMAIN = "messages"
CATALOG_DIR = Path(__file__).resolve().parent.parent / "webapp" / "translations"

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here (translated where it is shown)."""
    return message


def _paths(lang: str, folder: Path) -> tuple[Path, Path]:
    base = folder / lang / "LC_MESSAGES"
    return base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"


def _compiled(po: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out, as msgfmt does
    return buf.getvalue()


def compile_catalogs(folder: Path = CATALOG_DIR, force: bool = False) -> list[Path]:
    """Write every ``.mo`` that is missing or older than its ``.po``; returns the files written."""
    written = []
    for lang in LANGUAGES:
        po, mo = _paths(lang, folder)
        if not po.exists():
            continue
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            tmp = mo.with_suffix(".mo.tmp")
            tmp.write_bytes(_compiled(po))
            tmp.replace(mo)
            written.append(mo)
    return written


@cache
def translations(lang: str, folder: Path = CATALOG_DIR) -> _gettext.NullTranslations:
    """The catalog of ``lang`` (English and unknown languages: the messages as written)."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return _gettext.NullTranslations()
    po, mo = _paths(lang, folder)
    if not po.exists():
        return _gettext.NullTranslations()
    try:
        compile_catalogs(folder)
        data = mo.read_bytes()
    except OSError as exc:  # a read-only install without compiled catalogs
        log.warning("cannot write %s (%s): compiling the catalog in memory", mo, exc)
        data = _compiled(po)
    return _gettext.GNUTranslations(io.BytesIO(data))


def translate(lang: str, message: str, **params) -> str:
    text = translations(lang).gettext(message)
    return text.format(**params) if params else text


def translate_plural(lang: str, singular: str, plural: str, n: int, **params) -> str:
    """Plural forms by the language's rules; ``{n}`` is always available to the message."""
    return translations(lang).ngettext(singular, plural, n).format(n=n, **params)
