"""The registration form on the web: /draft (validate and download; nothing stored) and, through the
same form module (``webapp/draft.py``), /submit (the portal). Problems are shown next to their fields in
the page's language, in the form's words."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer import messages, vocab
from indexer.model import ERROR, Problem

from . import data, draft, get_searcher, i18n, render, review
from .community import _lang, bp
from .errors import respond as render_error
from .portal import files
from .portal.store import NotRevisable

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
    "accessed": i18n.N_("Consulted on"),
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
    exists = started and d.case_id in known
    return render_template("draft.html", blocked=blocked, exists=exists, **form_context(d, lang))


def form_context(d: draft.Draft, lang: str) -> dict:
    """What the shared form template (``_case_fields.html``) needs besides the draft."""
    return {
        "d": d,
        "choices": {key: [(v, vocab.label(key, v, lang)) for v in vocab.enum_values(key)] for key in DRAFT_CHOICES},
        "headings": {key: names.get(lang, names["en"]) for key, names in vocab.SECTIONS},
        "today": _dt.date.today(),
        "field_label": field_label,
        "problem_text": problem_text,
    }


# --- the portal: submit, track, revise -----------------------------------------------------------------------------

portal = Blueprint("submit", __name__)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}
SUBMITTER = ("submitter.name", "submitter.institution", "submitter.email")
MAX_NOTE_CHARS = 5_000
MAX_TRANSLATION_CHARS = 400_000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class Submitted:
    """One state of the submit form: the case draft, the translation, who submits, and every problem."""

    d: draft.Draft
    translation: str = ""
    translation_lang: str | None = None
    translation_problems: list = dc_field(default_factory=list)
    submitter: dict[str, str] = dc_field(default_factory=dict)
    submitter_problems: dict[str, str] = dc_field(default_factory=dict)
    note: str = ""
    edit_of: str = ""

    @property
    def errors(self) -> bool:
        return bool(
            self.d.errors or self.submitter_problems or any(p.severity == ERROR for p in self.translation_problems)
        )

    def files(self) -> dict[str, str]:
        out = {f"{self.d.case_id}.md": self.d.text}
        if self.translation.strip() and self.translation_lang:
            out[f"{self.d.case_id}.{self.translation_lang}.md"] = self.translation.replace("\r\n", "\n")
        return out


def _check_submitted(form, known: set[str], edit_of: str = "") -> Submitted:
    """Validate the form's case with `caselib check`'s validator; the translation (if any) alone and against it."""
    d = draft.check(form, known_ids=known)
    sub = Submitted(d=d, edit_of=edit_of)
    sub.translation = str(form.get("translation", "")).replace("\r\n", "\n").strip()
    sub.note = " ".join(str(form.get("note", "")).split())[:MAX_NOTE_CHARS]
    for name in SUBMITTER:
        sub.submitter[name] = " ".join(str(form.get(name, "")).split())[:300]
    email = sub.submitter["submitter.email"]
    if email and not EMAIL.fullmatch(email):
        sub.submitter_problems["submitter.email"] = i18n.gettext(
            "“{value}” is not an e-mail address: write it like name@example.org, or leave it empty.", value=email[:80]
        )
    if not edit_of and d.case_id and d.case_id in known:
        taken = Problem(
            f"cases/{d.file_name}",
            1,
            "id",
            i18n.gettext(
                "A case with the id “{id}” is already in the library: choose another id, or use “Suggest an edit” "
                "on that case's page.",
                id=d.case_id,
            ),
        )
        d.problems.append(taken)
        d.by_field.setdefault("id", []).append(taken)
        d.listed.append((taken, "id"))
    if sub.translation:
        sub.translation_lang = files.translation_language(sub.translation)
        if sub.translation_lang is None or not draft._is_slug(d.case_id):
            sub.translation_problems = [
                Problem(
                    "cases/translation.md",
                    1,
                    "language",
                    i18n.gettext(
                        "The translation needs a line “language: es” (or pt, en, fr) in its front matter, "
                        "and the case needs a valid id."
                    ),
                )
            ]
        else:
            found = files.check_files(sub.files())
            sub.translation_problems = found.get(f"{d.case_id}.{sub.translation_lang}.md", [])
    return sub


def _store():
    from .portal import get_store

    return get_store()


def _render_submit(sub: Submitted, lang: str, *, mode: str, token: str | None = None, tracked=None):
    return render_template("submit.html", s=sub, mode=mode, token=token, tracked=tracked, **form_context(sub.d, lang))


def _too_long(form) -> None:
    fields = MultiDict([(k, v) for k, v in form.items(multi=True) if k not in ("translation", "note")])
    long_field = draft.too_long(fields)
    if long_field:
        abort(
            413,
            description=i18n.gettext(
                "The field “{field}” is longer than {n} characters: shorten it.", field=long_field[0], n=long_field[1]
            ),
        )
    if len(form.get("translation", "")) > MAX_TRANSLATION_CHARS:
        abort(413, description=i18n.gettext("The translation is longer than {n} characters.", n=MAX_TRANSLATION_CHARS))


@portal.route("/submit", methods=["GET", "POST"])
def submit_form():
    """The registration form for submitting a practice (or, with ``?edit=ID``, an edit of a published case)."""
    lang = _lang()
    known = set(get_searcher().case_ids())
    if request.method == "GET":
        edit_of = request.args.get("edit", "")
        if edit_of:
            record = get_searcher().get(edit_of) if data.valid_id(edit_of) else None
            if record is None:
                abort(404, description=i18n.gettext("There is no case with the id “{id}”.", id=edit_of[:80]))
            meta, sections, translations = files.record_texts(record)
            sub = Submitted(d=draft.Draft(values=draft.values_from(meta, sections)), edit_of=edit_of)
            if lang in translations:
                sub.translation, sub.translation_lang = translations[lang], lang
            return _render_submit(sub, lang, mode="edit")
        return _render_submit(Submitted(d=draft.blank()), lang, mode="new")
    _store().ensure_ready()  # a portal without its database answers 503 before the form is checked
    form = request.form
    _too_long(form)
    edit_of = form.get("edit_of", "")
    if edit_of and edit_of not in known:
        edit_of = ""
    sub = _check_submitted(form, known, edit_of)
    mode = "edit" if edit_of else "new"
    if form.get("action") != "submit" or sub.errors:
        return _render_submit(sub, lang, mode=mode)
    slow_down()
    created, token = _store().create(
        sub.files(),
        case_id=sub.d.case_id,
        title=sub.d.values.get("title") or sub.d.values.get("title_original") or "",
        kind=mode,
        target_id=edit_of or None,
        name=sub.submitter["submitter.name"],
        institution=sub.submitter["submitter.institution"],
        email=sub.submitter["submitter.email"],
        lang=lang,
        channel="web",
        note=sub.note,
    )
    review.notify(created, "submitted", url_for("submit.track", token=token, lang=lang, _external=True))
    return redirect(url_for("submit.track", token=token, lang=lang, sent=1), code=303)


def slow_down() -> None:
    """429 when this client address has sent too many submissions (PORTAL_SUBMIT_LIMIT)."""
    from .portal import limiter

    wait = limiter("submit").hit(request.remote_addr or "unknown")
    if wait is not None:
        response = make_response(
            render_error(
                429,
                "too_many_submissions",
                i18n.gettext(
                    "Too many submissions from your address: wait {minutes} minutes and send it again.",
                    minutes=max(1, round(wait / 60)),
                ),
            )
        )
        response.headers["Retry-After"] = str(int(wait))
        abort(response)


def _tracked(token: str):
    found = _store().get_by_token(token)
    if found is None:
        abort(404, description=i18n.gettext("This tracking link is not valid. Check that you copied all of it."))
    return found


STATUS_LABELS = {
    "waiting": i18n.N_("Waiting for review"),
    "changes_requested": i18n.N_("Changes requested: please revise"),
    "recommended": i18n.N_("Recommended by a reviewer; waiting for an editor"),
    "approved": i18n.N_("Approved; being published"),
    "published": i18n.N_("Published"),
    "publish_failed": i18n.N_("Approved; publishing is being retried"),
    "rejected": i18n.N_("Not accepted"),
    "withdrawn": i18n.N_("Withdrawn"),
}


def status_label(status: str) -> str:
    return i18n.gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@portal.get("/submit/t/<token>")
def track(token: str):
    """The submitter's private page: status, reviewers' comments, revisions, and a way to revise."""
    found = _tracked(token)
    body = render_template(
        "track.html",
        t=found,
        token=token,
        status_label=status_label,
        sent=request.args.get("sent") == "1",
        revised=request.args.get("revised") == "1",
        tracking_url=url_for("submit.track", token=token, _external=True),
        comments=[c for c in found.comments if c.public],
        case_url=url_for("pages.case", case_id=found.case_id, lang=_lang()) if found.status == "published" else None,
    )
    return body, 200, PRIVATE


@portal.route("/submit/t/<token>/revise", methods=["GET", "POST"])
def revise(token: str):
    lang = _lang()
    found = _tracked(token)
    if not found.revisable:
        abort(409, description=i18n.gettext("This submission is closed: it can no longer be revised."))
    known = set(get_searcher().case_ids())
    if request.method == "GET":
        latest = found.latest
        meta, sections = draft.parse_case_text(latest.files.get(latest.main_file, ""))
        sub = Submitted(d=draft.Draft(values=draft.values_from(meta, sections)), edit_of=found.target_id or "")
        tr_lang, tr_text = next(iter(latest.translations.items()), (None, ""))
        sub.translation, sub.translation_lang = tr_text, tr_lang
        return _render_submit(sub, lang, mode="revise", token=token, tracked=found), 200, PRIVATE
    form = request.form
    _too_long(form)
    sub = _check_submitted(form, known - {found.case_id}, found.target_id or "")
    if form.get("action") != "submit" or sub.errors:
        return _render_submit(sub, lang, mode="revise", token=token, tracked=found), 200, PRIVATE
    try:
        revised = _store().revise(
            found.id,
            sub.files(),
            case_id=sub.d.case_id,
            title=sub.d.values.get("title") or "",
            note=sub.note,
        )
    except NotRevisable:
        abort(409, description=i18n.gettext("This submission is closed: it can no longer be revised."))
    review.notify(revised, "revised")
    return redirect(url_for("submit.track", token=token, lang=lang, revised=1), code=303)
