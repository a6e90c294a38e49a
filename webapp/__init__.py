"""caselib's web app: search and case pages in English and Spanish, and a JSON API.

The app talks to the engine only through one ``indexer.search.Searcher`` per process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request

from indexer.search import Searcher

from . import i18n


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """App factory. Config keys: INDEX_DIR, MODEL, SEARCHER (an already opened Searcher), SITE_NAME,
    COLLECTIONS_DIR (curated collections/*.yml), RELEASES_DIR (data releases listed on /data)."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("CASELIB_INDEX", "instance/index"),
        MODEL=os.environ.get("CASELIB_MODEL") or None,
        SEARCHER=None,
        COLLECTIONS_DIR=os.environ.get("CASELIB_COLLECTIONS", "collections"),
        RELEASES_DIR=os.environ.get("CASELIB_RELEASES", "dist"),
        SITE_NAME="caselib",
        PER_PAGE=10,
        MAX_QUERY_CHARS=500,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    i18n.init_app(app)
    from . import api, community, errors, pages, releases

    app.register_blueprint(pages.bp)
    app.register_blueprint(community.bp)
    app.register_blueprint(releases.bp)
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
