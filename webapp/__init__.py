"""caselib's web app: search and case pages in English and Spanish, and a JSON API.

The app talks to the engine only through one ``indexer.search.Searcher`` per process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, request
from flask_wtf.csrf import CSRFProtect

from indexer import Searcher

from . import i18n


class CaselibFlask(Flask):
    """Flask whose absolute URLs (canonical links, sitemap, feeds, citations) start with BASE_URL when it
    is set, whatever Host header a request carries."""

    def url_for(self, /, endpoint: str, *, _external: bool | None = None, **kw: Any) -> str:
        base = self.config.get("BASE_URL")
        if base and _external:
            path = super().url_for(endpoint, _external=False, **kw)
            root = request.script_root if has_request_context() else ""
            return base + path[len(root) :]
        return super().url_for(endpoint, _external=_external, **kw)


def base_url(value: str | None) -> str | None:
    """CASELIB_BASE_URL checked: ``http(s)://host[:port][/path]``, no query or fragment; without its final /."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or "@" in value:
        raise ValueError(f"CASELIB_BASE_URL '{value[:100]}' is not an address like https://cases.example.org/library")
    return value.rstrip("/")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """App factory. Config keys: INDEX_DIR, MODEL, SEARCHER (an already opened Searcher), SITE_NAME,
    COLLECTIONS_DIR (curated collections/*.yml), RELEASES_DIR (data releases listed on /data), BASE_URL
    (the public address every absolute URL starts with), TRUSTED_HOSTS (Host headers accepted; others answer 400),
    PORTAL_DATABASE_URL (the submission portal's database; default SQLite under instance/, see webapp/portal)."""
    app = CaselibFlask(__name__)
    hosts = [h.strip() for h in os.environ.get("CASELIB_TRUSTED_HOSTS", "").split(",") if h.strip()]
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("CASELIB_INDEX", "instance/index"),
        MODEL=os.environ.get("CASELIB_MODEL") or None,
        SEARCHER=None,
        COLLECTIONS_DIR=os.environ.get("CASELIB_COLLECTIONS", "collections"),
        RELEASES_DIR=os.environ.get("CASELIB_RELEASES", "dist"),
        SITE_NAME="caselib",
        PER_PAGE=10,
        MAX_QUERY_CHARS=500,
        # request limits (docs/reliability.md): a whole request, one form field, the number of fields
        MAX_CONTENT_LENGTH=1024 * 1024,
        MAX_FORM_MEMORY_SIZE=256 * 1024,
        MAX_FORM_PARTS=500,
        JSON_SORT_KEYS=False,
        BASE_URL=os.environ.get("CASELIB_BASE_URL") or None,
        TRUSTED_HOSTS=hosts or None,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.config["BASE_URL"] = base_url(app.config["BASE_URL"])
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    if not app.config.get("SECRET_KEY"):
        # signs the session cookie that carries CSRF tokens (and, for reviewers, the login). Without
        # CASELIB_SECRET_KEY it is random per process: fine for one process, but set it when several
        # processes serve the site, or a form opened in one is refused by another.
        app.config["SECRET_KEY"] = os.environ.get("CASELIB_SECRET_KEY") or secrets.token_hex(32)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a long form typed for hours still submits
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    i18n.init_app(app)
    from . import api, atlas, community, errors, evidence, pages, portal, releases, review, start, submit

    portal.init_app(app)  # configuration only: the database is opened at the portal's first use
    review.init_app(app)  # /review: accounts, queue, decisions; session cookies' flags
    # CSRF tokens on every form that changes something (Flask-WTF). Exempt: /draft (it stores and changes
    # nothing: a forged post can only show someone a checked form) and the JSON API (no cookies, no login).
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)
    csrf.exempt("webapp.submit.draft_form")
    app.extensions["caselib.csrf"] = csrf

    app.register_blueprint(pages.bp)
    app.register_blueprint(community.bp)
    app.register_blueprint(submit.portal)
    app.register_blueprint(releases.bp)
    app.register_blueprint(start.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(atlas.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    errors.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
            "frame-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    return app


def get_searcher() -> Searcher:
    """The process-wide Searcher: opened once, refreshed when a new index build is swapped in."""
    if "searcher" not in g:
        app = current_app
        searcher = app.config.get("SEARCHER") or app.extensions.get("caselib.searcher")
        if searcher is None:
            searcher = Searcher.open(
                Path(app.config["INDEX_DIR"]), model=app.config["MODEL"], max_query_chars=app.config["MAX_QUERY_CHARS"]
            )
            app.extensions["caselib.searcher"] = searcher
        searcher.refresh()
        g.searcher = searcher
    return g.searcher
