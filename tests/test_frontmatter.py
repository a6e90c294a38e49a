"""indexer.frontmatter: splitting a case file and parsing its YAML with file line numbers."""

from __future__ import annotations

import pytest

from indexer.frontmatter import FrontMatterError, parse_yaml, split

SIMPLE = "---\nid: a-case\ntitle: A title\n---\n\n## Context and problem\n\nText.\n"


# --- split -----------------------------------------------------------------------------------------


def test_split_returns_yaml_body_and_body_start_line():
    yaml_text, body, body_line = split(SIMPLE)
    assert yaml_text == "id: a-case\ntitle: A title\n"
    assert body == "\n## Context and problem\n\nText.\n"
    # the closing fence is line 4, so the body starts on line 5
    assert body_line == 5
    assert SIMPLE.split("\n")[body_line - 1 :] == body.split("\n")


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(SIMPLE.replace("\n", "\r\n"), id="crlf"),
        pytest.param(SIMPLE.replace("\n", "\r"), id="cr-only"),
        pytest.param("\ufeff" + SIMPLE, id="bom"),
        pytest.param("\ufeff" + SIMPLE.replace("\n", "\r\n"), id="bom-crlf"),
        pytest.param(SIMPLE.replace("---\n", "--- \t\n"), id="fence-trailing-blanks"),
    ],
)
def test_split_accepts_bom_windows_line_endings_and_trailing_blanks(variant):
    assert split(variant) == split(SIMPLE)


def test_split_front_matter_only_gives_empty_body():
    yaml_text, body, body_line = split("---\nid: a-case\n---\n")
    assert yaml_text == "id: a-case\n"
    assert body.strip() == ""
    assert body_line == 4


def test_split_keeps_later_fences_in_the_body():
    text = "---\nid: a\n---\nbody\n---\nmore\n"
    yaml_text, body, _ = split(text)
    assert yaml_text == "id: a\n"
    assert body == "body\n---\nmore\n"


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff", "\r\n\r\n"])
def test_split_empty_file(text):
    with pytest.raises(FrontMatterError, match="the file is empty") as exc:
        split(text)
    assert exc.value.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "# A title\n---\nid: a\n---\n",  # a title above the front matter
        "\n---\nid: a\n---\n",  # a blank line above it
        "----\nid: a\n----\n",  # four dashes are not a fence
        "id: a\ntitle: b\n",  # no fences at all
    ],
)
def test_split_requires_the_first_line_to_be_a_fence(text):
    with pytest.raises(FrontMatterError, match="no front matter: the first line must be '---'") as exc:
        split(text)
    assert exc.value.line == 1


def test_split_unclosed_front_matter():
    with pytest.raises(FrontMatterError, match="never closed") as exc:
        split("---\nid: a\ntitle: b\n\n## Context and problem\n")
    assert exc.value.line == 1


# --- parse_yaml ------------------------------------------------------------------------------------

YAML = """\
id: a-case
period:
  start: 2010
  end: "2012-05"
sources:
  - title: First
    year: 2011
  - title: >-
      A long folded
      title
    year: 2012
documentation:
  last_reviewed: 2026-01-15
summary:
  en:
    Text on the next line.
"""


def test_parse_yaml_data_and_types():
    doc = parse_yaml(YAML)
    assert doc.data["period"] == {"start": 2010, "end": "2012-05"}
    assert doc.data["sources"][1] == {"title": "A long folded title", "year": 2012}
    # dates stay ISO text, not datetime.date
    assert doc.data["documentation"]["last_reviewed"] == "2026-01-15"
    assert isinstance(doc.data["documentation"]["last_reviewed"], str)
    assert doc.duplicates == []


def test_parse_yaml_lines_are_file_lines():
    # first_line=2: the YAML starts on file line 2, after the opening fence
    doc = parse_yaml(YAML, first_line=2)
    assert doc.line(()) == 2
    assert doc.line(("id",)) == 2
    assert doc.line(("period", "start")) == 4
    assert doc.line(("period", "end")) == 5
    assert doc.line(("sources",)) == 7
    assert doc.line(("sources", 0)) == 7
    assert doc.line(("sources", 0, "year")) == 8
    assert doc.line(("sources", 1, "title")) == 9
    assert doc.line(("sources", 1, "year")) == 12
    assert doc.line(("documentation", "last_reviewed")) == 14


def test_parse_yaml_first_line_offset():
    assert parse_yaml(YAML, first_line=10).line(("period", "end")) == 13


def test_parse_yaml_key_line_differs_from_value_line():
    doc = parse_yaml(YAML, first_line=2)
    # `en:` is on line 16, its value on line 17
    assert doc.key_line(("summary", "en")) == 16
    assert doc.line(("summary", "en")) == 17
    # for a list the key line is where the key is written
    assert doc.key_line(("sources",)) == 6


def test_parse_yaml_missing_path_falls_back_to_nearest_parent():
    doc = parse_yaml(YAML, first_line=2)
    assert doc.line(("period", "nope")) == doc.line(("period",)) == 4
    assert doc.line(("sources", 5, "title")) == doc.line(("sources",))
    assert doc.line(("no-such-key",)) == 2
    # key_line falls back to line() when the key does not exist
    assert doc.key_line(("period", "nope")) == 4


def test_parse_yaml_reports_duplicate_keys_with_their_lines():
    text = "id: a\nstatus: active\nperiod:\n  start: 2010\n  start: 2011\nstatus: completed\n"
    doc = parse_yaml(text, first_line=2)
    assert sorted(doc.duplicates) == [(("period", "start"), 6), (("status",), 7)]
    # YAML keeps the last value
    assert doc.data["status"] == "completed"
    assert doc.data["period"]["start"] == 2011


@pytest.mark.parametrize(
    "text, line",
    [
        # bad indentation: `type` less indented than `name`
        ("id: a\ninstitution:\n    name: X\n  type: other\n", 5),
        # an unquoted ': ' inside a value
        ("id: a\ntitle: PICAP: training\n", 3),
        # an unclosed flow list
        ("id: a\ncountries: [CO, PA\nscale: national\n", 4),
    ],
)
def test_parse_yaml_syntax_errors_carry_the_file_line(text, line):
    with pytest.raises(
        FrontMatterError, match=r"^YAML syntax error: .*\(check indentation, colons and quotes\)"
    ) as exc:
        parse_yaml(text, first_line=2)
    assert exc.value.line == line


def test_parse_yaml_is_safe():
    """Python tags are refused (never executed)."""
    with pytest.raises(FrontMatterError, match="YAML syntax error"):
        parse_yaml("id: !!python/object/apply:os.system ['echo hacked']\n")


def test_parse_yaml_empty_document():
    doc = parse_yaml("", first_line=2)
    assert doc.data is None
    assert doc.line(()) == 2
    assert doc.line(("id",)) == 2


def test_parse_yaml_unquoted_no_is_false():
    """The Norway trap the docs warn about, so the validator can report it."""
    assert parse_yaml("countries: [NO, CO]\n").data == {"countries": [False, "CO"]}
