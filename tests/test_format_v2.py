"""Registration format v2: new fields, source references, stage/rating against evaluations, v1 files."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import vocab
from indexer.frontmatter import parse_yaml, split
from indexer.model import ERROR, WARNING
from indexer.template import new_case_text
from indexer.validate import validate

VALID = Path(__file__).resolve().parent / "data" / "valid_cases"
EN = (VALID / "valid-english-case.md").read_text(encoding="utf-8")


def run(text: str, stem: str = "valid-english-case"):
    yaml_text, body, body_line = split(text)
    problems, _ = validate(parse_yaml(yaml_text, 2), body, body_line, f"{stem}.md", stem)
    return problems


def sub(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def errors(problems):
    return [(p.field, p.message) for p in problems if p.severity == ERROR]


def test_v2_fixture_is_clean_and_unquoted_no_reads_as_the_code():
    assert run(EN) == []
    text = sub(EN, "independent: unknown", "independent: no")
    yaml_text, body, line = split(text)
    doc = parse_yaml(yaml_text, 2)
    assert validate(doc, body, line, "x.md", "valid-english-case")[0] == []
    assert doc.data["evaluations"][0]["independent"] == "no"


def _v1(text: str) -> str:
    """The fixture as a version-1 file: no v2 fields, `notes`, the Spanish summary inline."""
    lines = [ln for ln in text.split("\n") if not ln.startswith(("problems:", "target_population:", "setting:"))]
    text = "\n".join(lines)
    text = sub(text, "  rationale: An impact", "  notes: An impact")
    text = sub(text, "    id: quadrant-eval\n", "")
    start = text.index("mechanism:")
    end = text.index("\n---\n")
    return text[:start] + text[end + 1 :]


def test_v1_file_loads_with_one_warning_per_missing_v2_field():
    problems = run(_v1(EN))
    assert errors(problems) == []
    warned = {p.field for p in problems if p.severity == WARNING}
    assert warned == {*vocab.V2_FIELDS, "evidence.notes"}
    notes = next(p for p in problems if p.field == "evidence.notes")
    assert "renamed to rationale" in notes.message and notes.line == 19


def test_summary_needs_only_english():
    text = sub(EN, "  es: El plan divide", "  x: El plan divide").replace(
        "\n  x: El plan divide cada ciudad en cuadrantes pequeños, cada uno patrullado por un equipo fijo de policías.",
        "",
    )
    assert run(text) == []


def test_spanish_body_without_spanish_summary_is_a_warning():
    es = (VALID / "caso-valido-espanol.md").read_text(encoding="utf-8")
    text = "\n".join(ln for ln in es.split("\n") if not ln.startswith("  es: Los vecinos"))
    (p,) = run(text, "caso-valido-espanol")
    assert (p.field, p.severity) == ("summary.es", WARNING)


def test_evaluation_source_must_name_a_source_id():
    text = sub(EN, "source: quadrant-eval,", "source: quadrant-evl,")
    (p,) = run(text)
    assert p.field == "evaluations[0].source" and p.severity == ERROR
    assert "did you mean 'quadrant-eval'?" in p.message and p.line == 40


def test_budget_source_and_token():
    text = sub(
        EN, "budget: not-documented}", "budget: {amount: 5, currency: USD, year: 2011, covers: all, source: nowhere}}"
    )
    assert errors(run(text)) == [
        ("resources.budget.source", errors(run(text))[0][1]),
    ]
    assert "'nowhere' is not the id of an entry in sources" in errors(run(text))[0][1]
    bad = sub(EN, "budget: not-documented}", "budget: unknown}")
    ((field, msg),) = errors(run(bad))
    assert field == "resources.budget" and "not-documented" in msg


def test_duplicate_source_ids():
    text = sub(
        EN,
        "    id: quadrant-eval\n",
        "    id: quadrant-eval\n  - {id: quadrant-eval, title: Other, publisher: Someone, year: 2013}\n",
    )
    ((field, msg),) = errors(run(text))
    assert field == "sources[1].id" and "already the id of sources[0]" in msg


@pytest.mark.parametrize(
    "stage, rating, evaluations, field, fragment",
    [
        ("evaluated", "promising", "evaluations: []", "evidence.rating", "needs at least one entry in evaluations"),
        ("not-evaluated", "not-rated", None, "evaluations", "stage is 'not-evaluated' but 1 evaluation(s)"),
        ("independently-evaluated", "promising", None, "evidence.stage", "needs an evaluation with 'independent: yes'"),
    ],
)
def test_stage_and_rating_follow_from_evaluations(stage, rating, evaluations, field, fragment):
    text = sub(EN, "  stage: evaluated\n  rating: promising", f"  stage: {stage}\n  rating: {rating}")
    if evaluations:
        start = text.index("evaluations:\n")
        text = text[:start] + evaluations + "\n" + text[text.index("\n---\n") + 1 :]
    found = errors(run(text))
    assert any(f == field and fragment in m for f, m in found), found


def test_descriptive_evaluation_does_not_support_stage_evaluated():
    text = sub(EN, "design: quasi-experimental", "design: descriptive")
    ((field, msg),) = errors(run(text))
    assert field == "evidence.stage" and "not 'descriptive'" in msg
    independent = sub(
        sub(EN, "stage: evaluated", "stage: independently-evaluated"), "independent: unknown", "independent: yes"
    )
    assert errors(run(independent)) == []


def test_new_case_has_v2_fields_as_todos_only():
    for lang in ("en", "es", "pt"):
        text = new_case_text("Acuerdos de patrullaje", ["PA"], ["prevention"], lang)
        problems = run(text, "acuerdos-de-patrullaje")
        assert errors(problems) == [], lang
        assert all("TODO" in p.message for p in problems), [str(p) for p in problems if "TODO" not in p.message]
        fields = {p.field for p in problems}
        assert {"problems[0]", "mechanism", "resources.staff", "resources.budget"} <= fields
        yaml_text, _, _ = split(text)
        summary = parse_yaml(yaml_text).data["summary"]
        assert set(summary) == {"en"} | ({lang} if lang != "en" else set())


def test_vocabulary_labels_in_three_languages_for_v2_codes():
    for key in ("problems", "target_population", "setting", "evaluation_design", "outcome_direction", "independent"):
        for code in vocab.enum_values(key):
            assert vocab.label(key, code, "pt") != code or key == "independent"
    assert vocab.label("problems", "femicide", "pt") == "Feminicídio"
    assert vocab.definition("evaluation_design", "randomised", "en").startswith("Units")
