"""Render a ready-to-fill case file (used by `caselib new` and the draft form)."""

from __future__ import annotations

import datetime as _dt
import re

from . import vocab
from .frontmatter import dump_yaml
from .i18n import N_, translate

# The placeholders and default texts of a new case, written in the body's language (`caselib new --lang`).
HINTS = {
    "context": N_("the problem the practice answers, where and for whom, as the sources describe it."),
    "practice": N_("what the practice is: its components, who does what."),
    "implementation": N_("how it was put in place: dates, partners, funding, training, scale."),
    "results": N_(
        "outputs and outcomes the sources report, with figures and their source; "
        "if none, write 'Not evaluated: the sources report no evaluation.'"
    ),
    "lessons": N_("what the sources say about lessons and what another institution would need to replicate it."),
    "sources": N_("the documents listed in `sources`, one per line."),
}


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
    """Front matter with TODO placeholders and the required sections, hints and default texts in ``lang``.

    Every placeholder starts with "TODO:" in every language, so `caselib check --strict` finds it."""
    today = today or _dt.date.today()

    def todo(message: str) -> str:
        return "TODO: " + translate(lang, message)

    # v2: the inline summary holds English and the body's language
    summaries = {"en": "TODO: up to 120 words in English: the problem, the practice, who runs it, since when."}
    if lang == "es":
        summaries["es"] = (
            "TODO: hasta 120 palabras en español: el problema, la práctica, quién la ejecuta, desde cuándo."
        )
    elif lang == "pt":
        summaries["pt"] = "TODO: até 120 palavras em português: o problema, a prática, quem a executa, desde quando."
    meta = {
        "id": case_id or slugify(title),
        "title": title if lang == "en" else todo(N_("name of the practice in English")),
        **({"title_original": title} if lang != "en" else {}),
        "language": lang,
        "countries": countries or ["TODO"],
        "scale": "national",
        "institution": {"name": todo(N_("institution that runs the practice (its name in English)")), "type": "other"},
        "partners": [],
        "pillars": pillars or ["TODO"],
        "themes": themes or ["TODO"],
        "problems": [todo(N_("codes from the vocabulary 'problems', e.g. homicide"))],
        "target_population": [todo(N_("codes from the vocabulary 'target_population', e.g. youth-at-risk"))],
        "setting": [todo(N_("codes from the vocabulary 'setting', e.g. urban"))],
        "mechanism": todo(N_("1-3 sentences in the case's language: how the practice is meant to work (its logic).")),
        "period": {"start": todo(N_("year the practice started, e.g. 2010")), "end": None},
        "status": "unknown",
        "evidence": {
            "stage": "not-evaluated",
            "rating": "not-rated",
            "rationale": translate(lang, N_("Not evaluated: the sources report no evaluation.")),
        },
        "evaluations": [],
        "resources": {
            "staff": todo(N_("who runs it and how many people, as the sources say, or not-documented")),
            "training": todo(N_("training given to staff or participants, or not-documented")),
            "equipment": todo(N_("systems, vehicles, equipment, or not-documented")),
            "duration": todo(N_("how long it ran or how long a cycle takes, or not-documented")),
            "budget": todo(N_("not-documented, or a mapping amount / currency / year / covers / source")),
        },
        "channel": "other",
        "sources": [
            {
                "title": todo(N_("title of the document you read")),
                "publisher": todo(N_("publisher")),
                "year": todo(
                    N_(
                        "year of publication, e.g. 2012; write null if the document shows no date "
                        "and add accessed: YYYY-MM (when you consulted it)"
                    )
                ),
                "url": "https://TODO",
                "id": todo(N_("a short slug for this source, e.g. report-2012 (evaluations name it)")),
            }
        ],
        "summary": summaries,
        "related": [],
        "documentation": {
            "status": "draft",
            "documented_by": todo(N_("your team or institution")),
            "last_reviewed": today.isoformat(),
        },
    }
    front = dump_yaml(meta)
    body = [f"## {names.get(lang, names['en'])}\n\n{todo(HINTS[key])}\n" for key, names in vocab.SECTIONS]
    return f"---\n{front}---\n\n" + "\n".join(body)
