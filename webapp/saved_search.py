"""A search drafted as a collection file (the results page's "save as a collection"): web-only.

``saved_search_text`` turns a search's parameters and top cases into ready-to-edit collection YAML
(indexer/collections.py reads and checks such files): notes, description and curator are TODO
placeholders, so the file passes ``caselib check`` and fails ``--strict`` until a curator fills them in.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from indexer import dump_yaml, slugify

SAVED_HEADER = """\
# A collection drafted from a caselib search: edit it, then share it.
#  1. Reorder or remove cases and replace every TODO (a note per case says why it is here).
#  2. Save it as collections/{id}.yml (the file name must equal the id).
#  3. Run `caselib check --strict collections/{id}.yml`, then open a pull request.
# Format: docs/collections.md
"""


def saved_search_text(
    search: dict[str, Any],
    hits: list[tuple[str, str]],
    lang: str = "en",
    search_url: str | None = None,
    filter_labels: dict[str, dict[str, str]] | None = None,
    today: _dt.date | None = None,
) -> str:
    """A ready-to-edit collection YAML for a search: its query and filters, and its top cases in order.

    ``search`` holds the non-default search parameters (q, mode, sort, filters, year_from, year_to);
    ``hits`` the (case id, title) pairs of the top results; ``filter_labels`` the labels of the
    filter values per language (``{"en": {value: label}, "es": {...}}``) for the titles. Notes,
    description and curator are TODO placeholders, so the file passes ``caselib check`` and fails
    ``--strict`` until a curator has filled them in.
    """
    today = today or _dt.date.today()
    q = " ".join(str(search.get("q") or "").split())
    filters = {k: list(v) for k, v in (search.get("filters") or {}).items() if v}
    years = ""
    if search.get("year_from") or search.get("year_to"):
        years = f"{search.get('year_from') or '…'}–{search.get('year_to') or '…'}"

    def describe(label_lang: str, nothing: str) -> str:
        labels = (filter_labels or {}).get(label_lang, {})
        parts = [q, *(labels.get(v, v) for vs in filters.values() for v in vs), years]
        seen: set[str] = set()
        unique = [x for x in parts if x and not (x.casefold() in seen or seen.add(x.casefold()))]
        return ", ".join(unique) or nothing

    what, what_es = describe("en", ""), describe("es", "todos los casos")
    cid = slugify(what)[:60].rstrip("-") if what else "saved-search"
    cid = cid if len(cid) >= 3 else f"search-{cid}"
    what = what or "all cases"
    saved = {k: search[k] for k in ("q", "mode", "sort") if search.get(k)}
    if filters:
        saved["filters"] = filters
    for k in ("year_from", "year_to"):
        if search.get(k) is not None:
            saved[k] = int(search[k])
    data: dict[str, Any] = {
        "id": cid,
        "title": {"en": f"Saved search: {what}"[:200], "es": f"Búsqueda guardada: {what_es}"[:200]},
        "description": {
            "en": "TODO: who this collection is for and what its cases have in common.",
            "es": "TODO: para quién es esta colección y qué tienen en común sus casos.",
        },
        "curator": {"name": "TODO: your community of practice or institution", "type": "community"},
        "language": lang if lang in ("en", "es", "pt", "fr") else "en",
        "updated": today.isoformat(),
        "search": saved,
        "cases": [
            {
                "id": case_id,
                "note": "TODO: why this case matters to your community"
                if lang != "es"
                else "TODO: por qué este caso importa a su comunidad",
            }
            for case_id, _ in hits
        ],
        "links": [],
    }
    if not saved:
        del data["search"]
    body = dump_yaml(data)
    titles = {case_id: " ".join(title.split()) for case_id, title in hits}
    lines = []
    for line in body.splitlines():
        m = re.fullmatch(r"(\s*)- id: ([a-z0-9-]+)", line)
        if m and m.group(2) in titles:
            lines.append(f"{m.group(1)}# {titles[m.group(2)]}")
        lines.append(line)
    header = SAVED_HEADER.format(id=cid)
    if search_url:
        header += f"# Search: {search_url}\n"
    if not hits:
        header += "# The search found no case: add cases or links before sharing the collection.\n"
    return header + "\n".join(lines) + "\n"
