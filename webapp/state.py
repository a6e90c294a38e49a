"""Search state <-> GET query string: every result page is a shareable link."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from flask import g, url_for
from werkzeug.datastructures import MultiDict, iter_multi_items

from indexer import FILTER_FIELDS, MODES, NUMBER_MESSAGES, SORTS, YEAR_MAX, YEAR_MIN, NumberError, whole_number

from .i18n import gettext


class BadQuery(ValueError):  # named apart from Werkzeug's BadRequest (an HTTP exception)
    """A query-string value that cannot be used; the message names it and the allowed values."""


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    mode: str = "hybrid"
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None

    @classmethod
    def from_args(cls, args: MultiDict, per_page: int = 10) -> SearchState:
        mode = args.get("mode") or "hybrid"
        if mode not in MODES:
            raise BadQuery(gettext("mode “{value}” is not one of {allowed}", value=mode[:40], allowed=", ".join(MODES)))
        sort = args.get("sort") or "relevance"
        if sort not in SORTS:
            raise BadQuery(gettext("sort “{value}” is not one of {allowed}", value=sort[:40], allowed=", ".join(SORTS)))
        page = _int(args, "page", 1, 1, 10_000) or 1
        per_page = _int(args, "per_page", per_page, 1, 100) or per_page
        filters = {}
        for name in FILTER_FIELDS:
            values = tuple(dict.fromkeys(v for raw in args.getlist(name) for v in raw.split(",") if v.strip()))
            if values:
                filters[name] = values
        return cls(
            q=args.get("q", ""),
            mode=mode,
            sort=sort,
            page=page,
            per_page=per_page,
            filters=filters,
            year_from=_int(args, "year_from", None, YEAR_MIN, YEAR_MAX),
            year_to=_int(args, "year_to", None, YEAR_MIN, YEAR_MAX),
        )

    def params(self, lang: str | None = None) -> dict[str, Any]:
        """Query-string parameters of this state (defaults left out, so URLs stay short and canonical)."""
        p: dict[str, Any] = {}
        if self.q:
            p["q"] = self.q
        if self.mode != "hybrid":
            p["mode"] = self.mode
        if self.sort != "relevance":
            p["sort"] = self.sort
        for name in FILTER_FIELDS:
            if self.filters.get(name):
                p[name] = list(self.filters[name])
        if self.year_from is not None:
            p["year_from"] = self.year_from
        if self.year_to is not None:
            p["year_to"] = self.year_to
        if self.page != 1:
            p["page"] = self.page
        if self.per_page != 10:
            p["per_page"] = self.per_page
        if lang:
            p["lang"] = lang
        return p

    def url(self, lang: str | None = None, endpoint: str = "pages.search", **kw) -> str:
        if kw:  # _external and the like: Flask builds it
            return url_for(endpoint, **self.params(lang), **kw)
        # the same string url_for gives (tested), without its per-call cost: a results page links
        # every facet value, ~100 URLs per request
        query = urlencode(list(iter_multi_items(self.params(lang))), safe=URL_SAFE)
        base = _base(endpoint)
        return f"{base}?{query}" if query else base

    def with_(self, **changes) -> SearchState:
        changes.setdefault("page", 1)
        return replace(self, **changes)

    def toggled(self, name: str, value: str) -> SearchState:
        current = list(self.filters.get(name, ()))
        if value in current:
            current.remove(value)
        else:
            current.append(value)
        filters = {k: v for k, v in self.filters.items() if k != name}
        if current:
            filters[name] = tuple(current)
        return self.with_(filters=filters)

    def is_active(self, name: str, value: str) -> bool:
        return value in self.filters.get(name, ())

    def search_kwargs(self) -> dict[str, Any]:
        return {
            "query": self.q,
            "mode": self.mode,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "filters": {k: list(v) for k, v in self.filters.items()},
            "years": (self.year_from, self.year_to),
        }


URL_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unescaped in query strings


def _base(endpoint: str) -> str:
    """The endpoint's path, built once per request."""
    cache = g.setdefault("_state_bases", {})
    if endpoint not in cache:
        cache[endpoint] = url_for(endpoint)
    return cache[endpoint]


def whole(raw: str | None, name: str, lo: int, hi: int, default: int | None = None) -> int | None:
    """A query-string or form value as a whole number (ASCII digits, bounded); ``default`` when empty."""
    if raw in (None, ""):
        return default
    try:
        return whole_number(raw, name, lo, hi)
    except NumberError as exc:
        raise BadQuery(gettext(NUMBER_MESSAGES[exc.code], **exc.params)) from None


def _int(args: MultiDict, name: str, default: int | None, lo: int, hi: int) -> int | None:
    return whole(args.get(name), name, lo, hi, default)
