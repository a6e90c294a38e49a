"""Validation messages as codes with parameters, so every problem can be shown in the reader's language.

``MESSAGES`` holds the English template of each code (what ``caselib check`` prints by default, and
``Problem.message``); ``FORM_MESSAGES`` the wording the draft form shows next to a field instead, for
codes whose command-line text points at file lines or repository paths. Both are extracted into the
gettext catalog by ``make translations``; ``render`` translates a problem with plain Babel (no Flask).
"""

from __future__ import annotations

from .i18n import N_, translate
from .model import ERROR, Problem

MESSAGES: dict[str, str] = {
    # front matter: the JSON Schema's checks
    "unknown_key": N_("unknown key '{key}': allowed keys here: {allowed}"),
    "unknown_key_guess": N_("unknown key '{key}': did you mean '{guess}'?"),
    "required": N_("required field '{field}' is missing: add it (see docs/registration-format.md#{anchor})"),
    "enum": N_("'{value}' is not allowed; allowed values: {allowed}"),
    "enum_guess": N_("'{value}' is not allowed; did you mean '{guess}'? allowed values: {allowed}"),
    "country_code": N_(
        "'{value}' is not an ISO 3166-1 alpha-2 code: use an ISO 3166-1 alpha-2 code such as 'PA' or 'CO'"
    ),
    "country_code_guess": N_("'{value}' is not an ISO 3166-1 alpha-2 code: did you mean '{guess}'?"),
    "type_list": N_("expected a list, got {got}"),
    "type_list_fix": N_("expected a list, got {got}; write it as a list, e.g. [{value}]"),
    "type_mapping": N_("expected a mapping (key: value lines), got {got}"),
    "type_text": N_("expected text, got {got}"),
    "type_text_fix": N_('expected text, got {got}; quote it, e.g. "{value}"'),
    "type_number": N_("expected a whole number, got {got}"),
    "type_other": N_("expected {want}, got {got}"),
    "period_value": N_("'{value}' is not a year (2009) or year-month (\"2009-05\")"),
    "pattern": N_("'{value}' has the wrong form ({expected})"),
    "too_short": N_("is empty or too short: {detail}"),
    "minimum": N_("{value} is less than the minimum of {limit}"),
    "maximum": N_("{value} is greater than the maximum of {limit}"),
    "duplicate_items": N_("lists the same value twice: remove the repeat"),
    "schema": N_("{detail}"),
    # rules the schema cannot express
    "duplicate_key": N_("key appears twice: keep one (YAML keeps only the last)"),
    "id_mismatch": N_(
        "'{id}' differs from the file name '{file}': make them equal (rename the file or set id: {stem})"
    ),
    "unknown_country": N_("'{code}' is not an ISO 3166-1 country code."),
    "unknown_country_guess": N_("'{code}' is not an ISO 3166-1 country code. did you mean '{guess}'?"),
    "summary_too_long": N_("has {n} words; shorten it to {max} or fewer"),
    "period_order": N_("ends ({end}) before it starts ({start}): correct one of them"),
    "rating_without_evaluation": N_(
        "'{rating}' needs an evaluation, but stage is 'not-evaluated': "
        "use rating 'not-rated' or cite the evaluation and set the stage"
    ),
    "related_self": N_("a case cannot be related to itself"),
    "duplicate_id": N_("duplicate id '{id}', already used by {first}: give this case its own id and file name"),
    "unknown_related_file": N_(
        "unknown case id(s) {ids}: no cases/<id>.md file has that id; fix the spelling or remove it"
    ),
    "unknown_related": N_("unknown case id(s) {ids}: no case in the library has that id"),
    "todo": N_("still holds a TODO placeholder: fill it in"),
    "not_a_mapping": N_("front matter must be a mapping of 'key: value' lines, got {got}"),
    "control_char": N_("contains the control character {char} (invisible; it breaks feeds and exports): remove it"),
    # the Markdown body
    "body_empty": N_("the body is empty: add the sections {names} as '## ' headings"),
    "section_missing": N_("missing section '## {heading}': add it after line {after}"),
    "section_missing_alt": N_("missing section '## {heading}' (or '## {english}'): add it after line {after}"),
    "section_order": N_("section '{heading}' is out of order; required order: {order}"),
    "section_empty": N_(
        "section '{heading}' is empty: write what the sources say, or 'Not documented in the sources.'"
    ),
    "section_todo": N_("section '{heading}' still holds a TODO placeholder"),
    # format v2 (issue 17)
    "budget_value": N_(
        "'{value}' is not allowed here: write {token} or a mapping with amount, currency, year, covers and source"
    ),
    "summary_body_language": N_(
        "the body is in '{language}' but summary has no '{language}': add it "
        "(the inline summary holds English and the body's language)"
    ),
    "v2_missing_problems": N_(
        "format v2 field 'problems' is missing: add it, a list of codes from the vocabulary 'problems' "
        "(see docs/registration-format.md#problems)"
    ),
    "v2_missing_target_population": N_(
        "format v2 field 'target_population' is missing: add it, a list of codes from the vocabulary "
        "'target_population' (see docs/registration-format.md#target-population)"
    ),
    "v2_missing_setting": N_(
        "format v2 field 'setting' is missing: add it, a list of codes from the vocabulary 'setting' "
        "(see docs/registration-format.md#setting)"
    ),
    "v2_missing_mechanism": N_(
        "format v2 field 'mechanism' is missing: add it: 1-3 sentences, in the case's language, on how the "
        "practice is meant to work (see docs/registration-format.md#mechanism)"
    ),
    "v2_missing_resources": N_(
        "format v2 field 'resources' is missing: add it with staff, training, equipment, duration and budget "
        "(not-documented where the sources say nothing) (see docs/registration-format.md#resources)"
    ),
    "v2_missing_evaluations": N_(
        "format v2 field 'evaluations' is missing: add it (write evaluations: [] when the sources report none) "
        "(see docs/registration-format.md#evaluations)"
    ),
    "notes_renamed": N_("renamed to rationale in format v2: write 'rationale:' instead of 'notes:'"),
    "notes_renamed_both": N_(
        "renamed to rationale in format v2: write 'rationale:' instead of 'notes:' (it is there too: keep one)"
    ),
    "rationale_missing": N_(
        "format v2 field 'evidence.rationale' is missing: add one paragraph on why stage and rating "
        "follow from the evaluations"
    ),
    "source_year": N_(
        "expected a whole number, got {got}: write the year of publication without quotes (year: 2011), "
        "or year: null when the document shows no date (and accessed: YYYY-MM, when you consulted it)"
    ),
    "accessed_value": N_(
        "'{value}' is not a date: write when you consulted the page as YYYY-MM-DD or YYYY-MM, e.g. accessed: 2026-11"
    ),
    "duplicate_source_id": N_("'{id}' is already the id of sources[{first}]: give each source its own id"),
    "unknown_source": N_(
        "'{value}' is not the id of an entry in sources: add 'id: {value}' to the source it names "
        "(ids in this file: {known})"
    ),
    "unknown_source_guess": N_(
        "'{value}' is not the id of an entry in sources: did you mean '{guess}'? add 'id: {value}' to the source "
        "it names (ids in this file: {known})"
    ),
    "unknown_source_none": N_(
        "'{value}' is not the id of an entry in sources: add 'id: {value}' to the source it names "
        "(ids in this file: none yet)"
    ),
    "rating_without_evaluations": N_(
        "'{rating}' needs at least one entry in evaluations: record the evaluation it follows from "
        "(design, outcomes, source), or use 'not-rated'"
    ),
    "not_evaluated_with_evaluations": N_(
        "stage is 'not-evaluated' but {n} evaluation(s) are listed: set the stage that the "
        "evaluations support, or write evaluations: []"
    ),
    "independent_stage": N_(
        "'independently-evaluated' needs an evaluation with 'independent: yes': "
        "mark the independent one, or use stage 'evaluated'"
    ),
    "stage_needs_measured": N_(
        "'{stage}' needs at least one evaluation whose design is not 'descriptive': record it in "
        "evaluations, or use stage 'monitored' or 'not-evaluated'"
    ),
    # translation files (cases/<id>.<lang>.md, issue 14)
    "translation_orphan_missing": N_(
        "translates '{id}', but {file} does not exist: a translation needs its original case file beside it"
    ),
    "translation_orphan_invalid": N_(
        "translates '{id}', but {file} has errors (run caselib check on it): "
        "a translation needs its original case file beside it"
    ),
    "translation_language_name": N_(
        "'{language}' is not a language of the library: name the file <id>.es.md, .pt.md, .en.md or .fr.md"
    ),
    "translation_of_mismatch": N_(
        "'{value}' differs from the file name '{file}': set translation_of: {id} or rename the file"
    ),
    "translation_language_mismatch": N_(
        "'{value}' differs from the file name's language '{language}': make them equal"
    ),
    "translation_complete_no_sections": N_(
        "status is complete but the body has no sections: translate every section of the original, "
        "or set status: partial"
    ),
    "translation_same_language": N_(
        "the original {file} is already in '{language}': a translation must be in another language"
    ),
    "translation_extra_key": N_("the original has no '{key}': remove it from the translation"),
    "translation_extra_rationale": N_("the original has no rationale: remove it"),
    "translation_keep_token": N_("is not-documented in the original: keep the token"),
    "translation_extra_budget": N_("the original has no budget figure"),
    "translation_evaluation_count": N_(
        "has {n} entries, the original {original}: translate each evaluation once, in the same order"
    ),
    "translation_outcome_count": N_("has {n} outcomes, the original {original}: same number, same order"),
    "translation_incomplete": N_(
        "status is complete but {fields} is not translated: translate them or set status: partial"
    ),
    "translation_incomplete_many": N_(
        "status is complete but {fields} are not translated: translate them or set status: partial"
    ),
    "translation_section_shape": N_(
        "the sections differ from the original's: a complete translation has the same sections in the "
        "same order ({order})"
    ),
    "translation_extra_sections": N_("has sections the original does not have"),
    "translation_lost_figures": N_(
        "section '{heading}' lacks the figure(s) {figures} of the original's '{original}': "
        "a translation keeps every figure"
    ),
}

