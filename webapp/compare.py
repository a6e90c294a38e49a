"""Two to four cases side by side: /compare and its JSON (/api/compare)."""

from __future__ import annotations

import re
from typing import Any

from flask import render_template, request, url_for
from werkzeug.datastructures import MultiDict

from . import data, get_searcher, i18n, render
from .collections_web import COMPARE_MAX, COMPARE_MIN
from .community import _lang, bp
from .state import BadQuery

EXCERPT_WORDS = 70


# --- compare -----------------------------------------------------------------------------------------------------


def parse_ids(args: MultiDict) -> list[str]:
    """Case ids from ``?ids=a&ids=b`` (or ``ids=a,b``), in order, without repeats or blanks."""
    ids = [v.strip() for raw in args.getlist("ids") for v in raw.split(",") if v.strip()]
    ids = list(dict.fromkeys(ids))
    if len(ids) > COMPARE_MAX:
        raise BadQuery(
            i18n.gettext("Choose from {lo} to {hi} cases to compare; this link names {n}.", lo=2, hi=4, n=len(ids))
        )
    return ids


def _excerpt(markdown: str, words: int = EXCERPT_WORDS) -> str:
    """The first paragraph (or list) of a section, its lines kept, cut after ``words`` words."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown or "") if p.strip()]
    if not paragraphs:
        return ""
    out, count = [], 0
    for line in paragraphs[0].splitlines():
        parts = line.split()
        if count + len(parts) > words:
            out.append(" ".join(parts[: max(words - count, 0)]) + " …")
            break
        out.append(line.rstrip())
        count += len(parts)
    return "\n".join(out)


def _column(case_id: str, lang: str) -> dict[str, Any] | None:
    full = get_searcher().get(case_id) if data.valid_id(case_id) else None
    if full is None:
        return None
    d = data.case_data(case_id, lang, with_similar=False)
    sections = {s["key"]: s["markdown"] for s in d["sections"]}
    return {
        "id": case_id,
        "title": d["title"],
        "title_lang": d["title_lang"],
        "title_original": d["title_original"],
        "language": d["language"],
        "original_lang": d["original_lang"],
        "summary": d["summary"],
        "summary_lang": d["summary_lang"],
        "problem": _excerpt(sections.get("context", "")),
        "results": _excerpt(sections.get("results", "")),
        "countries": d["countries"],
        "locality": d["locality"],
        "institution": d["institution"],
        "scale": d["scale"],
        "period": d["period"],
        "status": d["status"],
        "pillars": d["pillars"],
        "themes": d["themes"],
        "evidence": d["evidence"],
        "sources": len(d["sources"]),
        "url": d["url"],
        "api_url": d["api_url"],
    }


def _shared(columns: list[dict[str, Any]], lang: str) -> dict[str, list[dict[str, str]]]:
    """Values every compared case has: countries, pillars, themes, institution type, scale, evaluation."""
    if len(columns) < 2:
        return {}
    out: dict[str, list[dict[str, str]]] = {}
    for f in ("countries", "pillars", "themes"):
        common = set.intersection(*({x["value"] for x in c[f]} for c in columns))
        values = [x for x in columns[0][f] if x["value"] in common]
        if values:
            out[f] = values
    for f, get in (
        ("institution_type", lambda c: c["institution"]["type"]),
        ("scale", lambda c: c["scale"]),
        ("evidence_stage", lambda c: c["evidence"]["stage"]),
    ):
        values = {get(c)["value"] for c in columns}
        if len(values) == 1:
            first = get(columns[0])
            out[f] = [{"value": first["value"], "label": first["label"]}]
    return out


def compare_data(ids: list[str], lang: str) -> dict[str, Any]:
    columns, unknown = [], []
    for cid in ids:
        col = _column(cid, lang)
        if col is None:
            unknown.append(cid[:80])
        else:
            columns.append(col)
    shown = [c["id"] for c in columns]
    for c in columns:
        rest = [x for x in shown if x != c["id"]]
        c["remove_url"] = url_for("community.compare", ids=rest, lang=lang)
    return {
        "ids": shown,
        "unknown": unknown,
        "cases": columns,
        "shared": _shared(columns, lang),
        "min": COMPARE_MIN,
        "max": COMPARE_MAX,
        "url": url_for("community.compare", ids=shown, lang=lang),
        "canonical_url": url_for("community.compare", ids=shown, lang=lang, _external=True),
        "api_url": url_for("api.compare", ids=shown),
    }


@bp.get("/compare")
def compare():
    lang = _lang()
    d = compare_data(parse_ids(request.args), lang)
    for c in d["cases"]:
        c["problem_html"] = render.markdown_html(c["problem"])
        c["results_html"] = render.markdown_html(c["results"])
    find = " ".join(request.args.get("find", "").split())[:200]
    sh = {f: [x["value"] for x in d["shared"].get(f, [])] for f in ("countries", "pillars", "themes")}
    return render_template("compare.html", d=d, find=find, found=compare_candidates(find, d["ids"], lang), sh=sh)


def compare_candidates(find: str, ids: list[str], lang: str, k: int = 8) -> list[dict[str, str]]:
    """Cases to add to a comparison, found by searching (a library of 100k cases is no drop-down list)."""
    if not find or len(ids) >= COMPARE_MAX:
        return []
    found = get_searcher().search(find, per_page=k + len(ids), lang=lang, snippets=False)
    hits = [*found.hits, *found.related]  # a picker offers the nearest cases even when none is a close match
    return [
        {"id": h.id, "title": h.title, "add_url": url_for("community.compare", ids=[*ids, h.id], lang=lang)}
        for h in hits
        if h.id not in ids
    ][:k]
