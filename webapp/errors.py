"""One error shape: JSON {"error": {"status", "code", "message"}} under /api, styled pages elsewhere.

Messages follow the request's language (?lang=, else Accept-Language), on pages and in the API alike:
Werkzeug's English descriptions are replaced by the catalog's message for the status.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from indexer import IndexFolderError

from .i18n import N_, gettext
from .portal import PortalUnavailable
from .state import BadQuery

# The message shown for a status when the code raising it gave none of its own.
STATUS_MESSAGES = {
    400: N_("The request cannot be answered as it is: check the address and its parameters."),
    404: N_("There is nothing at this address. The case or page may have moved: search the library instead."),
    405: N_("This address does not accept that kind of request."),
    413: N_("The request is too large for the library to read."),
    429: N_("Too many requests at once: wait a moment and try again."),
    500: N_("Something went wrong on the library's side. The problem has been logged; please try again later."),
    503: N_(
        "The library's index cannot be read right now. Please try again in a few minutes; "
        "if this lasts, the administrator can rebuild it with caselib index."
    ),
}


def error_body(status: int, code: str, message: str) -> dict:
    return {"error": {"status": status, "code": code, "message": message}}


def status_message(status: int) -> str:
    known = status if status in STATUS_MESSAGES else (500 if status >= 500 else 400)
    return gettext(STATUS_MESSAGES[known])


def respond(status: int, code: str, message: str):
    """An error in the one shape: JSON under /api, the error page elsewhere."""
    return _respond(status, code, message)


def _respond(status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error_body(status, code, message)), status
    return render_template("error.html", status=status, code=code, message=message), status


VERIFY_EVERY = 10.0  # seconds: unexpected errors re-check the index at most this often


def _index_damage() -> IndexFolderError | None:
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
    except IndexFolderError as exc:
        found = exc
    app.extensions["caselib.verified"] = (searcher.build_id, now, found)
    return found


def init_app(app: Flask) -> None:
    @app.errorhandler(BadQuery)
    def bad_request(exc: BadQuery):
        return _respond(400, "bad_request", str(exc))  # raised with a translated message

    @app.errorhandler(IndexFolderError)
    def index_problem(exc: IndexFolderError):
        app.logger.error("index problem: %s", exc)
        return _respond(503, "index_unavailable", status_message(503))

    @app.errorhandler(PortalUnavailable)
    def portal_unavailable(exc: PortalUnavailable):  # only the portal: search and case pages never open it
        app.logger.error("portal database unavailable: %s", exc)
        message = gettext(
            "The submission portal cannot reach its database right now, so nothing can be submitted or "
            "tracked at the moment. Searching and reading cases still work. Please try again in a few minutes."
        )
        return _respond(503, "portal_unavailable", message)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):  # Flask-WTF's reasons are English: one message in the page's language
        message = gettext(
            "This form was not sent from this site's page, or its page is too old. Go back, reload the page "
            "and send the form again."
        )
        return _respond(400, "csrf_failed", message)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):  # a Host outside TRUSTED_HOSTS: no URL can be built, so no page
        body = error_body(400, "untrusted_host", gettext("This server does not answer for that host name."))
        return jsonify(body), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        message = exc.description
        if message == RequestEntityTooLarge.description:  # Werkzeug's English text: say it in the page's language
            limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
            message = gettext(
                "The request is too large: send at most {kb} KB (a case file is at most 1 MB).", kb=limit // 1024
            )
        return _respond(413, "request_too_large", message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        # abort(404, description=gettext(...)) passes its own translated message; Werkzeug's are English
        own = exc.description and exc.description != type(exc).description
        return _respond(status, code, exc.description if own else status_message(status))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        damaged = _index_damage()
        if damaged is not None:  # a read error from a build damaged while served: the same 503 as at open
            return index_problem(damaged)
        app.logger.exception("unhandled error on %s", request.path)
        return _respond(500, "internal_error", status_message(500))