# What the draft form says instead: next to the field, no file lines, no repository paths.
FORM_MESSAGES: dict[str, str] = {
    "required": N_("This field is required."),
    "pattern": N_("“{value}” does not have the expected form: see the hint under the field."),
    "too_short": N_("This is empty or too short."),
    "schema": N_("This value is not valid here."),
    "type_other": N_("This value has the wrong type."),
    "id_mismatch": N_("The id must be lowercase letters, digits and hyphens, e.g. {stem}."),
    "body_empty": N_("The text of the case is empty: write the six sections."),
    "section_missing": N_("The section “{heading}” is missing: write it."),
    "section_missing_alt": N_("The section “{heading}” is missing: write it."),
    "section_order": N_("The section “{heading}” is out of order; the order is: {order}."),
    "section_empty": N_("This section is empty: write what the sources say, or “Not documented in the sources.”"),
    "section_todo": N_("This section still holds a TODO placeholder: replace it with the text."),
    "todo": N_("This still holds a TODO placeholder: fill it in."),
    "not_a_mapping": N_("The form could not be read as a case file."),
    "unknown_related": N_("No case in the library has the id(s) {ids}: check the spelling."),
    "control_char": N_("This holds an invisible control character ({char}): remove it."),
    "source_year": N_("Write the year of publication, e.g. 2011, or n.d. when the document shows no date."),
    "accessed_value": N_("“{value}” is not a date: write it as YYYY-MM-DD or YYYY-MM, e.g. 2026-11."),
    **{
        f"v2_missing_{name}": N_(
            "This field (format v2) is empty: fill it in from the sources, or say that they do not document it."
        )
        for name in ("problems", "target_population", "setting", "mechanism", "resources", "evaluations")
    },
}


def problem(path: str, line: int, field: str, code: str, /, severity: str = ERROR, **params) -> Problem:
    """A Problem whose English message is the code's template filled with ``params``."""
    return Problem(path, line, field, MESSAGES[code].format(**params), severity, code=code, params=params)


def render(p: Problem, lang: str = "en", form: bool = False) -> str:
    """The problem's message in ``lang`` (``form``: the draft form's wording where it has its own)."""
    template = (FORM_MESSAGES.get(p.code) if form else None) or MESSAGES.get(p.code)
    if template is None:  # a problem without a code (e.g. a YAML syntax error): its English text
        return p.message
    if lang == "en" and not form:
        return p.message
    try:
        return translate(lang, template, **p.params)
    except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: never fail to report
        return p.message


def format_problem(p: Problem, lang: str = "en") -> str:
    """``path:line: [warning: ]field: message`` as ``caselib check`` prints it, in ``lang``."""
    if lang == "en":
        return str(p)
    tag = "" if p.severity == ERROR else translate(lang, "warning: ")
    where = f"{p.path}:{p.line}" if p.line else p.path
    fld = f"{p.field}: " if p.field else ""
    return f"{where}: {tag}{fld}{render(p, lang)}"
