"""One error shape: JSON {"error": {"status", "code", "message"}} under /api, styled pages elsewhere.

Messages follow the request's language (?lang=, else Accept-Language), on pages and in the API alike:
Werkzeug's English descriptions are replaced by the catalog's message for the status.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.build import IndexError_

from .i18n import N_, gettext
from .state import BadRequest

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


def _respond(status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error_body(status, code, message)), status
    return render_template("error.html", status=status, code=code, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        return _respond(400, "bad_request", str(exc))  # raised with a translated message

    @app.errorhandler(IndexError_)
    def index_problem(exc: IndexError_):
        app.logger.error("index problem: %s", exc)
        return _respond(503, "index_unavailable", status_message(503))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        # abort(404, description=gettext(...)) passes its own translated message; Werkzeug's are English
        own = exc.description and exc.description != type(exc).description
        return _respond(status, code, exc.description if own else status_message(status))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return _respond(500, "internal_error", status_message(500))
