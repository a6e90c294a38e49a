"""The registration form on the web: /draft (validate and download; nothing stored) and, through the
same form module (``webapp/draft.py``), /submit (the portal). Problems are shown next to their fields in
the page's language, in the form's words."""

from __future__ import annotations

import datetime as _dt
import re

from flask import abort, render_template, request

from indexer import messages, vocab

from . import draft, get_searcher, i18n, render
from .community import _lang, bp

# --- draft a case ------------------------------------------------------------------------------------------------

DRAFT_CHOICES = (
    "scale",
    "institution_type",
    "pillars",
    "themes",
    "status",
    "evidence_stage",
    "evidence_rating",
    "channel",
    "documentation_status",
    "language",
    "problems",
    "target_population",
    "setting",
    "evaluation_design",
    "outcome_direction",
    "independent",
)


# The draft form's label of each field a problem can point at (the same messages as the form's labels).
FIELD_LABELS = {
    "id": i18n.N_("Id (file name)"),
    "title": i18n.N_("Title in English"),
    "title_original": i18n.N_("Original title"),
    "language": i18n.N_("Language of the text"),
    "countries": i18n.N_("Countries"),
    "locality": i18n.N_("Locality"),
    "scale": i18n.N_("Scale"),
    "institution": i18n.N_("Institution"),
    "institution.name": i18n.N_("Institution: name in English"),
    "institution.name_original": i18n.N_("Institution: name in its own language"),
    "institution.type": i18n.N_("Institution type"),
    "partners": i18n.N_("Partners"),
    "pillars": i18n.N_("Pillars"),
    "pillars.primary": i18n.N_("Primary pillar"),
    "themes": i18n.N_("Themes"),
    "period": i18n.N_("Period and status"),
    "period.start": i18n.N_("Start"),
    "period.end": i18n.N_("End"),
    "status": i18n.N_("Status"),
    "evidence": i18n.N_("Evidence"),
    "evidence.stage": i18n.N_("Evaluation"),
    "evidence.rating": i18n.N_("Evidence rating"),
    "evidence.rationale": i18n.N_("Why this rating"),
    "problems": i18n.N_("Problems addressed"),
    "target_population": i18n.N_("Target population"),
    "setting": i18n.N_("Setting"),
    "mechanism": i18n.N_("How it is meant to work"),
    "resources": i18n.N_("Resources"),
    "resources.staff": i18n.N_("Staff"),
    "resources.training": i18n.N_("Training"),
    "resources.equipment": i18n.N_("Equipment and systems"),
    "resources.duration": i18n.N_("Duration"),
    "resources.budget": i18n.N_("Budget"),
    "resources.budget.amount": i18n.N_("Budget: amount"),
    "resources.budget.currency": i18n.N_("Budget: currency"),
    "resources.budget.year": i18n.N_("Budget: year of the figure"),
    "resources.budget.covers": i18n.N_("Budget: what it covers"),
    "resources.budget.source": i18n.N_("Budget: source id"),
    "evaluations": i18n.N_("Evaluations"),
    "channel": i18n.N_("Channel"),
    "sources": i18n.N_("Sources"),
    "summary": i18n.N_("Summaries"),
    "summary.en": i18n.N_("Summary in English"),
    "summary.es": i18n.N_("Summary in Spanish"),
    "summary.pt": i18n.N_("Summary in Portuguese (optional)"),
    "related": i18n.N_("Related cases"),
    "contacts": i18n.N_("Links and contacts"),
    "documentation": i18n.N_("Documentation"),
    "documentation.status": i18n.N_("Documentation status"),
    "documentation.documented_by": i18n.N_("Documented by"),
    "documentation.last_reviewed": i18n.N_("Last reviewed"),
}
ROW_LABELS = {
    "title": i18n.N_("Title"),
    "publisher": i18n.N_("Publisher"),
    "year": i18n.N_("Year"),
    "url": i18n.N_("Web address"),
    "pages": i18n.N_("Pages or section"),
    "name": i18n.N_("Office or unit"),
    "email": i18n.N_("E-mail"),
    "id": i18n.N_("Source id"),
    "design": i18n.N_("Design"),
    "comparison": i18n.N_("Compared with"),
    "period": i18n.N_("Period covered"),
    "displacement": i18n.N_("Displacement"),
    "independent": i18n.N_("Independent evaluators"),
    "source": i18n.N_("Source id"),
    "measure": i18n.N_("Measure"),
    "direction": i18n.N_("Direction"),
    "size": i18n.N_("Size as reported"),
    "significance": i18n.N_("Significance as reported"),
}


def field_label(anchor: str) -> str:
    """A form field's label in the page's language: 'sources[1].year' -> 'Source 2: Year'."""
    row = re.fullmatch(r"(sources|contacts|evaluations)\[(\d+)\](?:\.outcomes\[(\d+)\])?\.(\w+)", anchor)
    if row:
        group, i, j, sub = row.group(1), int(row.group(2)), row.group(3), row.group(4)
        whose = {
            "sources": lambda: i18n.gettext("Source {n}", n=i + 1),
            "contacts": lambda: i18n.gettext("Contact {n}", n=i + 1),
            "evaluations": lambda: i18n.gettext("Evaluation {n}", n=i + 1),
        }[group]()
        if j is not None:
            whose += ", " + i18n.gettext("outcome {n}", n=int(j) + 1)
        return f"{whose}: {i18n.gettext(ROW_LABELS[sub]) if sub in ROW_LABELS else sub}"
    return i18n.gettext(FIELD_LABELS[anchor]) if anchor in FIELD_LABELS else anchor


def problem_text(p) -> str:
    """A problem in the page's language and the form's words (no file lines, no repository paths)."""
    return messages.render(p, i18n.current(), form=True)


@bp.route("/draft", methods=["GET", "POST"])
def draft_form():
    """The registration format as a form; "check" validates, "download" returns the file. Nothing is stored."""
    lang = _lang()
    form = request.form if request.method == "POST" else request.args
    long_field = draft.too_long(form)
    if long_field:
        abort(
            413,
            description=i18n.gettext(
                "The field “{field}” is longer than {n} characters: shorten it.", field=long_field[0], n=long_field[1]
            ),
        )
    started = request.method == "POST" or "action" in form or any(k in form for k in draft.SCALARS)
    known = set(get_searcher().case_ids())
    d = draft.check(form, known_ids=known) if started else draft.blank()
    blocked = False
    if started and form.get("action") == "download":
        if not d.errors:
            return render.attachment(d.text, "text/markdown", d.file_name)
        blocked = True
    choices = {key: [(v, vocab.label(key, v, lang)) for v in vocab.enum_values(key)] for key in DRAFT_CHOICES}
    headings = {key: names.get(lang, names["en"]) for key, names in vocab.SECTIONS}
    exists = started and d.case_id in known
    return render_template(
        "draft.html",
        d=d,
        choices=choices,
        headings=headings,
        blocked=blocked,
        exists=exists,
        today=_dt.date.today(),
        field_label=field_label,
        problem_text=problem_text,
    )
