"""One error shape: JSON {"error": {"status", "code", "message"}} under /api, styled pages elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from indexer.build import IndexError_

from .state import BadRequest


def error_body(status: int, code: str, message: str) -> dict:
    return {"error": {"status": status, "code": code, "message": message}}


def _respond(status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error_body(status, code, message)), status
    return render_template("error.html", status=status, code=code, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        return _respond(400, "bad_request", str(exc))

    @app.errorhandler(IndexError_)
    def index_problem(exc: IndexError_):
        app.logger.error("index problem: %s", exc)
        return _respond(503, "index_unavailable", str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        err = InternalServerError()
        return _respond(500, "internal_error", err.description)
