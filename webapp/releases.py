"""The open-data page: the latest data releases (``make release``), their licence and how to cite them.

Releases are zip files named ``caselib-data-YYYY-MM-DD.zip`` in ``RELEASES_DIR`` (env
``CASELIB_RELEASES``, default ``dist``); the page lists them newest first with size and SHA-256 and
serves them. Nothing else in that folder is reachable.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from . import i18n

bp = Blueprint("releases", __name__)
RELEASE_NAME = re.compile(r"caselib-data-[0-9]{4}-[0-9]{2}-[0-9]{2}\.zip\Z")


def _folder() -> Path:
    return Path(current_app.config["RELEASES_DIR"])


@lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime: float) -> str:  # size and mtime key the cache
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def releases() -> list[dict[str, object]]:
    folder = _folder()
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        if RELEASE_NAME.match(p.name) and p.is_file() and not p.is_symlink():
            st = p.stat()
            out.append(
                {
                    "name": p.name,
                    "date": p.name[len("caselib-data-") : -len(".zip")],
                    "bytes": st.st_size,
                    "sha256": _sha256(str(p), st.st_size, st.st_mtime),
                }
            )
    return out


@bp.get("/data")
def data_page():
    return render_template("data.html", releases=releases(), lang=i18n.current())


@bp.get("/data/<name>")
def download(name: str):
    if not RELEASE_NAME.match(name):
        abort(404)
    return send_from_directory(_folder().resolve(), name, as_attachment=True, mimetype="application/zip")
