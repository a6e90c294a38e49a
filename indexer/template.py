"""Render a ready-to-fill case file (used by `caselib new` and the draft form)."""

from __future__ import annotations

import datetime as _dt
import re

from . import vocab
from .frontmatter import dump_yaml


def slugify(title: str) -> str:
    """'Vecinos Vigilantes (Panamá)' -> 'vecinos-vigilantes-panama'."""
    slug = re.sub(r"[^a-z0-9]+", "-", vocab.fold(title)).strip("-")
    return slug[:80].rstrip("-") or "case"


def new_case_text(
    title: str,
    countries: list[str],
    pillars: list[str],
    lang: str = "en",
    case_id: str | None = None,
    themes: list[str] | None = None,
    today: _dt.date | None = None,
) -> str:
    """Front matter with TODO placeholders and the required sections, in the body language."""
    today = today or _dt.date.today()
    meta = {
        "id": case_id or slugify(title),
        "title": title if lang == "en" else "TODO: name of the practice in English",
        **({"title_original": title} if lang != "en" else {}),
        "language": lang,
        "countries": countries or ["TODO"],
        "scale": "national",
        "institution": {"name": "TODO: institution that runs the practice", "type": "other"},
        "partners": [],
        "pillars": pillars or ["TODO"],
        "themes": themes or ["TODO"],
        "period": {"start": "TODO: year the practice started, e.g. 2010", "end": None},
        "status": "unknown",
        "evidence": {
            "stage": "not-evaluated",
            "rating": "not-rated",
            "notes": "Not evaluated: the sources report no evaluation.",
        },
        "channel": "other",
        "sources": [
            {
                "title": "TODO: title of the document you read",
                "publisher": "TODO: publisher",
                "year": "TODO: year",
                "url": "https://TODO",
            }
        ],
        "summary": {
            "en": "TODO: up to 120 words in English: the problem, the practice, who runs it, since when.",
            "es": "TODO: hasta 120 palabras en español: el problema, la práctica, quién la ejecuta, desde cuándo.",
        },
        "related": [],
        "documentation": {
            "status": "draft",
            "documented_by": "TODO: your team or institution",
            "last_reviewed": today.isoformat(),
        },
    }
    front = dump_yaml(meta)
    hints = {
        "context": "TODO: the problem the practice answers, where and for whom, as the sources describe it.",
        "practice": "TODO: what the practice is: its components, who does what.",
        "implementation": "TODO: how it was put in place: dates, partners, funding, training, scale.",
        "results": "TODO: outputs and outcomes the sources report, with figures and their source; "
        "if none, write 'Not evaluated: the sources report no evaluation.'",
        "lessons": "TODO: what the sources say about lessons and what another institution would need to replicate it.",
        "sources": "TODO: the documents listed in `sources`, one per line.",
    }
    body = [f"## {names.get(lang, names['en'])}\n\n{hints[key]}\n" for key, names in vocab.SECTIONS]
    return f"---\n{front}---\n\n" + "\n".join(body)
