"""Issue #9 (2): property-based fuzzing of the parser, the validator and the search query.

No input may raise anything but ``FrontMatterError`` from ``split``/``parse_yaml``; ``validate`` and
``read_case`` always return problems; ``Searcher.search`` (three modes) and ``/api/search`` never
raise and never answer 5xx. Under `make fuzz` the search examples add up to ``SEARCH_EXAMPLES``
(>= 10,000); other runs draw a tenth (`make test`) or a fiftieth (plain pytest) of each budget
(tests/fuzzing.py).
"""

from __future__ import annotations

import string

import pytest
import yaml
from fuzzing import examples  # noqa: E402 - tests/ is on sys.path (rootdir conftest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.frontmatter import FrontMatterError, YamlDoc, parse_yaml, split
from indexer.loader import read_case
from indexer.model import Problem
from indexer.search import MODES, SearchResult
from indexer.validate import validate
from indexer.vocab import SECTIONS
from webapp import create_app

pytestmark = pytest.mark.fuzz

FAST = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
PER_MODE = {"hybrid": 1100, "keyword": 1100, "semantic": 1700}  # Searcher.search examples per mode
API = 6100  # /api/search examples
SEARCH_EXAMPLES = sum(PER_MODE.values()) + API

# --- parser and validator ----------------------------------------------------------------------------------------

KEYS = [
    "id",
    "title",
    "title_original",
    "language",
    "scale",
    "countries",
    "institution",
    "pillars",
    "themes",
    "period",
    "status",
    "evidence",
    "channel",
    "sources",
    "summary",
    "documentation",
    "related",
    "partners",
    "contries",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["PA", "CO", "no", "TODO", "2010", "2010-13", "https://x", "prevention", "evaluated", "es"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS + ["name", "start", "end", "en"]), inner)
    ),
    max_leaves=12,
)
front_matter = st.dictionaries(st.sampled_from(KEYS), values, max_size=len(KEYS))
headings = st.lists(
    st.sampled_from([f"## {names['en']}" for _, names in SECTIONS] + ["## Otra", "# Top", "```", "TODO", "text"]),
    max_size=10,
)
yaml_ish = st.text(alphabet=string.printable + "ñé\u00a0\ufeff\u2028", max_size=300)


def _is_problems(problems) -> bool:
    return isinstance(problems, list) and all(isinstance(p, Problem) for p in problems)


@settings(max_examples=examples(300), **FAST)
@given(st.one_of(st.text(max_size=400), yaml_ish.map(lambda t: "---\n" + t + "\n---\nbody")))
def test_split_and_parse_yaml_raise_only_front_matter_errors(text):
    try:
        yaml_text, body, line = split(text)
        assert isinstance(body, str) and line >= 2
        doc = parse_yaml(yaml_text, 2)
    except FrontMatterError as exc:
        assert exc.line >= 1
        return
    assert isinstance(doc, YamlDoc)
    doc.line(("a", 0, "b"))
    doc.key_line(("sources", 0))


@settings(max_examples=examples(300), **FAST)
@given(front_matter, headings, st.text(max_size=60))
def test_validate_always_returns_problems(meta, heads, filler):
    yaml_text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    body = "\n\n".join(f"{h}\n\n{filler}" for h in heads)
    try:
        doc = parse_yaml(yaml_text, 2)
    except FrontMatterError:  # e.g. floats or keys safe_dump writes in a way the loader reads back differently
        return
    problems, sections = validate(doc, body, len(yaml_text.splitlines()) + 3, "fuzz.md", "fuzz")
    assert _is_problems(problems)
    assert isinstance(sections, list)


@settings(max_examples=examples(200), **FAST)
@given(
    st.one_of(
        st.binary(max_size=400),
        yaml_ish.map(str.encode),
        front_matter.map(lambda m: b"---\n" + yaml.safe_dump(m).encode() + b"---\n"),
    )
)
def test_read_case_never_raises(tmp_path, raw):
    path = tmp_path / "fuzz-case.md"
    path.write_bytes(raw)
    case, problems = read_case(path, "fuzz-case.md")
    assert _is_problems(problems)
    assert case is not None or problems


# --- search query --------------------------------------------------------------------------------------------------

WORDS = ["police", "policía", "homicidios", "jóvenes", "AND", "OR", "NOT", "prison", "violence", "favela", "crime"]
SPECIAL = list("\"'*?~^:()[]{}+-!/\\<>&|%#=") + ["\x00", "\u0301", "\ufeff", "\U0001f46e", "<script>", "%00"]
queries = st.one_of(
    st.text(max_size=20),
    st.lists(st.sampled_from(WORDS + SPECIAL), max_size=5).map(" ".join),
    st.lists(st.sampled_from(WORDS + SPECIAL), max_size=4).map("".join),
    st.text(alphabet=string.ascii_letters + string.digits + '"*?~^:()+- ', max_size=20),
)


@pytest.mark.parametrize("mode", MODES)
def test_searcher_search_never_raises(hash_searcher, mode):
    @settings(max_examples=examples(PER_MODE[mode]), **FAST)
    @given(q=queries, page=st.integers(1, 3), per_page=st.integers(1, 2), sort=st.sampled_from(["relevance", "date"]))
    def run(q, page, per_page, sort):
        r = hash_searcher.search(q, mode=mode, page=page, per_page=per_page, sort=sort)
        assert isinstance(r, SearchResult)
        assert 0 <= len(r.hits) <= per_page and r.total >= len(r.hits)

    run()


@pytest.fixture(scope="module")
def client(hash_searcher):
    return create_app({"SEARCHER": hash_searcher, "TESTING": True}).test_client()


@settings(max_examples=examples(API), **FAST)
@given(
    q=queries,
    mode=st.one_of(st.sampled_from(MODES), st.text(max_size=8)),
    extra=st.dictionaries(
        st.sampled_from(["page", "per_page", "sort", "year_from", "year_to", "countries", "lang", "pillars"]),
        st.one_of(
            st.sampled_from(["1", "2", "0", "-1", "99999999999999999999", "date", "es", "PA"]), st.text(max_size=6)
        ),
        max_size=3,
    ),
)
def test_api_search_never_answers_5xx(client, q, mode, extra):
    params = {"q": q, "mode": mode, "per_page": "2", **extra}
    r = client.get("/api/search", query_string=params)
    assert r.status_code < 500, (params, r.get_data(as_text=True)[:300])
    assert r.status_code in (200, 400), r.status_code
    body = r.get_json()
    assert ("error" in body) == (r.status_code == 400)


def test_search_fuzzing_covers_ten_thousand_inputs():
    assert set(PER_MODE) == set(MODES)
    assert SEARCH_EXAMPLES >= 10_000
