"""indexer.validate through read_case: one test per kind of mistake, with exact file:line and field.

The fixtures are in tests/data/valid_cases and tests/data/bad_cases. Files whose bytes matter
(Latin-1, UTF-16, CRLF, BOM, over 1 MB) are written from the tests so that no editor or Git setting
can change them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from indexer.frontmatter import parse_yaml, split
from indexer.loader import MAX_BYTES, read_case
from indexer.model import ERROR, WARNING, Problem
from indexer.validate import SUMMARY_MAX_WORDS, validate

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "valid_cases"
BAD = DATA / "bad_cases"
EN_CASE = VALID / "valid-english-case.md"
ES_CASE = VALID / "caso-valido-espanol.md"

PILLARS = [
    "public-security-management",
    "prevention",
    "police-management",
    "citizen-participation",
    "international-cooperation",
]
SECTION_KEYS = ["context", "practice", "implementation", "results", "lessons", "sources"]


def problems_of(path: Path, shown: str | None = None) -> list[Problem]:
    _, problems = read_case(path, shown or path.name)
    return problems


def where(p: Problem) -> str:
    """`file:line: [warning: ]field: ` as printed by `caselib check`."""
    return str(p)[: len(str(p)) - len(p.message)]


def assert_problems(problems: list[Problem], expected: list[tuple[str, str]]) -> None:
    """``expected``: (exact prefix 'file:line: field: ', key part of the message), nothing else."""
    got = [(where(p), p.message) for p in problems]
    assert len(got) == len(expected), got
    for prefix, fragment in expected:
        assert any(w == prefix and fragment in m for w, m in got), f"{prefix}{fragment!r} not in {got}"


def run(text: str, stem: str = "valid-english-case") -> list[Problem]:
    yaml_text, body, body_line = split(text)
    problems, _ = validate(parse_yaml(yaml_text, 2), body, body_line, f"{stem}.md", stem)
    return problems


def en_text() -> str:
    return EN_CASE.read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- valid files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(VALID.glob("*.md")), ids=lambda p: p.name)
def test_valid_fixture_has_no_problem(path):
    case, problems = read_case(path, path.name)
    assert problems == []
    assert case is not None
    assert case.id == path.stem
    assert case.path == path.name
    assert [s.key for s in case.sections] == SECTION_KEYS
    assert case.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_spanish_case_reads_spanish_headings_and_fields():
    case, _ = read_case(ES_CASE, ES_CASE.name)
    assert case.language == "es"
    assert case.title_original == "Vecinos Vigilantes"
    assert [s.heading for s in case.sections][:3] == ["Contexto y problema", "La práctica", "Implementación"]
    assert case.section("implementation").line == 57
    # the ### subsection stays inside its ## section
    assert "### Herramientas" in case.section("implementation").text
    assert case.meta["period"] == {"start": "1996-02", "end": None}
    assert case.related == ["valid-english-case"]


def test_heading_inside_code_fence_is_not_a_section():
    case, _ = read_case(VALID / "valid-ongoing-case.md", "x.md")
    assert [s.line for s in case.sections] == [48, 52, 60, 64, 68, 72]
    assert "## This is not a heading" in case.section("practice").text


# --- one bad file per mistake ----------------------------------------------------------------------

BAD_FILES = {
    "broken-yaml.md": [("broken-yaml.md:18: ", "YAML syntax error")],
    "wrong-type.md": [("wrong-type.md:6: countries: ", "expected a list, got str; write it as a list, e.g. [PA]")],
    "unknown-key.md": [
        ("unknown-key.md:6: contries: ", "unknown key 'contries': did you mean 'countries'?"),
        ("unknown-key.md:2: countries: ", "required field 'countries' is missing"),
    ],
    "bad-country.md": [
        ("bad-country.md:6: countries[0]: ", "'Panama' is not an ISO 3166-1 alpha-2 code: did you mean 'PA'?")
    ],
    "unknown-country-code.md": [
        ("unknown-country-code.md:6: countries[1]: ", "'XX' is not an ISO 3166-1 country code")
    ],
    "norway-unquoted.md": [("norway-unquoted.md:6: countries[0]: ", "expected text, got bool")],
    "bad-pillar.md": [
        ("bad-pillar.md:10: pillars[1]: ", "'community-policing' is not allowed; allowed values: " + ", ".join(PILLARS))
    ],
    "duplicate-id.md": [
        ("duplicate-id.md:2: id: ", "'valid-english-case' differs from the file name 'duplicate-id.md'"),
    ],
    "missing-sections.md": [
        ("missing-sections.md:47: body: ", "missing section '## Implementation': add it after line 47"),
        ("missing-sections.md:51: body: ", "missing section '## Lessons and replication': add it after line 51"),
    ],
    "front-matter-only.md": [("front-matter-only.md:42: body: ", "the body is empty")],
    "long-summary.md": [("long-summary.md:28: summary.en: ", "has 128 words; shorten it to 120 or fewer")],
    "period-reversed.md": [("period-reversed.md:14: period.end: ", "ends (2010) before it starts (2015)")],
    "rating-without-evaluation.md": [
        (
            "rating-without-evaluation.md:18: evidence.rating: ",
            "'effective' needs an evaluation, but stage is 'not-evaluated'",
        ),
        (
            "rating-without-evaluation.md:18: evidence.rating: ",
            "'effective' needs at least one entry in evaluations",
        ),
    ],
    "duplicate-key.md": [("duplicate-key.md:21: channel: ", "key appears twice")],
    "empty-file.md": [("empty-file.md:1: ", "the file is empty")],
    "no-front-matter.md": [("no-front-matter.md:1: ", "no front matter: the first line must be '---'")],
    "unclosed-front-matter.md": [("unclosed-front-matter.md:1: ", "never closed")],
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_reports_exactly_its_mistake(name):
    case, problems = read_case(BAD / name, name)
    assert case is None, "a file with errors must not become a case"
    assert all(p.severity == ERROR for p in problems)
    assert_problems(problems, BAD_FILES[name])


def test_every_bad_fixture_is_covered():
    library_level = {"dangling-related.md"}  # its only mistake needs the library: see test_loader
    warnings_only = {"todo-placeholder.md"}
    assert {p.name for p in BAD.glob("*.md")} == set(BAD_FILES) | library_level | warnings_only


def test_pillar_error_lists_the_five_allowed_values():
    (p,) = problems_of(BAD / "bad-pillar.md")
    for value in PILLARS:
        assert value in p.message


def test_todo_placeholders_are_warnings_and_the_case_still_loads():
    case, problems = read_case(BAD / "todo-placeholder.md", "todo-placeholder.md")
    assert case is not None
    assert all(p.severity == WARNING for p in problems)
    assert_problems(
        problems,
        [
            ("todo-placeholder.md:33: warning: documentation.documented_by: ", "still holds a TODO placeholder"),
            (
                "todo-placeholder.md:55: warning: body: ",
                "section 'Results and evidence' still holds a TODO placeholder",
            ),
        ],
    )
    assert case.warnings == tuple(problems)


def test_dangling_related_is_not_a_file_level_error():
    case, problems = read_case(BAD / "dangling-related.md", "dangling-related.md")
    assert problems == []
    assert case.related == ["valid-english-case", "no-such-case"]


# --- files written by the tests: encodings, line endings, size ---------------------------------------


def test_latin1_file_is_reported_with_line_and_offset(tmp_path):
    raw = en_text().encode("latin-1")
    path = tmp_path / "latin1-case.md"
    path.write_bytes(raw)
    offset = raw.index("pequeños".encode("latin-1")) + len("peque")
    assert_problems(
        problems_of(path),
        [("latin1-case.md:29: ", f"not valid UTF-8 (byte 0xf1 at offset {offset}): save the file as UTF-8")],
    )
    assert read_case(path)[0] is None


def test_utf16_file_is_binary(tmp_path):
    path = tmp_path / "utf16-case.md"
    path.write_bytes(en_text().encode("utf-16"))
    (p,) = problems_of(path)
    assert p.line == 0
    assert str(p) == "utf16-case.md: file is binary (contains NUL bytes), not a Markdown text file"


def test_nul_byte_in_an_otherwise_valid_file(tmp_path):
    path = tmp_path / "valid-english-case.md"
    path.write_bytes(en_text().encode() + b"\x00")
    (p,) = problems_of(path)
    assert "file is binary (contains NUL bytes)" in p.message


def _padded(size: int) -> bytes:
    """The valid English case padded inside its Sources section to exactly ``size`` bytes."""
    raw = en_text().encode()
    return raw + b"x" * (size - len(raw) - 1) + b"\n"


def test_file_over_one_megabyte(tmp_path):
    path = tmp_path / "valid-english-case.md"
    path.write_bytes(_padded(MAX_BYTES + 1))
    (p,) = problems_of(path)
    assert str(p) == (
        "valid-english-case.md: file is 1,000,001 bytes, over the 1,000,000-byte limit: "
        "move long annexes to a linked source"
    )


def test_file_of_exactly_the_limit_is_accepted(tmp_path):
    path = tmp_path / "valid-english-case.md"
    path.write_bytes(_padded(MAX_BYTES))
    assert path.stat().st_size == MAX_BYTES
    case, problems = read_case(path, path.name)
    assert problems == []
    assert case is not None


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode(), id="bom"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(), id="bom+crlf"),
    ],
)
def test_windows_line_endings_and_bom_are_valid(tmp_path, encode):
    path = tmp_path / "valid-english-case.md"
    path.write_bytes(encode(en_text()))
    case, problems = read_case(path, path.name)
    assert problems == []
    lf_case, _ = read_case(EN_CASE, path.name)
    assert case.meta == lf_case.meta
    assert [(s.key, s.line, s.text) for s in case.sections] == [(s.key, s.line, s.text) for s in lf_case.sections]
    assert "\r" not in case.body


@pytest.mark.parametrize("name", ["bad-country.md", "missing-sections.md", "duplicate-key.md"])
@pytest.mark.parametrize("bom", [False, True], ids=["crlf", "bom+crlf"])
def test_crlf_and_bom_keep_line_numbers(tmp_path, name, bom):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (BAD / name).read_text().replace("\n", "\r\n").encode())
    assert_problems(problems_of(path), BAD_FILES[name])


# --- further rules, on variants of the valid English case -------------------------------------------


def test_valid_base_text_has_no_problem():
    assert run(en_text()) == []


def test_spanish_body_missing_section_names_both_headings():
    text = ES_CASE.read_text()
    start, end = text.index("## Resultados y evidencia"), text.index("## Lecciones y replicación")
    problems = run(text[:start] + text[end:], "caso-valido-espanol")
    assert_problems(
        problems,
        [
            (
                "caso-valido-espanol.md:57: body: ",
                "missing section '## Resultados y evidencia' (or '## Results and evidence'): add it after line 57",
            )
        ],
    )


def test_headings_match_without_case_or_accents_and_in_any_language():
    text = ES_CASE.read_text()
    text = replace_once(text, "## Implementación", "## IMPLEMENTACION")
    text = replace_once(text, "## Fuentes", "## Sources")
    text = replace_once(text, "## La práctica", "## A prática")
    assert run(text, "caso-valido-espanol") == []


def test_sections_swapped():
    text = en_text()
    start, end = text.index("## Results and evidence"), text.index("## Sources")
    mid = text.index("## Lessons and replication")
    text = text[:start] + text[mid:end] + text[start:mid] + text[end:]
    problems = run(text)
    assert len(problems) == 1
    assert where(problems[0]) == "valid-english-case.md:55: body: "
    assert problems[0].message.startswith("section 'Lessons and replication' is out of order; required order: ")
    assert problems[0].message.endswith(
        "Context and problem · The practice · Implementation · Results and evidence · Lessons and replication · Sources"
    )


def test_section_moved_to_the_end_is_an_error():
    text = en_text()
    start, end = text.index("## The practice"), text.index("## Implementation")
    practice = text[start:end]
    text = replace_once(text, practice, "")
    text = replace_once(text, "## Sources\n", practice + "## Sources\n")
    problems = run(text)
    assert problems and all(p.severity == ERROR and "is out of order" in p.message for p in problems)


def test_misspelt_heading_is_a_missing_section():
    problems = run(replace_once(en_text(), "## Results and evidence", "## Resultados"))
    assert_problems(
        problems,
        [("valid-english-case.md:51: body: ", "missing section '## Results and evidence': add it after line 51")],
    )


def test_shortened_heading_is_a_missing_section():
    problems = run(replace_once(en_text(), "## Results and evidence", "## Results"))
    assert_problems(problems, [("valid-english-case.md:51: body: ", "missing section '## Results and evidence'")])


def test_empty_section_is_a_warning():
    text = replace_once(
        en_text(), "The plan started in 2010 in the largest cities and spread to the rest of the country by 2015.\n", ""
    )
    problems = run(text)
    assert_problems(problems, [("valid-english-case.md:51: warning: body: ", "section 'Implementation' is empty")])
    assert problems[0].severity == WARNING


def test_spanish_words_todo_and_todos_are_not_placeholders():
    text = replace_once(
        en_text(),
        "  es: El plan divide cada ciudad",
        "  es: TODOS los barrios y todo el país. El plan divide cada ciudad",
    )
    text = replace_once(text, "Response times were long", "Todo empezó porque response times were long")
    assert run(text) == []


def test_todo_in_a_controlled_field_is_one_warning_not_an_error():
    problems = run(replace_once(en_text(), "themes: [community-policing, crime-analysis]", "themes: [TODO]"))
    assert_problems(problems, [("valid-english-case.md:11: warning: themes[0]: ", "still holds a TODO placeholder")])


def test_summary_word_limit_boundary():
    at_limit = " ".join(["word"] * SUMMARY_MAX_WORDS)
    over = at_limit + " more"
    line = "  en: The plan divides each city into small quadrants, each patrolled by a fixed team of officers.\n"
    assert run(replace_once(en_text(), line, f"  en: {at_limit}\n")) == []
    assert_problems(
        run(replace_once(en_text(), line, f"  en: {over}\n")),
        [("valid-english-case.md:28: summary.en: ", f"has {SUMMARY_MAX_WORDS + 1} words")],
    )


def test_period_same_year_and_ongoing_are_valid():
    assert run(replace_once(en_text(), "  end: 2015\n", "  end: 2010\n")) == []
    assert run(replace_once(en_text(), "  end: 2015\n", "  end: null\n")) == []
    assert run(replace_once(en_text(), "  start: 2010\n  end: 2015\n", '  start: "2010-05"\n  end: "2010-11"\n')) == []


def test_period_year_end_in_the_same_year_as_a_month_start():
    assert run(replace_once(en_text(), "  start: 2010\n  end: 2015\n", '  start: "2010-05"\n  end: 2010\n')) == []


def test_period_bad_month():
    problems = run(replace_once(en_text(), "  end: 2015\n", '  end: "2011-13"\n'))
    assert_problems(
        problems, [("valid-english-case.md:14: period.end: ", "'2011-13' is not a year (2009) or year-month")]
    )


def test_related_to_itself():
    problems = run(replace_once(en_text(), "related: []", "related: [caso-valido-espanol, valid-english-case]"))
    assert_problems(problems, [("valid-english-case.md:30: related[1]: ", "a case cannot be related to itself")])


def test_related_repeat():
    problems = run(replace_once(en_text(), "related: []", "related: [caso-valido-espanol, caso-valido-espanol]"))
    assert_problems(problems, [("valid-english-case.md:30: related: ", "lists the same value twice")])


def test_nested_unknown_key_and_missing_key():
    text = replace_once(en_text(), "  type: national-police\n", "  acronym: PONAL\n")
    assert_problems(
        run(text),
        [
            (
                "valid-english-case.md:9: institution.acronym: ",
                "unknown key 'acronym': allowed keys here: name, name_original, type",
            ),
            ("valid-english-case.md:8: institution.type: ", "required field 'type' is missing"),
        ],
    )


def test_enum_typo_gets_a_suggestion():
    problems = run(replace_once(en_text(), "scale: national", "scale: nationall"))
    assert_problems(
        problems, [("valid-english-case.md:5: scale: ", "'nationall' is not allowed; did you mean 'national'?")]
    )


def test_quoted_year_is_a_type_error():
    problems = run(replace_once(en_text(), "    year: 2012\n", '    year: "2012"\n'))
    assert_problems(problems, [("valid-english-case.md:24: sources[0].year: ", "expected a whole number, got str")])


def test_url_without_scheme():
    problems = run(replace_once(en_text(), "https://example.org/quadrant-plan", "example.org/quadrant-plan"))
    assert_problems(problems, [("valid-english-case.md:25: sources[0].url: ", "has the wrong form")])


def test_id_with_wrong_form():
    problems = run(replace_once(en_text(), "id: valid-english-case", "id: Valid_English_Case"))
    assert_problems(
        problems,
        [
            ("valid-english-case.md:2: id: ", "'Valid_English_Case' has the wrong form"),
            ("valid-english-case.md:2: id: ", "differs from the file name 'valid-english-case.md'"),
        ],
    )


@pytest.mark.parametrize(
    "front, got", [("- id: a\n- title: b\n", "list"), ("just some text\n", "str"), ("", "nothing")]
)
def test_front_matter_must_be_a_mapping(front, got):
    problems = run(f"---\n{front}---\n\n## Context and problem\n")
    assert_problems(
        problems, [("valid-english-case.md:2: ", f"front matter must be a mapping of 'key: value' lines, got {got}")]
    )


def test_problems_are_sorted_by_line():
    text = replace_once(en_text(), "countries: [CO]", "countries: [Panama]")
    text = replace_once(text, "  end: 2015\n", "  end: 2005\n")
    text = replace_once(text, "## Sources\n", "## Fuentes del caso\n")
    lines = [p.line for p in run(text)]
    assert lines == sorted(lines) and len(lines) == 3
