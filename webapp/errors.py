"""One error shape: JSON {"error": {"status", "code", "message"}} under /api, styled pages elsewhere."""

from __future__ import annotations

import time

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge, SecurityError

from indexer.build import IndexError_

from .i18n import gettext as _
from .state import BadRequest


def error_body(status: int, code: str, message: str) -> dict:
    return {"error": {"status": status, "code": code, "message": message}}


def _respond(status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error_body(status, code, message)), status
    return render_template("error.html", status=status, code=code, message=message), status


VERIFY_EVERY = 10.0  # seconds: unexpected errors re-check the index at most this often


def _index_damage() -> IndexError_ | None:
    """After an unexpected error: the opened build's damage, if its files no longer match their checksums."""
    app = current_app
    searcher = app.config.get("SEARCHER") or app.extensions.get("caselib.searcher")
    if searcher is None:
        return None
    last = app.extensions.get("caselib.verified")
    now = time.monotonic()
    if last is not None and last[0] == searcher.build_id and now - last[1] < VERIFY_EVERY:
        return last[2]
    try:
        searcher.verify()
        found = None
    except IndexError_ as exc:
        found = exc
    app.extensions["caselib.verified"] = (searcher.build_id, now, found)
    return found


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        return _respond(400, "bad_request", str(exc))

    @app.errorhandler(IndexError_)
    def index_problem(exc: IndexError_):
        app.logger.error("index problem: %s", exc)
        return _respond(503, "index_unavailable", str(exc))

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):  # a Host outside TRUSTED_HOSTS: no URL can be built, so no page
        body = error_body(400, "untrusted_host", _("This server does not answer for that host name."))
        return jsonify(body), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        message = exc.description
        if message == RequestEntityTooLarge.description:  # Werkzeug's English text: say it in the page's language
            limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
            message = _(
                "The request is too large: send at most {kb} KB (a case file is at most 1 MB).", kb=limit // 1024
            )
        return _respond(413, "request_too_large", message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        damaged = _index_damage()
        if damaged is not None:  # a read error from a build damaged while served: the same 503 as at open
            return index_problem(damaged)
        app.logger.exception("unhandled error on %s", request.path)
        err = InternalServerError()
        return _respond(500, "internal_error", err.description)
