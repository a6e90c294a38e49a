"""Communities of practice: one blueprint ("community") for curated collections, their exports, saved
searches, case comparison and the draft form. Each job has its module:

- ``webapp/collections_web.py``: collections loaded from COLLECTIONS_DIR (validated against the index's
  case ids with the same code as `caselib check`; a broken file is logged and skipped), their pages and
  the saved search -> collection YAML;
- ``webapp/exports.py``: a collection as Markdown, CSV and Atom (through the one Atom writer, ``feeds.atom``);
- ``webapp/compare.py``: two to four cases side by side;
- ``webapp/submit.py``: the registration form (``webapp/draft.py``) at /draft, and /submit (the portal).

Every page here is a plain GET URL (the draft form also accepts POST) and writes nothing on the server.
"""

from __future__ import annotations

from flask import Blueprint

from . import i18n

bp = Blueprint("community", __name__)


def _lang() -> str:
    return i18n.current()


# The routes register themselves on ``bp``; the names below are what other modules use.
from . import basket, exports, submit  # noqa: E402, F401, I001
from .collections_web import case_summary, collection_data, collections, collections_data, get_collection  # noqa: E402
from .compare import COMPARE_MAX, COMPARE_MIN, compare_data, parse_ids  # noqa: E402

__all__ = [
    "COMPARE_MAX",
    "COMPARE_MIN",
    "bp",
    "case_summary",
    "collection_data",
    "collections",
    "collections_data",
    "compare_data",
    "get_collection",
    "parse_ids",
]
